//! The single pass over the bytes that dispatches to the detectors, the
//! token-boundary rules they share, and the overlap resolution.
//!
//! Every detector matches ASCII only, so every candidate starts at an ASCII
//! byte and ends just after one: its range is always on UTF-8 character
//! boundaries, whatever non-ASCII text surrounds it. A byte of a multibyte
//! character is never alphanumeric here, so non-ASCII letters delimit tokens
//! like spaces do (`Maß4111111111111111` still shows the card).

use super::{card, email, iban, phone, ssn, Finding, PiiKind};

/// Every finding of one pass over `text`: sorted, non-overlapping.
pub(super) fn scan(text: &str) -> Vec<Finding> {
    let bytes = text.as_bytes();
    let mut candidates = Vec::new();
    candidates_in(bytes, 0, bytes.len(), &mut candidates);
    resolve(candidates)
}

/// How far a detector reads from the byte that keys a candidate (its first
/// byte, or the `@` of an e-mail address): back at most 66 bytes (an e-mail
/// local part of 64 after one leading dot, then the byte that ends it) and
/// forward at most 320 (an e-mail domain of 253 bytes plus one over-long
/// label); SSN, card, IBAN and phone windows are shorter (about 12, 60, 44
/// and 80 bytes forward, 2 back). So the decision for a key at `k` depends
/// only on bytes `k - REACH_BACK ..= k + REACH_FORWARD`, and a change at
/// byte `c` can only affect keys in `c - REACH_FORWARD ..= c + REACH_BACK`;
/// `fixpoint` relies on this to rescan only around new markers. Both are
/// rounded up, and a proptest fails if either is made too small.
pub(super) const REACH_BACK: usize = 80;
/// See [`REACH_BACK`].
pub(super) const REACH_FORWARD: usize = 336;

/// Pushes every candidate keyed at a byte in `from..to` of `bytes`.
///
/// The byte at each position decides which detectors can start there (a
/// digit: SSN and card; an uppercase letter: IBAN; `+`: phone; `@`: e-mail,
/// which then looks back for its local part). Each detector reads a bounded
/// window, so a pass is linear in the length of the range.
pub(super) fn candidates_in(bytes: &[u8], from: usize, to: usize, out: &mut Vec<Finding>) {
    let Some(range) = bytes.get(from..to.min(bytes.len())) else {
        return;
    };
    for (k, &b) in range.iter().enumerate() {
        let i = from + k;
        match b {
            b'0'..=b'9' if left_ok(bytes, i) => {
                if let Some(end) = ssn::match_at(bytes, i) {
                    out.push(finding(PiiKind::Ssn, i, end));
                }
                if let Some(end) = card::match_at(bytes, i) {
                    out.push(finding(PiiKind::Card, i, end));
                }
            }
            b'A'..=b'Z' if left_ok(bytes, i) => {
                if let Some(end) = iban::match_at(bytes, i) {
                    out.push(finding(PiiKind::Iban, i, end));
                }
            }
            b'+' if left_ok_plus(bytes, i) => {
                if let Some(end) = phone::match_at(bytes, i) {
                    out.push(finding(PiiKind::Phone, i, end));
                }
            }
            b'@' => {
                if let Some((start, end)) = email::match_around(bytes, i) {
                    out.push(finding(PiiKind::Email, start, end));
                }
            }
            _ => {}
        }
    }
}

fn finding(kind: PiiKind, start: usize, end: usize) -> Finding {
    Finding { kind, start, end }
}

/// Leftmost-longest: sort by start (longer first on a tie) and keep each
/// candidate that begins at or after the end of the last one kept. An
/// e-mail whose local part is a number therefore wins over the number.
pub(super) fn resolve(mut candidates: Vec<Finding>) -> Vec<Finding> {
    if candidates.len() < 2 {
        return candidates;
    }
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
/// (`ORD-4111…`, a UUID's last group, `12/4111…`), or `.` or `:` after a
/// digit (decimals, versions, `03:00:00`). `card:4111…` and `IBAN:DE89…`
/// still start a token, since a colon after a word is a label. A comma
/// always delimits: it separates CSV fields (`…,123-45-6789,…`), and the
/// groups of `1,234,567` are too short for any detector anyway.
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

/// Whether a `+` at `i` may start a phone number: not right after a word
/// byte (`2026-04-20T03:00:00+02:00`, `1+1`). A joiner before the `+` does
/// not bind it, since `+` is not alphanumeric (the mirror image of
/// [`right_ok`] accepting `…0958/` before a `+`): `…/+44 20 7946 0958`.
pub(super) fn left_ok_plus(bytes: &[u8], i: usize) -> bool {
    !i.checked_sub(1)
        .and_then(|j| bytes.get(j))
        .is_some_and(|&prev| is_word(prev))
}

/// Whether a number-like token may end at `end` (exclusive), by the mirror
/// image of [`left_ok`]: not followed by a word byte, nor by `-`/`/` and a
/// letter or digit, nor by `.`/`:` and a digit (`4111….50`, `…:00`).
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
        (b'.' | b':', Some(o)) => o.is_ascii_digit(),
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
/// is none), looking at no more than `limit` digits: callers only need to
/// know that a run is longer than any number they accept, and a bounded
/// look keeps every detector's window bounded (see [`REACH_FORWARD`]).
pub(super) fn digit_run_end(bytes: &[u8], i: usize, limit: usize) -> usize {
    let mut j = i;
    while j - i < limit && digit_at(bytes, j).is_some() {
        j += 1;
    }
    j
}
