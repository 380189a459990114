//! Two receivers on one PostgreSQL database under concurrent load: what
//! docs/deployment.md calls safe across receivers holds.
//!
//! - Ingestion: the tenant's quota is never over-admitted across them,
//!   every acknowledged event is stored once, and the same bytes sent to
//!   both at once are accepted by one and answered `duplicate` by the other.
//! - Incidents and alerts: events of the same correlation keys sent to both
//!   by several clients at once make one incident per key (its event count
//!   is the sum over both receivers), one `opened` notification per
//!   incident, one notification for a missed heartbeat although both
//!   receivers tick, and a webhook that gets each notification once
//!   although both receivers deliver.
//!
//! Runs when `ERPOPS_TEST_PG` holds the URL of a server this test may
//! create a database on (`make test-postgres`); passes without running
//! otherwise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{
    AdminCommand, ConnectorCommand, HeartbeatCommand, MatchArgs, RuleCommand, TenantCommand,
    WebhookCommand,
};
use erpops_receiver::serve::{self, ServeOptions};
use erpops_receiver::store::Location;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_receivers_share_quota_and_replay_memory() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    // Created outside the runtime's workers: the sync client blocks.
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("two_ingest")) else {
        return;
    };
    let location = Location::Postgres(url);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut receivers = Vec::new();
    for dir in &dirs {
        let mut s = settings(dir.path());
        s.store = location.clone();
        let (r, _) = serve::start(&s, false).await.unwrap();
        receivers.push(r);
    }
    let urls: Vec<String> = receivers
        .iter()
        .map(|r| format!("http://{}{RECEIVE}", r.server.addr))
        .collect();

    let (connector, secret) = tokio::task::block_in_place(|| {
        let mut store = location.open().unwrap();
        admin::run_on(
            store.as_mut(),
            &AdminCommand::Tenants(TenantCommand::Create {
                id: "acme".into(),
                name: None,
                plan: "free".into(),
                pii: "redact".into(),
            }),
        )
        .unwrap();
        let out = admin::run_on(
            store.as_mut(),
            &AdminCommand::Connectors(ConnectorCommand::Create {
                tenant: "acme".into(),
                name: "load".into(),
            }),
        )
        .unwrap();
        parse_id_secret(&out)
    });

    // 1. The same bytes to both receivers at once, ten times: one accepts,
    //    the other answers duplicate with the same event id.
    let mut pairs = Vec::new();
    for i in 0..10 {
        let b = body(&connector, &format!("same bytes {i}"));
        let tasks: Vec<_> = urls
            .iter()
            .map(|u| {
                tokio::spawn(post(
                    u.clone(),
                    connector.clone(),
                    secret.clone(),
                    b.clone(),
                ))
            })
            .collect();
        pairs.push(tasks);
    }
    for tasks in pairs {
        let mut statuses = Vec::new();
        let mut ids = Vec::new();
        for t in tasks {
            let r = t.await.unwrap();
            statuses.push(r.status);
            ids.push(r.body["event_id"].as_str().unwrap().to_owned());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 202], "one accepted, one duplicate");
        assert_eq!(ids[0], ids[1]);
    }

    // 2. 120 distinct events spread over both at once: the Free plan's
    //    100 a day minus the 10 accepted above leaves exactly 90.
    let tasks: Vec<_> = (0..120)
        .map(|i| {
            let u = urls[i % 2].clone();
            tokio::spawn(post(
                u,
                connector.clone(),
                secret.clone(),
                body(&connector, &format!("distinct {i}")),
            ))
        })
        .collect();
    let mut accepted = 0;
    let mut limited = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            202 => accepted += 1,
            429 => limited += 1,
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert_eq!((accepted, limited), (90, 30));

    // Every acknowledged event stored once, nothing else.
    let stored = tokio::task::block_in_place(|| {
        let mut store = location.open().unwrap();
        store.event_count("acme").unwrap()
    });
    assert_eq!(stored, 100);
    for r in receivers {
        r.shutdown().await;
    }
}

/// A webhook endpoint on an ephemeral port that answers 204 and records
/// the notification id of every request.
async fn hook() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sn = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let sn = sn.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let sn = sn.clone();
                    async move {
                        let id = req
                            .headers()
                            .get("x-erpops-notification-id")
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_default();
                        let _ = req.into_body().collect().await;
                        sn.lock().unwrap().push(id);
                        let mut r = hyper::Response::new(Full::new(Bytes::new()));
                        *r.status_mut() = hyper::StatusCode::NO_CONTENT;
                        Ok::<_, Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

/// Polls `f` until it returns `Some`; 60 s at most: a hang is a failure,
/// not a timing assertion.
async fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn problem(connector: &str, source: &str, n: usize) -> String {
    format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"run {n} failed\"}}",
        now_rfc3339()
    )
}

