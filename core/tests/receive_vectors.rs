//! Replays `tests/vectors/receive.json` (scripted request → response
//! scenarios every binding replays through its engine wrapper) against
//! [`Engine`], comparing status, every header in order and the body.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use std::time::Duration;

use erpops_core::event::parse_timestamp;
use erpops_core::pii::PiiPolicy;
use erpops_core::quota::{Limit, Plan};
use erpops_core::receive::{
    Body, ConfigOverrides, ConnectorRecord, ConnectorSecret, Effect, Engine, InboundRequest,
    ReceiveConfig, TenantRecord,
};
use erpops_core::{Secret, Timestamp};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Deserialize)]
struct File {
    version: u32,
    scenarios: Vec<Scenario>,
    config_errors: Vec<ConfigCase>,
}

#[derive(Deserialize)]
struct ConfigCase {
    config: Config,
    code: Option<String>,
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    config: Config,
    tenants: Vec<Tenant>,
    connectors: Vec<Connector>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Config {
    max_body_bytes: usize,
    future_skew_secs: u64,
    max_age_secs: u64,
    /// `null`: left out, so the core's default (age plus skew) applies.
    replay_window_secs: Option<u64>,
}

#[derive(Deserialize)]
struct Tenant {
    id: String,
    plan: Value,
    pii_policy: String,
    suspended: bool,
}

#[derive(Deserialize)]
struct Connector {
    id: Uuid,
    tenant: String,
    enabled: bool,
    secrets: Vec<SecretRow>,
}

#[derive(Deserialize)]
struct SecretRow {
    secret_hex: String,
    expires_at: Option<String>,
}

#[derive(Deserialize)]
struct Step {
    name: String,
    now: String,
    request: Request,
    response: Expected,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    content_type: Option<String>,
    signature: Option<String>,
    connector_id: Option<String>,
    body_hex: Option<String>,
    body_too_large_length: Option<u64>,
    request_id: String,
}

#[derive(Deserialize)]
struct Expected {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

fn ts(text: &str) -> Timestamp {
    parse_timestamp(text).unwrap()
}

fn plan(v: &Value) -> Plan {
    match v {
        Value::String(name) => Plan::from_name(name).unwrap(),
        Value::Object(o) => Plan::Custom {
            inbound_events: o["inbound_events"]
                .as_u64()
                .map_or(Limit::Unlimited, Limit::Finite),
            ai_queries: Limit::Unlimited,
        },
        other => panic!("plan {other}"),
    }
}

fn config(c: &Config) -> Result<ReceiveConfig, erpops_core::receive::ConfigError> {
    ReceiveConfig::with(ConfigOverrides {
        max_body_bytes: Some(c.max_body_bytes),
        future_skew: Some(Duration::from_secs(c.future_skew_secs)),
        max_age: Some(Duration::from_secs(c.max_age_secs)),
        replay_window: c.replay_window_secs.map(Duration::from_secs),
    })
}

fn engine(s: &Scenario) -> Engine {
    let mut e = Engine::new(config(&s.config).unwrap());
    for t in &s.tenants {
        e.add_tenant(
            &t.id,
            TenantRecord {
                plan: plan(&t.plan),
                pii_policy: PiiPolicy::from_wire(&t.pii_policy).unwrap(),
                suspended: t.suspended,
            },
        )
        .unwrap();
    }
    for c in &s.connectors {
        let record = ConnectorRecord {
            tenant_id: c.tenant.clone(),
            enabled: c.enabled,
            secrets: c
                .secrets
                .iter()
                .map(|r| ConnectorSecret {
                    secret: Secret::new(hex::decode(&r.secret_hex).unwrap()).unwrap(),
                    expires_at: r.expires_at.as_deref().map(ts),
                })
                .collect(),
        };
        e.insert_connector(c.id, record).unwrap();
    }
    e
}

/// Problem bodies: `detail` and each error's `message` must be non-empty
/// strings (not pinned); everything else is compared exactly.
fn unpin_human_text(mut got: Value) -> Value {
    if let Some(o) = got.as_object_mut() {
        if o.contains_key("type") {
            let detail = o.remove("detail").expect("problem body without detail");
            assert!(!detail.as_str().unwrap().is_empty());
            if let Some(errors) = o.get_mut("errors") {
                for e in errors.as_array_mut().unwrap() {
                    let m = e.as_object_mut().unwrap().remove("message").unwrap();
                    assert!(!m.as_str().unwrap().is_empty());
                }
            }
        }
    }
    got
}

#[test]
fn receive_vectors() {
    let file: File = vector_support::load("receive.json");
    assert_eq!(file.version, 1);
    let mut steps = 0;
    for scenario in &file.scenarios {
        let mut e = engine(scenario);
        for step in &scenario.steps {
            let r = &step.request;
            let body = r.body_hex.as_deref().map(|h| hex::decode(h).unwrap());
            let request = InboundRequest {
                method: &r.method,
                content_type: r.content_type.as_deref().map(str::as_bytes),
                signature: r.signature.as_deref().map(str::as_bytes),
                connector_id: r.connector_id.as_deref().map(str::as_bytes),
                body: match (&body, r.body_too_large_length) {
                    (Some(b), _) => Body::Bytes(b),
                    (None, Some(length)) => Body::TooLarge { length },
                    (None, None) => panic!("step without a body"),
                },
            };
            let got = e.receive(&request, ts(&step.now), &r.request_id);
            let at = format!("{} / {}", scenario.name, step.name);
            let body: Value = serde_json::from_slice(&got.body).unwrap();
            assert_eq!(got.status, step.response.status, "{at}: {body}");
            let headers: Vec<(String, String)> = got
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect();
            assert_eq!(headers, step.response.headers, "{at}");
            assert_eq!(unpin_human_text(body), step.response.body, "{at}");
            let stores = got
                .effects
                .iter()
                .filter(|f| matches!(f, Effect::StoreEvent { .. }))
                .count();
            assert_eq!(stores, usize::from(got.status == 202), "{at}: effects");
            steps += 1;
        }
    }
    assert!(steps >= 40, "only {steps} steps");
    vector_support::replayed("receive.json", "scenarios", file.scenarios.len());
    for case in &file.config_errors {
        let got = config(&case.config).err().map(|e| e.code().to_owned());
        assert_eq!(got, case.code);
    }
    vector_support::replayed("receive.json", "config_errors", file.config_errors.len());
}
