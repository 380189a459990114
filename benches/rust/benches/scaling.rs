//! How the stateful parts of the core scale with the state they hold.
//!
//! - `incident ingest, N open keys`: one failure event for an existing open
//!   incident, with N = 10, 10,000 and 1,000,000 incidents open (the time per
//!   event should stay flat), against two bare counters per correlation key
//!   holding the same N keys (the least any correlation must do): a
//!   `BTreeMap` and a `HashMap` (std hasher). They show the memory-latency
//!   floor: once N keys outgrow the caches even a bare map slows down, the
//!   ordered one by a cache miss per tree level, the hashed one by about one
//!   per lookup (the model's key index is hashed too). `report.py` compares
//!   the model's growth from 10 to 1,000,000 keys with the anchors'.
//! - `quota ledger, N tenants`: `Ledger::consume` round-robin over N tenants
//!   (100 and 100,000), against a bare `BTreeMap` usage counter per
//!   (tenant, metric, window) with the same limit check.
//! - `quota decide (pure)`: the stateless rule on a counter row, no anchor.
//!
//! Run: `cargo bench -p erpops-bench --bench scaling`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use erpops_core::event::{Event, Metadata, MetadataValue, Severity};
use erpops_core::incident::IncidentModel;
use erpops_core::quota::{decide, Ledger, Limit, Metric, Request};
use erpops_core::Timestamp;
use uuid::Uuid;

const T0: i64 = 1_776_654_000;
/// Visits every key of a power-of-ten key count in a scattered order.
const STRIDE: u64 = 7_919;

/// A PeopleSoft-like failure; `set_key` makes it one of N correlation keys.
fn failure() -> Event {
    let mut metadata = Metadata::new();
    metadata.insert("exit_code", MetadataValue::Int(1));
    Event {
        connector_id: Uuid::from_u128(0x3f2b8c1e_9a4d_4e7b_8c21_5d6f7a8b9c0d),
        event_type: "integration.failed".into(),
        timestamp: Timestamp::from_unix_seconds(T0),
        severity: Severity::Error,
        source: Some(String::with_capacity(16)),
        message: Some("Exit code 1 at record 18441".into()),
        metadata,
    }
}

fn set_key(event: &mut Event, key: u64) {
    if let Some(source) = event.source.as_mut() {
        source.clear();
        write!(source, "PSFT_BATCH_{key:07}").unwrap();
    }
}

/// A model with `keys` open incidents (one failure each).
fn open_model(keys: u64) -> IncidentModel {
    let mut model = IncidentModel::default();
    let mut event = failure();
    let mut id = String::with_capacity(36);
    for k in 0..keys {
        set_key(&mut event, k);
        id.clear();
        write!(id, "evt_{k:032x}").unwrap();
        model.ingest(&event, &id, event.timestamp);
    }
    assert_eq!(model.active_count() as u64, keys);
    model
}

fn incident_scaling(c: &mut Criterion) {
    for (label, keys) in [("10", 10u64), ("10,000", 10_000), ("1,000,000", 1_000_000)] {
        let start = Instant::now();
        let mut model = open_model(keys);
        eprintln!(
            "scaling: {keys} open incidents built in {:?}",
            start.elapsed()
        );
        let mut g = c.benchmark_group(format!("incident ingest, {label} open keys"));
        g.sample_size(20);
        // Sequence number of the next event: keys are visited in a scattered
        // order and event time only moves forward, as on a real stream.
        let mut seq = keys;
        let mut event = failure();
        let mut id = String::with_capacity(36);
        g.bench_function("erpops IncidentModel::ingest", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    set_key(&mut event, (seq * STRIDE) % keys);
                    event.timestamp = Timestamp::from_unix_seconds(T0 + 1 + (seq / keys) as i64);
                    id.clear();
                    write!(id, "evt_{seq:032x}").unwrap();
                    black_box(model.ingest(&event, &id, event.timestamp));
                    seq += 1;
                }
                start.elapsed()
            })
        });
        drop(model);

        let btree: BTreeMap<Key, u64> = BTreeMap::new();
        anchor(
            &mut g,
            "bare BTreeMap counter (anchor)",
            btree,
            keys,
            |m, k| *m.entry(k).or_default() += 1,
        );
        let hash: HashMap<Key, u64> = HashMap::new();
        anchor(
            &mut g,
            "bare HashMap counter (anchor)",
            hash,
            keys,
            |m, k| *m.entry(k).or_default() += 1,
        );
        g.finish();
    }
}

