//! Property tests for the PII detectors (contract §3.4): `find` is total
//! and well-formed on any text, redaction is idempotent, generated valid
//! values are found in any delimiter context, and the everyday numbers of
//! ERP logs (integers, timestamps, UUIDs) never are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use erpops_core::pii::{find, redact, PiiKind};
use erpops_core::Timestamp;
use proptest::prelude::*;

/// Text biased towards the bytes the detectors care about, with multibyte
/// characters next to them.
fn pii_ish_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 +@.()\\-/:,A-Za-z_%éß€日\u{10348}]{0,80}",
        "([0-9]{1,5}[ .\\-]?|[A-Z]{2}[0-9]{2}|\\+|@|[a-z]{1,4}\\.|é|€){0,30}",
    ]
}

/// Characters that are neither alphanumeric nor part of any detector's
/// alphabet, so a value between them stands alone.
fn context() -> impl Strategy<Value = String> {
    "[ \t\n,;!?()<>\"'*#=|éüßÄ€日本\u{1F600}]{0,8}"
}

fn luhn_check_digit(payload: &[u8]) -> u8 {
    // Weights from the right of the full number: the check digit is at
    // weight 1, so the payload's last digit is doubled.
    let mut sum = 0u32;
    for (k, &d) in payload.iter().rev().enumerate() {
        let mut v = u32::from(d);
        if k % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

fn group(digits: &str, sep: Option<char>) -> String {
    match sep {
        None => digits.to_owned(),
        Some(s) => digits
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(&s.to_string()),
    }
}

/// A Luhn-valid card number of 13–19 digits starting with 3–6 or a 2-series
/// network prefix, plain or grouped in fours.
fn card() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![3000u32..=6999, 2221u32..=2720, 2200u32..=2204,];
    (
        prefix,
        prop::collection::vec(0u8..=9, 8..=14),
        prop_oneof![Just(None), Just(Some(' ')), Just(Some('-'))],
    )
        .prop_map(|(prefix, rest, sep)| {
            let mut digits: Vec<u8> = prefix.to_string().bytes().map(|b| b - b'0').collect();
            digits.extend(rest);
            let check = luhn_check_digit(&digits);
            digits.push(check);
            let s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            group(&s, sep)
        })
}

fn mod97(s: &str) -> u32 {
    s.bytes().fold(0, |acc, b| match b {
        b'0'..=b'9' => (acc * 10 + u32::from(b - b'0')) % 97,
        _ => (acc * 100 + u32::from(b - b'A') + 10) % 97,
    })
}

/// A mod-97-valid IBAN for a few registered countries, compact or printed.
fn iban() -> impl Strategy<Value = String> {
    let country = prop::sample::select(vec![
        ("DE", 22),
        ("GB", 22),
        ("FR", 27),
        ("NO", 15),
        ("NL", 18),
        ("MT", 31),
        ("LC", 32),
        ("RU", 33),
        ("CH", 21),
    ]);
    (country, "[A-Z0-9]{29}", any::<bool>()).prop_map(|((cc, len), pool, printed)| {
        let bban = &pool[..len - 4];
        let check = 98 - mod97(&format!("{bban}{cc}00"));
        let compact = format!("{cc}{check:02}{bban}");
        group(&compact, printed.then_some(' '))
    })
}

fn email() -> impl Strategy<Value = String> {
    let tld = prop::sample::select(vec![
        "com", "org", "net", "de", "uk", "io", "example", "Info",
    ]);
    (
        "[a-z0-9]{1,10}(\\.[a-z0-9_%+\\-]{1,6})?@[a-z0-9]{1,10}(-[a-z0-9]{1,5})?(\\.[a-z]{2,6})?",
        tld,
    )
        .prop_map(|(address, tld)| format!("{address}.{tld}"))
}

fn ssn() -> impl Strategy<Value = String> {
    (1u32..900, 1u32..100, 1u32..10000)
        .prop_filter("never issued", |(a, _, _)| *a != 666)
        .prop_map(|(a, g, s)| format!("{a:03}-{g:02}-{s:04}"))
}

fn phone() -> impl Strategy<Value = String> {
    (
        1u8..=9,
        prop::collection::vec(0u8..=9, 6..=14),
        prop_oneof![Just(""), Just(" "), Just("-"), Just(".")],
    )
        .prop_map(|(first, rest, sep)| {
            let digits: String = std::iter::once(first)
                .chain(rest)
                .map(|d| char::from(b'0' + d))
                .collect();
            let (cc, subscriber) = digits.split_at(2);
            let body = subscriber
                .as_bytes()
                .chunks(3)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(sep);
            format!("+{cc}{sep}{body}")
        })
}

fn kind_and_value() -> impl Strategy<Value = (PiiKind, String)> {
    prop_oneof![
        card().prop_map(|v| (PiiKind::Card, v)),
        iban().prop_map(|v| (PiiKind::Iban, v)),
        email().prop_map(|v| (PiiKind::Email, v)),
        ssn().prop_map(|v| (PiiKind::Ssn, v)),
        phone().prop_map(|v| (PiiKind::Phone, v)),
    ]
}

/// Values and near-misses glued together by joiners, so that redacting one
/// changes the neighbours of the next: the stress test of the fixed point.
fn glued_values() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        kind_and_value().prop_map(|(_, v)| v),
        kind_and_value().prop_map(|(_, v)| v.replace(' ', "")),
        Just("4111 1111 1111 1111".to_owned()),
        Just("18441".to_owned()),
        Just("2026-04-20".to_owned()),
        Just("ORD".to_owned()),
        "[a-z0-9.]{60,70}",
        "[a-z]{1,8}",
    ];
    prop::collection::vec(
        (
            piece,
            prop::sample::select(vec![
                "", " ", "/", "-", ".", ":", ",", "@", "+", "(", ")", "é",
            ]),
        ),
        1..12,
    )
    .prop_map(|parts| parts.into_iter().map(|(p, j)| format!("{p}{j}")).collect())
}

