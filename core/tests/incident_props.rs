//! Property tests of the incident model's invariants (issue #5).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::incident::{
    Classifier, Command, CorrelationKey, Effect, Incident, IncidentConfig, IncidentModel,
    IncidentSnapshot, IncidentStatus, OutcomeClass,
};
use erpops_core::Timestamp;
use proptest::prelude::*;
use uuid::Uuid;

const T0: i64 = 1_776_654_000;
const SOURCES: [&str; 3] = ["PSFT_PAYROLL_BATCH", "GL_LOAD", "AP_EXPORT"];
const TYPES: [&str; 5] = [
    "integration.failed",
    "integration.succeeded",
    "integration.started",
    "integration.note",
    "health.degraded",
];

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(T0 + 10_000)
}

/// (source index, type index, severity index), before timestamps are assigned.
fn raw_event() -> impl Strategy<Value = (usize, usize, usize)> {
    (0..SOURCES.len(), 0..TYPES.len(), 0..4usize)
}

/// Events with pairwise distinct timestamps (seconds within 0..3000, so a
/// 0–1000 s reopen window both reopens and opens anew), with their ids.
fn events(max: usize) -> impl Strategy<Value = Vec<(Event, String)>> {
    (
        prop::collection::vec(raw_event(), 1..max),
        prop::collection::btree_set(0i64..3000, max),
    )
        .prop_map(|(raws, times)| {
            raws.into_iter()
                .zip(times)
                .enumerate()
                .map(|(i, ((s, t, sev), secs))| {
                    let e = Event {
                        connector_id: Uuid::from_u128(7),
                        event_type: TYPES[t].into(),
                        timestamp: Timestamp::from_unix_seconds(T0 + secs),
                        severity: Severity::ALL[sev],
                        source: Some(SOURCES[s].into()),
                        message: Some(format!("m{i}")),
                        metadata: Metadata::new(),
                    };
                    (e, format!("evt_{i:032x}"))
                })
                .collect()
        })
}

fn config(window_secs: u64) -> IncidentConfig {
    IncidentConfig {
        reopen_window: Duration::from_secs(window_secs),
        ..IncidentConfig::default()
    }
}

fn ingest_all(m: &mut IncidentModel, evs: &[(Event, String)]) -> Vec<(usize, Vec<Effect>)> {
    evs.iter()
        .enumerate()
        .map(|(i, (e, id))| (i, m.ingest(e, id, now())))
        .collect()
}

fn final_status(m: &IncidentModel) -> BTreeMap<CorrelationKey, IncidentStatus> {
    m.incidents().map(|i| (i.key.clone(), i.status)).collect()
}

/// A permutation of 0..n from a vector of sort keys.
fn permuted<T: Clone>(items: &[T], order: &[u32]) -> Vec<T> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    idx.sort_by_key(|&i| (order.get(i).copied().unwrap_or(0), i));
    idx.into_iter().map(|i| items[i].clone()).collect()
}

