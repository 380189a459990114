//! Detector behaviour on hand-picked texts: the false-positive traps of ERP
//! job output that must never be findings, and true positives of each kind
//! inside longer text, at either end, next to punctuation and next to
//! non-ASCII letters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use erpops_core::pii::{find, redact, PiiKind};

/// The (kind, matched text) pairs found in `text`.
fn found(text: &str) -> Vec<(PiiKind, &str)> {
    find(text)
        .into_iter()
        .map(|f| (f.kind, &text[f.start..f.end]))
        .collect()
}

#[test]
fn false_positive_traps_are_never_findings() {
    let traps = [
        // record counts and exit codes
        "18441",
        "40000",
        "1,234,567",
        "processed 18441 of 40000 rows, 1,234,567 bytes",
        "exit code 0",
        "exit code 255",
        "return code -1073741819",
        "counts 40000 18441 20000",
        "4000 18441 20000 1234",
        // dates and times
        "2026-04-20",
        "20260420T030000Z",
        "03:00:00",
        "2026-04-20T03:00:00Z",
        "2026-04-20T03:00:00.123456789+02:00",
        "2026-04-20 03:00:00 +0000",
        "Mon, 20 Apr 2026 03:00:00 +0200",
        "1776654000",
        "1776654000123",
        "20260420030005",
        "batch 20260420030000007 done",
        "2100000000000005",
        // UUIDs
        "123e4567-e89b-12d3-a456-426614174000",
        "connector 550e8400-e29b-41d4-a716-446655440000 failed",
        "00000000-0000-0000-0000-000000000000",
        "11111111-2222-3333-4444-555555555555",
        // PeopleSoft run controls and process instances
        "PRCSINSTANCE=1234567",
        "RUN_CNTL_ID=PAY_NIGHTLY_01",
        "Process Instance: 4567891, Run Control: GL_LOAD_2026",
        "PRCSINSTANCE=412345678901234",
        // versions, IPs, amounts
        "PeopleTools 8.61.09",
        "8.61.09",
        "v1.2.3-4111111111111111",
        "192.168.1.1",
        "10.0.0.254:8443",
        "2001:db8::1",
        "$12,345.67",
        "EUR 1.234.567,89",
        "amount 4111111111111111.00",
        // phone-like numbers without +
        "555-123-4567",
        "(555) 123-4567",
        "0044 20 7946 0958",
        "call 020 7946 0958",
        // hex digests
        "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "commit 4111111111111111aa",
        "aa4111111111111111",
        "deadbeef4111111111111111",
        // 16 digits that fail Luhn, and other long numbers
        "4111111111111112",
        "1234567890123456",
        "7111111111111111",
        "41111111111111111111",
        "4111-1111-1111-1111-2024",
        // order and document numbers
        "order 123456789",
        "ORD-4111111111111111",
        "SO_4111111111111111",
        "PO#A4111111111111111",
        "invoice INV-2026-000123",
        // ssn-shaped but never issued, or unhyphenated
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-99-9999",
        "123-00-4567",
        "123-45-0000",
        "123456789",
        "123-45-67890",
        "1123-45-6789",
        // e-mail-like
        "user@localhost",
        "@handle",
        "ping @ops-team now",
        "a@b.c",
        "host@10.0.0.1",
        "john.@example.com",
        "name@example.c0m",
        // iban-like
        "DE89 3704 0044 0532 0130 02",
        "DE8937040044053201300",
        "XX89370400440532013000",
        "de89370400440532013000",
        // phone-like with +
        "+1",
        "+5 records",
        "+02:00",
        "+0000",
        "+12345",
        "delta +42",
        "+1234567890123456",
        "+1 (555 123-4567",
        "+44 20 7946 0958abc",
        "+1234567.89",
        "delta +12345678.5",
        "logo@2x.png",
        "export@2026.csv",
        "dump@host.JSON",
    ];
    for t in traps {
        assert_eq!(found(t), vec![], "trap {t:?}");
    }
}

