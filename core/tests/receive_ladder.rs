//! The receive decision rung by rung, through both the two-step API and the
//! in-memory `Engine`: what each rung answers, which rung wins when two
//! failures coexist, and what is (not) changed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use erpops_core::pii::PiiPolicy;
use erpops_core::quota::{Limit, Metric, Plan};
use erpops_core::receive::{
    authenticate, decide, event_id, Body, ConnectorRecord, ConnectorSecret, Context, Effect,
    Engine, InboundRequest, Outcome, ReceiveConfig, RefusalCode, Response, TenantRecord,
};
use erpops_core::{sign, Secret, Timestamp};
use serde_json::Value;
use uuid::Uuid;

const C: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
const NOW: i64 = 1_776_654_005; // 2026-04-20T03:00:05Z

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(NOW)
}

fn secret() -> Secret {
    Secret::new("whsec_test").unwrap()
}

fn body_at(ts: &str, event_type: &str) -> Vec<u8> {
    format!(
        r#"{{"connector_id":"{C}","event_type":"{event_type}","timestamp":"{ts}","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1"}}"#
    )
    .into_bytes()
}

fn good_body() -> Vec<u8> {
    body_at("2026-04-20T03:00:00Z", "integration.failed")
}

fn engine_with(plan: Plan) -> Engine {
    let mut e = Engine::new(ReceiveConfig::default());
    e.add_tenant("t1", TenantRecord::new(plan)).unwrap();
    e.add_connector(Uuid::parse_str(C).unwrap(), "t1", secret())
        .unwrap();
    e
}

fn send(e: &mut Engine, body: &[u8], sig: &str, at: Timestamp) -> Response {
    e.receive(
        &InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), body),
        at,
        "req-1",
    )
}

fn signed(e: &mut Engine, body: &[u8], at: Timestamp) -> Response {
    let sig = sign(&secret(), body);
    send(e, body, sig.as_str(), at)
}

fn json(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn has_ratelimit(r: &Response) -> bool {
    r.header("RateLimit").is_some() || r.header("RateLimit-Policy").is_some()
}

#[test]
fn accepted_runs_the_whole_pipeline_and_applies_effects() {
    let mut e = engine_with(Plan::Free);
    let body = good_body();
    let r = signed(&mut e, &body, now());
    assert_eq!(r.status, 202, "{}", json(&r));
    let id = event_id(&Uuid::parse_str(C).unwrap(), &body);
    let b = json(&r);
    assert_eq!(b["status"], "accepted");
    assert_eq!(b["event_id"], id.as_str());
    let inc = b["incident_id"].as_str().unwrap();
    assert!(e.incidents().get(inc).is_some());
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("RateLimit"), Some("\"events\";r=99;t=75595"));
    assert_eq!(e.ledger().used("t1", Metric::InboundEvent, now()), 1);
    assert_eq!(e.stored_event(&id).unwrap().raw_body, body);
    let kinds: Vec<&str> = r
        .effects
        .iter()
        .map(|f| match f {
            Effect::StoreEvent { .. } => "store",
            Effect::ConsumeQuota { .. } => "quota",
            Effect::RememberDigest { .. } => "remember",
            Effect::Incident(_) => "incident",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["store", "quota", "remember", "incident"]);
}

#[test]
fn two_step_api_without_the_engine() {
    let config = ReceiveConfig::default();
    let body = good_body();
    let sig = sign(&secret(), &body);
    let req = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body);
    let auth = authenticate(&req, &config, "r").unwrap();
    assert_eq!(auth.connector_id, Uuid::parse_str(C).unwrap());
    assert_eq!(auth.event_id, event_id(&auth.connector_id, &body));
    let connector = ConnectorRecord {
        tenant_id: "t1".into(),
        enabled: true,
        secrets: vec![ConnectorSecret {
            secret: secret(),
            expires_at: None,
        }],
    };
    let tenant = TenantRecord::new(Plan::Free);
    let ctx = Context {
        connector: Some(&connector),
        tenant: Some(&tenant),
        replay_expires_at: None,
        quota: None,
    };
    let Outcome::Accepted(accepted) = decide(auth.clone(), &ctx, &config, now(), "r") else {
        panic!("not accepted")
    };
    assert_eq!(accepted.next_counter.used, 1);
    assert_eq!(
        accepted.remember_until,
        now().saturating_add(config.replay_window())
    );
    let r = accepted.respond(Some("inc_x"), Vec::new());
    assert_eq!(json(&r)["incident_id"], "inc_x");
    match &r.effects[2] {
        Effect::RememberDigest {
            event_id,
            expires_at,
            ..
        } => {
            assert_eq!(event_id, &auth.event_id);
            assert_eq!(*expires_at, now().saturating_add(config.replay_window()));
        }
        other => panic!("{other:?}"),
    }
    // The same lookups with a live replay entry: 200, nothing to do.
    let ctx = Context {
        replay_expires_at: Some(now()),
        ..ctx
    };
    let Outcome::Respond(r) = decide(auth, &ctx, &config, now(), "r") else {
        panic!("accepted twice")
    };
    assert_eq!(r.status, 200);
    assert!(r.effects.is_empty());
}

