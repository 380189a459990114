//! Alerting overhead on ingest (issue #6): 200,000 events over 2,000
//! correlation keys through the bare incident model (the anchor, measured
//! in the same run) and through the alert engine with 4 rules (one with a
//! repeat interval, one with group_wait), 2 silences and 500 heartbeats.
//!
//! Run with `cargo bench -p erpops-core --bench alert_ingest`; report the
//! engine's events/s as a ratio to the model's.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use erpops_core::alert::{
    AlertConfig, AlertEngine, AlertRule, Heartbeat, Matchers, Silence, TransitionKind,
};
use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::incident::{IncidentConfig, IncidentModel};
use erpops_core::Timestamp;
use uuid::Uuid;

const EVENTS: usize = 200_000;
const KEYS: u64 = 2_000;
const T0: i64 = 1_776_650_400;

/// The i-th event: a pseudo-random key; mostly failures (updates of an
/// open incident), one in eight a success (resolve, then reopen/open).
fn event(i: u64) -> Event {
    let x = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let k = (x >> 33) % KEYS;
    let ok = (x >> 20) % 8 == 0;
    Event {
        connector_id: Uuid::from_u128(u128::from(k % 4) + 1),
        event_type: if ok {
            "integration.succeeded"
        } else {
            "integration.failed"
        }
        .into(),
        timestamp: Timestamp::from_unix_seconds(T0 + i as i64),
        severity: if ok { Severity::Info } else { Severity::Error },
        source: Some(format!("JOB_{k:05}")),
        message: Some("exit code 1".into()),
        metadata: Metadata::new(),
    }
}

fn engine() -> AlertEngine {
    let mut e = AlertEngine::new(AlertConfig::with_defaults());
    let rule = |id: &str| AlertRule {
        id: id.into(),
        name: id.into(),
        kinds: Default::default(),
        matchers: Matchers::default(),
        channel: "ops".into(),
        repeat_interval: None,
        group_wait: None,
    };
    let mut pager = rule("pager");
    pager.kinds = [TransitionKind::Opened, TransitionKind::Escalated].into();
    pager.repeat_interval = Some(Duration::from_secs(4 * 3600));
    e.set_rule(pager).unwrap();
    let mut digest = rule("digest");
    digest.group_wait = Some(Duration::from_secs(30));
    e.set_rule(digest).unwrap();
    let mut jobs = rule("jobs-0");
    jobs.matchers.source = Some("JOB_0*".into());
    e.set_rule(jobs).unwrap();
    let mut crit = rule("critical");
    crit.matchers.min_severity = Some(Severity::Critical);
    e.set_rule(crit).unwrap();
    for (i, glob) in ["JOB_001*", "JOB_19*"].iter().enumerate() {
        e.set_silence(Silence {
            id: format!("s{i}"),
            matchers: Matchers {
                source: Some((*glob).into()),
                ..Matchers::default()
            },
            starts_at: Timestamp::from_unix_seconds(T0),
            ends_at: Timestamp::from_unix_seconds(T0 + 86_400),
            comment: None,
        })
        .unwrap();
    }
    for k in 0..500u64 {
        e.set_heartbeat(
            Heartbeat {
                connector_id: Uuid::from_u128(u128::from(k % 4) + 1),
                source: format!("JOB_{k:05}"),
                period: Duration::from_secs(3600),
                grace: Duration::from_secs(600),
                severity: Severity::Error,
                paused: false,
            },
            Timestamp::from_unix_seconds(T0),
        )
        .unwrap();
    }
    e
}

fn bench(c: &mut Criterion) {
    let events: Vec<(Event, String)> = (0..EVENTS as u64)
        .map(|i| (event(i), format!("evt_{i:032x}")))
        .collect();
    let mut group = c.benchmark_group("alert_ingest_200k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("anchor_incident_model", |b| {
        b.iter(|| {
            let mut m = IncidentModel::new(IncidentConfig::default());
            let mut n = 0usize;
            for (ev, id) in &events {
                n += m.ingest(ev, id, ev.timestamp).len();
            }
            black_box(n)
        })
    });
    group.bench_function("alert_engine", |b| {
        b.iter(|| {
            let mut e = engine();
            let mut n = 0usize;
            for (i, (ev, id)) in events.iter().enumerate() {
                n += e.ingest(ev, id, ev.timestamp).len();
                // A receiver ticks when due; here every 100 events.
                if i % 100 == 99 {
                    n += e.tick(ev.timestamp).len();
                }
            }
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
