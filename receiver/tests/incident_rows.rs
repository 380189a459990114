//! Incident state under group commit: many events on one incident, decided
//! in few transactions, leave the incident row with the latest record, one
//! key row, and a feed with the transitions only; a restart resumes it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_receiver::store::sqlite::DB_FILE;

fn query(dir: &std::path::Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_events_leave_the_latest_record_and_one_key_row() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    server.tenant("busy", "professional", "redact");
    let (id, secret) = server.connector("busy");
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (server, id, secret) = (server.clone(), id.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            post_signed(&server, &id, &secret, &body(&id, &format!("r{i}"))).await
        }));
    }
    let mut incidents = std::collections::BTreeSet::new();
    for t in tasks {
        let reply = t.await.unwrap();
        assert_eq!(reply.status, 202);
        incidents.insert(reply.body["incident_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(incidents.len(), 1, "one failure family, one incident");

    let records = query(dir.path(), "SELECT record_json FROM incidents");
    assert_eq!(records.len(), 1);
    let record: serde_json::Value = serde_json::from_str(&records[0]).unwrap();
    assert_eq!(record["event_count"], 40, "the row holds the latest record");
    assert_eq!(
        query(dir.path(), "SELECT hex(key) FROM incident_keys").len(),
        1
    );
    assert_eq!(
        query(dir.path(), "SELECT kind FROM incident_effects"),
        vec!["opened".to_owned()],
        "the feed keeps transitions, not updates"
    );

    let mut server = std::sync::Arc::try_unwrap(server).ok().unwrap();
    server.stop().await;
    let mut server = start(dir.path()).await;
    let next = post_signed(&server, &id, &secret, &body(&id, "after restart")).await;
    assert_eq!(next.status, 202);
    assert_eq!(
        next.body["incident_id"].as_str().unwrap(),
        incidents.first().unwrap()
    );
    let records = query(dir.path(), "SELECT record_json FROM incidents");
    let record: serde_json::Value = serde_json::from_str(&records[0]).unwrap();
    assert_eq!(record["event_count"], 41);
    server.stop().await;
}
