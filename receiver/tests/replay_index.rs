//! Replay keys on SQLite (migration 0007, `store/sqlite/replay.rs`): the
//! writer holds an accepted event's key in memory until its second is
//! over, then writes it with its second's other keys in key order. A held
//! key is found like a written one, a rolled-back one is not, and a store
//! that stopped with keys held (a crash: nothing flushes them) finds them
//! again from the event rows when it reopens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::Timestamp;
use erpops_receiver::store::sqlite::DB_FILE;
use erpops_receiver::store::{NewEvent, SqliteStore, WriterStore};
use proptest::prelude::*;
use rusqlite::Connection;
use uuid::Uuid;

const CONNECTOR: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
/// A fixed second to build every time from.
const BASE: i64 = 1_790_000_000;

fn at(second: i64) -> Timestamp {
    Timestamp::from_unix_seconds(BASE + second)
}

fn event(second: i64) -> Event {
    Event {
        connector_id: Uuid::parse_str(CONNECTOR).unwrap(),
        event_type: "integration.failed".into(),
        timestamp: at(second),
        severity: Severity::Error,
        source: Some("GL".into()),
        message: Some("Exit code 1".into()),
        metadata: Metadata::new(),
    }
}

/// Records event `id`, stamped `second`, received at `received`.
fn insert(store: &mut SqliteStore, id: &str, second: i64, received: i64) {
    let ev = event(second);
    let expires = at(received).checked_add(Duration::from_secs(600)).unwrap();
    store
        .insert_event(&NewEvent {
            event_id: id,
            tenant_id: "t",
            event: &ev,
            raw_body: None,
            incident_id: None,
            received_at: at(received),
            replay_expires_at: Some(expires),
        })
        .unwrap();
}

fn found(store: &mut SqliteStore, id: &str, second: i64) -> Option<Timestamp> {
    store
        .lookup_replay("t", Some((id, at(second))), at(0))
        .unwrap()
}

fn written(dir: &Path) -> i64 {
    Connection::open(dir.join(DB_FILE))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM replay_index", [], |r| r.get(0))
        .unwrap()
}

fn id(n: usize) -> String {
    format!("evt_{n:032x}")
}

#[test]
fn a_held_key_is_found_and_written_once_its_second_is_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    store.begin().unwrap();
    for n in 0..20 {
        insert(&mut store, &id(n), 10, 10);
        // Found inside its own transaction too.
        assert!(found(&mut store, &id(n), 10).is_some());
    }
    store.commit().unwrap();
    assert_eq!(store.replay_keys_held(), 20);
    assert_eq!(written(dir.path()), 0, "the second is not over");
    assert!(found(&mut store, &id(3), 10).is_some());
    assert_eq!(found(&mut store, &id(3), 11), None, "another second");
    assert_eq!(found(&mut store, &id(99), 10), None);

    // An event received a few seconds later: second 10's keys are due.
    store.begin().unwrap();
    insert(&mut store, &id(100), 14, 14);
    store.commit().unwrap();
    assert_eq!(written(dir.path()), 20);
    assert_eq!(store.replay_keys_held(), 1);
    assert!(found(&mut store, &id(3), 10).is_some());
    assert!(found(&mut store, &id(100), 14).is_some());
}

#[test]
fn a_key_stamped_well_ahead_of_the_clock_is_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    store.begin().unwrap();
    insert(&mut store, &id(1), 70, 10);
    insert(&mut store, &id(2), 11, 10);
    store.commit().unwrap();
    // Held, it would keep the recovery mark back until its second.
    assert_eq!(written(dir.path()), 1);
    assert_eq!(store.replay_keys_held(), 1);
    assert!(found(&mut store, &id(1), 70).is_some());
}

#[test]
fn a_rolled_back_key_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    store.begin().unwrap();
    insert(&mut store, &id(1), 10, 10);
    store.rollback().unwrap();
    assert_eq!(found(&mut store, &id(1), 10), None);
    assert_eq!(store.replay_keys_held(), 0);
}

