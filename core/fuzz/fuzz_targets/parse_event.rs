//! `parse_event` on arbitrary bytes under every PII policy: it must never
//! panic or hang, a syntax error is always alone, and whatever it accepts
//! the builder can emit again and parse back to the same event.
#![no_main]

use erpops_core::event::{parse_event, EventBuilder, ParseOptions, ViolationCode};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = Timestamp::from_unix_seconds(1_776_654_300);
    for policy in [PiiPolicy::Redact, PiiPolicy::Reject, PiiPolicy::Allow] {
        let opts = ParseOptions::new(now).with_pii_policy(policy);
        match parse_event(data, &opts) {
            Ok(parsed) => {
                // No size limit: normalizing (the default severity, UTC
                // timestamps, redaction markers) may lengthen a body at the
                // 64 KiB limit, which is the builder's size rule at work.
                let body = EventBuilder::from_event(&parsed.event)
                    .max_body_bytes(usize::MAX)
                    .build()
                    .expect("a parsed event always builds");
                let relaxed = opts
                    .clone()
                    .with_pii_policy(PiiPolicy::Allow)
                    .with_max_body_bytes(usize::MAX);
                let again = parse_event(&body, &relaxed).expect("a built body always parses");
                assert_eq!(again.event, parsed.event);
            }
            Err(v) => {
                assert!(!v.is_empty());
                if v.has(ViolationCode::Syntax) {
                    assert_eq!(v.len(), 1);
                    assert!(v.syntax().is_some());
                }
            }
        }
    }
});
