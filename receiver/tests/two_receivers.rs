//! Two receivers on one PostgreSQL database under concurrent load: what
//! docs/deployment.md calls safe across receivers (ingestion) holds. The
//! tenant's quota is never over-admitted across them, every acknowledged
//! event is stored once, and the same bytes sent to both at once are
//! accepted by one and answered `duplicate` by the other.
//!
//! Runs when `ERPOPS_TEST_PG` holds the URL of a server this test may
//! create a database on (`make test-postgres`); passes without running
//! otherwise. Incidents and alerts across receivers are the next slice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::serve;
use erpops_receiver::store::Location;

fn fresh_database() -> Option<String> {
    let Ok(admin_url) = std::env::var("ERPOPS_TEST_PG") else {
        eprintln!("ERPOPS_TEST_PG not set: two-receiver test skipped (make test-postgres runs it)");
        return None;
    };
    let name = format!("erpops_two_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    Some(format!("{base}/{name}"))
}

async fn post(url: String, connector: String, secret: String, body: String) -> Reply {
    let sig = signature(&secret, body.as_bytes());
    request(
        "POST",
        &url,
        &[
            ("Content-Type", "application/json"),
            ("X-ERPOps-Connector-Id", &connector),
            ("X-ERPOps-Signature", &sig),
        ],
        body.into_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_receivers_share_quota_and_replay_memory() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    // Created outside the runtime's workers: the sync client blocks.
    let Some(url) = tokio::task::block_in_place(fresh_database) else {
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
