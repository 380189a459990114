//! Migration 0004 and the per-key incident rows: a data directory written
//! before it keeps its replay digests and its incident model, and the rows
//! the writer writes per touched key restore and prune as the model does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::incident::{CorrelationKey, IncidentModel};
use erpops_core::Timestamp;
use erpops_receiver::store::db::to_db;
use erpops_receiver::store::sqlite::DB_FILE;
use erpops_receiver::store::{SqliteStore, WriterStore};
use rusqlite::{params, Connection};
use uuid::Uuid;

const CONNECTOR: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

fn now() -> Timestamp {
    erpops_receiver::clock::now()
}

fn event(source: &str, at: Timestamp) -> Event {
    Event {
        connector_id: Uuid::parse_str(CONNECTOR).unwrap(),
        event_type: "integration.failed".into(),
        timestamp: at,
        severity: Severity::Error,
        source: Some(source.into()),
        message: Some("Exit code 1".into()),
        metadata: Metadata::new(),
    }
}

/// A data directory as the schema before 0004 left it: migrations 1 and 2,
/// one accepted event with its digest, and the model as one snapshot row.
fn version_2_directory(dir: &std::path::Path, ev: &Event, model: &IncidentModel) {
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch(include_str!("../migrations/0001_init.sql"))
        .unwrap();
    conn.execute_batch(erpops_core::quota::shared_store::SCHEMA_SQL)
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL \
         DEFAULT CURRENT_TIMESTAMP); INSERT INTO schema_migrations (version) VALUES (1), (2);",
    )
    .unwrap();
    let json = serde_json::to_string(ev).unwrap();
    conn.execute(
        "INSERT INTO events (event_id, tenant_id, connector_id, received_at, event_type, \
         severity, source, incident_id, event_json, raw_body) VALUES ('evt_old', 't1', ?1, ?2, \
         'integration.failed', 'error', 'OLD', NULL, ?3, NULL)",
        params![CONNECTOR, to_db(now()), json],
    )
    .unwrap();
    let expires = now().checked_add(Duration::from_secs(600)).unwrap();
    conn.execute(
        "INSERT INTO seen_digests (event_id, connector_id, expires_at) VALUES ('evt_old', ?1, ?2)",
        params![CONNECTOR, to_db(expires)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO incident_model (id, snapshot_json) VALUES (1, ?1)",
        [serde_json::to_string(&model.snapshot()).unwrap()],
    )
    .unwrap();
}

fn count(dir: &std::path::Path, sql: &str) -> i64 {
    let conn = Connection::open(dir.join(DB_FILE)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn an_older_directory_keeps_its_digests_and_its_incident_model() {
    let dir = tempfile::tempdir().unwrap();
    // A timestamp with a fraction and an offset: the migration computes
    // its second in SQL, the store in Rust; they must agree.
    let at = Timestamp::from_unix_nanos(
        (now().unix_seconds() as i128 - 30) * 1_000_000_000 + 123_456_789,
    )
    .unwrap();
    let ev = event("OLD", at);
    let mut model = IncidentModel::default();
    model.ingest(&ev, "evt_old", now());
    version_2_directory(dir.path(), &ev, &model);

    let mut store = SqliteStore::open(dir.path()).unwrap();
    let (replay, _) = store
        .lookup_state("t1", Some(("evt_old", ev.timestamp)), now())
        .unwrap();
    assert!(replay.is_some_and(|end| end > now()), "digest kept");
    let (other, _) = store
        .lookup_state("t1", Some(("evt_other", ev.timestamp)), now())
        .unwrap();
    assert_eq!(other, None);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM events"), 1);

    let loaded = store.load_incident_model().unwrap().unwrap();
    assert_eq!(loaded, model.snapshot());
    // Converted once: rows now, the snapshot row gone.
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM incident_keys"), 1);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM incident_model"), 0);
    assert_eq!(
        store.load_incident_model().unwrap().unwrap(),
        model.snapshot()
    );
}

#[test]
fn key_rows_are_upserted_deleted_and_pruned_like_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.load_incident_model().unwrap(), None);

    let t = now();
    let mut model = IncidentModel::default();
    let a = event("A", t);
    let b = event("B", t);
    model.ingest(&a, "evt_a", t);
    model.ingest(&b, "evt_b", t);
    let (ka, kb) = (CorrelationKey::of(&a), CorrelationKey::of(&b));
    store.begin().unwrap();
    store
        .write_incident_keys(&[
            (ka.clone(), model.key_snapshot(&ka)),
            (kb.clone(), model.key_snapshot(&kb)),
        ])
        .unwrap();
    store.commit().unwrap();
    assert_eq!(
        store.load_incident_model().unwrap().unwrap(),
        model.snapshot()
    );

    // A key written as gone is deleted.
    store.begin().unwrap();
    store.write_incident_keys(&[(kb.clone(), None)]).unwrap();
    store.commit().unwrap();
    let keys = store.load_incident_model().unwrap().unwrap().keys;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key, ka);

    // A quiet key is pruned once its forget_at has come, not before.
    let mut quiet = model.key_snapshot(&ka).unwrap();
    let forget_at = t.checked_add(Duration::from_secs(3600)).unwrap();
    quiet.state.forget_at = Some(forget_at);
    store.begin().unwrap();
    store
        .write_incident_keys(&[(ka.clone(), Some(quiet))])
        .unwrap();
    store.prune(t).unwrap();
    store.commit().unwrap();
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM incident_keys"), 1);
    store.begin().unwrap();
    store.prune(forget_at).unwrap();
    store.commit().unwrap();
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM incident_keys"), 0);
}