#[test]
fn a_store_that_stopped_with_keys_held_finds_them_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = SqliteStore::open(dir.path()).unwrap();
        store.begin().unwrap();
        for n in 0..5 {
            insert(&mut store, &id(n), 10, 10);
        }
        store.commit().unwrap();
        assert_eq!(store.replay_keys_held(), 5);
        // Dropped like a killed process: nothing writes the held keys.
    }
    assert_eq!(written(dir.path()), 0);
    let mut store = SqliteStore::open(dir.path()).unwrap();
    // The first write transaction writes them from the event rows.
    store.begin().unwrap();
    for n in 0..5 {
        assert!(found(&mut store, &id(n), 10).is_some(), "key {n}");
    }
    store.commit().unwrap();
    assert_eq!(written(dir.path()), 5);
}

#[test]
fn a_mark_whose_row_changed_writes_every_key_again() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = SqliteStore::open(dir.path()).unwrap();
        store.begin().unwrap();
        insert(&mut store, &id(1), 10, 10);
        insert(&mut store, &id(2), 10, 10);
        store.commit().unwrap();
        store.begin().unwrap();
        insert(&mut store, &id(3), 20, 20);
        store.commit().unwrap();
        assert_eq!(written(dir.path()), 2);
    }
    // As if the rows had been renumbered and the written keys lost: the
    // mark no longer names its row, so the rows before it are not trusted.
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch(
        "UPDATE replay_flushed SET event_id = 'evt_elsewhere'; DELETE FROM replay_index;",
    )
    .unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    store.begin().unwrap();
    store.commit().unwrap();
    assert_eq!(written(dir.path()), 3);
    assert!(found(&mut store, &id(1), 10).is_some());
}

#[test]
fn a_key_recorded_outside_a_transaction_is_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    insert(&mut store, &id(1), 10, 10);
    assert_eq!(written(dir.path()), 1);
    assert_eq!(store.replay_keys_held(), 0);
}

/// One step of a writer's life.
#[derive(Debug, Clone)]
enum Step {
    /// A group of events `(id, stamped second)` received at a second,
    /// committed or rolled back.
    Group {
        events: Vec<(usize, i64)>,
        received: i64,
        commit: bool,
    },
    /// The process stops without writing what it holds, and reopens.
    Crash,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (
            prop::collection::vec((0usize..40, 0i64..8), 0..12),
            0i64..10,
            prop::bool::weighted(0.85),
        )
            .prop_map(|(events, received, commit)| Step::Group {
                events,
                received,
                commit,
            }),
        1 => Just(Step::Crash),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the order of groups, rollbacks and crashes, a key is found
    /// exactly when a committed group recorded it, with its latest expiry.
    #[test]
    fn lookups_match_the_committed_keys(steps in prop::collection::vec(step(), 1..24)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let mut model: BTreeMap<(usize, i64), Timestamp> = BTreeMap::new();
        for step in steps {
            match step {
                Step::Crash => {
                    drop(store);
                    store = SqliteStore::open(dir.path()).unwrap();
                }
                Step::Group { events, received, commit } => {
                    store.begin().unwrap();
                    let mut group = Vec::new();
                    for (n, second) in events {
                        insert(&mut store, &id(n), second, received);
                        group.push(((n, second), at(received).checked_add(Duration::from_secs(600)).unwrap()));
                    }
                    if commit {
                        store.commit().unwrap();
                        for (key, expires) in group {
                            let e = model.entry(key).or_insert(expires);
                            *e = (*e).max(expires);
                        }
                    } else {
                        store.rollback().unwrap();
                    }
                }
            }
            for n in 0..40 {
                for second in 0..8 {
                    prop_assert_eq!(
                        found(&mut store, &id(n), second),
                        model.get(&(n, second)).copied(),
                        "key {} of second {}", n, second
                    );
                }
            }
        }
    }
}
