//! The field rules of contract §3.2, shared by the parser and the builder so
//! that "valid" means one thing on both sides of the wire.
//!
//! Each rule looks at one already-typed value and answers with the
//! violation code and message; the caller knows the JSON pointer. Lengths
//! count Unicode scalar values (code points), not bytes (§10). "Control
//! characters" are Unicode's category Cc (U+0000–U+001F and U+007F–U+009F),
//! the same set as Rust's `char::is_control` and the JSON Schema patterns.

use uuid::Uuid;

use super::json::{has_byte, has_byte_below, word_at};
use super::violation::{quote_short, ViolationCode};
use super::{MetadataValue, Severity};

/// Longest `event_type`, in characters.
pub const MAX_EVENT_TYPE_CHARS: usize = 128;
/// Longest `source`, in characters.
pub const MAX_SOURCE_CHARS: usize = 128;
/// Longest `message`, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4096;
/// Most metadata entries.
pub const MAX_METADATA_ENTRIES: usize = 64;
/// Longest metadata key, in characters.
pub const MAX_METADATA_KEY_CHARS: usize = 64;
/// Longest metadata string value, in characters.
pub const MAX_METADATA_STRING_CHARS: usize = 1024;
/// The metadata key that pairs a run's signals (`.started` with its
/// `.succeeded` or `.failed`): see [`MAX_RUN_ID_CHARS`] for its rule.
pub const RUN_ID_KEY: &str = "run_id";
/// Longest `metadata.run_id`, in characters. A run id is a string of 1 to
/// 128 characters without control characters (the rule of `source`).
pub const MAX_RUN_ID_CHARS: usize = 128;
/// The metadata key for what a run processed: a non-negative integer.
pub const RECORDS_PROCESSED_KEY: &str = "records_processed";

/// A rule's answer: the code and the message for the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub code: ViolationCode,
    pub message: String,
}

type Check<T = ()> = Result<T, Problem>;

fn problem<T>(code: ViolationCode, message: String) -> Check<T> {
    Err(Problem { code, message })
}

/// Number of code points, without counting when the byte length already
/// settles the question.
fn longer_than(s: &str, max: usize) -> bool {
    s.len() > max && s.chars().count() > max
}

/// Whether `s` has a Cc control character other than those `allowed`.
/// Works on bytes: C0 and DEL are single bytes, C1 (U+0080–U+009F) is
/// `C2 80`–`C2 9F` in UTF-8.
fn has_control(s: &str, allowed: &[u8]) -> bool {
    let b = s.as_bytes();
    // Skip eight bytes at a time while none is below 0x20, DEL or 0xC2.
    let mut at = 0;
    while let Some(v) = word_at(b, at) {
        if (has_byte_below(v, 0x20) | has_byte(v, 0x7f) | has_byte(v, 0xc2)) != 0 {
            break;
        }
        at += 8;
    }
    let rest = b.get(at..).unwrap_or_default();
    rest.iter().enumerate().any(|(i, &c)| {
        (c < 0x20 && !allowed.contains(&c))
            || c == 0x7f
            || (c == 0xc2 && matches!(rest.get(i + 1), Some(0x80..=0x9f)))
    })
}

/// `connector_id`: hyphenated RFC 4122 text (8-4-4-4-12 hex digits, either
/// case). Braces, `urn:uuid:` and the 32-digit simple form are refused so
/// that every language accepts exactly the same spellings.
pub(crate) fn connector_id(s: &str) -> Check<Uuid> {
    match hyphenated_uuid(s.as_bytes()) {
        Some(id) => Ok(id),
        None => problem(
            ViolationCode::Format,
            format!(
                "connector_id must be a UUID in its hyphenated form such as 123e4567-e89b-12d3-a456-426614174000 (the id shown in ERPOps admin); got {}",
                quote_short(s)
            ),
        ),
    }
}

/// A connector id in the one accepted spelling (hyphenated, either case),
/// for callers outside the parser: the receive decision's header check and
/// the bindings' header arguments.
pub fn parse_connector_id(s: &str) -> Option<Uuid> {
    hyphenated_uuid(s.as_bytes())
}

/// The UUID spelled `8-4-4-4-12` in hex digits of either case, decoded in
/// the same pass that checks the shape (it runs on every request).
fn hyphenated_uuid(b: &[u8]) -> Option<Uuid> {
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
        return None;
    }
    let mut v: u128 = 0;
    for group in [0..8, 9..13, 14..18, 19..23, 24..36] {
        for &c in b.get(group)? {
            v = (v << 4) | u128::from(hex_value(c)?);
        }
    }
    Some(Uuid::from_u128(v))
}