#[test]
fn unknown_tenant_is_answered_like_an_unknown_connector() {
    let config = ReceiveConfig::default();
    let body = good_body();
    let sig = sign(&secret(), &body);
    let req = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body);
    let auth = authenticate(&req, &config, "r").unwrap();
    let connector = ConnectorRecord {
        tenant_id: "gone".into(),
        enabled: true,
        secrets: vec![],
    };
    let ctx = Context {
        connector: Some(&connector),
        ..Context::default()
    };
    let Outcome::Respond(r) = decide(auth, &ctx, &config, now(), "r") else {
        panic!()
    };
    assert_eq!(r.code, Some(RefusalCode::ConnectorNotFound));
}

#[test]
fn body_limit_is_inclusive_and_checked_before_everything_else() {
    let config = ReceiveConfig::new(
        10,
        Duration::from_secs(300),
        Duration::from_secs(86400),
        Duration::from_secs(86700),
    )
    .unwrap();
    let at_limit = [b'x'; 10];
    let over = [b'x'; 11];
    let req = |body: &'static [u8]| InboundRequest {
        method: "POST",
        content_type: None,
        signature: None,
        connector_id: None,
        body: Body::Bytes(body),
    };
    let at_limit: &'static [u8] = Box::leak(Box::new(at_limit));
    let over: &'static [u8] = Box::leak(Box::new(over));
    assert_eq!(
        authenticate(&req(at_limit), &config, "r")
            .unwrap_err()
            .status,
        415
    );
    let r = authenticate(&req(over), &config, "r").unwrap_err();
    assert_eq!((r.status, r.code), (413, Some(RefusalCode::BodyTooLarge)));
    assert!(!has_ratelimit(&r));
    assert!(json(&r)["detail"].as_str().unwrap().contains("10 bytes"));
}

#[test]
fn header_bytes_that_are_not_utf8_are_refused_cleanly() {
    let config = ReceiveConfig::default();
    let body = good_body();
    let sig = sign(&secret(), &body);
    let mut req = InboundRequest::post_json(sig.as_bytes(), b"\xff\xfe", &body);
    assert_eq!(
        authenticate(&req, &config, "r").unwrap_err().code,
        Some(RefusalCode::ConnectorIdMalformed)
    );
    req.signature = Some(b"sha256=\xff");
    assert_eq!(
        authenticate(&req, &config, "r").unwrap_err().code,
        Some(RefusalCode::SignatureMalformed)
    );
    req.content_type = Some(b"application/json\xff");
    assert_eq!(
        authenticate(&req, &config, "r").unwrap_err().code,
        Some(RefusalCode::UnsupportedMediaType)
    );
}

