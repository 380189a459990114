//! US social security numbers: `AAA-GG-SSSS` only.
//!
//! The hyphenated form is the one people write; a bare 9-digit number is
//! deliberately *not* an SSN here, because 9-digit integers are everywhere
//! in ERP logs (record counts, PeopleSoft process instances, document
//! numbers) and nothing in the digits tells them apart. Numbers the SSA
//! never issues are not findings: area `000`, `666` and `900`–`999`, group
//! `00`, serial `0000`. Dates (`2026-04-20`) have the wrong shape.

use super::scan::{digit_at, right_ok};

/// The end of an SSN starting at `i` (already known to be a token start).
pub(super) fn match_at(bytes: &[u8], i: usize) -> Option<usize> {
    let area = number(bytes, i, 3)?;
    dash(bytes, i + 3)?;
    let group = number(bytes, i + 4, 2)?;
    dash(bytes, i + 6)?;
    let serial = number(bytes, i + 7, 4)?;
    let end = i + 11;
    let issued = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    (issued && right_ok(bytes, end)).then_some(end)
}

/// The value of exactly `len` digits at `i`.
fn number(bytes: &[u8], i: usize, len: usize) -> Option<u32> {
    (i..i + len).try_fold(0u32, |acc, j| {
        Some(acc * 10 + u32::from(digit_at(bytes, j)?))
    })
}

fn dash(bytes: &[u8], i: usize) -> Option<()> {
    (bytes.get(i) == Some(&b'-')).then_some(())
}