/// The value of one hex digit, either case.
#[inline]
fn hex_value(c: u8) -> Option<u8> {
    let d = c.wrapping_sub(b'0');
    if d < 10 {
        return Some(d);
    }
    // Lazily: `l + 10` overflows for bytes below 'a' (found by fuzzing).
    let l = (c | 0x20).wrapping_sub(b'a');
    if l < 6 {
        Some(l + 10)
    } else {
        None
    }
}

/// `event_type`: 1–128 characters, at least two lowercase tokens
/// `[a-z][a-z0-9_]*` joined by `.`.
pub(crate) fn event_type(s: &str) -> Check {
    if longer_than(s, MAX_EVENT_TYPE_CHARS) {
        return problem(
            ViolationCode::TooLong,
            format!(
                "event_type must be at most {MAX_EVENT_TYPE_CHARS} characters; got {}",
                s.chars().count()
            ),
        );
    }
    let mut tokens = 0;
    let well_formed = s.split('.').all(|t| {
        tokens += 1;
        let mut bytes = t.bytes();
        matches!(bytes.next(), Some(b'a'..=b'z'))
            && bytes.all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_'))
    });
    if well_formed && tokens >= 2 {
        return Ok(());
    }
    problem(
        ViolationCode::Format,
        format!(
            "event_type must be lowercase dotted tokens family.outcome such as integration.failed or health.degraded (each token starts with a-z and has only a-z, 0-9 and _); got {}",
            quote_short(s)
        ),
    )
}

/// `severity`: exactly `info`, `warn`, `error` or `critical`.
pub(crate) fn severity(s: &str) -> Check<Severity> {
    match Severity::from_wire(s) {
        Some(v) => Ok(v),
        None => problem(
            ViolationCode::Enum,
            format!(
                "severity must be one of info, warn, error, critical; got {}",
                quote_short(s)
            ),
        ),
    }
}

/// `source`: 1–128 characters, no control characters.
pub(crate) fn source(s: &str) -> Check {
    if s.is_empty() {
        return problem(
            ViolationCode::Format,
            "source must not be empty; name the job or system (e.g. PSFT_PAYROLL_BATCH) or leave the field out".into(),
        );
    }
    if longer_than(s, MAX_SOURCE_CHARS) {
        return problem(
            ViolationCode::TooLong,
            format!(
                "source must be at most {MAX_SOURCE_CHARS} characters; got {}",
                s.chars().count()
            ),
        );
    }
    if has_control(s, &[]) {
        return problem(
            ViolationCode::Format,
            "source must not contain control characters (including tab and newline)".into(),
        );
    }
    Ok(())
}

/// `message`: at most 4,096 characters; control characters other than tab
/// and newline are refused.
pub(crate) fn message(s: &str) -> Check {
    text_value("message", s, MAX_MESSAGE_CHARS)
}

/// A metadata string value: at most 1,024 characters, the message's
/// character rule.
pub(crate) fn metadata_string(s: &str) -> Check {
    text_value("a metadata string", s, MAX_METADATA_STRING_CHARS)
}

fn text_value(what: &str, s: &str, max: usize) -> Check {
    if longer_than(s, max) {
        return problem(
            ViolationCode::TooLong,
            format!(
                "{what} must be at most {max} characters; got {}",
                s.chars().count()
            ),
        );
    }
    if has_control(s, b"\t\n") {
        return problem(
            ViolationCode::Format,
            format!("{what} must not contain control characters other than tab and newline (remove carriage returns and other control characters)"),
        );
    }
    Ok(())
}

/// A metadata value under `key`: the generic value rules (strings at most
/// 1,024 characters with the message's character rule, finite floats),
/// and for the two keys run tracking reads, their own rule instead:
///
/// - `run_id`: a string of 1 to 128 characters without control
///   characters ([`run_id`]), or an integer (read as its decimal text);
/// - `records_processed`: a non-negative integer.
///
/// The one place both the parser and the builder ask, so a value the
/// builder emits is one the receiver accepts.
pub(crate) fn metadata_value(key: &str, value: &MetadataValue) -> Check {
    match (key, value) {
        (RUN_ID_KEY, MetadataValue::String(s)) => run_id(s),
        // Integers pair as their decimal text, as incident keys read them.
        (RUN_ID_KEY, MetadataValue::Int(_) | MetadataValue::UInt(_)) => Ok(()),
        (RUN_ID_KEY, other) => problem(
            ViolationCode::Type,
            format!(
                "metadata.run_id must be a string of 1 to {MAX_RUN_ID_CHARS} characters or an integer that names the run, e.g. \"PAYROLL-8812345\" or 4711 (or leave run_id out); got {}",
                value_kind(other)
            ),
        ),
        (RECORDS_PROCESSED_KEY, MetadataValue::Int(n)) if *n < 0 => problem(
            ViolationCode::Format,
            format!(
                "metadata.records_processed must be a non-negative integer (how many records the run processed, 0 or more); got {n}"
            ),
        ),
        (RECORDS_PROCESSED_KEY, MetadataValue::Int(_) | MetadataValue::UInt(_)) => Ok(()),
        (RECORDS_PROCESSED_KEY, other) => problem(
            ViolationCode::Type,
            format!(
                "metadata.records_processed must be a non-negative integer such as 18441, written without a fraction, exponent or quotes; got {}",
                value_kind(other)
            ),
        ),
        (_, MetadataValue::String(s)) => metadata_string(s),
        (_, MetadataValue::Float(f)) => metadata_float(*f),
        _ => Ok(()),
    }
}

