//! The whole receive decision (through the in-memory Engine) on arbitrary
//! headers and bodies, some of them correctly signed: it never panics, the
//! status is always one of the documented ones, every refusal is a parseable
//! RFC 9457 body with its code, and a correctly signed body is never 401/403.
#![no_main]

use erpops_core::quota::Plan;
use erpops_core::receive::{Body, Engine, InboundRequest, ReceiveConfig, TenantRecord};
use erpops_core::{sign, Secret, Timestamp};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

const CONNECTOR: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";
const DOCUMENTED: [u16; 10] = [200, 202, 401, 403, 405, 413, 415, 422, 429, 503];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let secret = Secret::new("whsec_fuzz").expect("non-empty");
    let mut engine = Engine::new(ReceiveConfig::default());
    engine
        .add_tenant("t", TenantRecord::new(Plan::Free))
        .expect("fresh tenant");
    engine
        .add_connector(
            Uuid::parse_str(CONNECTOR).expect("uuid"),
            "t",
            secret.clone(),
        )
        .expect("fresh connector");

    // Split the rest into content type, signature, connector id and body.
    let mut parts = rest.splitn(4, |b| *b == 0xff);
    let content_type = parts.next().unwrap_or_default();
    let signature = parts.next().unwrap_or_default();
    let connector = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let signed = sign(&secret, body);
    let request = InboundRequest {
        method: if mode & 1 == 0 { "POST" } else { "GET" },
        content_type: (mode & 2 == 0).then_some(content_type),
        signature: Some(if mode & 4 == 0 {
            signature
        } else {
            signed.as_bytes()
        }),
        connector_id: Some(if mode & 8 == 0 {
            connector
        } else {
            CONNECTOR.as_bytes()
        }),
        body: if mode & 16 == 0 {
            Body::Bytes(body)
        } else {
            Body::TooLarge {
                length: body.len() as u64 + 65_536,
            }
        },
    };
    let response = engine.receive(
        &request,
        Timestamp::from_unix_seconds(1_776_654_300),
        "fuzz",
    );
    assert!(DOCUMENTED.contains(&response.status), "{}", response.status);
    if response.status >= 400 {
        let problem: serde_json::Value =
            serde_json::from_slice(&response.body).expect("problem body is JSON");
        assert_eq!(problem["status"], response.status);
        assert!(problem["code"].is_string());
        assert_eq!(problem["request_id"], "fuzz");
    }
    let well_formed = mode & 0b11111 == 0b01100;
    if well_formed && content_type.eq_ignore_ascii_case(b"application/json") {
        assert!(response.status != 401 && response.status != 403);
    }
});