#[test]
fn mismatch_reveals_nothing_about_the_expected_signature_or_the_body() {
    let mut e = engine_with(Plan::Free);
    let body = good_body();
    let right = sign(&secret(), &body);
    let r = send(&mut e, &body, &format!("sha256={}", "ab".repeat(32)), now());
    assert_eq!(
        (r.status, r.code),
        (401, Some(RefusalCode::SignatureMismatch))
    );
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(!text.contains(&right.as_str()[7..]));
    assert!(!text.contains("whsec_test"));
    assert!(text.contains("exactly as sent"));
    assert!(text.contains("re-serialized"));
    assert!(!has_ratelimit(&r));
    // An invalid body with a bad MAC is 401, not 422: nothing about the body
    // is revealed to a sender who cannot sign.
    let r = send(&mut e, b"{", &format!("sha256={}", "ab".repeat(32)), now());
    assert_eq!(r.status, 401);
    assert_eq!(e.ledger().used("t1", Metric::InboundEvent, now()), 0);
}

#[test]
fn refusals_before_the_tenant_is_known_carry_no_ratelimit_fields() {
    let mut e = engine_with(Plan::Free);
    let body = good_body();
    let sig = sign(&secret(), &body);
    let cases: Vec<InboundRequest<'_>> = vec![
        InboundRequest {
            method: "PUT",
            ..InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body)
        },
        InboundRequest {
            body: Body::TooLarge { length: 1 << 20 },
            ..InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body)
        },
        InboundRequest {
            content_type: Some(b"text/plain"),
            ..InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body)
        },
        InboundRequest::post_json(b"", C.as_bytes(), &body),
        InboundRequest::post_json(sig.as_bytes(), b"", &body),
        InboundRequest::post_json(
            sig.as_bytes(),
            b"11111111-1111-4111-8111-111111111111",
            &body,
        ),
    ];
    let mut statuses = Vec::new();
    for req in &cases {
        let r = e.receive(req, now(), "r");
        assert!(!has_ratelimit(&r), "{}", r.status);
        assert_eq!(r.header("Content-Type"), Some("application/problem+json"));
        statuses.push(r.status);
    }
    assert_eq!(statuses, [405, 413, 415, 401, 401, 403]);
}

#[test]
fn disabled_connector_and_suspended_tenant_win_over_a_bad_mac() {
    let mut e = engine_with(Plan::Free);
    let id = Uuid::parse_str(C).unwrap();
    e.set_connector_enabled(id, false).unwrap();
    let bad = format!("sha256={}", "00".repeat(32));
    assert_eq!(
        send(&mut e, &good_body(), &bad, now()).code,
        Some(RefusalCode::ConnectorDisabled)
    );
    e.set_connector_enabled(id, true).unwrap();
    e.set_tenant_suspended("t1", true).unwrap();
    assert_eq!(
        send(&mut e, &good_body(), &bad, now()).code,
        Some(RefusalCode::TenantSuspended)
    );
    e.set_tenant_suspended("t1", false).unwrap();
    assert_eq!(signed(&mut e, &good_body(), now()).status, 202);
}

#[test]
fn pii_reject_is_422_even_with_quota_exhausted_and_redact_reports_kinds() {
    let mut e = engine_with(Plan::Custom {
        inbound_events: Limit::Finite(1),
        ai_queries: Limit::Unlimited,
    });
    assert_eq!(signed(&mut e, &good_body(), now()).status, 202);
    let pii = format!(
        r#"{{"connector_id":"{C}","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","message":"call +44 20 7946 0958"}}"#
    );
    e.set_pii_policy("t1", PiiPolicy::Reject).unwrap();
    let r = signed(&mut e, pii.as_bytes(), now());
    assert_eq!(r.status, 422);
    assert_eq!(json(&r)["errors"][0]["code"], "pii");
    assert_eq!(r.header("RateLimit"), Some("\"events\";r=0;t=75595"));
    assert_eq!(r.header("Retry-After"), None);
    e.set_plan("t1", Plan::Free).unwrap();
    e.set_pii_policy("t1", PiiPolicy::Redact).unwrap();
    let r = signed(&mut e, pii.as_bytes(), now());
    assert_eq!(r.status, 202);
    assert_eq!(json(&r)["redactions"][0]["kinds"][0], "phone");
}

