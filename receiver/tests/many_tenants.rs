//! Many tenants × many correlation keys (issue #21: "a many-tenant,
//! many-key workload, for example 200 tenants × 50 correlation keys, on
//! both stores; catch-up time must not grow with the total number of
//! keys"), checked structurally, never by timing:
//!
//! - on SQLite and on PostgreSQL, one event per (tenant, key) through the
//!   receive endpoint makes 10,000 incidents, one per key, and each
//!   tenant's `/v1/incidents` lists exactly its own 50 (the ones its
//!   events were answered with, on its own connector); another tenant's
//!   incident is not found with its API key;
//! - on PostgreSQL, after those 10,000 keys exist, a change by the
//!   receiver to K of them is exactly what another receiver's catch-up
//!   (`lock_engine` on a second store connection, as that receiver's
//!   writer does before its next group) reads: the K key rows and the
//!   alerting rows of those keys, nothing of the other 9,995. So a
//!   catch-up's read is proportional to what changed, not to the keys
//!   held.
//!
//! The PostgreSQL case runs when `ERPOPS_TEST_PG` holds the URL of a server
//! this test may create a database on (`make test-postgres`); it passes
//! without running otherwise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{
    AdminCommand, ApiKeyCommand, ConnectorCommand, MatchArgs, RuleCommand, TenantCommand,
};
use erpops_receiver::serve::{self, Receiver};
use erpops_receiver::store::{EngineScope, Location};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const TENANTS: usize = 200;
const KEYS: usize = 50;
/// Every `RULED`-th tenant has a log rule for every transition (alerting
/// state per key besides the flap state).
const RULED: usize = 20;
/// Concurrent senders.
const SENDERS: usize = 16;

/// A tenant as the test made it.
struct Tenant {
    id: String,
    connector: String,
    secret: String,
    api_key: String,
}

fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap()
        .trim()
        .to_owned()
}

/// `TENANTS` tenants (Enterprise: no quota in the way), each with a
/// connector and an API key; every `RULED`-th with a log rule.
fn make_tenants(location: &Location) -> Vec<Tenant> {
    let mut store = location.open().unwrap();
    let mut run = |c: AdminCommand| admin::run_on(store.as_mut(), &c).unwrap();
    (0..TENANTS)
        .map(|t| {
            let id = format!("t{t:03}");
            run(AdminCommand::Tenants(TenantCommand::Create {
                id: id.clone(),
                name: None,
                plan: "enterprise".into(),
                pii: "redact".into(),
            }));
            let (connector, secret) =
                parse_id_secret(&run(AdminCommand::Connectors(ConnectorCommand::Create {
                    tenant: id.clone(),
                    name: "load".into(),
                })));
            let api_key = field(
                &run(AdminCommand::ApiKeys(ApiKeyCommand::Create {
                    tenant: id.clone(),
                    label: "test".into(),
                })),
                "api_key:",
            );
            if t % RULED == 0 {
                run(AdminCommand::Rules(RuleCommand::Create {
                    tenant: id.clone(),
                    id: format!("all-{id}"),
                    name: None,
                    channel: "log".into(),
                    kinds: Vec::new(),
                    matchers: MatchArgs::default(),
                    repeat_secs: None,
                    group_wait_secs: None,
                }));
            }
            Tenant {
                id,
                connector,
                secret,
                api_key,
            }
        })
        .collect()
}