/// Tenant `acme` (enterprise) with a connector, a webhook rule `pager`
/// for `kinds` and its destination `hook`; the connector's id and secret.
fn paged_tenant(location: &Location, hook: SocketAddr, kinds: &[&str]) -> (String, String) {
    let mut store = location.open().unwrap();
    let mut run = |c: AdminCommand| admin::run_on(store.as_mut(), &c).unwrap();
    run(AdminCommand::Tenants(TenantCommand::Create {
        id: "acme".into(),
        name: None,
        plan: "enterprise".into(),
        pii: "redact".into(),
    }));
    let out = run(AdminCommand::Connectors(ConnectorCommand::Create {
        tenant: "acme".into(),
        name: "load".into(),
    }));
    run(AdminCommand::Rules(RuleCommand::Create {
        tenant: "acme".into(),
        id: "pager".into(),
        name: None,
        channel: "webhook".into(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        matchers: MatchArgs::default(),
        repeat_secs: None,
        group_wait_secs: None,
    }));
    run(AdminCommand::Webhooks(WebhookCommand::Set {
        tenant: "acme".into(),
        url: format!("http://{hook}/hooks/erpops"),
    }));
    parse_id_secret(&out)
}

const KEYS: usize = 5;
const CLIENTS: usize = 4;
const PER_CLIENT: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_receivers_share_incidents_alerts_and_delivery() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("two_alerts")) else {
        return;
    };
    let location = Location::Postgres(url.clone());
    let (hook_addr, hook_seen) = hook().await;
    let (connector, secret) = tokio::task::block_in_place(|| {
        paged_tenant(&location, hook_addr, &["opened", "missed_run"])
    });
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut receivers = Vec::new();
    for dir in &dirs {
        let mut s = settings(dir.path());
        s.store = location.clone();
        let (r, _) = serve::start_with(&s, false, ServeOptions::default())
            .await
            .unwrap();
        receivers.push(r);
    }
    let urls: Vec<String> = receivers
        .iter()
        .map(|r| format!("http://{}{RECEIVE}", r.server.addr))
        .collect();

    // Several clients at once, each alternating receivers, every event on
    // one of KEYS correlation keys (the source): both receivers settle
    // events of every key concurrently.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (urls, connector, secret) = (urls.clone(), connector.clone(), secret.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for i in 0..PER_CLIENT {
                    let source = format!("JOB_{}", (c + i) % KEYS);
                    let body = problem(&connector, &source, c * PER_CLIENT + i);
                    let r = post(
                        urls[(c + i) % 2].clone(),
                        connector.clone(),
                        secret.clone(),
                        body,
                    )
                    .await;
                    assert_eq!(r.status, 202, "{:?}", r.body);
                    let incident = r.body["incident_id"].as_str().unwrap().to_owned();
                    answers.push((source, incident));
                }
                answers
            })
        })
        .collect();
    let mut by_key: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut sent: std::collections::BTreeMap<String, u64> = Default::default();
    for c in clients {
        for (source, incident) in c.await.unwrap() {
            *sent.entry(source.clone()).or_default() += 1;
            by_key.entry(source).or_default().insert(incident);
        }
    }
    assert_eq!(by_key.len(), KEYS);
    for (source, incidents) in &by_key {
        assert_eq!(
            incidents.len(),
            1,
            "{source}: one incident across receivers"
        );
    }

    // A connection per query, opened and closed off the runtime's workers
    // (the sync client must not be dropped on one, even by a panic).
    let query = |sql: &str| {
        tokio::task::block_in_place(|| {
            let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            db.query(sql, &[]).unwrap()
        })
    };
    // The stored incidents: one per key, its event count the sum of what
    // both receivers accepted for it.
    let stored = query("SELECT record_json FROM incidents");
    assert_eq!(stored.len(), KEYS);
    for row in stored {
        let record: serde_json::Value = serde_json::from_str(row.get(0)).unwrap();
        let source = record["source"].as_str().unwrap();
        assert_eq!(record["event_count"], sent[source], "{source}");
        assert!(by_key[source].contains(record["id"].as_str().unwrap()));
    }

    // A heartbeat that nobody feeds: both receivers tick every second, the
    // deadline is missed again and again, one notification in all.
    tokio::task::block_in_place(|| {
        let mut store = location.open().unwrap();
        admin::run_on(
            store.as_mut(),
            &AdminCommand::Heartbeats(HeartbeatCommand::Create {
                connector: connector.clone(),
                source: "NIGHTLY_GL".into(),
                period_secs: 1,
                grace_secs: 0,
                severity: "critical".into(),
            }),
        )
        .unwrap();
    });
    eventually("the heartbeat missed three times", || {
        let rows = query("SELECT state_json FROM alert_state WHERE id = 1");
        let state: String = rows.first()?.get(0);
        let state: serde_json::Value = serde_json::from_str(&state).unwrap();
        (state["heartbeats"][0]["missed_count"].as_u64()? >= 3).then_some(())
    })
    .await;

    // One notification per transition: `first` once per load incident,
    // `missed_run` once.
    let notifications = eventually("every notification delivered", || {
        let rows = query("SELECT id, reason, incident_id, state FROM notifications ORDER BY id");
        rows.iter()
            .all(|r| r.get::<_, &str>(3) == "delivered")
            .then(|| {
                rows.iter()
                    .map(|r| {
                        (
                            r.get::<_, String>(0),
                            r.get::<_, String>(1),
                            r.get::<_, String>(2),
                        )
                    })
                    .collect::<Vec<_>>()
            })
    })
    .await;
    let first: Vec<&str> = notifications
        .iter()
        .filter(|n| n.1 == "first")
        .map(|n| n.2.as_str())
        .collect();
    let mut incidents: Vec<&str> = by_key
        .values()
        .flat_map(|s| s.iter().map(String::as_str))
        .collect();
    incidents.sort_unstable();
    let mut first_sorted = first.clone();
    first_sorted.sort_unstable();
    assert_eq!(first_sorted, incidents, "one `opened` per incident");
    let missed = notifications.iter().filter(|n| n.1 == "missed_run").count();
    assert_eq!(missed, 1, "{notifications:?}");
    assert_eq!(notifications.len(), KEYS + 1, "{notifications:?}");

    // The webhook got each notification once, from one receiver or the
    // other.
    let mut got = hook_seen.lock().unwrap().clone();
    got.sort();
    let ids: Vec<String> = notifications.iter().map(|n| n.0.clone()).collect();
    assert_eq!(got, ids);
    for r in receivers {
        r.shutdown().await;
    }
}

