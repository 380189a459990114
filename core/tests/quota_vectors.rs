//! Replays `tests/vectors/quota.json` (the sequences every binding replays)
//! against the in-memory ledger and, step for step, against the shared-store
//! helpers on a simulated database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod quota_support;
mod vector_support;

use std::collections::BTreeMap;

use erpops_core::quota::http::headers;
use erpops_core::quota::{Ledger, Limit, Metric, Request, Snapshot};
use erpops_core::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use quota_support::{shared_decide, SqlDb};

#[derive(Deserialize)]
struct File {
    version: u32,
    plans: BTreeMap<String, BTreeMap<String, Option<u64>>>,
    sequences: Vec<Sequence>,
}

#[derive(Deserialize)]
struct Sequence {
    name: String,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    op: String,
    now: Option<String>,
    now_unix_ms: Option<i64>,
    tenant: Option<String>,
    plan: Option<Value>,
    metric: Option<String>,
    cost: Option<u64>,
    idempotency_key: Option<String>,
    expect: Option<Value>,
}

fn load() -> File {
    vector_support::load("quota.json")
}

fn limit(file: &File, plan: &Value, metric: Metric) -> Limit {
    let value = match plan {
        Value::String(name) => file.plans[name][metric.as_str()],
        Value::Object(custom) => custom[metric.as_str()].as_u64(),
        other => panic!("bad plan {other}"),
    };
    value.map_or(Limit::Unlimited, Limit::Finite)
}

#[test]
fn every_quota_sequence_replays_on_the_ledger_and_the_shared_store() {
    let file = load();
    assert_eq!(file.version, 1);
    assert!(file.sequences.len() >= 10);
    for seq in &file.sequences {
        let mut ledger = Ledger::new();
        let mut db = SqlDb::default();
        for (i, step) in seq.steps.iter().enumerate() {
            let ctx = format!("{} step {i}", seq.name);
            let now = step.now_unix_ms.map(Timestamp::from_unix_millis);
            // The text and the millisecond value name the same second.
            if let (Some(text), Some(now)) = (&step.now, now) {
                let parsed = chrono::DateTime::parse_from_rfc3339(text).unwrap();
                assert_eq!(parsed.timestamp(), now.unix_seconds(), "{ctx}");
            }
            match step.op.as_str() {
                "restore" => {
                    let json = ledger.snapshot().to_json();
                    ledger = Ledger::restore(Snapshot::from_json(&json).unwrap()).unwrap();
                    continue;
                }
                "prune" => {
                    let removed = ledger.prune(now.unwrap());
                    db.prune(now.unwrap());
                    let expect = step.expect.as_ref().unwrap();
                    assert_eq!(Some(removed as u64), expect["removed"].as_u64(), "{ctx}");
                    continue;
                }
                "consume" | "peek" => {}
                other => panic!("{ctx}: unknown op {other}"),
            }
            let metric = Metric::from_name(step.metric.as_deref().unwrap()).unwrap();
            let req = Request {
                tenant: step.tenant.as_deref().unwrap(),
                metric,
                cost: step.cost.unwrap(),
                limit: limit(&file, step.plan.as_ref().unwrap(), metric),
                now: now.unwrap(),
                idempotency_key: step.idempotency_key.as_deref(),
            };
            let d = if step.op == "peek" {
                ledger.peek(&req)
            } else {
                let d = ledger.consume(&req);
                assert_eq!(shared_decide(&mut db, &req, None), d, "{ctx}: shared store");
                d
            };
            let e = step.expect.as_ref().unwrap();
            assert_eq!(d.code(), e["decision"], "{ctx}");
            assert_eq!(d.remaining(), e["remaining"].as_u64(), "{ctx}");
            assert_eq!(Some(d.window().start), e["window_start"].as_i64(), "{ctx}");
            assert_eq!(
                Timestamp::from_unix_seconds(d.reset_at()).to_rfc3339(),
                e["reset_at"],
                "{ctx}"
            );
            assert_eq!(Some(d.reset_after()), e["reset_after"].as_u64(), "{ctx}");
            assert_eq!(d.retry_after(), e["retry_after"].as_u64(), "{ctx}");
            let got: Vec<Value> = headers(metric, &d)
                .into_iter()
                .map(|(n, v)| Value::from(vec![Value::from(n), Value::from(v)]))
                .collect();
            assert_eq!(Value::from(got), e["headers"], "{ctx}");
        }
        assert_eq!(
            db.as_snapshot().to_json(),
            ledger.snapshot().to_json(),
            "{}: final rows",
            seq.name
        );
    }
    vector_support::replayed("quota.json", "sequences", file.sequences.len());
}
