#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Invariants of the event contract: `parse_event(build(x)) == x` for every
//! valid event, `parse_event` never panics on arbitrary bytes, and what it
//! reports is always well formed.

use std::collections::BTreeSet;

use erpops_core::event::{
    parse_event, Event, EventBuilder, Metadata, MetadataValue, ParseOptions, Severity,
    ViolationCode,
};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;
use proptest::prelude::*;
use uuid::Uuid;

fn metadata_value() -> impl Strategy<Value = MetadataValue> {
    prop_oneof![
        "[^\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F]{0,40}".prop_map(MetadataValue::String),
        any::<i64>().prop_map(MetadataValue::Int),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(MetadataValue::UInt),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(MetadataValue::Float),
        any::<bool>().prop_map(MetadataValue::Bool),
        Just(MetadataValue::Null),
    ]
}

fn metadata() -> impl Strategy<Value = Metadata> {
    prop::collection::vec(("[A-Za-z0-9_.-]{1,64}", metadata_value()), 0..12).prop_map(|entries| {
        let mut m = Metadata::new();
        let mut seen = BTreeSet::new();
        for (k, v) in entries {
            if seen.insert(k.clone()) {
                m.insert(k, v);
            }
        }
        m
    })
}

prop_compose! {
    fn event()(
        id in any::<u128>(),
        event_type in "[a-z][a-z0-9_]{0,12}(\\.[a-z][a-z0-9_]{0,12}){1,4}",
        secs in -62_167_219_200i64..=253_402_300_799,
        nanos in 0u32..1_000_000_000,
        severity in prop::sample::select(Severity::ALL.to_vec()),
        source in prop::option::of("[^\\p{Cc}]{1,128}"),
        message in prop::option::of("[^\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F]{0,200}"),
        metadata in metadata(),
    ) -> Event {
        Event {
            connector_id: Uuid::from_u128(id),
            event_type,
            timestamp: Timestamp::new(secs, nanos).unwrap(),
            severity,
            source,
            message,
            metadata,
        }
    }
}

fn opts_at(now: Timestamp) -> ParseOptions {
    ParseOptions::new(now).with_pii_policy(PiiPolicy::Allow)
}

/// A valid body to mutate.
const SEED: &[u8] = br#"{"connector_id":"123e4567-e89b-12d3-a456-426614174000","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{"exit_code":1,"records_total":40000,"x":[{"a":1}],"f":1.5e3}}"#;

fn check_report(body: &[u8], opts: &ParseOptions) {
    match parse_event(body, opts) {
        Ok(p) => {
            // A valid event is valid for the builder too.
            let rebuilt = EventBuilder::from_event(&p.event).build();
            assert!(rebuilt.is_ok(), "{rebuilt:?}");
        }
        Err(v) => {
            assert!(!v.is_empty());
            for item in v.iter() {
                assert!(item.pointer.is_empty() || item.pointer.starts_with('/'));
                assert!(!item.message.is_empty());
            }
            if v.has(ViolationCode::Syntax) {
                assert_eq!(v.len(), 1);
                let pos = v.syntax().unwrap();
                assert!(pos.offset <= body.len() && pos.line >= 1 && pos.column >= 1);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn build_then_parse_is_the_identity(x in event()) {
        let body = EventBuilder::from_event(&x).build().unwrap();
        let parsed = parse_event(&body, &opts_at(x.timestamp)).unwrap();
        prop_assert_eq!(&parsed.event, &x);
        prop_assert!(parsed.redactions.is_empty());
        // Floats keep their exact bits (PartialEq would equate 0.0 and -0.0).
        for ((_, a), (_, b)) in parsed.event.metadata.iter().zip(x.metadata.iter()) {
            if let (MetadataValue::Float(a), MetadataValue::Float(b)) = (a, b) {
                prop_assert_eq!(a.to_bits(), b.to_bits());
            }
        }
    }

    #[test]
    fn signed_bodies_verify(x in event()) {
        let secret = erpops_core::Secret::new(b"k").unwrap();
        let signed = EventBuilder::from_event(&x).build_signed(&secret).unwrap();
        let ok = erpops_core::verify(&[secret], &signed.body, Some(signed.signature.as_bytes()));
        prop_assert!(ok.is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check_report(&body, &opts_at(Timestamp::from_unix_seconds(1_776_654_000)));
    }

    #[test]
    fn json_like_text_never_panics(body in "[{}\\[\\]\":,0-9a-z.eE+\\-\\\\ \\n]{0,200}") {
        check_report(body.as_bytes(), &opts_at(Timestamp::from_unix_seconds(1_776_654_000)));
    }

    #[test]
    fn mutated_valid_bodies_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
        policy in prop::sample::select(vec![PiiPolicy::Redact, PiiPolicy::Reject, PiiPolicy::Allow]),
    ) {
        let mut body = SEED.to_vec();
        for (at, byte, op) in edits {
            let i = at.index(body.len() + 1);
            match op {
                0 if i < body.len() => body[i] = byte,
                1 => body.insert(i, byte),
                _ if i < body.len() => { body.remove(i); }
                _ => {}
            }
        }
        let opts = ParseOptions::new(Timestamp::from_unix_seconds(1_776_654_000)).with_pii_policy(policy);
        check_report(&body, &opts);
    }
}

/// Redaction can lengthen a field (`123-45-6789` becomes `[REDACTED:ssn]`):
/// a source at its 128-character limit with a social security number in
/// it is accepted under `redact`, stays within the limit, and the stored
/// event builds again (found by the `parse_event` fuzz target).
#[test]
fn a_field_lengthened_by_redaction_stays_within_its_limit() {
    use erpops_core::event::{parse_event, EventBuilder, ParseOptions};
    use erpops_core::pii::PiiPolicy;
    let source = format!("ops{} and ssn 123-45-6789", "4".repeat(128 - 3 - 20));
    assert_eq!(source.chars().count(), 128);
    let body = format!(
        "{{\"connector_id\":\"123e4567-e89b-12d3-a456-426614174000\",\"event_type\":\"integration.failed\",\"timestamp\":\"2026-04-20T03:00:00Z\",\"severity\":\"error\",\"source\":\"{source}\"}}"
    );
    let now = erpops_core::Timestamp::from_unix_seconds(1_776_654_300);
    let parsed = parse_event(
        body.as_bytes(),
        &ParseOptions::new(now).with_pii_policy(PiiPolicy::Redact),
    )
    .unwrap();
    let stored = parsed.event.source.clone().unwrap();
    assert!(stored.chars().count() <= 128, "{stored}");
    assert!(!stored.contains("123-45-6789"), "{stored}");
    assert!(!parsed.redactions.is_empty());
    EventBuilder::from_event(&parsed.event).build().unwrap();
}