type Key = (Uuid, String, String);

/// A bare counter per (connector, source, family) in `counts`, filled with
/// the same `keys` keys as the model, then bumped by the same event stream;
/// `bump` is the map's entry-and-increment.
fn anchor<M>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    mut counts: M,
    keys: u64,
    bump: impl Fn(&mut M, Key),
) {
    let mut event = failure();
    let key_of = |event: &Event| -> Key {
        (
            event.connector_id,
            event.source.clone().unwrap_or_default(),
            event.family().to_owned(),
        )
    };
    for k in 0..keys {
        set_key(&mut event, k);
        bump(&mut counts, key_of(&event));
    }
    let mut seq = keys;
    let mut id = String::with_capacity(36);
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                set_key(&mut event, (seq * STRIDE) % keys);
                event.timestamp = Timestamp::from_unix_seconds(T0 + 1 + (seq / keys) as i64);
                id.clear();
                write!(id, "evt_{seq:032x}").unwrap();
                bump(&mut counts, key_of(&event));
                black_box(&id);
                seq += 1;
            }
            start.elapsed()
        })
    });
}

fn quota_scaling(c: &mut Criterion) {
    let now = Timestamp::from_unix_seconds(T0);
    let limit = Limit::Finite(1_000_000_000);
    for (label, tenants) in [("100", 100usize), ("100,000", 100_000)] {
        let names: Vec<String> = (0..tenants).map(|t| format!("tenant_{t:06}")).collect();
        let mut ledger = Ledger::new();
        for name in &names {
            ledger.consume(&Request::new(name, Metric::InboundEvent, limit, now));
        }
        assert_eq!(ledger.len(), tenants);
        let mut g = c.benchmark_group(format!("quota ledger, {label} tenants"));
        let mut i = 0usize;
        g.bench_function("erpops Ledger::consume", |b| {
            b.iter(|| {
                i = (i + STRIDE as usize) % tenants;
                ledger.consume(&Request::new(
                    black_box(&names[i]),
                    Metric::InboundEvent,
                    limit,
                    now,
                ))
            })
        });
        let mut counts: BTreeMap<(String, Metric, i64), u64> = names
            .iter()
            .map(|n| ((n.clone(), Metric::InboundEvent, T0 - T0 % 86_400), 1))
            .collect();
        let mut i = 0usize;
        g.bench_function("bare BTreeMap counter (anchor)", |b| {
            b.iter(|| {
                i = (i + STRIDE as usize) % tenants;
                let window = T0 - T0 % 86_400;
                let used = counts
                    .entry((black_box(&names[i]).clone(), Metric::InboundEvent, window))
                    .or_default();
                let admitted = *used < 1_000_000_000;
                if admitted {
                    *used += 1;
                }
                admitted
            })
        });
        g.finish();
    }

    let counter = {
        let first = Request::new("tenant", Metric::InboundEvent, limit, now);
        decide(None, &first).1.unwrap_or_default()
    };
    let mut g = c.benchmark_group("quota decide (pure)");
    g.bench_function("erpops quota::decide", |b| {
        b.iter(|| {
            let req = Request::new("tenant", Metric::InboundEvent, limit, black_box(now));
            decide(Some(black_box(&counter)), &req)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = incident_scaling, quota_scaling
}
criterion_main!(benches);