/// A run id (`metadata.run_id`): 1–128 characters, no control characters
/// (not even tab or newline), so the `.started` and the `.succeeded` or
/// `.failed` of one run pair up on text every system can store and show.
pub(crate) fn run_id(s: &str) -> Check {
    if s.is_empty() {
        return problem(
            ViolationCode::Format,
            format!(
                "metadata.run_id must not be empty; send the same 1 to {MAX_RUN_ID_CHARS} character id (e.g. the process instance) on a run's .started and its .succeeded or .failed, or leave run_id out"
            ),
        );
    }
    if longer_than(s, MAX_RUN_ID_CHARS) {
        return problem(
            ViolationCode::TooLong,
            format!(
                "metadata.run_id must be at most {MAX_RUN_ID_CHARS} characters; got {}; use a shorter id such as the job name and process instance",
                s.chars().count()
            ),
        );
    }
    if has_control(s, &[]) {
        return problem(
            ViolationCode::Format,
            "metadata.run_id must not contain control characters (including tab and newline); trim the id".into(),
        );
    }
    Ok(())
}

/// How a refused metadata value is named in messages (as the parser names
/// JSON values).
fn value_kind(v: &MetadataValue) -> &'static str {
    match v {
        MetadataValue::String(_) => "a string",
        MetadataValue::Int(_) | MetadataValue::UInt(_) => "an integer",
        MetadataValue::Float(_) => "a number with a fraction or exponent",
        MetadataValue::Bool(_) => "a boolean",
        MetadataValue::Null => "null",
    }
}

/// A metadata key: 1–64 characters from `[A-Za-z0-9_.-]`.
pub(crate) fn metadata_key(k: &str) -> Check {
    if longer_than(k, MAX_METADATA_KEY_CHARS) {
        return problem(
            ViolationCode::TooLong,
            format!(
                "metadata keys must be at most {MAX_METADATA_KEY_CHARS} characters; got {}",
                k.chars().count()
            ),
        );
    }
    if k.is_empty()
        || !k
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
    {
        return problem(
            ViolationCode::Format,
            "metadata keys must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-' (e.g. records_total)".into(),
        );
    }
    Ok(())
}

/// The `too_many` message for `n` metadata entries.
pub(crate) fn too_many_entries(n: usize) -> Problem {
    Problem {
        code: ViolationCode::TooMany,
        message: format!(
            "metadata must have at most {MAX_METADATA_ENTRIES} entries; got {n}; move bulk data elsewhere and keep the key facts"
        ),
    }
}

