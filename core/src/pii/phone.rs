//! Phone numbers in international `+` form (E.164): `+`, a country code
//! (first digit 1–9), and 7–15 digits in all, separated by single spaces,
//! dashes or dots, with at most one pair of parentheses
//! (`+1 (555) 123-4567`, `+44 (0)20 7946 0958`, `+33.1.23.45.67.89`).
//!
//! `+1` alone, `+5 records` and UTC offsets (`+02:00`, `+0000`) have too
//! few digits or a leading zero. Dots must separate at least two gaps: a
//! single dot is a decimal point (`+1234567.89` is a signed amount), while
//! dotted phone numbers use dots throughout (`+33.1.23.45.67.89`). A number that runs past 15 digits is not
//! a phone number, except that when the excess follows a space the number
//! before that space is taken (`+44 20 7946 0958 18441 rows`).

use super::scan::{digit_at, digit_run_end, right_ok};

const DIGITS: core::ops::RangeInclusive<usize> = 7..=15;

/// The end of a phone number whose `+` is at `i` (already known to be a
/// token start).
pub(super) fn match_at(bytes: &[u8], i: usize) -> Option<usize> {
    if digit_at(bytes, i + 1)? == 0 {
        return None;
    }
    let mut state = Parens::None;
    let mut digits = 0;
    let mut dots = 0;
    let mut before_space = None;
    let mut pos = i + 1;
    loop {
        let end = digit_run_end(bytes, pos, *DIGITS.end() + 1);
        digits += end - pos;
        if digits > *DIGITS.end() {
            return before_space;
        }
        let may_end = state != Parens::Open && DIGITS.contains(&digits) && dots != 1;
        match gap(bytes, end, state) {
            Some(next) => {
                if may_end && bytes.get(end) == Some(&b' ') {
                    before_space = Some(end);
                }
                dots += bytes
                    .get(end..next.pos)
                    .map_or(0, |g| g.iter().filter(|&&b| b == b'.').count());
                state = next.state;
                pos = next.pos;
            }
            None => return (may_end && right_ok(bytes, end)).then_some(end),
        }
    }
}

/// Where the parentheses of a number stand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parens {
    /// None seen yet.
    None,
    /// `(` seen, `)` not yet.
    Open,
    /// The one pair allowed is used up.
    Closed,
}

/// What follows a valid gap between two digit runs.
struct Next {
    pos: usize,
    state: Parens,
}

/// The gap after a digit run ending at `at`, if another digit run follows
/// it: a separator (` `, `-`, `.`), `(` with an optional separator before
/// it, or `)` with an optional separator after it.
fn gap(bytes: &[u8], at: usize, state: Parens) -> Option<Next> {
    let mut pos = at;
    let mut state_after = state;
    let sep_first = is_sep(bytes.get(pos));
    if sep_first {
        pos += 1;
    }
    match (bytes.get(pos), state) {
        (Some(b'('), Parens::None) => {
            pos += 1;
            state_after = Parens::Open;
        }
        (Some(b')'), Parens::Open) if !sep_first => {
            pos += 1;
            state_after = Parens::Closed;
            if is_sep(bytes.get(pos)) {
                pos += 1;
            }
        }
        _ => {}
    }
    (pos > at && digit_at(bytes, pos).is_some()).then_some(Next {
        pos,
        state: state_after,
    })
}

fn is_sep(b: Option<&u8>) -> bool {
    matches!(b, Some(b' ' | b'-' | b'.'))
}