fn source(key: usize) -> String {
    format!("JOB_{key:02}")
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// One signed failure of `tenant` on key `key`; the incident it joined.
async fn send(client: &HttpClient, url: &str, tenant: &Tenant, key: usize, n: usize) -> String {
    send_outcome(client, url, tenant, key, n, "failed").await
}

/// One signed event `integration.{outcome}` (an error when it failed,
/// else info) of `tenant` on key `key`; the incident it joined.
async fn send_outcome(
    client: &HttpClient,
    url: &str,
    tenant: &Tenant,
    key: usize,
    n: usize,
    outcome: &str,
) -> String {
    let severity = if outcome == "failed" { "error" } else { "info" };
    let body = format!(
        "{{\"connector_id\":\"{}\",\"event_type\":\"integration.{outcome}\",\"timestamp\":\"{}\",\"severity\":\"{severity}\",\"source\":\"{}\",\"message\":\"run {n}\"}}",
        tenant.connector,
        now_rfc3339(),
        source(key)
    );
    let sig = signature(&tenant.secret, body.as_bytes());
    let request = hyper::Request::post(url)
        .header("Content-Type", "application/json")
        .header("X-ERPOps-Connector-Id", tenant.connector.as_str())
        .header("X-ERPOps-Signature", sig)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, 202, "{answer}");
    answer["incident_id"].as_str().unwrap().to_owned()
}

/// One event per (tenant, key), `SENDERS` at a time, tenants first (the
/// `s`-th event goes to tenant `s % TENANTS`, key `s / TENANTS`); the
/// incident of each (tenant index, key).
async fn ingest(
    receiver: &Receiver,
    tenants: &Arc<Vec<Tenant>>,
) -> BTreeMap<(usize, usize), String> {
    let url = format!("http://{}{RECEIVE}", receiver.server.addr);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let next = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (client, url, next, tenants) =
                (client.clone(), url.clone(), next.clone(), tenants.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let s = next.fetch_add(1, Ordering::SeqCst);
                    if s >= TENANTS * KEYS {
                        return got;
                    }
                    let (t, k) = (s % TENANTS, s / TENANTS);
                    got.push(((t, k), send(&client, &url, &tenants[t], k, s).await));
                }
            })
        })
        .collect();
    let mut incidents = BTreeMap::new();
    for s in senders {
        incidents.extend(s.await.unwrap());
    }
    incidents
}

async fn api_get(receiver: &Receiver, path: &str, key: &str) -> Reply {
    let url = format!("http://{}{path}", receiver.server.addr);
    let auth = format!("Bearer {key}");
    request("GET", &url, &[("Authorization", auth.as_str())], Vec::new()).await
}

/// 10,000 incidents, one per key; each tenant's API lists its own 50 and
/// does not find another tenant's.
async fn check_isolation(
    receiver: &Receiver,
    tenants: &[Tenant],
    incidents: &BTreeMap<(usize, usize), String>,
) {
    assert_eq!(incidents.len(), TENANTS * KEYS);
    let distinct: BTreeSet<&String> = incidents.values().collect();
    assert_eq!(distinct.len(), TENANTS * KEYS, "one incident per key");
    for (t, tenant) in tenants.iter().enumerate() {
        let reply = api_get(receiver, "/v1/incidents?limit=200", &tenant.api_key).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert!(reply.body["next_cursor"].is_null());
        let listed = reply.body["data"].as_array().unwrap();
        let mut by_source = BTreeMap::new();
        for record in listed {
            assert_eq!(
                record["connector_id"],
                tenant.connector.as_str(),
                "{}",
                tenant.id
            );
            assert_eq!(record["event_count"], 1);
            let earlier = by_source.insert(
                record["source"].as_str().unwrap().to_owned(),
                record["id"].as_str().unwrap().to_owned(),
            );
            assert_eq!(earlier, None, "{}: one incident per key", tenant.id);
        }
        let want: BTreeMap<String, String> = (0..KEYS)
            .map(|k| (source(k), incidents[&(t, k)].clone()))
            .collect();
        assert_eq!(by_source, want, "{}: its own 50 incidents", tenant.id);
        // A neighbour's incident does not exist for this tenant.
        let other = &incidents[&((t + 1) % TENANTS, t % KEYS)];
        let reply = api_get(receiver, &format!("/v1/incidents/{other}"), &tenant.api_key).await;
        assert_eq!(reply.status, 404, "{}: {:?}", tenant.id, reply.body);
    }
}

