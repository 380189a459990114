//! Round trips per group on the shared store (issue #21): the writer reads
//! a group's state and writes its rows with one statement per table sent
//! for all its rows (pipelined), so the number of times it waits for
//! PostgreSQL does not grow with the group. The test drives the writer
//! itself with one group of a few requests and one of many, each in a
//! fresh database, and counts its round trips
//! ([`PgStore::round_trips`]). With a statement per event (the replay
//! read and the insert), the larger group cost two more round trips per
//! event.
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

use std::sync::atomic::Ordering;

use bytes::Bytes;
use common::{fresh_pg_database, now_rfc3339, signature};
use erpops_core::pii::PiiPolicy;
use erpops_core::receive::{admit, authenticate, Context, InboundRequest, ReceiveConfig, Response};
use erpops_core::Timestamp;
use erpops_receiver::store::{AdminStore, PgStore, RecordStore};
use erpops_receiver::writer::{Job, Message, Writer};
use tokio::sync::oneshot;

fn now() -> Timestamp {
    erpops_receiver::clock::now()
}

/// `tenants` tenants with a connector each: `(connector id, secret)`.
fn setup(url: &str, tenants: usize) -> Vec<(uuid::Uuid, String)> {
    let mut store = PgStore::open(url).unwrap();
    (0..tenants)
        .map(|t| {
            let tenant = format!("t{t}");
            store
                .create_tenant(&tenant, "T", "enterprise", PiiPolicy::Allow, now())
                .unwrap();
            let id = uuid::Uuid::from_u128(0x5eed_0000 + t as u128);
            let secret = format!("secret-{t}");
            store
                .create_connector(&id, &tenant, "c", &secret, now())
                .unwrap();
            (id, secret)
        })
        .collect()
}

/// A failed run of its own correlation key (`source`): each opens an
/// incident, so the group writes events, charges, incidents, the feed
/// and key rows.
fn event_body(connector: &uuid::Uuid, source: &str) -> String {
    format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"run\"}}",
        now_rfc3339()
    )
}

/// The request the HTTP side would hand over for `body`.
fn job(
    store: &mut PgStore,
    config: &ReceiveConfig,
    connector: &uuid::Uuid,
    secret: &str,
    body: String,
) -> (Message, oneshot::Receiver<Response>) {
    let sig = signature(secret, body.as_bytes());
    let cid = connector.to_string();
    let request = InboundRequest::post_json(sig.as_bytes(), cid.as_bytes(), body.as_bytes());
    let auth = authenticate(&request, config, "req").unwrap();
    let (connector_id, parsed) = (auth.connector_id, auth.signature);
    let ((connector_record, tenant_record), generation) =
        store.records_with_generation(&connector_id).unwrap();
    let context = Context {
        connector: connector_record.as_ref(),
        tenant: tenant_record.as_ref(),
        ..Context::default()
    };
    let admitted = admit(auth, &context, config, now(), "req").unwrap();
    let (tx, rx) = oneshot::channel();
    let job = Job {
        admitted,
        body: Bytes::from(body),
        connector_id,
        signature: parsed,
        records_generation: generation,
        request_id: "req".to_owned(),
        reply: tx,
    };
    (Message::Receive(Box::new(job)), rx)
}

/// Runs the writer over one group made of `bodies` (queued before it
/// starts, so it takes them as one group) and returns its round trips and
/// the answers' statuses.
fn run_group(
    url: &str,
    bodies: Vec<(usize, String)>,
    connectors: &[(uuid::Uuid, String)],
) -> (u64, Vec<u16>) {
    let config = ReceiveConfig::default();
    let mut reader = PgStore::open(url).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut replies = Vec::new();
    for (c, body) in bodies {
        let (id, secret) = &connectors[c];
        let (message, reply) = job(&mut reader, &config, id, secret, body);
        tx.send(message).unwrap();
        replies.push(reply);
    }
    drop(tx);
    let store = PgStore::open(url).unwrap();
    let trips = store.round_trips();
    let metrics = std::sync::Arc::new(erpops_receiver::metrics::Metrics::default());
    let writer = Writer::new(Box::new(store), config, metrics).unwrap();
    let before = trips.load(Ordering::Relaxed);
    std::thread::spawn(move || writer.run(rx)).join().unwrap();
    let statuses = replies
        .into_iter()
        .map(|r| r.blocking_recv().unwrap().status)
        .collect();
    (trips.load(Ordering::Relaxed) - before, statuses)
}

#[test]
fn a_group_costs_the_same_round_trips_whatever_its_size() {
    let Some(small_url) = fresh_pg_database("rt_small") else {
        return;
    };
    let large_url = fresh_pg_database("rt_large").unwrap();
    const TENANTS: usize = 4;
    let small_connectors = setup(&small_url, TENANTS);
    let large_connectors = setup(&large_url, TENANTS);
    let bodies = |n: usize, connectors: &[(uuid::Uuid, String)]| -> Vec<(usize, String)> {
        (0..n)
            .map(|i| {
                (
                    i % TENANTS,
                    event_body(&connectors[i % TENANTS].0, &format!("JOB_{i:03}")),
                )
            })
            .collect()
    };
    let (small, small_statuses) = run_group(
        &small_url,
        bodies(TENANTS, &small_connectors),
        &small_connectors,
    );
    let (large, large_statuses) = run_group(
        &large_url,
        bodies(200, &large_connectors),
        &large_connectors,
    );
    assert!(
        small_statuses.iter().all(|s| *s == 202),
        "{small_statuses:?}"
    );
    assert!(
        large_statuses.iter().all(|s| *s == 202),
        "{large_statuses:?}"
    );
    eprintln!("round trips: {small} for a group of {TENANTS}, {large} for a group of 200");
    assert!(
        large <= small,
        "a group of 200 cost {large} round trips, a group of {TENANTS} {small}: the writer \
         waits for PostgreSQL per request"
    );
    // Everything the large group decided is stored.
    let mut db = postgres::Client::connect(&large_url, postgres::NoTls).unwrap();
    let events: i64 = db
        .query_one("SELECT COUNT(*) FROM events", &[])
        .unwrap()
        .get(0);
    let incidents: i64 = db
        .query_one("SELECT COUNT(*) FROM incidents", &[])
        .unwrap()
        .get(0);
    let keys: i64 = db
        .query_one("SELECT COUNT(*) FROM incident_keys", &[])
        .unwrap()
        .get(0);
    let used: i64 = db
        .query_one(
            "SELECT COALESCE(SUM(used), 0)::BIGINT FROM quota_usage",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!((events, incidents, keys, used), (200, 200, 200, 200));
}

#[test]
fn the_same_bytes_twice_in_one_group_are_stored_once() {
    let Some(url) = fresh_pg_database("rt_dup") else {
        return;
    };
    let connectors = setup(&url, 1);
    let body = event_body(&connectors[0].0, "JOB_DUP");
    let other = event_body(&connectors[0].0, "JOB_OTHER");
    let (_, statuses) = run_group(
        &url,
        vec![(0, body.clone()), (0, other), (0, body)],
        &connectors,
    );
    assert_eq!(
        statuses,
        vec![202, 202, 200],
        "the repeat answers duplicate"
    );
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let events: i64 = db
        .query_one("SELECT COUNT(*) FROM events", &[])
        .unwrap()
        .get(0);
    let used: i64 = db
        .query_one(
            "SELECT COALESCE(SUM(used), 0)::BIGINT FROM quota_usage",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!((events, used), (2, 2), "stored and charged once");
}