#[test]
fn quota_exceeded_has_retry_after_equal_to_t_and_changes_nothing() {
    let mut e = engine_with(Plan::Custom {
        inbound_events: Limit::Finite(1),
        ai_queries: Limit::Unlimited,
    });
    assert_eq!(signed(&mut e, &good_body(), now()).status, 202);
    let other = body_at("2026-04-20T03:00:01Z", "integration.failed");
    let r = signed(&mut e, &other, now());
    assert_eq!((r.status, r.code), (429, Some(RefusalCode::QuotaExceeded)));
    assert_eq!(r.header("Retry-After"), Some("75595"));
    assert_eq!(r.header("RateLimit"), Some("\"events\";r=0;t=75595"));
    assert!(r.effects.is_empty());
    assert_eq!(e.ledger().used("t1", Metric::InboundEvent, now()), 1);
    // A plan that allows nothing: 429 without Retry-After (waiting cannot help).
    e.set_plan(
        "t1",
        Plan::Custom {
            inbound_events: Limit::Finite(0),
            ai_queries: Limit::Unlimited,
        },
    )
    .unwrap();
    let r = signed(&mut e, &other, now());
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), None);
}

#[test]
fn duplicates_consume_nothing_and_expire_with_the_replay_window() {
    let mut e = engine_with(Plan::Free);
    let body = body_at("2026-04-20T03:05:05Z", "integration.failed");
    assert_eq!(signed(&mut e, &body, now()).status, 202);
    let incidents_before = e.incidents().incidents().next().unwrap().event_count;
    let r = signed(&mut e, &body, now().saturating_add(Duration::from_secs(60)));
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["status"], "duplicate");
    assert_eq!(r.header("RateLimit"), Some("\"events\";r=99;t=75535"));
    assert_eq!(e.ledger().used("t1", Metric::InboundEvent, now()), 1);
    assert_eq!(
        e.incidents().incidents().next().unwrap().event_count,
        incidents_before
    );
    // At the end of the window the event is exactly max_age old: still a duplicate.
    let end = now().saturating_add(e.config().replay_window());
    assert_eq!(signed(&mut e, &body, end).status, 200);
    // One nanosecond later it is too old, never accepted twice.
    let later = Timestamp::new(end.unix_seconds(), 1).unwrap();
    let r = signed(&mut e, &body, later);
    assert_eq!(r.status, 422);
    assert_eq!(json(&r)["errors"][0]["code"], "too_old");
    let id = event_id(&Uuid::parse_str(C).unwrap(), &body);
    assert!(e.stored_event(&id).is_none(), "pruned with its digest");
}

#[test]
fn rotation_keeps_the_old_secret_for_the_overlap_only() {
    let mut e = engine_with(Plan::Professional);
    let id = Uuid::parse_str(C).unwrap();
    let new = Secret::new("whsec_new").unwrap();
    e.rotate_secret(id, new.clone(), now(), Duration::from_secs(3600))
        .unwrap();
    let b1 = body_at("2026-04-20T03:00:01Z", "integration.failed");
    let b2 = body_at("2026-04-20T03:00:02Z", "integration.failed");
    let b3 = body_at("2026-04-20T03:00:03Z", "integration.failed");
    let old_sig = |b: &[u8]| sign(&secret(), b);
    let before_end = now().saturating_add(Duration::from_secs(3599));
    let at_end = now().saturating_add(Duration::from_secs(3600));
    assert_eq!(
        send(&mut e, &b1, old_sig(&b1).as_str(), before_end).status,
        202
    );
    assert_eq!(send(&mut e, &b2, old_sig(&b2).as_str(), at_end).status, 401);
    assert_eq!(
        send(&mut e, &b2, sign(&new, &b2).as_str(), at_end).status,
        202
    );
    // A second rotation drops the expired secret and keeps the first new one.
    e.rotate_secret(
        id,
        Secret::new("whsec_newer").unwrap(),
        at_end,
        Duration::from_secs(60),
    )
    .unwrap();
    assert_eq!(
        send(&mut e, &b3, sign(&new, &b3).as_str(), at_end).status,
        202
    );
}

