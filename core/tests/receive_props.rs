//! Invariants of the receive decision: arbitrary requests never panic and
//! always get a documented status with a well-formed body; a correctly
//! signed valid event is never refused with 401, 403 or 422.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use erpops_core::quota::Plan;
use erpops_core::receive::{
    Body, Engine, InboundRequest, ReceiveConfig, RefusalCode, Response, TenantRecord,
};
use erpops_core::{sign, Secret, Timestamp};
use proptest::prelude::*;
use serde_json::Value;
use uuid::Uuid;

const C: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
const NOW: i64 = 1_776_654_005; // 2026-04-20T03:00:05Z

fn secret() -> Secret {
    Secret::new("whsec_props").unwrap()
}

fn engine() -> Engine {
    let mut e = Engine::new(ReceiveConfig::default());
    e.add_tenant("t1", TenantRecord::new(Plan::Free)).unwrap();
    e.add_connector(Uuid::parse_str(C).unwrap(), "t1", secret())
        .unwrap();
    e
}

/// Checks everything a client may rely on for any response.
fn check_well_formed(r: &Response) {
    let documented = [200, 202, 401, 403, 405, 413, 415, 422, 429];
    assert!(documented.contains(&r.status), "status {}", r.status);
    let body: Value = serde_json::from_slice(&r.body).expect("body is JSON");
    let ratelimit = r.header("RateLimit").is_some();
    if r.status < 300 {
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert!(body["event_id"].as_str().unwrap().starts_with("evt_"));
        assert!(r.code.is_none());
        assert!(ratelimit, "Free plan: RateLimit on {}", r.status);
        return;
    }
    assert_eq!(r.header("Content-Type"), Some("application/problem+json"));
    let code = r.code.expect("a refusal has a code");
    assert_eq!(code.status(), r.status);
    assert_eq!(body["status"], r.status);
    assert_eq!(body["code"], code.code());
    assert_eq!(body["type"], format!("urn:erpops:problem:{}", code.code()));
    assert_eq!(body["title"], code.title());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    assert_eq!(body["request_id"], "req-p");
    assert_eq!(body.get("errors").is_some(), r.status == 422);
    assert_eq!(body.get("error_count").is_some(), r.status == 422);
    if let Some(errors) = body.get("errors") {
        let errors = errors.as_array().unwrap();
        assert!(!errors.is_empty());
        // Bounded: at most the first 100 listed, `error_count` counts all.
        let count = body["error_count"].as_u64().unwrap() as usize;
        assert_eq!(
            errors.len(),
            count.min(erpops_core::event::MAX_LISTED_VIOLATIONS)
        );
        for e in errors {
            let e = e.as_object().unwrap();
            assert_eq!(e.len(), 3);
            assert!(e["pointer"].is_string() && e["code"].is_string());
            assert!(!e["message"].as_str().unwrap().is_empty());
        }
    }
    assert_eq!(
        ratelimit,
        matches!(code, RefusalCode::InvalidEvent | RefusalCode::QuotaExceeded),
        "RateLimit fields only once the tenant is known ({})",
        code.code()
    );
    assert!(r.effects.is_empty(), "a refusal changes nothing");
}

