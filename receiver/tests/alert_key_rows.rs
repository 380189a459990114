//! The alert engine's state per correlation key (issue #21): a group
//! commit writes the alerting rows of the keys it changed and nothing of
//! the others; a restart restores every key's state from its row; an
//! older data directory's single alert-state row is converted into rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_core::alert::{AlertSnapshot, KeyAlertSnapshot};
use erpops_receiver::cli::{AdminCommand, MatchArgs, RuleCommand};
use erpops_receiver::store::sqlite::DB_FILE;
use erpops_receiver::store::{SqliteStore, WriterStore};

fn db(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join(DB_FILE)).unwrap()
}

/// A rule taking every transition to the log channel, so each key's
/// incident gets a throttling record besides its flap state.
fn log_rule(server: &TestServer) {
    server.admin(AdminCommand::Rules(RuleCommand::Create {
        tenant: "t".into(),
        id: "all".into(),
        name: None,
        channel: "log".into(),
        kinds: Vec::new(),
        matchers: MatchArgs::default(),
        repeat_secs: Some(3600),
        group_wait_secs: None,
    }));
}

fn event_body(connector: &str, source: &str, outcome: &str) -> String {
    // An error-severity event is a problem whatever its type.
    let severity = if outcome == "failed" { "error" } else { "info" };
    format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.{outcome}\",\"timestamp\":\"{}\",\"severity\":\"{severity}\",\"source\":\"{source}\",\"message\":\"run\"}}",
        now_rfc3339()
    )
}

async fn send(server: &TestServer, id: &str, secret: &str, source: &str, outcome: &str) {
    let reply = post_signed(server, id, secret, &event_body(id, source, outcome)).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
}

/// `(key source, state_json)` of every alert key row, in key order.
fn key_rows(dir: &std::path::Path) -> Vec<(String, String)> {
    let conn = db(dir);
    let mut stmt = conn
        .prepare(
            "SELECT json_extract(state_json, '$.key.source'), state_json FROM alert_key_state \
             ORDER BY key",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

async fn server_with_keys(dir: &std::path::Path, keys: usize) -> (TestServer, String, String) {
    let server = start(dir).await;
    server.tenant("t", "enterprise", "redact");
    let (id, secret) = server.connector("t");
    log_rule(&server);
    for i in 0..keys {
        send(&server, &id, &secret, &format!("JOB_{i:04}"), "failed").await;
    }
    (server, id, secret)
}

/// The test that fails when a commit writes state for keys its group did
/// not touch: triggers log every write to the alerting rows (and the key
/// rows) while one event changes one key among many. Before the state was
/// kept per key, the one `alert_state` row holding every key was rewritten
/// by such a commit (its size grew with the keys: 1.4 MB at 8,929 keys).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_writes_the_alerting_state_of_the_keys_it_touched_only() {
    const KEYS: usize = 80;
    let dir = tempfile::tempdir().unwrap();
    let (mut server, id, secret) = server_with_keys(dir.path(), KEYS).await;
    assert_eq!(key_rows(dir.path()).len(), KEYS, "one row per key");

    let conn = db(dir.path());
    conn.execute_batch(
        "CREATE TABLE test_writes (tbl TEXT NOT NULL, source TEXT, bytes INTEGER NOT NULL);",
    )
    .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (table, source) in [
        ("alert_state", "NULL"),
        (
            "alert_key_state",
            "json_extract(NEW.state_json, '$.key.source')",
        ),
        (
            "incident_keys",
            "json_extract(NEW.state_json, '$.key.source')",
        ),
    ] {
        if !tables.iter().any(|t| t == table) {
            continue;
        }
        for op in ["INSERT", "UPDATE"] {
            conn.execute_batch(&format!(
                "CREATE TRIGGER log_{table}_{op} AFTER {op} ON {table} BEGIN INSERT INTO \
                 test_writes VALUES ('{table}', {source}, length(NEW.state_json)); END;"
            ))
            .unwrap();
        }
    }

    // One transition of one key: its incident resolves (flap state and
    // the rule's record change), nothing else does.
    send(&server, &id, &secret, "JOB_0007", "succeeded").await;
    server.stop().await;

    let writes: Vec<(String, Option<String>, i64)> = conn
        .prepare("SELECT tbl, source, bytes FROM test_writes")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let global: Vec<_> = writes.iter().filter(|w| w.0 == "alert_state").collect();
    assert!(
        global.is_empty(),
        "the commit rewrote the engine-wide alert state ({} bytes, {KEYS} keys held) though \
         the group changed no rule, silence or heartbeat: {global:?}",
        global.iter().map(|w| w.2).sum::<i64>()
    );
    let others: Vec<_> = writes
        .iter()
        .filter(|w| w.1.as_deref() != Some("JOB_0007"))
        .collect();
    assert!(
        others.is_empty(),
        "state written for keys the group did not touch: {others:?}"
    );
    let key_writes: Vec<_> = writes.iter().filter(|w| w.0 == "alert_key_state").collect();
    assert_eq!(key_writes.len(), 1, "the touched key's row: {writes:?}");
    assert!(key_writes[0].2 < 2_000, "one key's state: {key_writes:?}");
}

/// Many keys with alerting state, one of them flapping: after a restart the
/// engine holds exactly what each key's row says (read with the writer's
/// own loader), and behaves so — the flapping key's next resolution is
/// still held (its two before flapping were sent), another key's is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_restores_every_keys_alerting_state() {
    const KEYS: usize = 150;
    let dir = tempfile::tempdir().unwrap();
    let (mut server, id, secret) = server_with_keys(dir.path(), KEYS).await;
    // JOB_0000 flaps: four more transitions, five within the hour.
    for outcome in ["succeeded", "failed", "succeeded", "failed"] {
        send(&server, &id, &secret, "JOB_0000", outcome).await;
    }
    server.stop().await;
    let before = key_rows(dir.path());
    assert_eq!(before.len(), KEYS);
    for (source, json) in &before {
        let row: KeyAlertSnapshot = serde_json::from_str(json).unwrap();
        assert_eq!(row.sent.len(), 1, "{source}: the rule's record");
        assert_eq!(
            row.flapping.as_ref().unwrap().is_flapping(),
            source == "JOB_0000",
            "{source}"
        );
    }

    // What the writer loads at start: every key's state, exactly.
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let engine = erpops_receiver::writer::load_engine(&mut store).unwrap();
    let rows = store.load_alert_keys().unwrap();
    assert_eq!(rows.len(), KEYS);
    for row in &rows {
        assert_eq!(&engine.key_alert_snapshot(&row.key), row);
    }
    assert_eq!(engine.alert_keys().len(), KEYS);
    assert_eq!(engine.model().key_count(), KEYS);
    drop(store);

    let mut server = start(dir.path()).await;
    let (_, api) = server.api_key("t");
    send(&server, &id, &secret, "JOB_0000", "succeeded").await;
    send(&server, &id, &secret, "JOB_0001", "succeeded").await;
    let resolved = server
        .api("GET", "/v1/alerts?reason=resolved", &api, "")
        .await;
    assert_eq!(resolved.status, 200);
    let sources: Vec<_> = resolved.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["incident"]["source"].as_str().unwrap().to_owned())
        .collect();
    let count = |s: &str| sources.iter().filter(|x| *x == s).count();
    assert_eq!(
        count("JOB_0000"),
        2,
        "the flapping key's resolution stays held after the restart: {sources:?}"
    );
    assert_eq!(count("JOB_0001"), 1, "{sources:?}");
    server.stop().await;
    // Nothing but the two touched keys was written.
    let after = key_rows(dir.path());
    let changed: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.clone())
        .collect();
    assert_eq!(changed, vec!["JOB_0000".to_owned(), "JOB_0001".to_owned()]);
}