#[test]
fn an_added_secret_verifies_until_its_own_expiry() {
    let mut e = engine_with(Plan::Professional);
    let id = Uuid::parse_str(C).unwrap();
    let extra = Secret::new("whsec_extra").unwrap();
    let end = now().saturating_add(Duration::from_secs(10));
    e.add_secret(id, extra.clone(), Some(end)).unwrap();
    let b1 = body_at("2026-04-20T03:00:01Z", "integration.failed");
    let b2 = body_at("2026-04-20T03:00:02Z", "integration.failed");
    let before_end = now().saturating_add(Duration::from_secs(9));
    assert_eq!(
        send(&mut e, &b1, sign(&extra, &b1).as_str(), before_end).status,
        202
    );
    assert_eq!(
        send(&mut e, &b2, sign(&extra, &b2).as_str(), end).status,
        401
    );
    // The connector's first secret is untouched.
    assert_eq!(
        send(&mut e, &b2, sign(&secret(), &b2).as_str(), end).status,
        202
    );
    assert_eq!(
        e.add_secret(Uuid::nil(), extra, None).unwrap_err().code(),
        "connector_not_found"
    );
}

#[test]
fn admin_errors_have_codes() {
    let mut e = engine_with(Plan::Free);
    let id = Uuid::parse_str(C).unwrap();
    assert_eq!(
        e.add_tenant("t1", TenantRecord::new(Plan::Free))
            .unwrap_err()
            .code(),
        "tenant_exists"
    );
    assert_eq!(
        e.add_connector(id, "t1", secret()).unwrap_err().code(),
        "connector_exists"
    );
    assert_eq!(
        e.add_connector(Uuid::nil(), "nope", secret())
            .unwrap_err()
            .code(),
        "tenant_not_found"
    );
    assert_eq!(
        e.set_connector_enabled(Uuid::nil(), false)
            .unwrap_err()
            .code(),
        "connector_not_found"
    );
}

#[test]
fn problem_bodies_have_every_member_in_order() {
    let mut e = engine_with(Plan::Free);
    let r = send(&mut e, b"{}", "sha256=zz", now());
    let text = String::from_utf8(r.body).unwrap();
    let keys: Vec<&str> = [
        "\"type\"",
        "\"title\"",
        "\"status\"",
        "\"detail\"",
        "\"code\"",
        "\"request_id\"",
    ]
    .into_iter()
    .collect();
    let mut last = 0;
    for k in keys {
        let at = text
            .find(k)
            .unwrap_or_else(|| panic!("{k} missing in {text}"));
        assert!(at >= last, "{k} out of order in {text}");
        last = at;
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "urn:erpops:problem:signature_malformed");
    assert_eq!(v["request_id"], "req-1");
    assert!(v.get("errors").is_none());
}

