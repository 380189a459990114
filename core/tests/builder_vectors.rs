#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Replays `tests/vectors/builder.json` (the builder's size limit, issue
//! #22) through `EventBuilder::build` and `build_signed`: a body of exactly
//! the limit is built and signed, one byte more is `body_too_large` with
//! the size and the limit, and field violations come first.

mod vector_support;

use erpops_core::event::{BodyTooLarge, BuildError, EventBuilder, MetadataValue};
use erpops_core::signature::{sign, Secret};
use serde_json::Value;

fn load() -> Value {
    vector_support::load("builder.json")
}

/// A builder holding the case's fields, set through the text setters as a
/// binding would.
fn builder(case: &Value) -> EventBuilder {
    let f = &case["fields"];
    let mut b = EventBuilder::new();
    if let Some(v) = f["connector_id"].as_str() {
        b.connector_id_str(v);
    }
    if let Some(v) = f["event_type"].as_str() {
        b.event_type(v);
    }
    if let Some(v) = f["timestamp"].as_str() {
        b.timestamp_str(v);
    }
    if let Some(v) = f["severity"].as_str() {
        b.severity_str(v);
    }
    if let Some(v) = f["source"].as_str() {
        b.source(v);
    }
    if let Some(v) = f["message"].as_str() {
        b.message(v);
    }
    for m in f["metadata"].as_array().into_iter().flatten() {
        let key = m["key"].as_str().unwrap();
        let value = match m["type"].as_str().unwrap() {
            "string" => MetadataValue::String(m["value"].as_str().unwrap().to_owned()),
            "int" => MetadataValue::Int(m["value"].as_str().unwrap().parse().unwrap()),
            other => panic!("metadata type {other}"),
        };
        b.metadata(key, value);
    }
    if let Some(limit) = case["max_body_bytes"].as_u64() {
        b.max_body_bytes(limit as usize);
    }
    b
}

#[test]
fn every_builder_vector_passes() {
    let doc = load();
    assert_eq!(doc["version"], 1);
    let secret = Secret::new(hex::decode(doc["secret_hex"].as_str().unwrap()).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 8, "{} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let b = builder(case);
        let built = b.build();
        let signed = b.build_signed(&secret);
        match case["expect"].as_str().unwrap() {
            "built" => {
                let body = built.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(body.len() as u64, case["body_length"], "{name}");
                if let Some(h) = case["body_hex"].as_str() {
                    assert_eq!(hex::encode(&body), h, "{name}");
                }
                let signed = signed.unwrap();
                assert_eq!(signed.body, body, "{name}");
                assert_eq!(signed.signature.as_str(), case["signature"], "{name}");
                assert_eq!(sign(&secret, &body), signed.signature, "{name}");
            }
            "body_too_large" => {
                let want = BodyTooLarge {
                    size: case["size"].as_u64().unwrap() as usize,
                    limit: case["limit"].as_u64().unwrap() as usize,
                };
                let err = built.unwrap_err();
                assert_eq!(err, BuildError::BodyTooLarge(want), "{name}");
                assert_eq!(err.code(), "body_too_large", "{name}");
                let text = err.to_string();
                assert!(
                    text.contains(&format!("{} bytes", want.size))
                        && text.contains(&format!("limit of {} bytes", want.limit)),
                    "{name}: {text}"
                );
                // Refused before signing, with the same error.
                assert_eq!(signed.unwrap_err(), err, "{name}");
            }
            "invalid" => {
                let err = built.unwrap_err();
                assert_eq!(err.code(), "invalid_event", "{name}");
                let mut got: Vec<(String, String)> = err
                    .violations()
                    .iter()
                    .map(|v| (v.pointer.clone(), v.code.as_str().to_owned()))
                    .collect();
                got.sort();
                let want: Vec<(String, String)> = case["violations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| {
                        (
                            v["pointer"].as_str().unwrap().to_owned(),
                            v["code"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(got, want, "{name}");
                assert_eq!(signed.unwrap_err(), err, "{name}");
            }
            other => panic!("{name}: expect {other}"),
        }
    }
    vector_support::replayed("builder.json", "cases", cases.len());
}
