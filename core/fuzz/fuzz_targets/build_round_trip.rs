//! Bodies built from fuzzed field text: `build` either refuses (violations,
//! or a body over the 64 KiB limit) or emits bytes that `parse_event`
//! accepts, and the parsed event rebuilds to a body that parses to the same
//! event.
#![no_main]

use erpops_core::event::{parse_event, EventBuilder, ParseOptions};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, String, String, String, i64, f64)| {
    let (event_type, source, message, key, int, float) = input;
    let now = Timestamp::from_unix_seconds(1_776_654_300);
    let mut b = EventBuilder::new();
    b.connector_id_str("123e4567-e89b-12d3-a456-426614174000")
        .event_type(event_type)
        .timestamp(now)
        .source(source)
        .message(message)
        .metadata(key.clone(), int)
        .metadata(format!("{key}_f"), float);
    if let Ok(body) = b.build() {
        let opts = ParseOptions::new(now).with_pii_policy(PiiPolicy::Allow);
        let parsed = parse_event(&body, &opts).expect("a built body always parses");
        // Rebuilding adds the default severity the first body left out,
        // and parses back to the same event.
        let rebuilt = EventBuilder::from_event(&parsed.event)
            .max_body_bytes(usize::MAX)
            .build()
            .expect("rebuilds");
        let again = parse_event(&rebuilt, &opts.clone().with_max_body_bytes(usize::MAX))
            .expect("parses again");
        assert_eq!(again.event, parsed.event);
    }
});