#[test]
fn the_engine_runs_alert_rules_on_accepted_events() {
    use erpops_core::alert::{AlertEffect, AlertRule, Matchers};
    let mut e = engine_with(Plan::Free);
    e.alerts_mut()
        .set_rule(AlertRule {
            id: "payroll-pager".into(),
            name: "Payroll failures".into(),
            kinds: Default::default(),
            matchers: Matchers {
                source: Some("PSFT_*".into()),
                ..Matchers::default()
            },
            channel: "ops".into(),
            repeat_interval: None,
            group_wait: None,
        })
        .unwrap();
    let r = signed(&mut e, &good_body(), now());
    assert_eq!(r.status, 202, "{}", json(&r));
    let incident = json(&r)["incident_id"].as_str().unwrap().to_owned();
    let notified: Vec<_> = r
        .effects
        .iter()
        .filter_map(|fx| match fx {
            Effect::Alert(AlertEffect::Notify {
                channel, incident, ..
            }) => Some((channel.clone(), incident.id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(notified, vec![("ops".to_owned(), incident)]);

    // A refused request reaches no rule.
    let r = send(&mut e, &good_body(), "sha256=00", now());
    assert_eq!(r.status, 401);
    assert!(r.effects.is_empty());
    // The engine exposes the alert timer.
    assert_eq!(e.next_wakeup(), e.alerts().next_wakeup());
}

#[test]
fn a_sign_of_life_answers_with_the_incident_the_event_joined() {
    use erpops_core::alert::Heartbeat;
    use erpops_core::event::Severity;
    let mut e = engine_with(Plan::Professional);
    let start = Timestamp::from_unix_seconds(NOW - 7200);
    e.alerts_mut()
        .set_heartbeat(
            Heartbeat {
                connector_id: Uuid::parse_str(C).unwrap(),
                source: "PSFT_PAYROLL_BATCH".into(),
                period: Duration::from_secs(1800),
                grace: Duration::from_secs(600),
                severity: Severity::Error,
                paused: false,
            },
            start,
        )
        .unwrap();
    // The run is missed: the tick opens the missed-run incident.
    let missed = e.tick(Timestamp::from_unix_seconds(NOW - 3600));
    assert!(!missed.is_empty(), "missed run opens an incident");
    let missed_id = e
        .incidents()
        .incidents()
        .next()
        .map(|i| i.id.clone())
        .unwrap();
    // The job then reports a failure from that source: the sign of life
    // resolves the missed-run incident first, and the event opens its own.
    let r = signed(&mut e, &good_body(), now());
    assert_eq!(r.status, 202);
    let answered = json(&r)["incident_id"].as_str().unwrap().to_owned();
    assert_ne!(answered, missed_id, "the answer names the event's incident");
    let joined = e.incidents().get(&answered).unwrap();
    assert_eq!(joined.recent_event_ids.len(), 1);
}

/// Issue #22: a body with 8,000 unknown fields used to get ~8,000
/// violations in its 422 (about 1.3 MB). The problem body lists the first
/// 100, in the order found, and says how many there are.
#[test]
fn a_422_lists_the_first_hundred_violations_and_counts_them_all() {
    let mut e = engine_with(Plan::Free);
    let mut text = String::from_utf8(good_body()).unwrap();
    text.pop();
    let key = |mut i: usize| {
        let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut k = Vec::new();
        loop {
            k.insert(0, digits[i % 36]);
            i /= 36;
            if i == 0 {
                break String::from_utf8(k).unwrap();
            }
        }
    };
    for i in 0..8000 {
        text.push_str(&format!(",\"{}\":0", key(i)));
    }
    text.push('}');
    assert!(text.len() <= 64 * 1024, "{}", text.len());
    let r = signed(&mut e, text.as_bytes(), now());
    assert_eq!(r.status, 422);
    let v = json(&r);
    assert_eq!(v["error_count"], 8000);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100);
    assert_eq!(errors[0]["pointer"], "/0");
    assert_eq!(errors[99]["pointer"], format!("/{}", key(99)));
    assert!(errors.iter().all(|x| x["code"] == "unknown_field"));
    assert!(r.body.len() < 32 * 1024, "{} bytes", r.body.len());
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("8000 places") && detail.contains("the first 100"),
        "{detail}"
    );
    // The members in order: `error_count` right after `errors`.
    let raw = String::from_utf8(r.body.clone()).unwrap();
    let at = |member: &str| raw.find(&format!("\"{member}\":")).unwrap();
    assert!(at("code") < at("errors") && at("errors") < at("error_count"));
    assert!(at("error_count") < at("request_id"), "{raw}");
}
