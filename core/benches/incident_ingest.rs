//! Incident ingest throughput and memory (issue #5): 1,000,000 events over
//! 10,000 correlation keys.
//!
//! Run with `cargo bench -p erpops-core --bench incident_ingest`. Criterion
//! reports events/s for the model and for the anchors measured in the same
//! run (a bare per-key counter in a `BTreeMap`, and in a `HashMap` with the
//! std hasher, the least any correlation must do); report the ratio. Memory per open incident is measured once,
//! with a counting allocator, and printed before the timings.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use erpops_core::event::{Event, Metadata, MetadataValue, Severity};
use erpops_core::incident::IncidentModel;
use erpops_core::Timestamp;
use uuid::Uuid;

/// Counts live heap bytes, to measure memory per incident.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// The workspace denies unsafe code; this bench-only allocator is the one
// exception, because measuring heap bytes exactly needs a `GlobalAlloc`.
// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the counter has no effect on memory.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const KEYS: usize = 10_000;
const EVENTS: usize = 1_000_000;
const T0: i64 = 1_776_654_000;

/// One template event per key: a PeopleSoft-like failure with progress.
fn templates() -> Vec<Event> {
    (0..KEYS)
        .map(|k| {
            let mut metadata = Metadata::new();
            metadata.insert("exit_code", MetadataValue::Int(1));
            metadata.insert("records_processed", MetadataValue::Int(18_441));
            metadata.insert("records_total", MetadataValue::Int(40_000));
            Event {
                connector_id: Uuid::from_u128(
                    0x3f2b8c1e_9a4d_4e7b_8c21_5d6f7a8b9c0d + (k % 10) as u128,
                ),
                event_type: "integration.failed".into(),
                timestamp: Timestamp::from_unix_seconds(T0),
                severity: Severity::Error,
                source: Some(format!("PSFT_BATCH_{k:05}")),
                message: Some("Exit code 1 at record 18441".into()),
                metadata,
            }
        })
        .collect()
}

/// The stream: event `i` belongs to key `i % KEYS`; every 10th event of a
/// key is a success (resolving), the next failure reopens within the window.
fn run(model: &mut IncidentModel, templates: &mut [Event], n: usize) -> usize {
    let mut id = String::with_capacity(36);
    let mut effects = 0;
    for i in 0..n {
        let k = i % KEYS;
        let round = i / KEYS;
        let e = &mut templates[k];
        e.timestamp = Timestamp::from_unix_seconds(T0 + round as i64);
        e.event_type.clear();
        e.event_type.push_str(if round % 10 == 9 {
            "integration.succeeded"
        } else {
            "integration.failed"
        });
        e.severity = if round % 10 == 9 {
            Severity::Info
        } else {
            Severity::Error
        };
        id.clear();
        write!(id, "evt_{i:032x}").unwrap();
        effects += model.ingest(e, &id, e.timestamp).len();
    }
    effects
}

fn memory_per_open_incident() {
    let mut templates = templates();
    let before = LIVE.load(Ordering::Relaxed);
    let mut model = IncidentModel::default();
    // Ten failures per key: all incidents open, id lists filled.
    run(&mut model, &mut templates, KEYS * 9);
    let after = LIVE.load(Ordering::Relaxed);
    let open = model.active_count();
    eprintln!(
        "incident_ingest: {open} open incidents hold {} bytes of heap: {} bytes per open incident",
        after - before,
        (after - before) / open as isize
    );
    black_box(&model);
}

/// The anchors' loop: the same stream as `run`, each event's key handed to
/// `bump` (a bare map's entry-and-increment).
fn count(templates: &mut [Event], mut bump: impl FnMut((Uuid, String, String))) {
    let mut id = String::with_capacity(36);
    for i in 0..EVENTS {
        let e = &mut templates[i % KEYS];
        e.timestamp = Timestamp::from_unix_seconds(T0 + (i / KEYS) as i64);
        id.clear();
        write!(id, "evt_{i:032x}").unwrap();
        bump((
            e.connector_id,
            e.source.clone().unwrap_or_default(),
            e.family().to_owned(),
        ));
        black_box(&id);
    }
}

fn bench(c: &mut Criterion) {
    memory_per_open_incident();
    let mut group = c.benchmark_group("incident_ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));

    group.bench_function("model_1m_events_10k_keys", |b| {
        let mut templates = templates();
        b.iter(|| {
            let mut model = IncidentModel::default();
            black_box(run(&mut model, &mut templates, EVENTS))
        })
    });

    // Anchors: count events per (connector, source, family) in a bare map.
    group.bench_function("anchor_btreemap_counter", |b| {
        let mut templates = templates();
        b.iter(|| {
            let mut counts: BTreeMap<(Uuid, String, String), u64> = BTreeMap::new();
            count(&mut templates, |key| *counts.entry(key).or_default() += 1);
            black_box(counts.len())
        })
    });
    group.bench_function("anchor_hashmap_counter", |b| {
        let mut templates = templates();
        b.iter(|| {
            let mut counts: HashMap<(Uuid, String, String), u64> = HashMap::new();
            count(&mut templates, |key| *counts.entry(key).or_default() += 1);
            black_box(counts.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