/// A webhook endpoint that takes the request and never answers: an attempt
/// in flight when the receiver stops. Counts the requests it got.
async fn silent_hook() -> (SocketAddr, Arc<Mutex<usize>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(0));
    let g = got.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buf).await;
            *g.lock().unwrap() += 1;
            held.push(stream);
        }
    });
    (addr, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_graceful_stop_gives_back_delivery_claims() {
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("two_release")) else {
        return;
    };
    let location = Location::Postgres(url.clone());
    let (hook_addr, hook_got) = silent_hook().await;
    let (connector, secret) =
        tokio::task::block_in_place(|| paged_tenant(&location, hook_addr, &["opened"]));
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path());
    s.store = location.clone();
    let (receiver, _) = serve::start_with(&s, false, ServeOptions::default())
        .await
        .unwrap();
    let body = problem(&connector, "JOB", 0);
    let r = post(
        format!("http://{}{RECEIVE}", receiver.server.addr),
        connector,
        secret,
        body,
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    eventually("the attempt in flight", || {
        (*hook_got.lock().unwrap() > 0).then_some(())
    })
    .await;
    // (claimed, pending): a fresh connection each time, opened and
    // dropped off the async workers (the sync client blocks).
    let claimed = || {
        tokio::task::block_in_place(|| {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let row = client
                .query_one(
                    "SELECT COUNT(*) FILTER (WHERE claimed_until IS NOT NULL), COUNT(*) FROM \
                     notifications WHERE state = 'pending'",
                    &[],
                )
                .unwrap();
            (row.get::<_, i64>(0), row.get::<_, i64>(1))
        })
    };
    assert_eq!(claimed(), (1, 1), "claimed while in flight");
    receiver.shutdown().await;
    // Still pending (the attempt never finished), and no longer claimed:
    // the next receiver delivers it at once, not after the 120 s lease.
    assert_eq!(claimed(), (0, 1), "given back on a graceful stop");
}
