//! No export bypasses the panic guard: every `extern "C" fn` in the sources
//! runs its whole body inside `guard(..)` or `guard_or(..)`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

#[test]
fn every_export_runs_inside_the_panic_guard() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut exports = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("extern \"C\" fn ") {
            let after = &rest[at..];
            let name: String = after["extern \"C\" fn ".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // The body starts at the first `{` after the signature; its first
            // statement (ignoring comments) must be the guard call.
            let open = after.find('{').unwrap();
            let first = after[open + 1..]
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with("//"))
                .unwrap_or_default();
            assert!(
                first.starts_with("guard(") || first.starts_with("guard_or("),
                "{}: `{name}` does not start with guard(..)/guard_or(..): `{first}`",
                path.display()
            );
            assert!(
                name.starts_with("erpops_"),
                "`{name}` lacks the erpops_ prefix"
            );
            // The doc comment right above the export states its thread safety.
            let before = &text[..text.len() - rest.len() + at];
            let docs: Vec<&str> = before
                .lines()
                .rev()
                .skip(1) // the `pub unsafe` start of the signature line
                .skip_while(|l| l.trim_start().starts_with("#["))
                .take_while(|l| l.trim_start().starts_with("///"))
                .collect();
            assert!(
                docs.iter().any(|l| l.to_lowercase().contains("thread")),
                "{}: `{name}` does not document its thread safety",
                path.display()
            );
            exports += 1;
            rest = &after[open..];
        }
    }
    assert!(
        exports >= 12,
        "found only {exports} exports: is the scan broken?"
    );
}
