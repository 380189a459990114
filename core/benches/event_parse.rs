//! `parse_event` on the API reference's example body against the anchor:
//! serde_json deserializing the same bytes into a plain
//! `#[derive(Deserialize)]` struct (no validation at all), in the same run.
//!
//! Run: `cargo bench -p erpops-core --bench event_parse`. Report the ratio
//! `parse_event / serde_json_plain_struct` (target ≤ 1.5×).

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use erpops_core::event::{parse_event, ParseOptions};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;
use serde::Deserialize;

/// The cURL example of the API reference with a real connector id.
const SEED_BODY: &[u8] = br#"{"connector_id":"123e4567-e89b-12d3-a456-426614174000","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441"}"#;

/// The same with the reference's documented metadata.
const SEED_BODY_METADATA: &[u8] = br#"{"connector_id":"123e4567-e89b-12d3-a456-426614174000","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{"exit_code":1,"records_processed":18441,"records_total":40000}}"#;

/// The anchor: what a receiver written with serde alone would do.
#[allow(dead_code)]
#[derive(Deserialize)]
struct Plain {
    connector_id: String,
    event_type: String,
    timestamp: String,
    severity: Option<String>,
    source: Option<String>,
    message: Option<String>,
    metadata: Option<BTreeMap<String, serde_json::Value>>,
}

fn bench(c: &mut Criterion) {
    let now = Timestamp::from_unix_seconds(1_776_654_000);
    let redact = ParseOptions::new(now);
    let allow = ParseOptions::new(now).with_pii_policy(PiiPolicy::Allow);
    for (name, body) in [("seed", SEED_BODY), ("seed_metadata", SEED_BODY_METADATA)] {
        assert!(parse_event(body, &redact).is_ok());
        let mut g = c.benchmark_group(name);
        g.bench_function("serde_json_plain_struct", |b| {
            b.iter(|| serde_json::from_slice::<Plain>(black_box(body)).ok())
        });
        g.bench_function("parse_event_redact", |b| {
            b.iter(|| parse_event(black_box(body), &redact).ok())
        });
        g.bench_function("parse_event_allow", |b| {
            b.iter(|| parse_event(black_box(body), &allow).ok())
        });
        g.finish();
    }
    // Near the size limit: 60 metadata strings of 1,000 characters, all
    // scanned for PII under `redact`.
    let mut large = String::from(
        r#"{"connector_id":"123e4567-e89b-12d3-a456-426614174000","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","metadata":{"#,
    );
    for i in 0..60 {
        if i > 0 {
            large.push(',');
        }
        large.push_str(&format!(
            r#""line_{i:02}":"{}""#,
            "record 18441 of 40000 failed; exit code 1. ".repeat(23)
        ));
    }
    large.push_str("}}");
    let large = large.into_bytes();
    assert!(large.len() <= 65536 && parse_event(&large, &redact).is_ok());
    let mut g = c.benchmark_group("large_61k");
    g.throughput(criterion::Throughput::Bytes(large.len() as u64));
    g.bench_function("serde_json_plain_struct", |b| {
        b.iter(|| serde_json::from_slice::<Plain>(black_box(&large)).ok())
    });
    g.bench_function("parse_event_redact", |b| {
        b.iter(|| parse_event(black_box(&large), &redact).ok())
    });
    g.bench_function("parse_event_allow", |b| {
        b.iter(|| parse_event(black_box(&large), &allow).ok())
    });
    g.finish();
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
use group::benches;
criterion_main!(benches);
