#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The published JSON Schema (`schema/event.schema.json`) and `parse_event`
//! agree on every event vector.
//!
//! Agreement means: the schema is never stricter than the parser (a body
//! the parser accepts is schema-valid), and whenever the parser finds a
//! violation the schema can express, the schema rejects the body too. The
//! rules beyond a schema (listed in `schema/README.md`) are the only way a
//! body can be schema-valid and still refused.

use std::time::Duration;

use erpops_core::event::{parse_event, ParseOptions, ViolationCode};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;
use serde_json::Value;

/// Codes that no JSON Schema can decide (they need the raw bytes, the
/// header, a clock or the PII detectors).
const BEYOND_SCHEMA: [ViolationCode; 6] = [
    ViolationCode::DuplicateKey,
    ViolationCode::Mismatch,
    ViolationCode::InFuture,
    ViolationCode::TooOld,
    ViolationCode::Pii,
    ViolationCode::Syntax,
];

/// Cases whose `format` violation is beyond the schema: calendar validity
/// of a well-shaped timestamp, and integer range / float overflow (a
/// schema sees numbers after the JSON library turned them into doubles).
const FORMAT_BEYOND_SCHEMA: [&str; 6] = [
    "timestamp_feb_29_common_year",
    "timestamp_before_year_0000_in_utc",
    "timestamp_apr_31",
    "metadata_int_above_u64",
    "metadata_int_below_i64",
    "metadata_int_huge",
];

/// Cases whose `type` violation is beyond the schema: `records_processed`
/// written with a zero fraction or an exponent (`5.0`, `1e3`) is a float to
/// the contract, but an integer to JSON Schema (a number whose fraction is
/// zero).
const TYPE_BEYOND_SCHEMA: [&str; 2] = [
    "records_processed_type_integral_float",
    "records_processed_type_exponent",
];

fn options(o: &Value) -> ParseOptions {
    let mut opts = ParseOptions::new(Timestamp::from_unix_millis(
        o["now_unix_ms"].as_i64().unwrap(),
    ))
    .with_max_body_bytes(o["max_body_bytes"].as_u64().unwrap() as usize)
    .with_window(
        Duration::from_secs(o["future_skew_seconds"].as_u64().unwrap()),
        Duration::from_secs(o["max_age_seconds"].as_u64().unwrap()),
    )
    .with_pii_policy(PiiPolicy::from_wire(o["pii_policy"].as_str().unwrap()).unwrap());
    if let Some(id) = o["header_connector_id"].as_str() {
        opts = opts.with_header_connector_id(uuid::Uuid::parse_str(id).unwrap());
    }
    opts
}

fn read(rel: &str) -> Value {
    let path = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn schema_and_parser_agree_on_every_vector() {
    let schema = read("schema/event.schema.json");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let vectors = read("tests/vectors/events.json");
    let mut compared = 0;
    let mut failures = Vec::new();
    for case in vectors["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let body = hex::decode(case["body_hex"].as_str().unwrap()).unwrap();
        let opts = options(&case["options"]);
        let parsed = parse_event(&body, &opts);
        // A body over the limit, or one that is not JSON, never reaches a
        // schema validator.
        let Ok(instance) = serde_json::from_slice::<Value>(&body) else {
            assert!(
                parsed.is_err(),
                "{name}: serde_json refuses what parse_event accepts"
            );
            continue;
        };
        if body.len() > opts.max_body_bytes {
            continue;
        }
        compared += 1;
        let schema_ok = validator.is_valid(&instance);
        match parsed {
            Ok(_) if !schema_ok => failures.push(format!(
                "{name}: parse_event accepts, the schema refuses: {:?}",
                validator
                    .iter_errors(&instance)
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            )),
            Ok(_) => {}
            Err(v) => {
                let beyond = |code: ViolationCode| {
                    BEYOND_SCHEMA.contains(&code)
                        || (code == ViolationCode::Format && FORMAT_BEYOND_SCHEMA.contains(&name))
                        || (code == ViolationCode::Type && TYPE_BEYOND_SCHEMA.contains(&name))
                };
                let expressible = v.iter().any(|v| !beyond(v.code));
                if expressible && schema_ok {
                    failures.push(format!(
                        "{name}: parse_event refuses ({v}), the schema accepts"
                    ));
                }
                if !expressible && !schema_ok {
                    failures.push(format!(
                        "{name}: only rules beyond the schema are broken, but the schema refuses"
                    ));
                }
            }
        }
    }
    assert!(compared >= 150, "only {compared} cases reached the schema");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
