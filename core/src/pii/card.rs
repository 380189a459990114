//! Payment card numbers (contract §10): 13–19 digits, first digit 2–6 (the
//! card networks' ranges), Luhn-valid, written either as one run of digits
//! or in groups separated by single spaces or single dashes (one kind of
//! separator per number).
//!
//! Within the 2 range only the networks' actual prefixes count: Mastercard
//! 2221–2720 and Mir 2200–2204. Every other number starting with 2 is a
//! year far more often than a card: compact timestamps such as
//! `20260420030000` (14 digits) or `20260420030000123` would otherwise be
//! cards one time in ten, by the Luhn digit alone.
//!
//! Grouped numbers must look like a card as printed: a first group of four,
//! then groups of four with a last group of 1–4 (`4111 1111 1111 1111`,
//! 19-digit `4-4-4-4-3`), or the 15/14-digit `4-6-5`/`4-6-4` layouts of
//! Amex and Diners. That layout rule is what keeps a list of counts such as
//! `40000 18441 20000` (15 digits) from being read as one number.
//!
//! A dash-grouped number is one token: if it does not match as a whole
//! (`4111-1111-1111-1111-2024`), nothing inside it is a card. Space-separated
//! groups are more often separate words, so the longest card-shaped prefix
//! is taken (`4111 1111 1111 1111 12/27` shows the card, not the expiry).

use super::scan::{digit_at, digit_run_end, right_ok};

const DIGITS: core::ops::RangeInclusive<usize> = 13..=19;

/// The end of a card number starting at `i` (already known to be a token
/// start).
pub(super) fn match_at(bytes: &[u8], i: usize) -> Option<usize> {
    if !network_prefix(bytes, i)? {
        return None;
    }
    let run_end = digit_run_end(bytes, i, *DIGITS.end() + 1);
    let run = run_end - i;
    if run != 4 {
        return (DIGITS.contains(&run) && right_ok(bytes, run_end) && luhn(bytes, i, run_end))
            .then_some(run_end);
    }
    let sep = match bytes.get(run_end) {
        Some(&s @ (b' ' | b'-')) => s,
        _ => return None,
    };
    let after_number = i
        .checked_sub(2)
        .is_some_and(|j| bytes.get(j).is_some_and(u8::is_ascii_digit))
        && i.checked_sub(1).and_then(|j| bytes.get(j)) == Some(&b' ');
    if after_number {
        return None;
    }
    grouped(bytes, i, run_end, sep)
}

/// Whether the four digits at `i` can begin a card number: first digit 3–6,
/// or a 2-series prefix of Mastercard (2221–2720) or Mir (2200–2204).
/// `None` when there are not four digits (a card's first group always has
/// them, grouped or not).
fn network_prefix(bytes: &[u8], i: usize) -> Option<bool> {
    let mut prefix = 0u32;
    for j in i..i + 4 {
        prefix = prefix * 10 + u32::from(digit_at(bytes, j)?);
    }
    Some(matches!(prefix, 2200..=2204 | 2221..=2720 | 3000..=6999))
}

/// Reads groups after the first (4-digit) one, ending at `first_end`, and
/// returns the end of the longest prefix that is a valid grouped card.
///
/// A dash prefix that stops before the end of the token fails `right_ok`
/// (a `-` before a digit joins), so for dashes only the whole token counts.
fn grouped(bytes: &[u8], i: usize, first_end: usize, sep: u8) -> Option<usize> {
    let mut best = None;
    let mut total = 4;
    let mut index = 1;
    let mut second = 0;
    let mut prev_len = 4;
    let mut middles_are_four = true;
    let mut pos = first_end;
    while bytes.get(pos) == Some(&sep) {
        let start = pos + 1;
        let end = digit_run_end(bytes, start, *DIGITS.end() + 1);
        let len = end - start;
        if len == 0 {
            break;
        }
        if index >= 2 {
            middles_are_four &= prev_len == 4;
        }
        if index == 1 {
            second = len;
        }
        total += len;
        if total > *DIGITS.end() {
            break;
        }
        let layout = (middles_are_four && (1..=4).contains(&len))
            || (index == 2 && second == 6 && (4..=5).contains(&len));
        if layout && DIGITS.contains(&total) && right_ok(bytes, end) && luhn(bytes, i, end) {
            best = Some(end);
        }
        prev_len = len;
        index += 1;
        pos = end;
    }
    best
}

/// The Luhn checksum over the digits of `bytes[start..end]` (separators
/// skipped): every second digit from the right doubled, digit sum ≡ 0 mod 10.
pub(super) fn luhn(bytes: &[u8], start: usize, end: usize) -> bool {
    let Some(span) = bytes.get(start..end) else {
        return false;
    };
    let mut sum = 0u32;
    let mut double = false;
    for &b in span.iter().rev().filter(|b| b.is_ascii_digit()) {
        let mut d = u32::from(b - b'0');
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        double = !double;
    }
    sum % 10 == 0
}