fn header_bytes() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(Some),
        "[ \t]{0,2}(application/json|Application/Json|text/plain)(; charset=utf-8)?"
            .prop_map(|s| Some(s.into_bytes())),
        "[ \t]{0,2}(sha256|SHA256|sha1)=[0-9a-fA-F]{62,66}[ \t]{0,2}"
            .prop_map(|s| Some(s.into_bytes())),
        Just(Some(C.as_bytes().to_vec())),
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}"
            .prop_map(|s| Some(s.into_bytes())),
    ]
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "\\{\"connector_id\":\"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\",\"event_type\":\"[a-z.]{0,12}\",\"timestamp\":\"2026-04-20T0[0-3]:00:00Z\"[^}]{0,30}\\}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn arbitrary_requests_get_a_documented_answer(
        method in prop_oneof![Just("POST"), Just("GET"), Just("post")],
        content_type in header_bytes(),
        signature in header_bytes(),
        connector in header_bytes(),
        body in body_bytes(),
        sign_it in any::<bool>(),
        too_large in proptest::option::of(65_537u64..1 << 40),
    ) {
        let mut e = engine();
        let good_sig = sign(&secret(), &body);
        let signature = if sign_it { Some(good_sig.as_bytes().to_vec()) } else { signature };
        let req = InboundRequest {
            method,
            content_type: content_type.as_deref(),
            signature: signature.as_deref(),
            connector_id: connector.as_deref(),
            body: match too_large {
                Some(length) => Body::TooLarge { length },
                None => Body::Bytes(&body),
            },
        };
        let r = e.receive(&req, Timestamp::from_unix_seconds(NOW), "req-p");
        check_well_formed(&r);
        // A retry of the same request is answered the same way, or as a
        // duplicate of an accepted one.
        let again = e.receive(&req, Timestamp::from_unix_seconds(NOW), "req-p");
        check_well_formed(&again);
        if r.status == 202 {
            prop_assert_eq!(again.status, 200);
        } else {
            prop_assert_eq!(again.status, r.status);
        }
    }

    #[test]
    fn correctly_signed_arbitrary_bodies_are_never_401_or_403(
        body in body_bytes(),
    ) {
        let mut e = engine();
        let sig = sign(&secret(), &body);
        let req = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body);
        let r = e.receive(&req, Timestamp::from_unix_seconds(NOW), "req-p");
        check_well_formed(&r);
        prop_assert!(r.status == 202 || r.status == 422, "{}", r.status);
    }

    #[test]
    fn a_valid_signed_event_is_never_401_403_or_422(
        event_type in "[a-z][a-z0-9_]{0,8}\\.[a-z][a-z0-9_]{0,8}",
        age_secs in 0i64..86_400,
        severity in proptest::option::of(prop_oneof![
            Just("info"), Just("warn"), Just("error"), Just("critical")]),
        source in proptest::option::of("[A-Za-z0-9_ ]{1,40}"),
        message in proptest::option::of("[A-Za-z0-9 .,:@+-]{0,200}"),
        metadata in proptest::collection::btree_map("[A-Za-z0-9_.-]{1,20}",
            prop_oneof![any::<i64>().prop_map(Value::from), any::<bool>().prop_map(Value::from),
                        "[a-z ]{0,30}".prop_map(Value::from)], 0..8),
        pretty in any::<bool>(),
        use_old_secret in any::<bool>(),
    ) {
        let now = Timestamp::from_unix_seconds(NOW);
        let mut e = engine();
        let new = Secret::new("whsec_rotated").unwrap();
        e.rotate_secret(Uuid::parse_str(C).unwrap(), new.clone(), now,
                        std::time::Duration::from_secs(60)).unwrap();
        let ts = Timestamp::from_unix_seconds(NOW - age_secs).to_rfc3339();
        let mut obj = serde_json::Map::new();
        obj.insert("connector_id".into(), C.to_uppercase().into());
        obj.insert("event_type".into(), event_type.into());
        obj.insert("timestamp".into(), ts.into());
        if let Some(s) = severity { obj.insert("severity".into(), s.into()); }
        if let Some(s) = source { obj.insert("source".into(), s.into()); }
        if let Some(m) = message { obj.insert("message".into(), m.into()); }
        if !metadata.is_empty() {
            obj.insert("metadata".into(), Value::Object(metadata.into_iter().collect()));
        }
        let v = Value::Object(obj);
        let body = if pretty {
            serde_json::to_vec_pretty(&v).unwrap()
        } else {
            serde_json::to_vec(&v).unwrap()
        };
        let key = if use_old_secret { secret() } else { new };
        let sig = sign(&key, &body);
        let req = InboundRequest::post_json(sig.as_bytes(), C.as_bytes(), &body);
        let r = e.receive(&req, now, "req-p");
        check_well_formed(&r);
        prop_assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    }
}
