//! A burst against PostgreSQL with its default `max_connections = 100`
//! gets no 5xx (issue #21): two receivers on one database, 400 concurrent
//! connections each sending a valid signed event, while another connection
//! changes tenants (so the records cached by the HTTP tasks go stale and are
//! read again mid-burst). Every 202 is stored, and the receivers' database
//! connections stay within their bound (`store_pool_size` record readers
//! plus one writer, one REST API reader and one deliverer each) all along.
//!
//! Runs when `ERPOPS_TEST_PG` holds the URL of a server this test may
//! create a database on (`make test-postgres`, whose server keeps the
//! default `max_connections`); passes without running otherwise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::serve;
use erpops_receiver::store::Location;

/// Concurrent requests per round.
const BURST: usize = 400;
/// Record-reader connections per receiver (small, so requests wait for one).
const POOL: usize = 4;
/// The connections a receiver holds besides its record readers: the
/// writer, the REST API reader, the REST writes' connection (#24), the
/// admin app's session connection (#24) and the deliverer.
const OTHERS: usize = 5;

/// Client connections to the test's database, as PostgreSQL counts them.
fn connections(client: &mut postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND \
             backend_type = 'client backend'",
            &[],
        )
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_gets_no_5xx_and_stays_within_the_connection_budget() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("burst")) else {
        return;
    };
    let location = Location::Postgres(url.clone());
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut receivers = Vec::new();
    for dir in &dirs {
        let mut s = settings(dir.path());
        s.store = location.clone();
        s.store_pool_size = POOL;
        // Every connection of the burst served at once.
        s.max_connections = 2 * BURST;
        let (r, _) = serve::start(&s, false).await.unwrap();
        receivers.push(r);
    }
    let urls: Vec<String> = receivers
        .iter()
        .map(|r| format!("http://{}{RECEIVE}", r.server.addr))
        .collect();

    // Four tenants with five connectors each, on a plan with room for all.
    let connectors: Vec<(String, String)> = tokio::task::block_in_place(|| {
        let mut store = location.open().unwrap();
        let mut connectors = Vec::new();
        for t in 0..4 {
            let tenant = format!("t{t}");
            admin::run_on(
                store.as_mut(),
                &AdminCommand::Tenants(TenantCommand::Create {
                    id: tenant.clone(),
                    name: None,
                    plan: "enterprise".into(),
                    pii: "redact".into(),
                }),
            )
            .unwrap();
            for c in 0..5 {
                let out = admin::run_on(
                    store.as_mut(),
                    &AdminCommand::Connectors(ConnectorCommand::Create {
                        tenant: tenant.clone(),
                        name: format!("c{c}"),
                    }),
                )
                .unwrap();
                connectors.push(parse_id_secret(&out));
            }
        }
        connectors
    });

    // The two watchers, each on its own connection: one samples the
    // database's connection count, the other keeps changing records (new
    // tenants: every receiver's cached records go stale and are read again).
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (url, stop) = (url.clone(), Arc::clone(&stop));
        tokio::task::spawn_blocking(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let mut most = connections(&mut client);
            while !stop.load(Ordering::Acquire) {
                most = most.max(connections(&mut client));
                std::thread::sleep(Duration::from_millis(5));
            }
            most
        })
    };
    let changer = {
        let (location, stop) = (location.clone(), Arc::clone(&stop));
        tokio::task::spawn_blocking(move || {
            let mut store = location.open().unwrap();
            let mut changes = 0;
            while !stop.load(Ordering::Acquire) {
                admin::run_on(
                    store.as_mut(),
                    &AdminCommand::Tenants(TenantCommand::Create {
                        id: format!("other{changes}"),
                        name: None,
                        plan: "free".into(),
                        pii: "redact".into(),
                    }),
                )
                .unwrap();
                changes += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            changes
        })
    };

    let mut accepted = BTreeSet::new();
    for round in 0..2 {
        let tasks: Vec<_> = (0..BURST)
            .map(|i| {
                let (connector, secret) = connectors[i % connectors.len()].clone();
                let b = body(&connector, &format!("burst {round} {i}"));
                tokio::spawn(post(urls[i % 2].clone(), connector, secret, b))
            })
            .collect();
        for t in tasks {
            let r = t.await.unwrap();
            assert!(r.status < 500, "a {} in the burst: {:?}", r.status, r.body);
            assert_eq!(r.status, 202, "{:?}", r.body);
            let id = r.body["event_id"].as_str().unwrap().to_owned();
            assert!(accepted.insert(id), "one event id acknowledged twice");
        }
    }
    stop.store(true, Ordering::Release);
    let most = watcher.await.unwrap();
    let changes = changer.await.unwrap();
    assert!(changes > 0);
    // Records were read again and again (stale after each change), through
    // pools of POOL connections each.
    let mut reads = 0;
    for r in &receivers {
        reads += metric(r.server.addr, "erpops_record_reads_total").await;
    }
    eprintln!("{changes} records changes, {reads} record reads, at most {most} connections");
    assert!(
        reads > u64::try_from(2 * POOL).unwrap(),
        "{reads} record reads"
    );

    // The receivers' budget, plus the watcher's and the changer's own.
    let budget = 2 * (POOL + OTHERS) + 2;
    let most = usize::try_from(most).unwrap();
    assert!(
        most <= budget,
        "{most} connections to the database during the burst, more than the {budget} budgeted"
    );
    // Every acknowledged event is stored, and nothing else.
    let stored: BTreeSet<String> = tokio::task::block_in_place(|| {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .query("SELECT event_id FROM events", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    });
    assert_eq!(stored.len(), 2 * BURST);
    assert_eq!(stored, accepted);
    for r in receivers {
        r.shutdown().await;
    }
}
