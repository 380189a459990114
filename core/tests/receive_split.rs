//! `decide` split in two for receivers that verify and parse outside their
//! store transaction: `admit` (records only: 403, 401 mismatch, parsing)
//! then `settle` (state only: 422, duplicate, 429, accepted). The halves
//! must answer exactly what `decide` answers, whatever the state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use erpops_core::quota::{Counter, Metric, Plan, Window};
use erpops_core::receive::{
    admit, authenticate, decide, settle, ConnectorRecord, ConnectorSecret, Context, InboundRequest,
    Outcome, ReceiveConfig, RefusalCode, Response, State, TenantRecord,
};
use erpops_core::{sign, Secret, Timestamp};
use proptest::prelude::*;

const C: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
const NOW: i64 = 1_776_654_005; // 2026-04-20T03:00:05Z

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(NOW)
}

fn secret() -> Secret {
    Secret::new("whsec_test").unwrap()
}

fn body(ts: &str) -> Vec<u8> {
    format!(
        r#"{{"connector_id":"{C}","event_type":"integration.failed","timestamp":"{ts}","severity":"error","source":"PSFT","message":"Exit code 1"}}"#
    )
    .into_bytes()
}

fn connector(enabled: bool) -> ConnectorRecord {
    ConnectorRecord {
        tenant_id: "t1".to_owned(),
        enabled,
        secrets: vec![ConnectorSecret {
            secret: secret(),
            expires_at: None,
        }],
    }
}

fn counter(used: u64) -> Counter {
    Counter {
        window_start: Window::containing(Metric::InboundEvent.period(), now()).start,
        used,
        idempotency_keys: Default::default(),
    }
}

/// What a test compares: status, code, body and (as debug text) effects.
type Answer = (u16, Option<RefusalCode>, Vec<u8>, String);

/// The answer and, for an accepted event, its effects once respond()ed
/// without incident effects.
fn answer(outcome: Outcome<'_>) -> Answer {
    let r: Response = match outcome {
        Outcome::Respond(r) => r,
        Outcome::Accepted(a) => a.respond(None, Vec::new()),
    };
    let effects = format!("{:?}", r.effects);
    (r.status, r.code, r.body, effects)
}

fn run_both(body: &[u8], sig: &str, context: &Context<'_>) -> (Answer, Answer) {
    let config = ReceiveConfig::default();
    let request = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), body);
    let auth = authenticate(&request, &config, "req-1").unwrap();
    let whole = answer(decide(auth.clone(), context, &config, now(), "req-1"));
    let split = match admit(auth, context, &config, now(), "req-1") {
        Err(r) => answer(Outcome::Respond(r)),
        Ok(admitted) => answer(settle(
            admitted,
            body,
            &State::of(context),
            &config,
            now(),
            "req-1",
        )),
    };
    (whole, split)
}

#[test]
fn admit_refuses_on_records_alone() {
    let config = ReceiveConfig::default();
    let b = body("2026-04-20T03:00:00Z");
    let sig = sign(&secret(), &b);
    let request = InboundRequest::post_json(sig.as_str().as_bytes(), C.as_bytes(), &b);
    let auth = authenticate(&request, &config, "r").unwrap();
    let tenant = TenantRecord::new(Plan::Free);
    let disabled = connector(false);
    let ctx = Context {
        connector: Some(&disabled),
        tenant: Some(&tenant),
        ..Context::default()
    };
    let r = admit(auth.clone(), &ctx, &config, now(), "r").unwrap_err();
    assert_eq!(r.code, Some(RefusalCode::ConnectorDisabled));
    let r = admit(auth, &Context::default(), &config, now(), "r").unwrap_err();
    assert_eq!(r.code, Some(RefusalCode::ConnectorNotFound));
}

