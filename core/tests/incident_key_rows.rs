//! A store that keeps one row per correlation key (`key_snapshot` of each
//! key an operation touched, the row dropped when the key is no longer
//! remembered) restores a model that behaves exactly like the original,
//! even though keys forgotten silently (retention) may leave stale rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::time::Duration;

use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::incident::snapshot::SNAPSHOT_VERSION;
use erpops_core::incident::{
    Command, CorrelationKey, IncidentConfig, IncidentModel, IncidentSnapshot, KeySnapshot,
};
use erpops_core::Timestamp;
use proptest::prelude::*;
use uuid::Uuid;

const T0: i64 = 1_776_654_000;
const SOURCES: [&str; 3] = ["PSFT_PAYROLL_BATCH", "GL_LOAD", "AP_EXPORT"];
const TYPES: [&str; 3] = [
    "integration.failed",
    "integration.succeeded",
    "integration.note",
];

fn event(source: usize, kind: usize, severity: usize, at: Timestamp) -> Event {
    Event {
        connector_id: Uuid::from_u128(7),
        event_type: TYPES[kind].into(),
        timestamp: at,
        severity: Severity::ALL[severity],
        source: Some(SOURCES[source].into()),
        message: None,
        metadata: Metadata::new(),
    }
}

/// The store: one row per key, written only for touched keys.
#[derive(Default)]
struct Rows(BTreeMap<CorrelationKey, KeySnapshot>);

impl Rows {
    fn write(&mut self, model: &IncidentModel, key: &CorrelationKey) {
        match model.key_snapshot(key) {
            Some(row) => {
                self.0.insert(key.clone(), row);
            }
            None => {
                self.0.remove(key);
            }
        }
    }

    fn restore(&self) -> IncidentModel {
        IncidentModel::restore(
            IncidentConfig::default(),
            IncidentSnapshot {
                version: SNAPSHOT_VERSION,
                keys: self.0.values().cloned().collect(),
            },
        )
        .unwrap()
    }
}

#[test]
fn key_snapshot_is_the_snapshot_entry_of_that_key() {
    let mut m = IncidentModel::default();
    let now = Timestamp::from_unix_seconds(T0 + 100);
    let e = event(0, 0, 2, Timestamp::from_unix_seconds(T0));
    m.ingest(&e, "evt_1", now);
    let key = CorrelationKey::of(&e);
    let entry = m.key_snapshot(&key).unwrap();
    assert_eq!(m.snapshot().keys, vec![entry]);
    let other = CorrelationKey::of(&event(1, 0, 2, Timestamp::from_unix_seconds(T0)));
    assert!(m.key_snapshot(&other).is_none());
}

proptest! {
    /// Rows written per touched key restore a model whose next effects and
    /// whose state after them equal the original's; time advances by up to
    /// two days per step, so keys are also forgotten by retention.
    #[test]
    fn per_key_rows_restore_like_the_snapshot(
        steps in prop::collection::vec(
            (0..SOURCES.len(), 0..TYPES.len(), 0..4usize, 0u64..(48 * 3600), any::<bool>()),
            1..30,
        ),
        next in (0..SOURCES.len(), 0..TYPES.len(), 0..4usize),
    ) {
        let mut m = IncidentModel::default();
        let mut rows = Rows::default();
        let mut now = Timestamp::from_unix_seconds(T0 + 60);
        for (i, (s, t, sev, gap, ack)) in steps.into_iter().enumerate() {
            now = now.checked_add(Duration::from_secs(gap)).unwrap();
            let e = event(s, t, sev, now.checked_sub(Duration::from_secs(5)).unwrap());
            let effects = m.ingest(&e, &format!("evt_{i}"), now);
            rows.write(&m, &CorrelationKey::of(&e));
            if ack {
                for f in &effects {
                    let command = Command::Acknowledge {
                        incident_id: f.incident().id.clone(),
                        actor: "ana".into(),
                        note: None,
                    };
                    for g in m.command(&command, now).unwrap_or_default() {
                        rows.write(&m, &g.incident().key);
                    }
                }
            }
            for f in m.tick(now) {
                rows.write(&m, &f.incident().key);
            }
        }
        let mut restored = rows.restore();
        prop_assert_eq!(restored.next_wakeup(), m.next_wakeup());
        let later = now.checked_add(Duration::from_secs(30)).unwrap();
        let (s, t, sev) = next;
        let e = event(s, t, sev, now);
        prop_assert_eq!(m.ingest(&e, "evt_next", later), restored.ingest(&e, "evt_next", later));
        prop_assert_eq!(m.snapshot(), restored.snapshot());
    }
}