proptest! {
    /// Event time wins: any arrival order gives the status of the
    /// time-ordered replay, which is open exactly when the key's latest
    /// problem is later than its latest recovery.
    #[test]
    fn final_status_per_key_is_independent_of_arrival_order(
        evs in events(24),
        order in prop::collection::vec(any::<u32>(), 24),
        window in 0u64..1000,
    ) {
        let mut sorted = evs.clone();
        sorted.sort_by_key(|(e, _)| e.timestamp);
        let mut in_time = IncidentModel::new(config(window));
        ingest_all(&mut in_time, &sorted);
        let mut shuffled = IncidentModel::new(config(window));
        ingest_all(&mut shuffled, &permuted(&evs, &order));
        prop_assert_eq!(final_status(&in_time), final_status(&shuffled));

        // The oracle.
        let classifier = Classifier::default();
        let mut latest: BTreeMap<CorrelationKey, (Option<Timestamp>, Option<Timestamp>)> =
            BTreeMap::new();
        for (e, _) in &evs {
            let slot = latest.entry(CorrelationKey::of(e)).or_default();
            match classifier.classify(e) {
                OutcomeClass::Problem => slot.0 = slot.0.max(Some(e.timestamp)),
                OutcomeClass::Recovery => slot.1 = slot.1.max(Some(e.timestamp)),
                _ => {}
            }
        }
        let expected: BTreeMap<_, _> = latest
            .into_iter()
            .filter_map(|(k, (p, r))| {
                let p = p?;
                let open = r.is_none_or(|r| p > r);
                Some((k, if open { IncidentStatus::Open } else { IncidentStatus::Resolved }))
            })
            .collect();
        prop_assert_eq!(final_status(&shuffled), expected);
    }

    /// Counts are exact: with one incident per key (a window covering every
    /// event, problems only), each key's count is its number of events; in
    /// general, the counts of every incident ever reported add up to the
    /// number of ingests that reported anything.
    #[test]
    fn counts_equal_the_events_ingested(
        evs in events(30),
        order in prop::collection::vec(any::<u32>(), 30),
        window in 0u64..1000,
    ) {
        let problems: Vec<_> = evs
            .iter()
            .cloned()
            .map(|(mut e, id)| {
                e.event_type = "integration.failed".into();
                (e, id)
            })
            .collect();
        let mut m = IncidentModel::new(config(10_000));
        ingest_all(&mut m, &permuted(&problems, &order));
        let mut per_key: BTreeMap<CorrelationKey, u64> = BTreeMap::new();
        for (e, _) in &problems {
            *per_key.entry(CorrelationKey::of(e)).or_default() += 1;
        }
        let counts: BTreeMap<_, _> = m.incidents().map(|i| (i.key.clone(), i.event_count)).collect();
        prop_assert_eq!(counts, per_key);

        let mut m = IncidentModel::new(config(window));
        let results = ingest_all(&mut m, &permuted(&evs, &order));
        let mut last: BTreeMap<String, u64> = BTreeMap::new();
        let mut reporting = 0u64;
        for (_, fx) in &results {
            if !fx.is_empty() {
                reporting += 1;
            }
            for f in fx {
                last.insert(f.incident().id.clone(), f.incident().event_count);
            }
        }
        prop_assert_eq!(last.values().sum::<u64>(), reporting);
    }

    /// Only problems open or reopen; severity never decreases; an
    /// incident's snapshot in successive effects is consistent.
    #[test]
    fn no_incident_from_a_recovery_and_severity_never_decreases(
        evs in events(30),
        order in prop::collection::vec(any::<u32>(), 30),
        window in 0u64..1000,
    ) {
        let classifier = Classifier::default();
        let evs = permuted(&evs, &order);
        let mut m = IncidentModel::new(config(window));
        let mut seen: BTreeMap<String, Incident> = BTreeMap::new();
        for (e, id) in &evs {
            let fx = m.ingest(e, id, now());
            // The kept count agrees with a walk over the incidents.
            prop_assert_eq!(m.active_count(), m.incidents().filter(|i| i.is_active()).count());
            let class = classifier.classify(e);
            for f in &fx {
                let inc = f.incident();
                match f {
                    Effect::Opened { .. } => {
                        prop_assert_eq!(class, OutcomeClass::Problem);
                        prop_assert!(!seen.contains_key(&inc.id));
                    }
                    Effect::Reopened { .. } | Effect::Escalated { .. } => {
                        prop_assert_eq!(class, OutcomeClass::Problem);
                    }
                    _ => {}
                }
                if let Some(prev) = seen.get(&inc.id) {
                    prop_assert!(inc.severity >= prev.severity);
                    prop_assert!(inc.event_count >= prev.event_count);
                }
                seen.insert(inc.id.clone(), inc.clone());
            }
            if class != OutcomeClass::Problem {
                let opened = fx.iter().any(|f| f.kind() == "opened");
                prop_assert!(!opened);
            }
        }
        // Every incident held was reported.
        for inc in m.incidents() {
            prop_assert_eq!(seen.get(&inc.id), Some(inc));
        }
    }

    /// Snapshots re-encode byte for byte, and a restored model behaves
    /// exactly like the original (same effects, same next wake-up).
    #[test]
    fn snapshot_round_trips_and_restored_models_agree(
        evs in events(20),
        acks in prop::collection::vec(any::<bool>(), 20),
        next in raw_event(),
    ) {
        let mut m = IncidentModel::default();
        for ((e, id), ack) in evs.iter().zip(&acks) {
            for f in m.ingest(e, id, now()) {
                if *ack {
                    let _ = m.command(
                        &Command::Acknowledge {
                            incident_id: f.incident().id.clone(),
                            actor: "ana".into(),
                            note: None,
                        },
                        now(),
                    );
                }
            }
        }
        let json = serde_json::to_string(&m.snapshot()).unwrap();
        let snap: IncidentSnapshot = serde_json::from_str(&json).unwrap();
        let mut restored = IncidentModel::restore(IncidentConfig::default(), snap).unwrap();
        prop_assert_eq!(serde_json::to_string(&restored.snapshot()).unwrap(), json);
        prop_assert_eq!(restored.next_wakeup(), m.next_wakeup());

        let (s, t, sev) = next;
        let e = Event {
            connector_id: Uuid::from_u128(7),
            event_type: TYPES[t].into(),
            timestamp: Timestamp::from_unix_seconds(T0 + 1500),
            severity: Severity::ALL[sev],
            source: Some(SOURCES[s].into()),
            message: None,
            metadata: Metadata::new(),
        };
        prop_assert_eq!(m.ingest(&e, "evt_next", now()), restored.ingest(&e, "evt_next", now()));
        let later = now().checked_add(Duration::from_secs(3600)).unwrap();
        prop_assert_eq!(m.tick(later), restored.tick(later));
    }

    /// `next_wakeup` is exactly the earliest ack expiry: `tick` then fires,
    /// one nanosecond earlier it does not.
    #[test]
    fn next_wakeup_is_the_earliest_due_timer(
        evs in events(12),
        ack_offsets in prop::collection::vec(0u64..5000, 12),
    ) {
        let mut m = IncidentModel::default();
        let mut clock = now();
        for ((e, id), off) in evs.iter().zip(&ack_offsets) {
            for f in m.ingest(e, id, clock) {
                let at = clock.checked_add(Duration::from_secs(*off)).unwrap();
                let _ = m.command(
                    &Command::Acknowledge {
                        incident_id: f.incident().id.clone(),
                        actor: "ana".into(),
                        note: None,
                    },
                    at,
                );
            }
            clock = clock.checked_add(Duration::from_secs(1)).unwrap();
        }
        let expected = m
            .incidents()
            .filter(|i| i.status == IncidentStatus::Acknowledged)
            .filter_map(|i| i.ack_expires_at)
            .min();
        prop_assert_eq!(m.next_wakeup(), expected);
        if let Some(due) = expected {
            let before = due.checked_sub(Duration::from_nanos(1)).unwrap();
            prop_assert!(m.tick(before).is_empty());
            let fx = m.tick(due);
            prop_assert!(!fx.is_empty());
            prop_assert!(fx.iter().all(|f| f.kind() == "ack_expired"));
            prop_assert!(m.next_wakeup().is_none_or(|n| n > due));
        }
    }
}

