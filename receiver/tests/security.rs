//! Security properties of the receiver over real HTTP (issue #13; the threat
//! model is `docs/security.md`):
//! - tenant isolation: tenant A's API key cannot read, acknowledge or resolve
//!   tenant B's incidents, nor see B's connectors, events or usage, and every
//!   such attempt answers exactly like an id that does not exist (404, same
//!   code and detail: no enumeration oracle);
//! - API keys are stored as SHA-256 digests only (the SQLite files never hold
//!   the key) and must match exactly;
//! - logs (the real binary, `ERPOPS_LOG=trace`) never carry connector
//!   secrets, API keys, signatures or body content;
//! - a disabled connector's correctly signed requests are refused and store
//!   nothing;
//! - after a rotation the previous secret verifies until its expiry and not at
//!   it: over HTTP with a zero overlap, and to the nanosecond through the
//!   receiver's own store lookup and the core decision the writer runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use erpops_core::receive::{
    authenticate, decide, Body, Context, InboundRequest, Outcome, ReceiveConfig,
};
use erpops_core::Timestamp;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand};
use erpops_receiver::clock;
use erpops_receiver::store::sqlite::DB_FILE;
use erpops_receiver::store::{RecordStore, SqliteStore, WriterStore};

const BIN: &str = env!("CARGO_BIN_EXE_erpops");

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v["id"]
                .as_str()
                .or_else(|| v["event_id"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The parts of a refusal an attacker can observe, minus the request id and
/// the caller's own id echoed in the detail.
fn observable(r: &Reply, id: &str) -> (u16, Option<String>, String) {
    let detail = r.body["detail"].as_str().unwrap_or_default();
    (r.status, r.code(), detail.replace(id, "<id>"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_resources_answer_404_like_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("ta", "free", "redact");
    server.tenant("tb", "professional", "redact");
    let (ca, sa) = server.connector("ta");
    let (cb, sb) = server.connector("tb");
    let (_, key_a) = server.api_key("ta");
    let (_, key_b) = server.api_key("tb");

    let r = post_signed(&server, &ca, &sa, &body(&ca, "a fails")).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let incident_a = r.body["incident_id"].as_str().unwrap().to_owned();
    let mut incident_b = String::new();
    for i in 0..2 {
        let r = post_signed(&server, &cb, &sb, &body(&cb, &format!("b fails {i}"))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        incident_b = r.body["incident_id"].as_str().unwrap().to_owned();
    }
    let unknown_incident = format!("inc_{}", "0".repeat(32));
    let unknown_connector = "00000000-0000-4000-8000-000000000000";

    // Every route that names a resource: B's id answers A exactly like an
    // id that exists nowhere.
    let probes = [
        (
            "GET",
            "/v1/incidents/{}",
            incident_b.as_str(),
            unknown_incident.as_str(),
        ),
        (
            "POST",
            "/v1/incidents/{}/acknowledge",
            &incident_b,
            &unknown_incident,
        ),
        (
            "POST",
            "/v1/incidents/{}/resolve",
            &incident_b,
            &unknown_incident,
        ),
        ("GET", "/v1/connectors/{}", &cb, unknown_connector),
    ];
    for (method, template, theirs, nobody) in probes {
        let other = server
            .api(method, &template.replace("{}", theirs), &key_a, "")
            .await;
        let missing = server
            .api(method, &template.replace("{}", nobody), &key_a, "")
            .await;
        assert_eq!(other.status, 404, "{method} {template}: {:?}", other.body);
        assert_eq!(
            observable(&other, theirs),
            observable(&missing, nobody),
            "{method} {template}: another tenant's id must look unknown"
        );
    }

    // B's incident is untouched by A's attempts.
    let r = server
        .api("GET", &format!("/v1/incidents/{incident_b}"), &key_b, "")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "open");
    assert!(r.body["acknowledged_by"].is_null());

    // Lists hold only A's rows, even when filtered by B's connector.
    let r = server.api("GET", "/v1/incidents", &key_a, "").await;
    assert_eq!(ids(&r), vec![incident_a.clone()]);
    for path in [
        format!("/v1/incidents?connector={cb}"),
        format!("/v1/events?connector={cb}"),
    ] {
        let r = server.api("GET", &path, &key_a, "").await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body["data"].as_array().unwrap().is_empty(), "{path}");
    }
    let r = server.api("GET", "/v1/events", &key_a, "").await;
    let events = r.body["data"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event"]["connector_id"], ca.as_str());
    let r = server.api("GET", "/v1/connectors", &key_a, "").await;
    let connectors: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(connectors, vec![ca.as_str()]);

    // Usage is A's own: one event, not B's two.
    let r = server.api("GET", "/v1/usage", &key_a, "").await;
    assert_eq!(r.body["tenant_id"], "ta");
    assert_eq!(r.body["metrics"][0]["used"], 1);
    let r = server.api("GET", "/v1/usage", &key_b, "").await;
    assert_eq!(r.body["metrics"][0]["used"], 2);

    // A's connector secret cannot sign for B's connector.
    let r = post_signed(&server, &cb, &sa, &body(&cb, "forged by a")).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (401, Some("signature_mismatch"))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_stored_as_digests_and_must_match_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("ta", "free", "redact");
    let (key_id, key) = server.api_key("ta");
    let r = server.api("GET", "/v1/usage", &key, "").await;
    assert_eq!(r.status, 200);

    // The row holds SHA-256(key) and nothing else derived from it.
    let db = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let stored: String = db
        .query_row(
            "SELECT key_hash FROM api_keys WHERE id = ?1",
            [&key_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, clock::hash_api_key(&key));
    assert_eq!(stored.len(), 64);
    drop(db);
    // No file of the data directory (database, WAL, shared memory) holds
    // the key or its random part.
    let random_part = key.strip_prefix("erpk_").unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(random_part),
            "{} holds the key",
            path.display()
        );
    }

    // Only the exact key works: a changed last digit, a prefix, the digest
    // itself and other case all answer 401.
    let mut changed = key.clone();
    let last = changed.pop().unwrap();
    changed.push(if last == '0' { '1' } else { '0' });
    let upper = format!("erpk_{}", random_part.to_ascii_uppercase());
    for wrong in [
        changed.as_str(),
        &key[..key.len() - 1],
        stored.as_str(),
        upper.as_str(),
    ] {
        let r = server.api("GET", "/v1/usage", wrong, "").await;
        assert_eq!(r.status, 401, "{wrong}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_connectors_signed_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("ta", "free", "redact");
    let (ca, sa) = server.connector("ta");
    let (_, key) = server.api_key("ta");
    let r = post_signed(&server, &ca, &sa, &body(&ca, "before")).await;
    assert_eq!(r.status, 202);

    server.admin(AdminCommand::Connectors(ConnectorCommand::Disable {
        id: ca.clone(),
    }));
    let r = post_signed(&server, &ca, &sa, &body(&ca, "while disabled")).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("connector_disabled"))
    );
    let r = server.api("GET", "/v1/events", &key, "").await;
    assert_eq!(
        r.body["data"].as_array().unwrap().len(),
        1,
        "nothing stored"
    );
    let r = server.api("GET", "/v1/usage", &key, "").await;
    assert_eq!(r.body["metrics"][0]["used"], 1, "nothing counted");

    server.admin(AdminCommand::Connectors(ConnectorCommand::Enable {
        id: ca.clone(),
    }));
    let r = post_signed(&server, &ca, &sa, &body(&ca, "enabled again")).await;
    assert_eq!(r.status, 202);
    server.stop().await;
}

fn rotate(server: &TestServer, connector: &str, overlap_secs: u64) -> String {
    let out = server.admin(AdminCommand::Connectors(ConnectorCommand::Rotate {
        id: connector.to_owned(),
        overlap_secs,
    }));
    parse_id_secret(&out).1
}

/// The decision the writer makes for a request signed with `secret`, at
/// `now`, through the receiver's own store lookup and the core's two steps.
fn decide_at(store: &mut SqliteStore, connector: &str, secret: &str, now: Timestamp) -> u16 {
    let body = format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\"}}",
        now.to_rfc3339()
    );
    let sig = signature(secret, body.as_bytes());
    let config = ReceiveConfig::default();
    let request = InboundRequest {
        method: "POST",
        content_type: Some(b"application/json"),
        signature: Some(sig.as_bytes()),
        connector_id: Some(connector.as_bytes()),
        body: Body::Bytes(body.as_bytes()),
    };
    let auth = authenticate(&request, &config, "t").unwrap();
    let (connector, tenant) = store.records(&auth.connector_id).unwrap();
    let tenant_id = connector.as_ref().unwrap().tenant_id.clone();
    let (replay_expires_at, quota) = store.lookup_state(&tenant_id, None, now).unwrap();
    let context = Context {
        connector: connector.as_ref(),
        tenant: tenant.as_ref(),
        replay_expires_at,
        quota: quota.as_ref(),
    };
    match decide(auth, &context, &config, now, "t") {
        Outcome::Respond(r) => r.status,
        Outcome::Accepted(_) => 202,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_previous_secret_stops_exactly_at_its_rotation_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("ta", "professional", "redact");
    let (ca, first) = server.connector("ta");

    // Over HTTP: with an hour of overlap both secrets verify.
    let before = clock::now();
    let second = rotate(&server, &ca, 3600);
    let after = clock::now();
    for (secret, message) in [(&first, "old"), (&second, "new")] {
        let r = post_signed(&server, &ca, secret, &body(&ca, message)).await;
        assert_eq!(r.status, 202, "{message}: {:?}", r.body);
    }

    // The stored expiry is the rotation time plus the overlap.
    let db = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let expiry: i64 = db
        .query_row(
            "SELECT expires_at FROM connector_secrets WHERE connector_id = ?1 AND secret = ?2",
            [&ca, &first],
            |r| r.get(0),
        )
        .unwrap();
    drop(db);
    let expiry = Timestamp::from_unix_nanos(i128::from(expiry)).unwrap();
    let hour = Duration::from_secs(3600);
    assert!(before.saturating_add(hour) <= expiry && expiry <= after.saturating_add(hour));

    // To the nanosecond, through the store and decision the writer uses:
    // accepted 1 ns before the expiry, refused at it; the new secret goes on.
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let just_before = expiry.checked_sub(Duration::from_nanos(1)).unwrap();
    assert_eq!(decide_at(&mut store, &ca, &first, just_before), 202);
    assert_eq!(decide_at(&mut store, &ca, &first, expiry), 401);
    assert_eq!(decide_at(&mut store, &ca, &second, expiry), 202);
    drop(store);

    // Over HTTP: a rotation without overlap ends every previous secret now.
    let third = rotate(&server, &ca, 0);
    for secret in [&first, &second] {
        let r = post_signed(&server, &ca, secret, &body(&ca, "after expiry")).await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (401, Some("signature_mismatch"))
        );
    }
    let r = post_signed(&server, &ca, &third, &body(&ca, "newest")).await;
    assert_eq!(r.status, 202);
    server.stop().await;
}

/// The real binary, serving with every log level on, its stderr in a file.
struct Serving {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    fn log(&self) -> String {
        let mut text = String::new();
        std::fs::File::open(&self.log)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// Starts `erpops serve` on an ephemeral port; returns it and its address.
    fn start(data: &std::path::Path) -> (Serving, String) {
        let log = data.join("serve.log");
        let child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("ERPOPS_LOG", "trace")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let serving = Serving { child, log };
        // Wait (bounded) for the line that names the bound address.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = serving.log();
            if let Some(addr) = text
                .lines()
                .filter(|l| l.contains("listening"))
                .find_map(|l| l.split("addr=").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
            {
                return (serving, addr.to_owned());
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_carry_secrets_keys_signatures_or_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Tenant, connector and key are made before serving, through the same
    // admin code the CLI runs.
    let admin = TestServer {
        receiver: None,
        addr: "127.0.0.1:1".parse().unwrap(),
        data: data.clone(),
    };
    admin.tenant("ta", "free", "redact");
    let (ca, secret) = admin.connector("ta");
    let (_, key) = admin.api_key("ta");
    let (serving, addr) = tokio::task::block_in_place(|| Serving::start(&data));
    let server = TestServer {
        receiver: None,
        addr: addr.parse().unwrap(),
        data: data.clone(),
    };

    let marker = "BODYMARKER7f3a";
    let email = "jane.marker@example.com";
    let accepted = format!(
        "{{\"connector_id\":\"{ca}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"{marker}_SRC\",\"message\":\"{marker} for {email}\",\"metadata\":{{\"note\":\"{marker}\"}}}}",
        now_rfc3339()
    );
    let r = post_signed(&server, &ca, &secret, &accepted).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let accepted_sig = signature(&secret, accepted.as_bytes());
    // Refusals: a bad signature, an invalid body, a wrong API key.
    let forged_sig = format!("sha256={}", "ab".repeat(32));
    let r = request(
        "POST",
        &server.url(RECEIVE),
        &[
            ("Content-Type", "application/json"),
            ("X-ERPOps-Connector-Id", &ca),
            ("X-ERPOps-Signature", &forged_sig),
        ],
        accepted.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 401);
    let invalid = format!("{{\"connector_id\":\"{ca}\",\"{marker}\":[1,2");
    let r = post_signed(&server, &ca, &secret, &invalid).await;
    assert_eq!(r.status, 422);
    let wrong_key = format!("erpk_{marker}wrongkey");
    let r = server.api("GET", "/v1/events", &wrong_key, "").await;
    assert_eq!(r.status, 401);
    // Successful API calls with the key, including a command with a note.
    let r = server.api("GET", "/v1/events", &key, "").await;
    assert_eq!(r.status, 200);
    // Query strings can carry filter values copied from events.
    let r = server
        .api("GET", &format!("/v1/events?source={marker}_SRC"), &key, "")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);
    let incident = server.api("GET", "/v1/incidents", &key, "").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = server
        .api(
            "POST",
            &format!("/v1/incidents/{incident}/acknowledge"),
            &key,
            &format!("{{\"actor\":\"ana\",\"note\":\"{marker} note\"}}"),
        )
        .await;
    assert_eq!(r.status, 200);
    let log = serving.log();
    drop(serving);

    assert!(
        log.lines().filter(|l| l.contains("request")).count() >= 7,
        "the log was not captured:\n{log}"
    );
    let secret_part = key.strip_prefix("erpk_").unwrap();
    let accepted_hex = accepted_sig.strip_prefix("sha256=").unwrap();
    for (what, needle) in [
        ("connector secret", secret.as_str()),
        ("API key", secret_part),
        ("wrong API key", wrong_key.as_str()),
        ("signature", accepted_hex),
        ("forged signature", &forged_sig[7..]),
        ("body content", marker),
        ("PII in the body", email),
    ] {
        assert!(!log.contains(needle), "the log holds the {what}:\n{log}");
    }
}

/// The data directory holds connector secrets in clear (HMAC needs them)
/// and event bodies: a new one is readable by its owner only.
#[cfg(unix)]
#[test]
fn a_new_data_directory_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let mut store = SqliteStore::open(&data).unwrap();
    store.ping().unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}