async fn start_on(location: &Location, dir: &std::path::Path) -> Receiver {
    let mut s = settings(dir);
    s.store = location.clone();
    serve::start(&s, false).await.unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_200_tenants_by_50_keys_are_isolated() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Sqlite(dir.path().to_path_buf());
    let tenants = Arc::new(tokio::task::block_in_place(|| make_tenants(&location)));
    let receiver = start_on(&location, dir.path()).await;
    let incidents = ingest(&receiver, &tenants).await;
    check_isolation(&receiver, &tenants, &incidents).await;
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_200_tenants_by_50_keys_isolated_and_catch_up_reads_only_changed_keys() {
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("many")) else {
        return;
    };
    let location = Location::Postgres(url);
    let dir = tempfile::tempdir().unwrap();
    let tenants = Arc::new(tokio::task::block_in_place(|| make_tenants(&location)));
    let receiver = start_on(&location, dir.path()).await;
    let incidents = ingest(&receiver, &tenants).await;
    check_isolation(&receiver, &tenants, &incidents).await;

    // Another receiver's store connection loads the whole engine (all
    // 10,000 keys), as a receiver does at start.
    let mut other = tokio::task::block_in_place(|| {
        let mut other = location.open_more().unwrap();
        let model = other.load_incident_model().unwrap().unwrap();
        assert_eq!(model.keys.len(), TENANTS * KEYS);
        other.load_alert_state().unwrap();
        let alert_keys = other.load_alert_keys().unwrap();
        assert!(
            alert_keys.len() >= TENANTS / RULED * KEYS,
            "the ruled tenants' keys hold alerting rows"
        );
        other
    });

    // The receiver changes K keys: of tenants with a rule, a success
    // resolves the incident (a transition: the key's alerting row
    // changes too); of tenants without, a second failure joins it.
    let changed: Vec<(usize, usize)> = vec![(0, 0), (0, 49), (20, 7), (57, 3), (199, 49)];
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let url = format!("http://{}{RECEIVE}", receiver.server.addr);
    for (n, &(t, k)) in changed.iter().enumerate() {
        let outcome = if t % RULED == 0 {
            "succeeded"
        } else {
            "failed"
        };
        let n = TENANTS * KEYS + n;
        let incident = send_outcome(&client, &url, &tenants[t], k, n, outcome).await;
        assert_eq!(incident, incidents[&(t, k)], "the key's incident");
    }
    let want: BTreeSet<(String, String)> = changed
        .iter()
        .map(|&(t, k)| (tenants[t].connector.clone(), source(k)))
        .collect();

    // Its catch-up before its next group reads exactly those keys' rows.
    let changes = tokio::task::block_in_place(|| {
        other.begin().unwrap();
        let changes = other.lock_engine(EngineScope::All).unwrap().unwrap();
        other.rollback().unwrap();
        changes
    });
    let read: BTreeSet<(String, String)> = changes
        .keys
        .iter()
        .map(|k| {
            (
                k.key.connector_id.to_string(),
                k.key.source.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(changes.keys.len(), changed.len(), "one row per changed key");
    assert_eq!(read, want, "the changed keys' incident rows, nothing else");
    let alert_read: BTreeSet<(String, String)> = changes
        .alert_keys
        .iter()
        .map(|k| {
            (
                k.key.connector_id.to_string(),
                k.key.source.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(alert_read.len(), changes.alert_keys.len());
    assert!(
        alert_read.is_subset(&want),
        "alerting rows of changed keys only: {alert_read:?}"
    );
    let ruled: BTreeSet<(String, String)> = changed
        .iter()
        .filter(|(t, _)| t % RULED == 0)
        .map(|&(t, k)| (tenants[t].connector.clone(), source(k)))
        .collect();
    assert!(
        ruled.is_subset(&alert_read),
        "the resolved keys' alerting rows changed: {alert_read:?}"
    );
    tokio::task::block_in_place(|| drop(other));
    receiver.shutdown().await;
}
