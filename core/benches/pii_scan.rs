//! `pii::find` and `pii::redact` on the texts a receiver scans, against two
//! anchors measured in the same run: copying the text (`to_owned`, the least
//! any redaction must do) and serde_json deserializing the API reference's
//! example body into a plain struct (the anchor of the event-parse
//! benchmark, so the PII share of the parse budget can be read off).
//!
//! Run: `cargo bench -p erpops-core --bench pii_scan`; report ratios.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use erpops_core::pii::{find, redact};
use serde::Deserialize;

const SEED_BODY: &[u8] = br#"{"connector_id":"123e4567-e89b-12d3-a456-426614174000","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441"}"#;

/// The anchor of the event benchmark.
#[allow(dead_code)]
#[derive(Deserialize)]
struct Plain {
    connector_id: String,
    event_type: String,
    timestamp: String,
    severity: Option<String>,
    source: Option<String>,
    message: Option<String>,
}

/// A long job log line with every kind of false-positive trap and no PII.
fn log_without_pii() -> String {
    "PRCSINSTANCE=1234567 RUN_CNTL_ID=PAY_NIGHTLY_01 started 2026-04-20T03:00:00Z on \
     192.168.1.10:8443 (PeopleTools 8.61.09); processed 18441 of 40000 rows, 1,234,567 bytes, \
     total $12,345.67; connector 123e4567-e89b-12d3-a456-426614174000; sha256=9f86d081884c7d65\
     9a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; exit code 1 at record 18441. "
        .repeat(3)
}

/// The same length with one finding of each kind.
fn log_with_pii() -> String {
    let mut s = log_without_pii();
    s.truncate(s.len() / 2);
    s.push_str(
        "employee 123-45-6789 jane.doe@example.com card 4111 1111 1111 1111 \
         iban DE89 3704 0044 0532 0130 00 tel +44 20 7946 0958 done",
    );
    s
}

fn bench(c: &mut Criterion) {
    let seed_message = "Exit code 1 at record 18441".to_owned();
    let clean = log_without_pii();
    let dirty = log_with_pii();
    assert!(find(&seed_message).is_empty() && find(&clean).is_empty());
    assert_eq!(find(&dirty).len(), 5);

    let mut g = c.benchmark_group("anchor");
    g.bench_function("serde_json_plain_struct_seed_body", |b| {
        b.iter(|| serde_json::from_slice::<Plain>(black_box(SEED_BODY)).ok())
    });
    g.finish();
    for (name, text) in [
        ("seed_message", &seed_message),
        ("log_no_pii", &clean),
        ("log_5_findings", &dirty),
    ] {
        let mut g = c.benchmark_group(name);
        g.bench_function("to_owned", |b| {
            b.iter(|| black_box(text.as_str()).to_owned())
        });
        g.bench_function("find", |b| b.iter(|| find(black_box(text))));
        g.bench_function("redact", |b| b.iter(|| redact(black_box(text))));
        g.finish();
    }
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
criterion_main!(group::benches);
