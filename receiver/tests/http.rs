//! The receiver over real HTTP on an ephemeral loopback port: every rung of
//! the receive ladder, the body limit for Content-Length and chunked
//! bodies, group commit under concurrency, admin changes while serving,
//! and a restart that keeps everything.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::store::{AdminStore, SqliteStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rung_of_the_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("acme", "free", "redact");
    let (id, secret) = server.connector("acme");
    let url = server.url(RECEIVE);

    // 202 with the RateLimit fields, an event id and an incident.
    let b = body(&id, "Exit code 1 at record 18441");
    let r = post_signed(&server, &id, &secret, &b).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "accepted");
    let event_id = r.body["event_id"].as_str().unwrap().to_owned();
    assert!(event_id.starts_with("evt_"));
    assert!(r.body["incident_id"].as_str().unwrap().starts_with("inc_"));
    assert_eq!(
        r.header("ratelimit-policy").as_deref(),
        Some("\"events\";q=100;w=86400")
    );
    assert!(r
        .header("ratelimit")
        .unwrap()
        .starts_with("\"events\";r=99;t="));
    assert!(r.header("x-request-id").unwrap().starts_with("req_"));

    // 200 duplicate: same bytes, same id, nothing consumed.
    let r = post_signed(&server, &id, &secret, &b).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "duplicate");
    assert_eq!(r.body["event_id"], event_id.as_str());
    assert!(r
        .header("ratelimit")
        .unwrap()
        .starts_with("\"events\";r=99;"));

    let sig = signature(&secret, b.as_bytes());
    let json = ("Content-Type", "application/json");
    let cid = ("X-ERPOps-Connector-Id", id.as_str());
    let good_sig = ("X-ERPOps-Signature", sig.as_str());
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "415",
            vec![("Content-Type", "text/plain"), cid, good_sig],
            415,
            "unsupported_media_type",
        ),
        ("no sig", vec![json, cid], 401, "signature_missing"),
        (
            "bad sig",
            vec![json, cid, ("X-ERPOps-Signature", "sha256=zz")],
            401,
            "signature_malformed",
        ),
        (
            "no connector",
            vec![json, good_sig],
            401,
            "connector_id_missing",
        ),
        (
            "bad connector",
            vec![json, good_sig, ("X-ERPOps-Connector-Id", "nope")],
            401,
            "connector_id_malformed",
        ),
        (
            "unknown connector",
            vec![
                json,
                good_sig,
                (
                    "X-ERPOps-Connector-Id",
                    "123e4567-e89b-12d3-a456-426614174000",
                ),
            ],
            403,
            "connector_not_found",
        ),
        (
            "mismatch",
            vec![
                json,
                cid,
                (
                    "X-ERPOps-Signature",
                    "sha256=0000000000000000000000000000000000000000000000000000000000000000",
                ),
            ],
            401,
            "signature_mismatch",
        ),
    ];
    for (name, headers, status, code) in cases {
        let r = request("POST", &url, &headers, b.clone().into_bytes()).await;
        assert_eq!(r.status, status, "{name}: {:?}", r.body);
        assert_eq!(r.code().as_deref(), Some(code), "{name}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{name}"
        );
        assert!(
            r.header("ratelimit").is_none(),
            "{name}: no RateLimit before the tenant is known"
        );
        assert!(r.body["request_id"].as_str().unwrap().starts_with("req_"));
    }

    // 405 from the core for another method.
    let r = request("GET", &url, &[], Vec::new()).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow").as_deref(), Some("POST"));

    // 422 with every violation, and the RateLimit fields.
    let bad = format!(
        "{{\"connector_id\":\"{id}\",\"event_type\":\"Bad\",\"timestamp\":\"{}\"}}",
        now_rfc3339()
    );
    let r = post_signed(&server, &id, &secret, &bad).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.code().as_deref(), Some("invalid_event"));
    assert_eq!(r.body["errors"][0]["pointer"], "/event_type");
    assert!(r.header("ratelimit").is_some());

    // PII is redacted under the default policy and reported.
    let pii = body(&id, "mail jane.doe@example.com failed");
    let r = post_signed(&server, &id, &secret, &pii).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.body["redactions"][0]["kinds"][0], "email", "{:?}", r.body);
    assert_eq!(r.body["redactions"][0]["pointer"], "/message");
    // Stored redacted, and without the raw body that still holds the PII.
    let (message, raw) = stored_event(dir.path(), r.body["event_id"].as_str().unwrap());
    assert_eq!(message, "mail [REDACTED:email] failed");
    assert!(raw.is_none());
    let (_, raw) = stored_event(dir.path(), &event_id);
    let raw = raw.unwrap();
    assert_eq!(
        raw,
        b.as_bytes(),
        "a body without PII is kept byte for byte"
    );

    // Disabled connector and suspended tenant, changed while serving.
    server.admin(AdminCommand::Connectors(ConnectorCommand::Disable {
        id: id.clone(),
    }));
    let r = post_signed(&server, &id, &secret, &body(&id, "x")).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("connector_disabled"))
    );
    server.admin(AdminCommand::Connectors(ConnectorCommand::Enable {
        id: id.clone(),
    }));
    server.admin(AdminCommand::Tenants(TenantCommand::Suspend {
        id: "acme".into(),
    }));
    let r = post_signed(&server, &id, &secret, &body(&id, "y")).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("tenant_suspended"))
    );
    server.admin(AdminCommand::Tenants(TenantCommand::Resume {
        id: "acme".into(),
    }));

    // Quota: 2 used; 98 more, then 429 with Retry-After = t.
    for i in 0..98 {
        let r = post_signed(&server, &id, &secret, &body(&id, &format!("n{i}"))).await;
        assert_eq!(r.status, 202, "event {i}: {:?}", r.body);
    }
    let r = post_signed(&server, &id, &secret, &body(&id, "one too many")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.code().as_deref(), Some("quota_exceeded"));
    let retry_after = r.header("retry-after").unwrap();
    assert!(retry_after.parse::<u64>().unwrap() >= 1);
    assert_eq!(
        r.header("ratelimit").unwrap(),
        format!("\"events\";r=0;t={retry_after}")
    );
    // A plan change applies to the next request.
    server.admin(AdminCommand::Tenants(TenantCommand::Plan {
        id: "acme".into(),
        plan: "professional".into(),
    }));
    let r = post_signed(&server, &id, &secret, &body(&id, "after upgrade")).await;
    assert_eq!(r.status, 202);

    let mut store = store_location(dir.path()).open().unwrap();
    assert_eq!(store.event_count("acme").unwrap(), 101);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_limit_is_enforced_while_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    // Content-Length over the limit: 413 without sending a single body byte.
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("body_too_large"), "{head}");

    // Chunked: the server answers 413 once the limit is crossed, while the
    // client still has chunks to send.
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let chunk = vec![b'a'; 16 * 1024];
    for _ in 0..5 {
        s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        s.write_all(&chunk).await.unwrap();
        s.write_all(b"\r\n").await.unwrap();
    }
    let n = s.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");

    // A chunked body within the limit is read whole (and reaches the MAC check).
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-ERPOps-Signature: sha256={}\r\nX-ERPOps-Connector-Id: 123e4567-e89b-12d3-a456-426614174000\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n",
            "0".repeat(64)
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).await.unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_group_committed_and_all_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    server.tenant("busy", "professional", "redact");
    let (id, secret) = server.connector("busy");
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (server, id, secret) = (server.clone(), id.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            post_signed(&server, &id, &secret, &body(&id, &format!("c{i}")))
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 202);
    }
    let mut store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.event_count("busy").unwrap(), 64);
    assert_eq!(store.pragma("journal_mode").unwrap(), "wal");
    assert_eq!(store.pragma("synchronous").unwrap(), "2", "FULL");
    let mut server = std::sync::Arc::try_unwrap(server).ok().unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_events_digests_quota_and_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("t1", "free", "redact");
    let (id, secret) = server.connector("t1");
    let b = body(&id, "before restart");
    let first = post_signed(&server, &id, &secret, &b).await;
    assert_eq!(first.status, 202);
    let incident = first.body["incident_id"].as_str().unwrap().to_owned();
    server.stop().await;

    let mut server = start(dir.path()).await;
    let again = post_signed(&server, &id, &secret, &b).await;
    assert_eq!(again.status, 200, "the digest survived: {:?}", again.body);
    assert_eq!(again.body["event_id"], first.body["event_id"]);
    // Quota continues from 1 used; the incident model resumed, so the same
    // failure family attaches to the same incident.
    let next = post_signed(&server, &id, &secret, &body(&id, "after restart")).await;
    assert_eq!(next.status, 202);
    assert!(next
        .header("ratelimit")
        .unwrap()
        .starts_with("\"events\";r=98;"));
    assert_eq!(next.body["incident_id"], incident.as_str());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_the_old_secret_during_the_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("rot", "free", "redact");
    let (id, old) = server.connector("rot");
    let out = server.admin(AdminCommand::Connectors(ConnectorCommand::Rotate {
        id: id.clone(),
        overlap_secs: 3600,
    }));
    let (_, new) = parse_id_secret(&out);
    assert_ne!(old, new);
    assert_eq!(
        post_signed(&server, &id, &old, &body(&id, "old"))
            .await
            .status,
        202
    );
    assert_eq!(
        post_signed(&server, &id, &new, &body(&id, "new"))
            .await
            .status,
        202
    );
    // Rotating with no overlap retires the previous secrets at once.
    let out = server.admin(AdminCommand::Connectors(ConnectorCommand::Rotate {
        id: id.clone(),
        overlap_secs: 0,
    }));
    let (_, newest) = parse_id_secret(&out);
    let r = post_signed(&server, &id, &new, &body(&id, "retired")).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (401, Some("signature_mismatch"))
    );
    assert_eq!(
        post_signed(&server, &id, &newest, &body(&id, "newest"))
            .await
            .status,
        202
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_unknown_routes() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    let r = request("GET", &server.url("/healthz"), &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    let r = request("GET", &server.url("/nope"), &[], Vec::new()).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("not_found"));
    // /metrics counts what happened (text, so the JSON body is Null).
    server.tenant("m", "free", "redact");
    let (id, secret) = server.connector("m");
    assert_eq!(
        post_signed(&server, &id, &secret, &body(&id, "m"))
            .await
            .status,
        202
    );
    let text = erpops_receiver_metrics(&server).await;
    assert!(
        text.contains("erpops_http_responses_total{status=\"404\"} 1"),
        "{text}"
    );
    assert!(text.contains("erpops_events_accepted_total 1"), "{text}");
    assert!(text.contains("erpops_open_incidents 1"), "{text}");
    assert!(text.contains("erpops_commit_seconds_count"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_is_created_once_and_its_curl_command_gets_a_202() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path());
    let (receiver, demo) = erpops_receiver::serve::start(&settings, true)
        .await
        .unwrap();
    let demo = demo.unwrap();
    let addr = receiver.server.addr;
    let script = erpops_receiver::demo::curl_command(&demo, addr);
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap()
    });
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["status"], "accepted", "{reply}");
    // Its API key reads the demo tenant's usage.
    assert_eq!(usage(addr, &demo.api_key).await.body["tenant_id"], "demo");
    receiver.shutdown().await;
    // A later start with the same data directory reuses the same demo
    // connector, with a fresh API key: the earlier one is revoked.
    let (receiver, again) = erpops_receiver::serve::start(&settings, true)
        .await
        .unwrap();
    let again = again.unwrap();
    assert_eq!(
        (&again.connector_id, &again.secret),
        (&demo.connector_id, &demo.secret)
    );
    assert_ne!(again.api_key, demo.api_key);
    let addr = receiver.server.addr;
    assert_eq!(usage(addr, &demo.api_key).await.status, 401);
    assert_eq!(usage(addr, &again.api_key).await.status, 200);
    receiver.shutdown().await;
}

