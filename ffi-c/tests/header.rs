//! The committed `include/erpops.h` is exactly what the pinned cbindgen
//! generates from the sources (build.rs writes it to OUT_DIR).
//!
//! `make header` (UPDATE_HEADER=1) rewrites the committed file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/erpops.h"));
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include/erpops.h");

#[test]
fn committed_header_matches_the_sources() {
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(COMMITTED, GENERATED).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == GENERATED,
        "ffi-c/include/erpops.h is out of date with ffi-c/src: run `make header` and commit it"
    );
}

#[test]
fn header_version_macros_match_the_crate() {
    let v = env!("CARGO_PKG_VERSION");
    let mut parts = v.split('.');
    for name in ["MAJOR", "MINOR", "PATCH"] {
        let want = format!("#define ERPOPS_VERSION_{name} {}", parts.next().unwrap());
        assert!(GENERATED.contains(&want), "missing `{want}`");
    }
    assert!(GENERATED.contains(&format!("#define ERPOPS_VERSION_STRING \"{v}\"")));
    assert!(GENERATED.contains(&format!(
        "#define ERPOPS_ABI_VERSION {}",
        ERPOps::version::erpops_abi_version()
    )));
}

#[test]
fn every_declared_function_is_an_erpops_symbol() {
    for line in GENERATED.lines() {
        if let Some(paren) = line.find('(') {
            let head = &line[..paren];
            if line.starts_with(' ') || line.starts_with('#') || head.contains('=') {
                continue;
            }
            if let Some(name) = head.split_whitespace().last() {
                let name = name.trim_start_matches('*');
                assert!(
                    name.starts_with("erpops_"),
                    "exported `{name}` lacks the erpops_ prefix"
                );
            }
        }
    }
}
