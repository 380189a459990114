#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Behaviour of `parse_event` and the builder that the vectors do not pin:
//! the wording that helps a sender, what never appears in a message, and
//! the helpers around the entry point.

use erpops_core::event::{
    body_too_large, parse_event, EventBuilder, MetadataValue, ParseOptions, Severity, ViolationCode,
};
use erpops_core::pii::{PiiKind, PiiPolicy};
use erpops_core::Timestamp;
use uuid::Uuid;

const CID: &str = "123e4567-e89b-12d3-a456-426614174000";

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_776_654_300) // 2026-04-20T03:05:00Z
}

fn body_with(message: &str) -> Vec<u8> {
    let mut b = EventBuilder::new();
    b.connector_id_str(CID)
        .event_type("integration.failed")
        .timestamp_str("2026-04-20T03:00:00Z")
        .message(message)
        .metadata("note", message);
    b.build().unwrap()
}

#[test]
fn the_seed_body_parses_to_the_typed_event() {
    let body = format!(
        r#"{{"connector_id":"{CID}","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{{"exit_code":1,"records_processed":18441,"records_total":40000}}}}"#
    );
    let opts = ParseOptions::new(now()).with_header_connector_id(Uuid::parse_str(CID).unwrap());
    let p = parse_event(body.as_bytes(), &opts).unwrap();
    let e = &p.event;
    assert_eq!(e.connector_id, Uuid::parse_str(CID).unwrap());
    assert_eq!((e.family(), e.outcome()), ("integration", "failed"));
    assert_eq!(e.timestamp.to_string(), "2026-04-20T03:00:00Z");
    assert_eq!(e.severity, Severity::Error);
    assert_eq!(e.source.as_deref(), Some("PSFT_PAYROLL_BATCH"));
    assert_eq!(
        e.metadata.get("records_processed"),
        Some(&MetadataValue::Int(18441))
    );
    assert!(p.redactions.is_empty());
    // The builder emits exactly the seed's bytes for the same event.
    assert_eq!(
        EventBuilder::from_event(e).build().unwrap(),
        body.as_bytes()
    );
}

#[test]
fn pii_messages_name_kind_and_place_but_never_the_data() {
    let secret_bits = ["jane.doe@example.com", "4111 1111 1111 1111", "123-45-6789"];
    let text = format!(
        "mail {} card {} ssn {}",
        secret_bits[0], secret_bits[1], secret_bits[2]
    );
    let body = body_with(&text);
    let opts = ParseOptions::new(now()).with_pii_policy(PiiPolicy::Reject);
    let err = parse_event(&body, &opts).unwrap_err();
    let pointers: Vec<_> = err.iter().map(|v| (v.pointer.as_str(), v.code)).collect();
    assert_eq!(
        pointers,
        [
            ("/message", ViolationCode::Pii),
            ("/metadata/note", ViolationCode::Pii)
        ]
    );
    let all = err.to_string();
    for bit in secret_bits {
        assert!(!all.contains(bit), "{all}");
    }
    let m = &err.as_slice()[0].message;
    assert!(m.contains("email at character 6"), "{m}");
    assert!(
        m.contains("card at character") && m.contains("ssn at character"),
        "{m}"
    );
}

#[test]
fn redact_is_the_default_and_reports_kinds() {
    let body = body_with("write to jane.doe@example.com");
    let p = parse_event(&body, &ParseOptions::new(now())).unwrap();
    assert_eq!(
        p.event.message.as_deref(),
        Some("write to [REDACTED:email]")
    );
    let r: Vec<_> = p
        .redactions
        .iter()
        .map(|r| (r.pointer.as_str(), r.kinds.clone()))
        .collect();
    assert_eq!(
        r,
        [
            ("/message", vec![PiiKind::Email]),
            ("/metadata/note", vec![PiiKind::Email])
        ]
    );
    assert_eq!(
        serde_json::to_string(&p.redactions).unwrap(),
        r#"[{"pointer":"/message","kinds":["email"]},{"pointer":"/metadata/note","kinds":["email"]}]"#
    );
    let allow = ParseOptions::new(now()).with_pii_policy(PiiPolicy::Allow);
    let p = parse_event(&body, &allow).unwrap();
    assert_eq!(
        p.event.message.as_deref(),
        Some("write to jane.doe@example.com")
    );
}

