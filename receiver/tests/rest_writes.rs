//! The REST writes of issue #24 through real HTTP: every route's happy
//! path and refusals, tenant isolation (another tenant's ids answer 404),
//! secrets and keys shown once (never in a later GET, the audit log, the
//! idempotency table or the server's log), idempotent retries byte for
//! byte, and that what the API changes reaches the serving writer (a new
//! connector's events are accepted, a new rule notifies, a revoked key is
//! refused).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use erpops_receiver::cli::{AdminCommand, MatchArgs, SilenceCommand};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// A response with its exact bytes.
struct Raw {
    status: u16,
    headers: hyper::HeaderMap,
    bytes: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    fn code(&self) -> Option<String> {
        self.json()["code"].as_str().map(str::to_owned)
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// `method path` as `key`, with an optional `Idempotency-Key`.
async fn call(
    server: &TestServer,
    method: &str,
    path: &str,
    key: &str,
    idem: Option<&str>,
    body: &str,
) -> Raw {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut b = hyper::Request::builder()
        .method(method)
        .uri(server.url(path))
        .header("Authorization", format!("Bearer {key}"))
        .header("Content-Type", "application/json");
    if let Some(k) = idem {
        b = b.header("Idempotency-Key", k);
    }
    let response = client
        .request(b.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Raw {
        status,
        headers,
        bytes: bytes.to_vec(),
    }
}

async fn api(server: &TestServer, method: &str, path: &str, key: &str, body: &str) -> Raw {
    call(server, method, path, key, None, body).await
}

fn expect(r: &Raw, status: u16, code: Option<&str>, what: &str) {
    assert_eq!(
        (r.status, r.code().as_deref()),
        (status, code),
        "{what}: {}",
        String::from_utf8_lossy(&r.bytes)
    );
}

/// Every text of the rows of `table` (SQLite or PostgreSQL), concatenated.
fn table_text(server: &TestServer, table: &str) -> String {
    let sql = format!("SELECT * FROM {table}");
    match store_location(&server.data) {
        erpops_receiver::store::Location::Sqlite(dir) => {
            let c = rusqlite::Connection::open(dir.join("erpops.sqlite3")).unwrap();
            let mut st = c.prepare(&sql).unwrap();
            let n = st.column_count();
            let rows = st
                .query_map([], |r| {
                    let mut out = String::new();
                    for i in 0..n {
                        if let Ok(v) = r.get::<_, rusqlite::types::Value>(i) {
                            out.push_str(&format!("{v:?} "));
                        }
                    }
                    Ok(out)
                })
                .unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
        }
        erpops_receiver::store::Location::Postgres(url) => tokio::task::block_in_place(|| {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let rows = c
                .query(&format!("SELECT row_to_json(t)::text FROM {table} t"), &[])
                .unwrap();
            rows.iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<Vec<_>>()
                .join("\n")
        }),
    }
}

/// Posts signed events until one is answered `want` (the writer and the
/// records cache notice changes within about a second).
async fn eventually(server: &TestServer, connector: &str, secret: &str, want: u16) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = post_signed(server, connector, secret, &body(connector, "x")).await;
        if r.status == want || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A server with two tenants named after `tag` (the tests share one
/// database when `ERPOPS_TEST_STORE` names a PostgreSQL one).
async fn setup(tag: &str) -> (tempfile::TempDir, TestServer, String, String) {
    // One start at a time: on an empty PostgreSQL database two first
    // starts at once can collide creating `schema_migrations` (its DDL
    // runs before the migration lock is taken).
    static STARTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let dir = tempfile::tempdir().unwrap();
    let server = {
        let _one = STARTING.lock().await;
        start(dir.path()).await
    };
    let (a, b) = (format!("{tag}_a"), format!("{tag}_b"));
    server.tenant(&a, "professional", "redact");
    server.tenant(&b, "professional", "redact");
    (dir, server, a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_and_api_keys_with_their_audit_rows() {
    let (_dir, mut server, a, b) = setup("keys").await;
    let (key_a_id, key_a) = server.api_key(&a);
    let (_, key_b) = server.api_key(&b);

    // Create: 201 with the secret, once.
    let r = api(
        &server,
        "POST",
        "/v1/connectors",
        &key_a,
        r#"{"name":"payroll"}"#,
    )
    .await;
    expect(&r, 201, None, "create");
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        (created["tenant_id"].as_str(), created["enabled"].as_bool()),
        (Some(a.as_str()), Some(true))
    );
    let got = api(&server, "GET", &format!("/v1/connectors/{id}"), &key_a, "").await;
    expect(&got, 200, None, "get");
    assert!(got.json().get("secret").is_none());
    let list = api(&server, "GET", "/v1/connectors", &key_a, "").await;
    assert!(!String::from_utf8_lossy(&list.bytes).contains(&secret));

    // It accepts a signed event at once (within a couple of seconds).
    let r = eventually(&server, &id, &secret, 202).await;
    assert_eq!(r.status, 202, "{:?}", r.body);

    // Refusals of create.
    for (body, status, code) in [
        ("", 400, "invalid_body"),
        ("not json", 400, "invalid_body"),
        ("[1]", 400, "invalid_body"),
        ("{}", 422, "invalid_field"),
        (r#"{"name":""}"#, 422, "invalid_field"),
        (r#"{"name":7}"#, 422, "invalid_field"),
        (r#"{"name":"x","tenant_id":"b"}"#, 422, "invalid_field"),
    ] {
        let r = api(&server, "POST", "/v1/connectors", &key_a, body).await;
        expect(&r, status, Some(code), body);
    }
    let r = api(
        &server,
        "POST",
        "/v1/connectors?x=1",
        &key_a,
        r#"{"name":"q"}"#,
    )
    .await;
    expect(&r, 400, Some("unknown_parameter"), "query");

    // Tenant b sees none of it.
    for (method, path) in [
        ("GET", format!("/v1/connectors/{id}")),
        ("POST", format!("/v1/connectors/{id}/rotate")),
        ("POST", format!("/v1/connectors/{id}/disable")),
        ("POST", format!("/v1/connectors/{id}/enable")),
        ("POST", "/v1/connectors/not-a-uuid/rotate".to_owned()),
    ] {
        let r = api(&server, method, &path, &key_b, "").await;
        expect(&r, 404, Some("connector_not_found"), &path);
    }

    // Rotate without overlap: the new secret verifies, the old one not.
    let r = api(
        &server,
        "POST",
        &format!("/v1/connectors/{id}/rotate"),
        &key_a,
        r#"{"overlap_seconds":0}"#,
    )
    .await;
    expect(&r, 200, None, "rotate");
    let rotated = r.json();
    let secret2 = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(secret2, secret);
    assert!(rotated["previous_secrets_valid_until"].is_string());
    let r = eventually(&server, &id, &secret, 401).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    let r = eventually(&server, &id, &secret2, 202).await;
    assert_eq!(r.status, 202);
    for body in [
        r#"{"overlap_seconds":2592001}"#,
        r#"{"overlap_seconds":-1}"#,
        r#"{"overlap_seconds":"1"}"#,
        r#"{"overlap":1}"#,
    ] {
        let r = api(
            &server,
            "POST",
            &format!("/v1/connectors/{id}/rotate"),
            &key_a,
            body,
        )
        .await;
        expect(&r, 422, Some("invalid_field"), body);
    }

    // Disable, then enable (twice: the second changes nothing).
    let r = api(
        &server,
        "POST",
        &format!("/v1/connectors/{id}/disable"),
        &key_a,
        "",
    )
    .await;
    expect(&r, 200, None, "disable");
    assert_eq!(r.json()["enabled"], false);
    let r = eventually(&server, &id, &secret2, 403).await;
    assert_eq!(r.body["code"], "connector_disabled");
    for _ in 0..2 {
        let r = api(
            &server,
            "POST",
            &format!("/v1/connectors/{id}/enable"),
            &key_a,
            "{}",
        )
        .await;
        expect(&r, 200, None, "enable");
        assert_eq!(r.json()["enabled"], true);
    }
    assert_eq!(eventually(&server, &id, &secret2, 202).await.status, 202);

    // API keys: shown once, listed without it, working, revocable (even
    // by itself), then 401.
    let r = api(&server, "POST", "/v1/api-keys", &key_a, r#"{"label":"ci"}"#).await;
    expect(&r, 201, None, "key");
    let k = r.json();
    let new_key = k["api_key"].as_str().unwrap().to_owned();
    let new_id = k["id"].as_str().unwrap().to_owned();
    assert!(new_key.starts_with("erpk_") && k["created_at"].is_string());
    let list = api(&server, "GET", "/v1/api-keys", &key_a, "").await;
    expect(&list, 200, None, "keys");
    let text = String::from_utf8_lossy(&list.bytes).into_owned();
    assert!(!text.contains(&new_key) && text.contains(&new_id) && text.contains(&key_a_id));
    assert_eq!(list.json()["data"].as_array().unwrap().len(), 2);
    let b_list = api(&server, "GET", "/v1/api-keys", &key_b, "").await;
    assert!(!String::from_utf8_lossy(&b_list.bytes).contains(&new_id));
    expect(
        &api(&server, "GET", "/v1/incidents", &new_key, "").await,
        200,
        None,
        "new key works",
    );
    let revoke = format!("/v1/api-keys/{new_id}/revoke");
    expect(
        &api(&server, "POST", &revoke, &key_b, "").await,
        404,
        Some("api_key_not_found"),
        "b",
    );
    for body in ["{}", r#"{"label":""}"#, r#"{"label":"x","key":"erpk_0"}"#] {
        let r = api(&server, "POST", "/v1/api-keys", &key_a, body).await;
        expect(&r, 422, Some("invalid_field"), body);
    }
    let r = api(&server, "POST", &revoke, &new_key, "").await;
    expect(&r, 200, None, "revoke by itself");
    assert!(r.json()["revoked_at"].is_string());
    let r = api(&server, "GET", "/v1/incidents", &new_key, "").await;
    expect(&r, 401, Some("unauthorized"), "revoked");
    let r = api(&server, "POST", &revoke, &key_a, "").await;
    expect(&r, 200, None, "revoke again");

    // The audit log: each change once, by whom, no secret or key.
    let r = api(&server, "GET", "/v1/audit?limit=200", &key_a, "").await;
    expect(&r, 200, None, "audit");
    let rows = r.json()["data"].as_array().unwrap().clone();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "api_key.revoke",
            "api_key.create",
            "connector.enable",
            "connector.disable",
            "connector.rotate",
            "connector.create"
        ],
        "{rows:?}"
    );
    assert_eq!(rows[1]["actor"], format!("api_key:{key_a_id}"));
    assert_eq!(rows[0]["actor"], format!("api_key:{new_id}"));
    assert_eq!(rows[5]["resource_id"], id.as_str());
    assert!(rows[5]["request_id"].as_str().unwrap().starts_with("req_"));
    let page = api(&server, "GET", "/v1/audit?limit=4", &key_a, "")
        .await
        .json();
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = api(
        &server,
        "GET",
        &format!("/v1/audit?cursor={cursor}"),
        &key_a,
        "",
    )
    .await;
    assert_eq!(rest.json()["data"].as_array().unwrap().len(), 2);
    let b_audit = api(&server, "GET", "/v1/audit", &key_b, "").await.json();
    assert_eq!(b_audit["data"].as_array().unwrap().len(), 0);
    expect(
        &api(&server, "GET", "/v1/audit?since=yesterday", &key_a, "").await,
        400,
        Some("invalid_parameter"),
        "since",
    );
    let audit = table_text(&server, "audit_log");
    for secret in [&secret, &secret2, &new_key] {
        assert!(!audit.contains(secret.as_str()));
        assert!(!String::from_utf8_lossy(&r.bytes).contains(secret.as_str()));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_retry_gets_the_first_answer_and_changes_nothing() {
    let (_dir, mut server, a, b) = setup("idem").await;
    let (_, key_a) = server.api_key(&a);
    let (_, key_b) = server.api_key(&b);
    let body = r#"{"name":"gl"}"#;
    let first = call(&server, "POST", "/v1/connectors", &key_a, Some("k-1"), body).await;
    expect(&first, 201, None, "first");
    assert!(first.header("idempotent-replayed").is_none());
    let again = call(&server, "POST", "/v1/connectors", &key_a, Some("k-1"), body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.bytes, first.bytes, "byte for byte");
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let list = api(&server, "GET", "/v1/connectors", &key_a, "")
        .await
        .json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let audit = api(&server, "GET", "/v1/audit", &key_a, "").await.json();
    assert_eq!(audit["data"].as_array().unwrap().len(), 1);
    // The secret of the answer is not stored in the clear, nor the key.
    let secret = first.json()["secret"].as_str().unwrap().to_owned();
    let stored = table_text(&server, "idempotency_keys");
    assert!(
        !stored.contains(&secret) && !stored.contains("k-1"),
        "{stored}"
    );

    // The same key with another request: 422; another tenant's key space
    // is its own.
    for (path, body) in [
        ("/v1/connectors", r#"{"name":"other"}"#),
        ("/v1/api-keys", r#"{"label":"gl"}"#),
    ] {
        let r = call(&server, "POST", path, &key_a, Some("k-1"), body).await;
        expect(&r, 422, Some("idempotency_key_reused"), path);
    }
    let r = call(&server, "POST", "/v1/connectors", &key_b, Some("k-1"), body).await;
    expect(&r, 201, None, "tenant b");
    let long = "k".repeat(256);
    for bad in [long.as_str(), "caf\u{e9}"] {
        let r = call(&server, "POST", "/v1/connectors", &key_a, Some(bad), body).await;
        expect(&r, 400, Some("invalid_idempotency_key"), "bad key");
    }
    // A refused write is not stored: fixed, the same key then succeeds.
    let r = call(
        &server,
        "PUT",
        "/v1/rules/r",
        &key_a,
        Some("k-2"),
        r#"{"channel":"x"}"#,
    )
    .await;
    expect(&r, 422, Some("invalid_channel"), "refused");
    let r = call(
        &server,
        "PUT",
        "/v1/rules/r",
        &key_a,
        Some("k-2"),
        r#"{"channel":"x"}"#,
    )
    .await;
    expect(&r, 422, Some("invalid_channel"), "refused again");

    // Concurrent requests with one key: one key made, every answer the
    // first one's (or 409 while it is being made).
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let url_key = key_a.clone();
        let s = &server;
        tasks.push(async move {
            call(
                s,
                "POST",
                "/v1/api-keys",
                &url_key,
                Some("k-3"),
                r#"{"label":"x"}"#,
            )
            .await
        });
    }
    let answers = futures_join(tasks).await;
    let made: Vec<&Raw> = answers.iter().filter(|r| r.status == 201).collect();
    assert!(!made.is_empty());
    assert!(made.iter().all(|r| r.bytes == made[0].bytes));
    assert!(answers
        .iter()
        .all(|r| r.status == 201 || r.code().as_deref() == Some("idempotency_key_in_use")));
    let keys = api(&server, "GET", "/v1/api-keys", &key_a, "").await.json();
    assert_eq!(keys["data"].as_array().unwrap().len(), 2, "{keys}");

    // Incident commands: the retry of an acknowledge is its first answer,
    // not 409 already_acknowledged.
    let (c, s) = server.connector(&a);
    let r = post_signed(&server, &c, &s, &body_of(&c)).await;
    let incident = r.body["incident_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/incidents/{incident}/acknowledge");
    let first = call(&server, "POST", &path, &key_a, Some("ack-1"), "").await;
    expect(&first, 200, None, "ack");
    let again = call(&server, "POST", &path, &key_a, Some("ack-1"), "").await;
    assert_eq!((again.status, &again.bytes), (200, &first.bytes));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let plain = call(&server, "POST", &path, &key_a, None, "").await;
    expect(&plain, 409, Some("already_acknowledged"), "without key");
    server.stop().await;
}

/// Runs the futures at once.
async fn futures_join<F: std::future::Future<Output = Raw>>(tasks: Vec<F>) -> Vec<Raw> {
    let mut set = Vec::new();
    for t in tasks {
        set.push(Box::pin(t));
    }
    let mut out = Vec::new();
    // Polled together: join_all without the futures crate.
    let mut pending: Vec<_> = set.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in &mut pending {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(r) => {
                        out.push(r);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}

fn body_of(connector: &str) -> String {
    body(connector, "payroll batch failed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_silences_windows_heartbeats_and_jobs_of_one_tenant() {
    let (_dir, mut server, a, b) = setup("config").await;
    let (_, key_a) = server.api_key(&a);
    let (_, key_b) = server.api_key(&b);
    let (ca, sa) = server.connector(&a);
    let (cb, _) = server.connector(&b);

    // Rules: create, replace, read, refusals, isolation.
    let r = api(
        &server,
        "PUT",
        "/v1/rules/pager",
        &key_a,
        r#"{"channel":"log"}"#,
    )
    .await;
    expect(&r, 201, None, "rule");
    assert_eq!(r.json()["name"], "pager");
    let r = api(
        &server,
        "PUT",
        "/v1/rules/pager",
        &key_a,
        r#"{"id":"pager","name":"Pager","channel":"log","kinds":["opened"],"repeat_interval":3600}"#,
    )
    .await;
    expect(&r, 200, None, "replace");
    let one = api(&server, "GET", "/v1/rules/pager", &key_a, "").await;
    expect(&one, 200, None, "get rule");
    assert_eq!(one.json()["repeat_interval"], 3600);
    let list = api(&server, "GET", "/v1/rules", &key_a, "").await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    for (body, code) in [
        (r#"{"channel":"pager"}"#, "invalid_channel"),
        (r#"{"id":"other","channel":"log"}"#, "invalid_field"),
        (r#"{"channel":"log","colour":"red"}"#, "invalid_field"),
        (
            r#"{"channel":"log","matchers":{"tenant":"b"}}"#,
            "invalid_field",
        ),
        (
            r#"{"channel":"log","repeat_interval":0}"#,
            "invalid_duration",
        ),
        (r#"{"channel":"log","kinds":["nope"]}"#, "invalid_field"),
    ] {
        let r = api(&server, "PUT", "/v1/rules/pager", &key_a, body).await;
        expect(&r, 422, Some(code), body);
    }
    let r = api(
        &server,
        "PUT",
        "/v1/rules/x",
        &key_a,
        &format!(r#"{{"channel":"log","matchers":{{"connector_id":"{cb}"}}}}"#),
    )
    .await;
    expect(
        &r,
        404,
        Some("connector_not_found"),
        "rule on b's connector",
    );
    expect(
        &api(&server, "GET", "/v1/rules/pager", &key_b, "").await,
        404,
        Some("rule_not_found"),
        "b get",
    );
    expect(
        &api(&server, "DELETE", "/v1/rules/pager", &key_b, "").await,
        404,
        Some("rule_not_found"),
        "b del",
    );
    expect(
        &api(
            &server,
            "PUT",
            "/v1/rules/pager",
            &key_b,
            r#"{"channel":"log"}"#,
        )
        .await,
        409,
        Some("rule_id_taken"),
        "b put",
    );
    assert_eq!(
        api(&server, "GET", "/v1/rules", &key_b, "").await.json()["data"],
        json!([])
    );

    // The serving writer loads the rule: a new incident notifies it.
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut n = 0;
    loop {
        n += 1;
        let body = format!(
            "{{\"connector_id\":\"{ca}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"SRC_{n}\",\"message\":\"m\"}}",
            now_rfc3339()
        );
        assert_eq!(post_signed(&server, &ca, &sa, &body).await.status, 202);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let alerts = api(&server, "GET", "/v1/alerts?rule=pager", &key_a, "")
            .await
            .json();
        if !alerts["data"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the rule never notified");
    }

    // Silences: the tenant's connector is required; operator-wide ones
    // are neither visible nor writable.
    let silence = |connector: &str| {
        format!(
            r#"{{"matchers":{{"connector_id":"{connector}"}},"starts_at":"2026-01-01T00:00:00Z","ends_at":"2099-01-01T00:00:00Z","comment":"upgrade"}}"#
        )
    };
    let r = api(
        &server,
        "PUT",
        "/v1/silences/s1",
        &key_a,
        r#"{"starts_at":"2026-01-01T00:00:00Z","ends_at":"2099-01-01T00:00:00Z","matchers":{}}"#,
    )
    .await;
    expect(&r, 422, Some("connector_required"), "no connector");
    let r = api(&server, "PUT", "/v1/silences/s1", &key_a, &silence(&cb)).await;
    expect(&r, 404, Some("connector_not_found"), "b's connector");
    let r = api(&server, "PUT", "/v1/silences/s1", &key_a, &silence(&ca)).await;
    expect(&r, 201, None, "silence");
    expect(
        &api(&server, "PUT", "/v1/silences/s1", &key_a, &silence(&ca)).await,
        200,
        None,
        "again",
    );
    let r = api(
        &server,
        "PUT",
        "/v1/silences/s2",
        &key_a,
        &format!(r#"{{"matchers":{{"connector_id":"{ca}"}},"starts_at":"2026-01-02T00:00:00Z","ends_at":"2026-01-01T00:00:00Z"}}"#),
    )
    .await;
    expect(&r, 422, Some("invalid_time_range"), "range");
    expect(
        &api(&server, "GET", "/v1/silences/s1", &key_b, "").await,
        404,
        Some("silence_not_found"),
        "b",
    );
    expect(
        &api(&server, "PUT", "/v1/silences/s1", &key_b, &silence(&cb)).await,
        409,
        Some("silence_id_taken"),
        "b put",
    );
    server.admin(AdminCommand::Silences(SilenceCommand::Create {
        id: "ops".into(),
        matchers: MatchArgs::default(),
        starts_at: None,
        ends_at: None,
        duration_secs: Some(3600),
        comment: None,
    }));
    expect(
        &api(&server, "GET", "/v1/silences/ops", &key_a, "").await,
        404,
        Some("silence_not_found"),
        "ops",
    );
    expect(
        &api(&server, "PUT", "/v1/silences/ops", &key_a, &silence(&ca)).await,
        409,
        Some("silence_id_taken"),
        "ops put",
    );
    expect(
        &api(&server, "DELETE", "/v1/silences/ops", &key_a, "").await,
        404,
        Some("silence_not_found"),
        "ops del",
    );
    let list = api(&server, "GET", "/v1/silences", &key_a, "").await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let r = api(&server, "DELETE", "/v1/silences/s1", &key_a, "").await;
    assert_eq!((r.status, r.bytes.len()), (204, 0));
    expect(
        &api(&server, "GET", "/v1/silences/s1", &key_a, "").await,
        404,
        Some("silence_not_found"),
        "gone",
    );

    // Windows.
    let window = format!(
        r#"{{"matchers":{{"connector_id":"{ca}"}},"schedule":[{{"cron":"0 2 * * *","time_zone":"America/Chicago"}}],"duration":3600}}"#
    );
    expect(
        &api(&server, "PUT", "/v1/windows/w1", &key_a, &window).await,
        201,
        None,
        "window",
    );
    let bad = window.replace("3600", "0");
    expect(
        &api(&server, "PUT", "/v1/windows/w2", &key_a, &bad).await,
        422,
        Some("invalid_duration"),
        "0 s",
    );
    let bad = window.replace("America/Chicago", "Mars/Olympus");
    let r = api(&server, "PUT", "/v1/windows/w2", &key_a, &bad).await;
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.bytes));
    expect(
        &api(&server, "GET", "/v1/windows/w1", &key_b, "").await,
        404,
        Some("window_not_found"),
        "b",
    );
    assert_eq!(
        api(&server, "GET", "/v1/windows", &key_a, "").await.json()["data"][0]["duration"],
        3600
    );
    expect(
        &api(&server, "DELETE", "/v1/windows/w1", &key_a, "").await,
        204,
        None,
        "del",
    );

    // Heartbeats.
    let hb = format!("/v1/heartbeats/{ca}/NIGHTLY");
    expect(
        &api(
            &server,
            "PUT",
            &hb,
            &key_a,
            r#"{"period":86400,"grace":600}"#,
        )
        .await,
        201,
        None,
        "hb",
    );
    expect(
        &api(
            &server,
            "PUT",
            &hb,
            &key_a,
            r#"{"period":86400,"paused":true}"#,
        )
        .await,
        200,
        None,
        "hb2",
    );
    expect(
        &api(&server, "PUT", &hb, &key_b, r#"{"period":86400}"#).await,
        404,
        Some("connector_not_found"),
        "b hb",
    );
    expect(
        &api(&server, "PUT", &hb, &key_a, r#"{"period":0}"#).await,
        422,
        Some("invalid_duration"),
        "0",
    );
    expect(
        &api(
            &server,
            "PUT",
            &hb,
            &key_a,
            r#"{"period":60,"source":"OTHER"}"#,
        )
        .await,
        422,
        Some("invalid_field"),
        "source",
    );
    let list = api(&server, "GET", "/v1/heartbeats", &key_a, "")
        .await
        .json();
    assert_eq!(list["data"][0]["paused"], true, "{list}");
    assert_eq!(
        api(&server, "GET", "/v1/heartbeats", &key_b, "")
            .await
            .json()["data"],
        json!([])
    );

    // Jobs: created, replaced, refused when watched twice or foreign.
    let job = |source: &str| {
        format!(
            r#"{{"connector_id":"{ca}","source":"{source}","expectation":{{"period":86400}},"max_runtime":3600}}"#
        )
    };
    let r = api(&server, "POST", "/v1/jobs", &key_a, &job("GL_EXTRACT")).await;
    expect(&r, 201, None, "job");
    let job_id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["status"], "waiting");
    expect(
        &api(&server, "POST", "/v1/jobs", &key_a, &job("GL_EXTRACT")).await,
        200,
        None,
        "again",
    );
    let got = api(&server, "GET", &format!("/v1/jobs/{job_id}"), &key_a, "").await;
    assert_eq!(got.json()["max_runtime"], 3600);
    let path = format!("/v1/jobs/{job_id}");
    expect(
        &api(
            &server,
            "PUT",
            &path,
            &key_a,
            &job("GL_EXTRACT").replace("3600", "7200"),
        )
        .await,
        200,
        None,
        "put",
    );
    expect(
        &api(&server, "PUT", &path, &key_a, &job("AP")).await,
        422,
        Some("job_id_mismatch"),
        "mismatch",
    );
    expect(
        &api(&server, "PUT", &path, &key_b, &job("GL_EXTRACT")).await,
        404,
        Some("job_not_found"),
        "b put",
    );
    expect(
        &api(&server, "DELETE", &path, &key_b, "").await,
        404,
        Some("job_not_found"),
        "b del",
    );
    expect(
        &api(&server, "POST", "/v1/jobs", &key_b, &job("B")).await,
        404,
        Some("connector_not_found"),
        "b post",
    );
    expect(
        &api(&server, "POST", "/v1/jobs", &key_a, &job("NIGHTLY")).await,
        422,
        Some("watched_twice"),
        "twice",
    );
    expect(
        &api(
            &server,
            "POST",
            "/v1/jobs",
            &key_a,
            r#"{"connector_id":"x"}"#,
        )
        .await,
        422,
        Some("invalid_field"),
        "bad",
    );
    expect(
        &api(&server, "DELETE", &path, &key_a, "").await,
        204,
        None,
        "del job",
    );
    expect(
        &api(&server, "GET", &path, &key_a, "").await,
        404,
        Some("job_not_found"),
        "gone",
    );
    expect(
        &api(&server, "DELETE", &hb, &key_a, "").await,
        204,
        None,
        "del hb",
    );
    expect(
        &api(&server, "DELETE", &hb, &key_a, "").await,
        404,
        Some("heartbeat_not_found"),
        "del hb again",
    );

    // Incident reopen goes to the writer like acknowledge and resolve.
    let r = post_signed(&server, &ca, &sa, &body_of(&ca)).await;
    let incident = r.body["incident_id"].as_str().unwrap().to_owned();
    let reopen = format!("/v1/incidents/{incident}/reopen");
    expect(
        &api(&server, "POST", &reopen, &key_a, "").await,
        409,
        Some("not_resolved"),
        "open",
    );
    let resolve = format!("/v1/incidents/{incident}/resolve");
    expect(
        &api(&server, "POST", &resolve, &key_a, r#"{"note":"fixed"}"#).await,
        200,
        None,
        "resolve",
    );
    expect(
        &api(&server, "POST", &reopen, &key_b, "").await,
        404,
        Some("incident_not_found"),
        "b",
    );
    for body in [r#"{"notes":"x"}"#, r#"{"actor":5}"#] {
        let r = api(&server, "POST", &reopen, &key_a, body).await;
        expect(&r, 422, Some("invalid_field"), body);
    }
    let r = api(&server, "POST", &reopen, &key_a, "[]").await;
    expect(&r, 400, Some("invalid_body"), "[]");
    let r = api(
        &server,
        "POST",
        &reopen,
        &key_a,
        r#"{"actor":"ana","note":"again"}"#,
    )
    .await;
    expect(&r, 200, None, "reopen");
    assert_eq!(r.json()["status"], "open");

    let audit = api(&server, "GET", "/v1/audit?limit=200", &key_a, "")
        .await
        .json();
    let actions: Vec<String> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "rule.put",
        "silence.put",
        "silence.delete",
        "window.put",
        "window.delete",
        "heartbeat.put",
        "heartbeat.delete",
        "job.create",
        "job.replace",
        "job.delete",
        "incident.resolve",
        "incident.reopen",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} missing in {actions:?}");
    }
    assert_eq!(audit["data"][0]["detail"]["actor"], "ana");
    // The same silence put twice (and the same job posted twice) changed
    // something once.
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!((count("silence.put"), count("job.create")), (1, 1));
    assert_eq!(
        count("job.replace"),
        1,
        "only the PUT that changed max_runtime"
    );
    server.stop().await;
}

#[test]
fn no_secret_or_key_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    // Tenant and key first, with the CLI's code, before the server starts.
    let out = {
        // SQLite: the child below serves this data directory.
        let location = erpops_receiver::store::Location::Sqlite(dir.path().to_path_buf());
        let mut store = location.open().unwrap();
        let tenant = AdminCommand::Tenants(erpops_receiver::cli::TenantCommand::Create {
            id: "a".into(),
            name: None,
            plan: "free".into(),
            pii: "redact".into(),
        });
        erpops_receiver::admin::run_on(store.as_mut(), &tenant).unwrap();
        let key = AdminCommand::ApiKeys(erpops_receiver::cli::ApiKeyCommand::Create {
            tenant: "a".into(),
            label: "t".into(),
        });
        erpops_receiver::admin::run_on(store.as_mut(), &key).unwrap()
    };
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("api_key:"))
        .unwrap()
        .trim()
        .to_owned();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_erpops"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("ERPOPS_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(a) = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("addr="))
            .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        {
            break a;
        }
        assert!(Instant::now() < deadline, "no listening line: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = TestServer {
        receiver: None,
        addr,
        data: dir.path().to_path_buf(),
    };
    let shown = rt.block_on(async {
        let mut shown = Vec::new();
        let c = call(
            &server,
            "POST",
            "/v1/connectors",
            &key,
            Some("log-1"),
            r#"{"name":"n"}"#,
        )
        .await;
        assert_eq!(c.status, 201);
        let id = c.json()["id"].as_str().unwrap().to_owned();
        shown.push(c.json()["secret"].as_str().unwrap().to_owned());
        let r = call(
            &server,
            "POST",
            &format!("/v1/connectors/{id}/rotate"),
            &key,
            None,
            "",
        )
        .await;
        shown.push(r.json()["secret"].as_str().unwrap().to_owned());
        let k = call(
            &server,
            "POST",
            "/v1/api-keys",
            &key,
            None,
            r#"{"label":"l"}"#,
        )
        .await;
        shown.push(k.json()["api_key"].as_str().unwrap().to_owned());
        // A replay and a refusal log too.
        call(
            &server,
            "POST",
            "/v1/connectors",
            &key,
            Some("log-1"),
            r#"{"name":"n"}"#,
        )
        .await;
        call(&server, "POST", "/v1/api-keys", &key, None, "{}").await;
        shown
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("/v1/connectors"),
        "requests are logged: {text}"
    );
    for s in shown.iter().chain([&key]) {
        assert!(!text.contains(s.as_str()), "a secret in the log");
    }
}
