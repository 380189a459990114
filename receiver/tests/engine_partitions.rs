//! The shared alert engine partitioned by tenant (issue #21): two
//! receivers' groups of different tenants hold their engine locks at the
//! same time, while groups of one tenant, and anything that locks the
//! engine-wide state, take turns. Each connection below is what one
//! receiver's writer does when it opens a group
//! ([`WriterStore::lock_group`], then [`WriterStore::lock_engine`]).
//!
//! Runs when `ERPOPS_TEST_PG` holds the URL of a server this test may
//! create databases on (`make test-postgres`); passes without running
//! otherwise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::fresh_pg_database;
use erpops_receiver::store::{EngineScope, PgStore, WriterStore};

/// Opens a group of `tenant` in a thread of its own (another receiver)
/// and reports once its engine locks are held; the group commits when
/// told.
fn group_in_thread(
    url: &str,
    tenant: &'static str,
    scope: EngineScope,
) -> (
    mpsc::Receiver<()>,
    mpsc::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (locked_tx, locked_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let url = url.to_owned();
    let handle = std::thread::spawn(move || {
        let mut store = PgStore::open(&url).unwrap();
        store.begin().unwrap();
        store
            .lock_group(&[tenant], &[], erpops_receiver::clock::now())
            .unwrap();
        store.lock_engine(scope).unwrap();
        locked_tx.send(()).unwrap();
        let _ = go_rx.recv();
        store.commit().unwrap();
    });
    (locked_rx, go_tx, handle)
}

/// Whether the second group got its locks while the first held its own
/// (a generous bound: a group that waits for the other never gets them
/// before it commits).
fn both_held_at_once(
    url: &str,
    first: (&'static str, EngineScope),
    second: (&'static str, EngineScope),
) -> bool {
    let (a_locked, a_go, a) = group_in_thread(url, first.0, first.1);
    a_locked.recv().unwrap();
    let (b_locked, b_go, b) = group_in_thread(url, second.0, second.1);
    let at_once = b_locked.recv_timeout(Duration::from_secs(2)).is_ok();
    a_go.send(()).unwrap();
    // Once the first commits, the second gets its locks in any case.
    if !at_once {
        b_locked.recv_timeout(Duration::from_secs(30)).unwrap();
    }
    b_go.send(()).unwrap();
    a.join().unwrap();
    b.join().unwrap();
    at_once
}

#[test]
fn groups_of_different_tenants_settle_at_the_same_time() {
    let Some(url) = fresh_pg_database("partitions") else {
        return;
    };
    PgStore::open(&url).unwrap();
    assert!(
        both_held_at_once(
            &url,
            ("t1", EngineScope::Tenants),
            ("t2", EngineScope::Tenants)
        ),
        "a group of t2 waited for a group of t1"
    );
    assert!(
        !both_held_at_once(
            &url,
            ("t1", EngineScope::Tenants),
            ("t1", EngineScope::Tenants)
        ),
        "two groups of t1 held its partition at once"
    );
    assert!(
        !both_held_at_once(
            &url,
            ("t1", EngineScope::TenantsAndGlobal),
            ("t2", EngineScope::TenantsAndGlobal)
        ),
        "two groups held the engine-wide state at once"
    );
    assert!(
        !both_held_at_once(&url, ("t1", EngineScope::Tenants), ("t2", EngineScope::All)),
        "a tick locked every partition while a group held one"
    );
}