#[test]
fn each_kind_is_found_in_longer_text() {
    let cases = [
        (
            "contact john.doe+ops@example.co.uk now",
            PiiKind::Email,
            "john.doe+ops@example.co.uk",
        ),
        ("employee 123-45-6789 updated", PiiKind::Ssn, "123-45-6789"),
        (
            "paid with 4111111111111111 today",
            PiiKind::Card,
            "4111111111111111",
        ),
        (
            "paid with 4111 1111 1111 1111 today",
            PiiKind::Card,
            "4111 1111 1111 1111",
        ),
        (
            "paid with 4111-1111-1111-1111 today",
            PiiKind::Card,
            "4111-1111-1111-1111",
        ),
        (
            "amex 3782 822463 10005 ok",
            PiiKind::Card,
            "3782 822463 10005",
        ),
        ("amex 378282246310005 ok", PiiKind::Card, "378282246310005"),
        ("mc 5555555555554444 ok", PiiKind::Card, "5555555555554444"),
        ("mc2 2223003122003222 ok", PiiKind::Card, "2223003122003222"),
        (
            "disc 6011111111111117 ok",
            PiiKind::Card,
            "6011111111111117",
        ),
        ("visa13 4222222222222 ok", PiiKind::Card, "4222222222222"),
        (
            "to DE89 3704 0044 0532 0130 00 now",
            PiiKind::Iban,
            "DE89 3704 0044 0532 0130 00",
        ),
        (
            "to DE89370400440532013000 now",
            PiiKind::Iban,
            "DE89370400440532013000",
        ),
        (
            "to GB82 WEST 1234 5698 7654 32 now",
            PiiKind::Iban,
            "GB82 WEST 1234 5698 7654 32",
        ),
        ("to NO9386011117947 now", PiiKind::Iban, "NO9386011117947"),
        (
            "call +1 (555) 123-4567 now",
            PiiKind::Phone,
            "+1 (555) 123-4567",
        ),
        (
            "call +44 20 7946 0958 now",
            PiiKind::Phone,
            "+44 20 7946 0958",
        ),
        (
            "call +44 (0)20 7946 0958 now",
            PiiKind::Phone,
            "+44 (0)20 7946 0958",
        ),
        (
            "call +33.1.23.45.67.89 now",
            PiiKind::Phone,
            "+33.1.23.45.67.89",
        ),
        ("call +4930123456 now", PiiKind::Phone, "+4930123456"),
        (
            "call +44 20 7946 0958 18441 rows",
            PiiKind::Phone,
            "+44 20 7946 0958",
        ),
        (
            "card 4111 1111 1111 1111 12/27",
            PiiKind::Card,
            "4111 1111 1111 1111",
        ),
    ];
    for (text, kind, want) in cases {
        assert_eq!(found(text), vec![(kind, want)], "in {text:?}");
    }
}

#[test]
fn findings_at_the_edges_and_next_to_punctuation() {
    for (value, kind) in [
        ("jane@example.org", PiiKind::Email),
        ("123-45-6789", PiiKind::Ssn),
        ("4111111111111111", PiiKind::Card),
        ("DE89370400440532013000", PiiKind::Iban),
        ("+44 20 7946 0958", PiiKind::Phone),
    ] {
        for wrap in [
            "{}",
            "{} end",
            "start {}",
            "({})",
            "[{}]",
            "\"{}\"",
            "'{}'",
            "<{}>",
            "{}.",
            "{},",
            "{};",
            "x={}",
            "card:{}",
            "{}\n",
            "\t{}",
            "Maß {}",
            "ÄÖÜ:{}",
            "{}ü",
            "Größe {} ß",
            "日本{}語",
            "€{}€",
            "ä{}ä",
        ] {
            let text = wrap.replace("{}", value);
            assert_eq!(found(&text), vec![(kind, value)], "in {text:?}");
        }
    }
}

#[test]
fn several_findings_are_sorted_and_redacted() {
    let text = "SSN 123-45-6789, card 4111111111111111, mail a.b@example.com, tel +1 555 123 4567.";
    let (out, findings) = redact(text);
    assert_eq!(
        out,
        "SSN [REDACTED:ssn], card [REDACTED:card], mail [REDACTED:email], tel [REDACTED:phone]."
    );
    let kinds: Vec<_> = findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [PiiKind::Ssn, PiiKind::Card, PiiKind::Email, PiiKind::Phone]
    );
}

#[test]
fn an_address_whose_local_part_is_a_number_is_one_email() {
    assert_eq!(
        found("from 4111111111111111@example.com"),
        vec![(PiiKind::Email, "4111111111111111@example.com")]
    );
    assert_eq!(
        found("from +4930123456@example.com"),
        vec![(PiiKind::Email, "+4930123456@example.com")]
    );
}

#[test]
fn a_token_refused_next_to_a_finding_is_found_after_it_is_redacted() {
    // The phone number is tied to the card by `/` in the original text, but
    // not any more once the card is a marker: redaction must be stable.
    let text = "4111111111111111/+44 20 7946 0958";
    let (out, _) = redact(text);
    assert_eq!(out, "[REDACTED:card]/[REDACTED:phone]");
    assert_eq!(redact(&out).0, out);
    // Too many digits for one phone number, until the SSN is redacted.
    let text = "+1 555 123 4567 123-45-6789";
    let (out, findings) = redact(text);
    assert_eq!(out, "[REDACTED:phone] [REDACTED:ssn]");
    assert_eq!(findings.len(), 2);
}

#[test]
fn empty_and_plain_text_have_no_findings() {
    assert!(find("").is_empty());
    assert_eq!(
        redact("nothing to see"),
        ("nothing to see".to_owned(), vec![])
    );
}

#[test]
fn chains_where_each_redaction_unlocks_the_next_are_fully_redacted() {
    // Each grouped card starts right after the previous one's digits, each
    // phone number's `+` right after the previous one's last digit, so only
    // the first is acceptable until its neighbour becomes a marker.
    for (unit, redacted_unit, per_unit) in [
        ("4111 1111 1111 1111 ", "[REDACTED:card] ", 1),
        ("+44 20 7946 0958", "[REDACTED:phone]", 1),
        (
            "123-45-6789 4111 1111 1111 1111 ",
            "[REDACTED:ssn] [REDACTED:card] ",
            2,
        ),
    ] {
        let (out, findings) = redact(&unit.repeat(1000));
        assert_eq!(findings.len(), 1000 * per_unit, "{unit:?}");
        assert_eq!(out, redacted_unit.repeat(1000));
        assert!(find(&out).is_empty());
    }
}