#[test]
fn messages_tell_the_sender_what_to_change() {
    let body = format!(
        r#"{{"connector_id":"{CID}","event_type":"integration.failed","timestamp":"2026-04-20","severity":"warning","tenant":1}}"#
    );
    let err = parse_event(body.as_bytes(), &ParseOptions::new(now())).unwrap_err();
    let msg = |p: &str| {
        err.iter()
            .find(|v| v.pointer == p)
            .map(|v| v.message.clone())
            .unwrap()
    };
    assert_eq!(
        msg("/severity"),
        r#"severity must be one of info, warn, error, critical; got "warning""#
    );
    assert!(msg("/timestamp").contains("2026-04-20T03:00:00Z"));
    assert!(msg("/timestamp").contains("add the time"));
    assert!(msg("/tenant").contains("connector_id, event_type, timestamp"));
}

#[test]
fn syntax_errors_carry_line_column_and_offset() {
    let body = b"{\n  \"connector_id\": 01\n}";
    let err = parse_event(body, &ParseOptions::new(now())).unwrap_err();
    let pos = err.syntax().unwrap();
    assert_eq!((pos.line, pos.column, pos.offset), (2, 20, 21));
    let m = &err.as_slice()[0].message;
    assert!(m.contains("line 2, column 20 (byte 21)"), "{m}");
    assert!(m.contains("leading zeros"), "{m}");
}

#[test]
fn the_size_helper_answers_like_the_parser() {
    let opts = ParseOptions::new(now()).with_max_body_bytes(10);
    let err = parse_event(&[b' '; 11], &opts).unwrap_err();
    assert_eq!(err, body_too_large(10));
    assert_eq!(err.as_slice()[0].pointer, "");
    assert_eq!(err.as_slice()[0].code, ViolationCode::TooLong);
}

#[test]
fn header_mismatch_names_both_ids() {
    let other = Uuid::parse_str("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f").unwrap();
    let opts = ParseOptions::new(now()).with_header_connector_id(other);
    let err = parse_event(&body_with("x"), &opts).unwrap_err();
    let v = &err.as_slice()[0];
    assert_eq!(
        (v.pointer.as_str(), v.code),
        ("/connector_id", ViolationCode::Mismatch)
    );
    assert!(v.message.contains(CID) && v.message.contains(&other.to_string()));
}

#[test]
fn the_builder_refuses_what_the_parser_refuses() {
    let mut b = EventBuilder::new();
    b.connector_id(Uuid::nil())
        .event_type("Integration")
        .timestamp(Timestamp::from_unix_seconds(-62_167_219_201))
        .source("")
        .message("a\rb")
        .metadata("bad key", 1i64)
        .metadata("f", f64::NAN)
        .metadata("s", "x".repeat(1025));
    let err = b.build().unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    let got: Vec<_> = err
        .as_invalid()
        .unwrap()
        .iter()
        .map(|v| (v.pointer.as_str(), v.code.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("/event_type", "format"),
            ("/timestamp", "format"),
            ("/source", "format"),
            ("/message", "format"),
            ("/metadata/bad key", "format"),
            ("/metadata/f", "format"),
            ("/metadata/s", "too_long"),
        ]
    );
    let mut many = EventBuilder::new();
    many.connector_id(Uuid::nil())
        .event_type("a.b")
        .timestamp(now());
    for i in 0..65 {
        many.metadata(format!("k{i}"), i as i64);
    }
    let err = many.build().unwrap_err();
    assert_eq!(
        err.as_invalid().unwrap().as_slice()[0].code,
        ViolationCode::TooMany
    );
}

#[test]
fn the_builder_does_not_check_the_time_window() {
    let mut b = EventBuilder::new();
    b.connector_id(Uuid::nil())
        .event_type("a.b")
        .timestamp(Timestamp::UNIX_EPOCH);
    let body = b.build().unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"connector_id":"00000000-0000-0000-0000-000000000000","event_type":"a.b","timestamp":"1970-01-01T00:00:00Z"}"#
    );
}