/// `GET /v1/usage` at `addr` with `key`.
async fn usage(addr: std::net::SocketAddr, key: &str) -> Reply {
    let auth = format!("Bearer {key}");
    request(
        "GET",
        &format!("http://{addr}/v1/usage"),
        &[("Authorization", auth.as_str())],
        Vec::new(),
    )
    .await
}

async fn erpops_receiver_metrics(server: &TestServer) -> String {
    use http_body_util::BodyExt;
    let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let r = client
        .get(server.url("/metrics").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_and_flushes_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("s", "free", "redact");
    let (id, secret) = server.connector("s");
    let b = body(&id, "in flight during shutdown");
    let sig = signature(&secret, b.as_bytes());
    // Send the head and half of the body, then ask the server to stop.
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-ERPOps-Connector-Id: {id}\r\nX-ERPOps-Signature: {sig}\r\nContent-Length: {}\r\n\r\n",
        b.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = b.as_bytes().split_at(b.len() / 2);
    s.write_all(first).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let receiver = server.receiver.take().unwrap();
    let stopping = tokio::spawn(receiver.shutdown());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // New connections are refused once it stopped accepting.
    assert!(tokio::net::TcpStream::connect(server.addr).await.is_err());
    s.write_all(rest).await.unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await.unwrap();
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 202"), "{text}");
    stopping.await.unwrap();
    // The acknowledged event is in the store after shutdown.
    let mut store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.event_count("s").unwrap(), 1);
}