#[test]
fn restore_rejects_inconsistent_snapshots() {
    let mut m = IncidentModel::default();
    let e = Event {
        connector_id: Uuid::from_u128(7),
        event_type: "integration.failed".into(),
        timestamp: Timestamp::from_unix_seconds(T0),
        severity: Severity::Error,
        source: Some("S".into()),
        message: None,
        metadata: Metadata::new(),
    };
    m.ingest(&e, "evt_1", now());
    let mut other = e.clone();
    other.source = Some("T".into());
    m.ingest(&other, "evt_2", now());

    let mut snap = m.snapshot();
    snap.version = 2;
    let err = IncidentModel::restore(IncidentConfig::default(), snap).unwrap_err();
    assert_eq!(err.code(), "snapshot_version");

    let mut snap = m.snapshot();
    let first = snap.keys[0].clone();
    snap.keys.push(first);
    let err = IncidentModel::restore(IncidentConfig::default(), snap).unwrap_err();
    assert_eq!(err.code(), "snapshot_duplicate_key");

    let mut snap = m.snapshot();
    snap.keys[0].key = snap.keys[1].key.clone();
    snap.keys.truncate(1);
    let err = IncidentModel::restore(IncidentConfig::default(), snap).unwrap_err();
    assert_eq!(err.code(), "snapshot_key_mismatch");

    let mut snap = m.snapshot();
    let id = snap.keys[0].state.incident.as_ref().unwrap().id.clone();
    std::sync::Arc::make_mut(snap.keys[1].state.incident.as_mut().unwrap()).id = id;
    let err = IncidentModel::restore(IncidentConfig::default(), snap).unwrap_err();
    assert_eq!(err.code(), "snapshot_duplicate_incident");
    assert!(err.to_string().contains("intact copy"));

    let ok: BTreeSet<_> = m.incidents().map(|i| i.id.clone()).collect();
    assert_eq!(ok.len(), 2);
}