proptest! {
    #[test]
    fn redaction_of_glued_values_is_stable(text in glued_values()) {
        let (once, findings) = redact(&text);
        prop_assert_eq!(find(&once), vec![], "{:?} -> {:?}", text, once);
        let mut at = 0;
        for f in &findings {
            prop_assert!(f.start >= at && f.start < f.end && text.is_char_boundary(f.start));
            at = f.end;
        }
    }

    #[test]
    fn find_is_total_sorted_disjoint_and_on_char_boundaries(text in pii_ish_text()) {
        let findings = find(&text);
        let mut at = 0;
        for f in &findings {
            prop_assert!(f.start >= at && f.start < f.end && f.end <= text.len(), "{findings:?}");
            prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            at = f.end;
        }
    }

    #[test]
    fn redact_is_idempotent(text in pii_ish_text()) {
        let (once, findings) = redact(&text);
        prop_assert_eq!(find(&once), vec![]);
        prop_assert_eq!(redact(&once).0, once.clone());
        prop_assert_eq!(findings, find(&text));
    }

    #[test]
    fn redact_replaces_exactly_the_findings(text in pii_ish_text()) {
        let (out, findings) = redact(&text);
        let mut want = String::new();
        let mut at = 0;
        for f in &findings {
            want.push_str(&text[at..f.start]);
            want.push_str(&format!("[REDACTED:{}]", f.kind));
            at = f.end;
        }
        want.push_str(&text[at..]);
        prop_assert_eq!(out, want);
    }

    #[test]
    fn a_valid_value_in_delimiter_context_is_found(
        (kind, value) in kind_and_value(),
        before in context(),
        after in context(),
    ) {
        let text = format!("{before}{value}{after}");
        let findings = find(&text);
        prop_assert_eq!(findings.len(), 1, "{:?} in {:?}", findings, text);
        let f = findings[0];
        prop_assert_eq!(f.kind, kind);
        prop_assert_eq!(&text[f.start..f.end], value.as_str());
        prop_assert_eq!(redact(&text).0, format!("{before}[REDACTED:{kind}]{after}"));
    }

    #[test]
    fn several_values_in_one_text_are_all_found(
        parts in prop::collection::vec((kind_and_value(), "[ ,;\n]{1,3}"), 1..6),
    ) {
        let mut text = String::new();
        let mut want = Vec::new();
        for ((kind, value), sep) in &parts {
            want.push((*kind, value.clone()));
            text.push_str(value);
            text.push_str(sep);
        }
        let got: Vec<_> = find(&text)
            .into_iter()
            .map(|f| (f.kind, text[f.start..f.end].to_owned()))
            .collect();
        // Space-separated neighbours may legitimately merge (a phone number
        // followed by digits); require every value when they cannot.
        if parts.iter().all(|(_, sep)| !sep.contains(' ')) {
            prop_assert_eq!(got, want);
        } else {
            prop_assert!(got.len() <= want.len() + 1);
        }
    }

    #[test]
    fn a_card_number_with_a_wrong_check_digit_is_not_a_card(value in card(), bump in 1u8..=9) {
        let mut bytes = value.into_bytes();
        let last = bytes.last_mut().unwrap();
        *last = b'0' + (*last - b'0' + bump) % 10;
        let text = String::from_utf8(bytes).unwrap();
        let findings = find(&text);
        if text.contains(' ') {
            // Space-separated groups are words: a shorter card-shaped,
            // Luhn-valid prefix may stand on its own, but never the whole.
            prop_assert!(findings.iter().all(|f| f.end < text.len()), "{:?}", findings);
        } else {
            prop_assert_eq!(findings, vec![]);
        }
    }

    #[test]
    fn integers_up_to_twelve_digits_are_never_findings(n in -999_999_999_999i64..=999_999_999_999) {
        prop_assert_eq!(find(&n.to_string()), vec![]);
        prop_assert_eq!(find(&format!("processed {n} records, exit {}", n % 256)), vec![]);
    }

    #[test]
    fn integers_with_thousands_separators_are_never_findings(n in any::<u64>()) {
        let digits = n.to_string();
        let mut grouped = String::new();
        for (k, c) in digits.chars().enumerate() {
            if k > 0 && (digits.len() - k) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        prop_assert_eq!(find(&grouped), vec![]);
        prop_assert_eq!(find(&format!("${grouped}.00")), vec![]);
    }

    #[test]
    fn timestamps_are_never_findings(secs in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000) {
        let ts = Timestamp::new(secs, nanos).unwrap();
        let text = ts.to_rfc3339();
        prop_assert_eq!(find(&text), vec![]);
        let basic: String = text.chars().filter(|c| *c != '-' && *c != ':').collect();
        prop_assert_eq!(find(&basic), vec![]);
        let offset = format!("{}+05:30", text.trim_end_matches('Z'));
        prop_assert_eq!(find(&offset), vec![]);
    }

    #[test]
    fn compact_timestamps_are_never_findings(secs in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000) {
        let ts = Timestamp::new(secs, nanos).unwrap();
        let digits: String = ts.to_rfc3339().chars().filter(char::is_ascii_digit).collect();
        // yyyymmddhhmmss and its milli-, micro- and nanosecond forms, 1970–2099.
        for len in [14, 17, 20, 23] {
            let text = &digits[..len.min(digits.len())];
            prop_assert_eq!(find(text), vec![], "{}", text);
        }
    }

    #[test]
    fn uuids_are_never_findings(bytes in any::<[u8; 16]>(), upper in any::<bool>()) {
        let hex = hex::encode(bytes);
        let text = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
        let text = if upper { text.to_uppercase() } else { text };
        prop_assert_eq!(find(&text), vec![]);
        prop_assert_eq!(find(&format!("connector {text} failed")), vec![]);
    }

    #[test]
    fn hex_digests_are_never_findings(bytes in any::<[u8; 32]>()) {
        let hex = hex::encode(bytes);
        prop_assert_eq!(find(&format!("sha256={hex}")), vec![]);
        prop_assert_eq!(find(&hex.to_uppercase()), vec![]);
    }
}