#[test]
fn one_admission_settles_differently_with_the_state() {
    let config = ReceiveConfig::default();
    let b = body("2026-04-20T03:00:00Z");
    let sig = sign(&secret(), &b);
    let request = InboundRequest::post_json(sig.as_str().as_bytes(), C.as_bytes(), &b);
    let auth = authenticate(&request, &config, "r").unwrap();
    let tenant = TenantRecord::new(Plan::Free);
    let conn = connector(true);
    let ctx = Context {
        connector: Some(&conn),
        tenant: Some(&tenant),
        ..Context::default()
    };
    let admitted = admit(auth, &ctx, &config, now(), "r").unwrap();
    assert!(admitted.is_valid());
    assert_eq!(admitted.tenant_id(), "t1");
    assert_eq!(admitted.plan(), Plan::Free);
    assert!(admitted.event_id().starts_with("evt_"));
    assert_eq!(
        admitted.event().map(|e| e.timestamp),
        Some(Timestamp::from_unix_seconds(NOW - 5))
    );

    let fresh = settle(admitted.clone(), &b, &State::default(), &config, now(), "r");
    assert_eq!(answer(fresh).0, 202);

    let seen = State {
        replay_expires_at: Some(now()),
        quota: None,
    };
    assert_eq!(
        answer(settle(admitted.clone(), &b, &seen, &config, now(), "r")).0,
        200
    );

    let full = counter(u64::MAX / 2);
    let used_up = State {
        replay_expires_at: None,
        quota: Some(&full),
    };
    let (status, code, ..) = answer(settle(admitted, &b, &used_up, &config, now(), "r"));
    assert_eq!(status, 429);
    assert_eq!(code, Some(RefusalCode::QuotaExceeded));
}

#[test]
fn an_invalid_body_is_answered_by_settle_with_quota_headers() {
    let config = ReceiveConfig::default();
    let b = body("not a time");
    let sig = sign(&secret(), &b);
    let request = InboundRequest::post_json(sig.as_str().as_bytes(), C.as_bytes(), &b);
    let auth = authenticate(&request, &config, "r").unwrap();
    let tenant = TenantRecord::new(Plan::Free);
    let conn = connector(true);
    let ctx = Context {
        connector: Some(&conn),
        tenant: Some(&tenant),
        ..Context::default()
    };
    let admitted = admit(auth, &ctx, &config, now(), "r").unwrap();
    assert!(!admitted.is_valid());
    assert!(admitted.event().is_none());
    let used = counter(7);
    let state = State {
        replay_expires_at: Some(now()),
        quota: Some(&used),
    };
    match settle(admitted, &b, &state, &config, now(), "r") {
        Outcome::Respond(r) => {
            assert_eq!(r.status, 422);
            assert!(r.header("RateLimit").is_some());
        }
        Outcome::Accepted(_) => panic!("an invalid body was accepted"),
    }
}

fn plans() -> impl Strategy<Value = Plan> {
    prop_oneof![
        Just(Plan::Free),
        Just(Plan::Professional),
        Just(Plan::Enterprise)
    ]
}

proptest! {
    /// For any records and state, admit + settle answers byte for byte what
    /// decide answers, effects included.
    #[test]
    fn halves_agree_with_decide(
        enabled in any::<bool>(),
        has_connector in any::<bool>(),
        has_tenant in any::<bool>(),
        suspended in any::<bool>(),
        plan in plans(),
        good_sig in any::<bool>(),
        valid in any::<bool>(),
        replay in proptest::option::of(-5i64..5),
        used in proptest::option::of(0u64..2_000_000),
    ) {
        let b = body(if valid { "2026-04-20T03:00:00Z" } else { "yesterday" });
        let sig = if good_sig {
            sign(&secret(), &b).as_str().to_owned()
        } else {
            sign(&Secret::new("other").unwrap(), &b).as_str().to_owned()
        };
        let conn = connector(enabled);
        let mut tenant = TenantRecord::new(plan);
        tenant.suspended = suspended;
        let quota = used.map(counter);
        let ctx = Context {
            connector: has_connector.then_some(&conn),
            tenant: has_tenant.then_some(&tenant),
            replay_expires_at: replay.map(|d| Timestamp::from_unix_seconds(NOW + d)),
            quota: quota.as_ref(),
        };
        let (whole, split) = run_both(&b, &sig, &ctx);
        prop_assert_eq!(whole, split);
    }
}
