//! The single pass over the bytes that dispatches to the detectors, the
//! token-boundary rules they share, and the overlap resolution.
//!
//! Every detector matches ASCII only, so every candidate starts at an ASCII
//! byte and ends just after one: its range is always on UTF-8 character
//! boundaries, whatever non-ASCII text surrounds it. A byte of a multibyte
//! character is never alphanumeric here, so non-ASCII letters delimit tokens
//! like spaces do (`Größe4111111111111111` still shows the card).

use super::{card, email, iban, phone, ssn, Finding, PiiKind};

/// Every candidate in `text`, resolved to a sorted, non-overlapping list.
///
/// One forward pass: the byte at each position decides which detectors can
/// start there (a digit: SSN and card; an uppercase letter: IBAN; `+`:
/// phone; `@`: e-mail, which then looks back for its local part). Each
/// detector examines a bounded window, so the pass is linear in practice.
pub(super) fn scan(text: &str) -> Vec<Finding> {
    let bytes = text.as_bytes();
    let mut candidates = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' if left_ok(bytes, i) => {
                if let Some(end) = ssn::match_at(bytes, i) {
                    candidates.push(finding(PiiKind::Ssn, i, end));
                }
                if let Some(end) = card::match_at(bytes, i) {
                    candidates.push(finding(PiiKind::Card, i, end));
                }
            }
            b'A'..=b'Z' if left_ok(bytes, i) => {
                if let Some(end) = iban::match_at(bytes, i) {
                    candidates.push(finding(PiiKind::Iban, i, end));
                }
            }
            b'+' if left_ok(bytes, i) => {
                if let Some(end) = phone::match_at(bytes, i) {
                    candidates.push(finding(PiiKind::Phone, i, end));
                }
            }
            b'@' => {
                if let Some((start, end)) = email::match_around(bytes, i) {
                    candidates.push(finding(PiiKind::Email, start, end));
                }
            }
            _ => {}
        }
    }
    resolve(candidates)
}

fn finding(kind: PiiKind, start: usize, end: usize) -> Finding {
    Finding { kind, start, end }
}

/// Leftmost-longest: sort by start (longer first on a tie) and keep each
/// candidate that begins at or after the end of the last one kept. An
/// e-mail whose local part is a number therefore wins over the number.
fn resolve(mut candidates: Vec<Finding>) -> Vec<Finding> {
    candidates.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Finding> = Vec::with_capacity(candidates.len());
    let mut at = 0;
    for c in candidates {
        if c.start >= at {
            at = c.end;
            kept.push(c);
        }
    }
    kept
}

/// A byte that continues a word: ASCII letters, digits and `_`.
pub(super) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether a number-like token may start at `i`.
///
/// Not when it continues a word (`ID4111…`, `PAY_01`), nor when a joiner
/// ties it to what precedes: `-` or `/` after a letter or digit
/// (`ORD-4111…`, a UUID's last group, `12/4111…`), or `.`, `,` or `:` after
/// a digit (decimals, `1,234,567`, `03:00:00`). `card:4111…` and
/// `IBAN:DE89…` still start a token, since a colon after a word is a label.
pub(super) fn left_ok(bytes: &[u8], i: usize) -> bool {
    let Some(prev_at) = i.checked_sub(1) else {
        return true;
    };
    let Some(&prev) = bytes.get(prev_at) else {
        return true;
    };
    if is_word(prev) {
        return false;
    }
    let before = prev_at.checked_sub(1).and_then(|j| bytes.get(j).copied());
    !joined(prev, before)
}

/// Whether a number-like token may end at `end` (exclusive), by the mirror
/// image of [`left_ok`]: not followed by a word byte, nor by `-`/`/` and a
/// letter or digit, nor by `.`/`,`/`:` and a digit (`4111….5`, `…:00`).
pub(super) fn right_ok(bytes: &[u8], end: usize) -> bool {
    let Some(&next) = bytes.get(end) else {
        return true;
    };
    if is_word(next) {
        return false;
    }
    let after = end.checked_add(1).and_then(|j| bytes.get(j).copied());
    !joined(next, after)
}

/// `joiner` next to `other` binds the two sides into one token.
fn joined(joiner: u8, other: Option<u8>) -> bool {
    match (joiner, other) {
        (b'-' | b'/', Some(o)) => o.is_ascii_alphanumeric(),
        (b'.' | b',' | b':', Some(o)) => o.is_ascii_digit(),
        _ => false,
    }
}

/// The ASCII digit at `i` as a number, if there is one.
pub(super) fn digit_at(bytes: &[u8], i: usize) -> Option<u8> {
    bytes
        .get(i)
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
}

/// The end of the run of ASCII digits starting at `i` (`i` itself when there
/// is none).
pub(super) fn digit_run_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    while digit_at(bytes, j).is_some() {
        j += 1;
    }
    j
}
