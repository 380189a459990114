//! Shared test helpers: a receiver on an ephemeral loopback port with a
//! temporary data directory, a tenant and connector, and an HTTP client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use erpops_core::signature::{sign, Secret};
use erpops_receiver::cli::{AdminCommand, ApiKeyCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::serve::{self, Receiver};
use erpops_receiver::settings::Settings;
use erpops_receiver::store::Location;
use erpops_receiver::{admin, clock};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

pub const RECEIVE: &str = "/functions/v1/receive-event";

pub struct TestServer {
    pub receiver: Option<Receiver>,
    pub addr: SocketAddr,
    pub data: PathBuf,
}

pub fn settings(data: &Path) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data: data.to_path_buf(),
        max_body_bytes: erpops_core::event::DEFAULT_MAX_BODY_BYTES,
        max_connections: 64,
        store: store_location(data),
        store_pool_size: 8,
        retention: erpops_receiver::retention::Retention::default(),
        // Every test client is 127.0.0.1: no per-address cap here (it has
        // its own test, slow_senders.rs).
        max_connections_per_ip: 0,
        reserved_connections: erpops_receiver::settings::DEFAULT_RESERVED_CONNECTIONS,
        header_timeout: std::time::Duration::from_secs(
            erpops_receiver::settings::DEFAULT_HEADER_TIMEOUT_SECS,
        ),
        busy_header_timeout: std::time::Duration::from_millis(
            erpops_receiver::settings::DEFAULT_BUSY_HEADER_TIMEOUT_MS,
        ),
        admin_app: erpops_receiver::settings::AdminAppSettings::default(),
    }
}

/// SQLite in `data`, or the PostgreSQL database in `ERPOPS_TEST_STORE`
/// (`make test-postgres` runs the HTTP ladder once that way).
pub fn store_location(data: &Path) -> Location {
    match std::env::var("ERPOPS_TEST_STORE") {
        Ok(url) => Location::Postgres(url),
        Err(_) => Location::Sqlite(data.to_path_buf()),
    }
}

/// The stored message and raw body of an event, read from the database
/// the test server uses (SQLite or PostgreSQL).
pub fn stored_event(data: &Path, event_id: &str) -> (String, Option<Vec<u8>>) {
    let sql = "SELECT event_json, raw_body FROM events WHERE event_id = $1";
    let (json, raw): (String, Option<Vec<u8>>) = match store_location(data) {
        Location::Sqlite(dir) => rusqlite::Connection::open(dir.join("erpops.sqlite3"))
            .unwrap()
            .query_row(sql, [event_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap(),
        // The sync client cannot block a runtime worker: hand it off.
        Location::Postgres(url) => tokio::task::block_in_place(|| {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let row = c.query_one(sql, &[&event_id]).unwrap();
            (row.get(0), row.get(1))
        }),
    };
    // SQLite leaves the JSON empty when the raw body reads back as the event.
    let event = erpops_receiver::store::db::event_of(&json, raw.as_deref()).unwrap();
    (event["message"].as_str().unwrap().to_owned(), raw)
}

pub async fn start(data: &Path) -> TestServer {
    let (receiver, _) = serve::start(&settings(data), false).await.unwrap();
    TestServer {
        addr: receiver.server.addr,
        receiver: Some(receiver),
        data: data.to_path_buf(),
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.receiver.take() {
            r.shutdown().await;
        }
    }

    /// Runs an admin command on the same data directory while serving.
    pub fn admin(&self, command: AdminCommand) -> String {
        let mut store = store_location(&self.data).open().unwrap();
        admin::run_on(store.as_mut(), &command).unwrap()
    }

    pub fn tenant(&self, id: &str, plan: &str, pii: &str) {
        self.admin(AdminCommand::Tenants(TenantCommand::Create {
            id: id.into(),
            name: None,
            plan: plan.into(),
            pii: pii.into(),
        }));
    }

    /// Creates a connector; returns (id, secret) parsed from the output.
    pub fn connector(&self, tenant: &str) -> (String, String) {
        let out = self.admin(AdminCommand::Connectors(ConnectorCommand::Create {
            tenant: tenant.into(),
            name: "test".into(),
        }));
        parse_id_secret(&out)
    }
}

impl TestServer {
    /// Creates an API key for `tenant`; returns (key id, key).
    pub fn api_key(&self, tenant: &str) -> (String, String) {
        let out = self.admin(AdminCommand::ApiKeys(ApiKeyCommand::Create {
            tenant: tenant.into(),
            label: "test".into(),
        }));
        let field = |name: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap()
                .trim()
                .to_owned()
        };
        (field("key_id:"), field("api_key:"))
    }

    /// `method path` with `Authorization: Bearer key`.
    pub async fn api(&self, method: &str, path: &str, key: &str, body: &str) -> Reply {
        let auth = format!("Bearer {key}");
        request(
            method,
            &self.url(path),
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes().to_vec(),
        )
        .await
    }
}

pub fn parse_id_secret(out: &str) -> (String, String) {
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    (field("connector_id:"), field("secret:"))
}

pub fn now_rfc3339() -> String {
    clock::now().to_rfc3339()
}

/// The API reference's example body for `connector`, timestamped now.
pub fn body(connector: &str, message: &str) -> String {
    format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"PSFT_PAYROLL_BATCH\",\"message\":\"{message}\"}}",
        now_rfc3339()
    )
}

pub fn signature(secret: &str, body: &[u8]) -> String {
    sign(&Secret::new(secret.as_bytes()).unwrap(), body)
        .as_str()
        .to_owned()
}

pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: serde_json::Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
    pub fn code(&self) -> Option<String> {
        self.body["code"].as_str().map(str::to_owned)
    }
}

pub async fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut b = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let response = client
        .request(b.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// A signed POST of `body` as the API reference describes.
pub async fn post_signed(server: &TestServer, connector: &str, secret: &str, body: &str) -> Reply {
    let sig = signature(secret, body.as_bytes());
    request(
        "POST",
        &server.url(RECEIVE),
        &[
            ("Content-Type", "application/json"),
            ("X-ERPOps-Connector-Id", connector),
            ("X-ERPOps-Signature", &sig),
        ],
        body.as_bytes().to_vec(),
    )
    .await
}

pub mod process;
pub mod raw;

/// A new, empty database on the PostgreSQL server in `ERPOPS_TEST_PG`
/// (`make test-postgres`), named after `tag` and this process; `None` (the
/// test passes without running) when the variable is not set. Call it off
/// the runtime's workers (`block_in_place`): the sync client blocks.
pub fn fresh_pg_database(tag: &str) -> Option<String> {
    let Ok(admin_url) = std::env::var("ERPOPS_TEST_PG") else {
        eprintln!("ERPOPS_TEST_PG not set: PostgreSQL test skipped (make test-postgres runs it)");
        return None;
    };
    let name = format!("erpops_{tag}_{}", std::process::id());
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

/// POSTs `body` signed with `secret` for `connector` to the receive
/// endpoint at `url`.
pub async fn post(url: String, connector: String, secret: String, body: String) -> Reply {
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

/// The value of the counter or gauge `name` (no labels) in the receiver's
/// `GET /metrics` at `addr`.
pub async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client
        .get(format!("http://{addr}/metrics").parse().unwrap())
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '));
    assert!(value.is_some(), "no {name} in {text}");
    value.unwrap().trim().parse().unwrap()
}