/// A float metadata value must be finite (the builder's side; on the wire
/// NaN and Infinity are not JSON at all).
pub(crate) fn metadata_float(f: f64) -> Check {
    if f.is_finite() {
        Ok(())
    } else {
        problem(
            ViolationCode::Format,
            "metadata numbers must be finite; NaN and infinities cannot be sent as JSON".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T>(r: Check<T>) -> Option<&'static str> {
        r.err().map(|p| p.code.as_str())
    }

    #[test]
    fn connector_id_accepts_only_the_hyphenated_form() {
        let id = "123E4567-e89b-12d3-a456-426614174000";
        assert_eq!(
            connector_id(id).unwrap(),
            Uuid::parse_str(&id.to_lowercase()).unwrap()
        );
        for bad in [
            "{123e4567-e89b-12d3-a456-426614174000}",
            "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "",
        ] {
            assert_eq!(code(connector_id(bad)), Some("format"), "{bad}");
        }
    }

    #[test]
    fn hex_digits_are_exactly_the_22_characters() {
        for c in 0..=255u8 {
            let want = (c as char).to_digit(16).map(|d| d as u8);
            assert_eq!(hex_value(c), want, "{c}");
        }
    }

    #[test]
    fn event_type_needs_two_lowercase_tokens() {
        for good in ["integration.failed", "gl.load.failed", "a.b", "x_1.y2_"] {
            assert_eq!(event_type(good), Ok(()), "{good}");
        }
        for bad in [
            "integration",
            "",
            "Integration.failed",
            "a..b",
            ".a.b",
            "a.b.",
            "a.1b",
            "a-b.c",
        ] {
            assert_eq!(code(event_type(bad)), Some("format"), "{bad}");
        }
        let long = format!("a.{}", "b".repeat(127));
        assert_eq!(code(event_type(&long)), Some("too_long"));
        assert_eq!(event_type(&long[..128]), Ok(()));
    }

    #[test]
    fn lengths_count_code_points() {
        assert_eq!(source(&"é".repeat(128)), Ok(()));
        assert_eq!(code(source(&"é".repeat(129))), Some("too_long"));
        assert_eq!(message(&"😀".repeat(4096)), Ok(()));
        assert_eq!(code(metadata_string(&"😀".repeat(1025))), Some("too_long"));
    }

    #[test]
    fn control_character_rules() {
        assert_eq!(message("a\tb\nc"), Ok(()));
        assert_eq!(code(message("a\rb")), Some("format"));
        assert_eq!(code(message("a\u{7f}")), Some("format"));
        assert_eq!(code(message("a\u{85}")), Some("format"));
        assert_eq!(message("a\u{a0}é"), Ok(()));
        let long = "x".repeat(37);
        for bad in ["\r", "\u{7f}", "\u{9f}", "\u{1}"] {
            assert_eq!(code(message(&format!("{long}{bad}{long}"))), Some("format"));
        }
        assert_eq!(message(&format!("{long}\u{a0}\u{100}{long}")), Ok(()));
        assert_eq!(code(source("a\tb")), Some("format"));
        assert_eq!(code(source("")), Some("format"));
        assert_eq!(message(""), Ok(()));
    }

    #[test]
    fn metadata_keys() {
        assert_eq!(metadata_key("records_total"), Ok(()));
        assert_eq!(metadata_key("A-b.c_9"), Ok(()));
        assert_eq!(code(metadata_key("")), Some("format"));
        assert_eq!(code(metadata_key("a b")), Some("format"));
        assert_eq!(code(metadata_key("é")), Some("format"));
        assert_eq!(code(metadata_key(&"k".repeat(65))), Some("too_long"));
        assert_eq!(metadata_key(&"k".repeat(64)), Ok(()));
    }

    #[test]
    fn run_ids_are_1_to_128_characters_without_control_characters() {
        assert_eq!(run_id("PAYNOTFY-8812345"), Ok(()));
        assert_eq!(run_id(&"é".repeat(128)), Ok(()));
        assert_eq!(run_id("a b/c:1"), Ok(()));
        assert_eq!(code(run_id("")), Some("format"));
        assert_eq!(code(run_id(&"r".repeat(129))), Some("too_long"));
        for bad in ["a\tb", "a\nb", "a\rb", "\u{7f}", "\u{9f}"] {
            assert_eq!(code(run_id(bad)), Some("format"), "{bad:?}");
        }
    }

    #[test]
    fn run_id_and_records_processed_have_their_own_value_rules() {
        use MetadataValue as V;
        let check = |k: &str, v: V| code(metadata_value(k, &v));
        assert_eq!(check("run_id", V::String("4711".into())), None);
        assert_eq!(check("run_id", V::String(String::new())), Some("format"));
        assert_eq!(check("run_id", V::String("a\tb".into())), Some("format"));
        // Integers are run ids too (incident keys read them as text).
        assert_eq!(check("run_id", V::Int(4711)), None);
        assert_eq!(check("run_id", V::UInt(u64::MAX)), None);
        for v in [V::Float(1.5), V::Bool(true), V::Null] {
            assert_eq!(check("run_id", v.clone()), Some("type"), "{v:?}");
        }
        for v in [V::Int(0), V::Int(i64::MAX), V::UInt(u64::MAX)] {
            assert_eq!(check("records_processed", v.clone()), None, "{v:?}");
        }
        assert_eq!(check("records_processed", V::Int(-1)), Some("format"));
        for v in [
            V::Float(5.0),
            V::String("5".into()),
            V::Bool(false),
            V::Null,
        ] {
            assert_eq!(check("records_processed", v.clone()), Some("type"), "{v:?}");
        }
        // Other keys: the generic rules only.
        assert_eq!(check("run", V::String("a\tb".into())), None);
        assert_eq!(check("records", V::Int(-1)), None);
        assert_eq!(check("s", V::String("a\rb".into())), Some("format"));
        assert_eq!(check("f", V::Float(f64::NAN)), Some("format"));
        let p = metadata_value("run_id", &V::Bool(true)).unwrap_err();
        assert!(
            p.message.contains("4711") && p.message.ends_with("got a boolean"),
            "{}",
            p.message
        );
        let p = metadata_value("records_processed", &V::Int(-3)).unwrap_err();
        assert!(p.message.ends_with("got -3"), "{}", p.message);
    }

    #[test]
    fn severity_message_quotes_the_value() {
        let p = severity("warning").unwrap_err();
        assert_eq!(
            p.message,
            "severity must be one of info, warn, error, critical; got \"warning\""
        );
    }
}
