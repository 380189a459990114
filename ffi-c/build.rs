//! Generates `erpops.h` into OUT_DIR with the pinned cbindgen. The committed
//! `include/erpops.h` must equal it byte for byte (tests/header.rs checks;
//! `make header` copies it over). Build scripts write only to OUT_DIR.

use std::env;
use std::path::PathBuf;

/// The ABI generation: bumped on every incompatible change of the C API.
/// It is both `ERPOPS_ABI_VERSION` in the header and the shared library's
/// SONAME (`libERPOps.so.<ABI>`), so a program linked against one
/// generation never loads another.
const ABI_VERSION: u32 = 1;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("erpops.h");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libERPOps.so.{ABI_VERSION}");
    }

    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );

    let mut config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}");
            return;
        }
    };
    let extra = format!(
        "\n#define ERPOPS_VERSION_MAJOR {major}\n#define ERPOPS_VERSION_MINOR {minor}\n\
         #define ERPOPS_VERSION_PATCH {patch}\n\
         #define ERPOPS_VERSION_NUMBER ((ERPOPS_VERSION_MAJOR << 16) | (ERPOPS_VERSION_MINOR << 8) | ERPOPS_VERSION_PATCH)\n\
         #define ERPOPS_VERSION_STRING \"{version}\"\n\
         /** The ABI generation: bumped on every incompatible change of this header. */\n\
         #define ERPOPS_ABI_VERSION {ABI_VERSION}\n\n\
         #ifndef ERPOPS_MUST_USE\n\
         #if defined(__GNUC__) || defined(__clang__)\n\
         #define ERPOPS_MUST_USE __attribute__((warn_unused_result))\n\
         #else\n\
         #define ERPOPS_MUST_USE\n\
         #endif\n\
         #endif\n"
    );
    config.after_includes = Some(format!(
        "{}{extra}",
        config.after_includes.clone().unwrap_or_default()
    ));

    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&out);
        }
        Err(e) => println!("cargo:warning=cbindgen could not generate erpops.h: {e}"),
    }
}
