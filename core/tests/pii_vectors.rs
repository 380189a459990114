//! Runs every case of `tests/vectors/pii.json`, the file that every
//! language's test suite reads: `redact(text)` must give exactly `redacted`
//! and `findings` (kinds and byte offsets), and redacting again must find
//! nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use erpops_core::pii::{find, redact, PiiKind};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    version: u32,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    text: String,
    redacted: String,
    findings: Vec<Expected>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Expected {
    kind: String,
    start: usize,
    end: usize,
}

fn load() -> File {
    vector_support::load("pii.json")
}

#[test]
fn every_vector_case_passes() {
    let file = load();
    assert_eq!(file.version, 1);
    assert!(file.cases.len() >= 100, "{} cases", file.cases.len());
    let mut failures = Vec::new();
    for case in &file.cases {
        let (out, findings) = redact(&case.text);
        let got: Vec<Expected> = findings
            .iter()
            .map(|f| Expected {
                kind: f.kind.as_str().to_owned(),
                start: f.start,
                end: f.end,
            })
            .collect();
        if out != case.redacted || got != case.findings {
            failures.push(format!(
                "{}: text {:?}\n  want {:?} {:?}\n  got  {:?} {:?}",
                case.name, case.text, case.redacted, case.findings, out, got
            ));
        }
        if !find(&out).is_empty() {
            failures.push(format!("{}: redacted text still has findings", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    vector_support::replayed("pii.json", "cases", file.cases.len());
}

#[test]
fn the_vectors_cover_every_kind_and_traps() {
    let file = load();
    for kind in [
        PiiKind::Email,
        PiiKind::Ssn,
        PiiKind::Card,
        PiiKind::Iban,
        PiiKind::Phone,
    ] {
        assert!(file
            .cases
            .iter()
            .any(|c| c.findings.iter().any(|f| f.kind == kind.as_str())));
    }
    let traps = file.cases.iter().filter(|c| c.findings.is_empty()).count();
    assert!(traps >= 50, "{traps} trap cases");
}
