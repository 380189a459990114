//! The whole receive decision against its anchor, in the same run.
//!
//! Anchor: the two steps any receiver must do anyway, written directly:
//! `verify` the signature of the raw body and `parse_event` it. Measured:
//! - `decide_two_step`: `authenticate` + `decide` + `respond` with lookups
//!   given (what an external receiver runs), every request accepted;
//! - `engine_accept`: `Engine::receive` of fresh bodies (quota, replay set,
//!   event store and incident model updated);
//! - `engine_duplicate`: `Engine::receive` of a retry (answered 200).
//!
//! Run: `cargo bench -p erpops-core --bench receive`. Report each as a ratio
//! to `anchor_verify_parse`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use erpops_core::event::{parse_event, ParseOptions};
use erpops_core::quota::Plan;
use erpops_core::receive::{
    authenticate, decide, ConnectorRecord, ConnectorSecret, Context, Engine, InboundRequest,
    Outcome, ReceiveConfig, TenantRecord,
};
use erpops_core::{sign, verify, Secret, Timestamp};
use uuid::Uuid;

const C: &str = "123e4567-e89b-12d3-a456-426614174000";

fn body(i: u64) -> Vec<u8> {
    format!(
        r#"{{"connector_id":"{C}","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{{"run":{i}}}}}"#
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let now = Timestamp::from_unix_seconds(1_776_654_005);
    let secret = Secret::new("whsec_bench").unwrap_or_else(|_| unreachable!());
    let id = Uuid::parse_str(C).unwrap_or_default();
    let config = ReceiveConfig::default();
    let one = body(0);
    let sig = sign(&secret, &one);
    let secrets = [secret.clone()];
    let opts = ParseOptions::new(now).with_header_connector_id(id);

    let mut g = c.benchmark_group("receive");
    g.bench_function("anchor_verify_parse", |b| {
        b.iter(|| {
            verify(&secrets, black_box(&one), Some(sig.as_bytes())).ok();
            parse_event(black_box(&one), &opts).ok()
        })
    });

    let connector = ConnectorRecord {
        tenant_id: "t1".into(),
        enabled: true,
        secrets: vec![ConnectorSecret {
            secret: secret.clone(),
            expires_at: None,
        }],
    };
    let tenant = TenantRecord::new(Plan::Professional);
    let ctx = Context {
        connector: Some(&connector),
        tenant: Some(&tenant),
        replay_expires_at: None,
        quota: None,
    };
    g.bench_function("decide_two_step", |b| {
        b.iter(|| {
            let req = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), black_box(&one));
            let auth = authenticate(&req, &config, "req").ok()?;
            match decide(auth, &ctx, &config, now, "req") {
                Outcome::Accepted(a) => Some(a.respond(None, Vec::new()).status),
                Outcome::Respond(r) => Some(r.status),
            }
        })
    });

    let engine = || {
        let mut e = Engine::new(config);
        e.add_tenant("t1", TenantRecord::new(Plan::Enterprise)).ok();
        e.add_connector(id, "t1", secret.clone()).ok();
        e
    };
    g.bench_function("engine_accept", |b| {
        b.iter_custom(|iters| {
            let mut e = engine();
            let bodies: Vec<(Vec<u8>, String)> = (0..iters)
                .map(|i| {
                    let b = body(i);
                    let s = sign(&secret, &b).as_str().to_owned();
                    (b, s)
                })
                .collect();
            let start = Instant::now();
            for (b, s) in &bodies {
                let req = InboundRequest::post_json(s.as_bytes(), C.as_bytes(), b);
                black_box(e.receive(&req, now, "req"));
            }
            start.elapsed()
        })
    });
    let mut e = engine();
    let req = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &one);
    e.receive(&req, now, "req");
    g.bench_function("engine_duplicate", |b| {
        b.iter(|| e.receive(black_box(&req), now, "req").status)
    });
    g.finish();
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group! {
        name = benches;
        config = Criterion::default().measurement_time(Duration::from_secs(3)).sample_size(30);
        targets = bench
    }
}
use group::benches;
criterion_main!(benches);