/// A data directory written before migration 8 (every key's alerting
/// state in the one `alert_state` row) opens: the first start converts the
/// row into one row per key and keeps only the engine-wide part in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_single_alert_state_row_is_converted_into_key_rows() {
    const KEYS: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let (mut server, id, secret) = server_with_keys(dir.path(), KEYS).await;
    for outcome in ["succeeded", "failed", "succeeded", "failed"] {
        send(&server, &id, &secret, "JOB_0003", outcome).await;
    }
    server.stop().await;
    let before = key_rows(dir.path());
    assert_eq!(before.len(), KEYS);

    // Back to the old layout: the rows folded into the single row, the
    // table and its migration gone.
    let conn = db(dir.path());
    let global: String = conn
        .query_row("SELECT state_json FROM alert_state WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut whole: serde_json::Value = serde_json::from_str(&global).unwrap();
    let (mut flapping, mut sent, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for (_, json) in &before {
        let row: KeyAlertSnapshot = serde_json::from_str(json).unwrap();
        if let Some(state) = row.flapping {
            let mut entry = serde_json::to_value(state).unwrap();
            entry["key"] = serde_json::to_value(&row.key).unwrap();
            flapping.push(entry);
        }
        sent.extend(row.sent.iter().map(|e| serde_json::to_value(e).unwrap()));
        held.extend(row.held.iter().map(|e| serde_json::to_value(e).unwrap()));
    }
    whole["flapping"] = flapping.into();
    whole["sent"] = sent.into();
    whole["held"] = held.into();
    let _: AlertSnapshot = serde_json::from_value(whole.clone()).unwrap();
    conn.execute(
        "UPDATE alert_state SET state_json = ?1 WHERE id = 1",
        [whole.to_string()],
    )
    .unwrap();
    conn.execute_batch(
        "DROP TABLE alert_key_state; DELETE FROM schema_migrations WHERE version = 8;",
    )
    .unwrap();
    drop(conn);

    let mut server = start(dir.path()).await;
    assert_eq!(key_rows(dir.path()), before, "converted into the same rows");
    let global: serde_json::Value = serde_json::from_str(
        &db(dir.path())
            .query_row("SELECT state_json FROM alert_state WHERE id = 1", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap(),
    )
    .unwrap();
    for part in ["flapping", "sent", "held"] {
        assert_eq!(global[part], serde_json::json!([]), "{part} left the row");
    }
    assert_eq!(global["rules"].as_array().unwrap().len(), 1);
    // And the flapping key is still held.
    let (_, api) = server.api_key("t");
    send(&server, &id, &secret, "JOB_0003", "succeeded").await;
    send(&server, &id, &secret, "JOB_0004", "succeeded").await;
    let resolved = server
        .api("GET", "/v1/alerts?reason=resolved", &api, "")
        .await;
    let sources: Vec<_> = resolved.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["incident"]["source"].as_str().unwrap().to_owned())
        .collect();
    let count = |s: &str| sources.iter().filter(|x| *x == s).count();
    assert_eq!(count("JOB_0003"), 2, "still flapping: {sources:?}");
    assert_eq!(count("JOB_0004"), 1, "{sources:?}");
    server.stop().await;
}
