//! Reading RFC 3339 date-times into UTC [`Timestamp`]s (contract §3.2, §10).
//!
//! Accepted: `YYYY-MM-DDTHH:MM:SS`, optionally `.` and 1–9 fraction digits,
//! then `Z`, an offset `±HH:MM`, or nothing (read as UTC, as the contract says
//! the time is UTC). `T` and `Z` may be lowercase (RFC 3339 §5.6 allows it).
//! A second of `60` (a leap second, with or without a fraction) reads as
//! `:59.999999999`, because Unix time has no leap seconds.
//!
//! This covers what the usual clients send: JavaScript's `toISOString()`
//! (`…T03:00:00.000Z`), Python's `datetime.now(timezone.utc).isoformat()`
//! (`…T03:00:00.123456+00:00`) and `datetime.utcnow().isoformat()` (no
//! offset). Everything else is refused with a message that shows the accepted
//! form. The calendar is [`crate::time`]'s.

use core::fmt;

use crate::time::{CivilDateTime, Timestamp};

/// An example of the accepted form, quoted in every error message.
pub const TIMESTAMP_EXAMPLE: &str = "2026-04-20T03:00:00Z";

/// Why a text is not an accepted RFC 3339 date-time. The `Display` text
/// says what is wrong and shows the accepted form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampError {
    /// Nothing at all.
    Empty,
    /// A date with no time (`2026-04-20`).
    DateOnly,
    /// ISO 8601 basic format without separators (`20260420T030000Z`).
    BasicFormat,
    /// A space (or another character) where `T` belongs.
    Separator,
    /// The text does not have the `YYYY-MM-DDTHH:MM:SS` shape.
    Shape,
    /// More than 9 fraction digits, or a `.` with none.
    Fraction,
    /// A month, day, hour, minute or second out of range (month 13,
    /// February 30, hour 24, …).
    OutOfRange,
    /// An offset that is not `Z` or `±HH:MM` with HH ≤ 23, MM ≤ 59.
    Offset,
    /// Characters after the date-time.
    Trailing,
}

impl TimestampError {
    fn reason(&self) -> &'static str {
        match self {
            TimestampError::Empty => "it is empty",
            TimestampError::DateOnly => "a date alone is not enough, add the time",
            TimestampError::BasicFormat => {
                "the basic format without separators is not accepted, write the dashes and colons"
            }
            TimestampError::Separator => "date and time must be joined by 'T'",
            TimestampError::Shape => "it does not have the form YYYY-MM-DDTHH:MM:SS",
            TimestampError::Fraction => "fractional seconds must have 1 to 9 digits",
            TimestampError::OutOfRange => {
                "a field is out of range (month 01-12, a day that exists in that month, hour 00-23, minute 00-59, second 00-60)"
            }
            TimestampError::Offset => "the offset must be Z or +HH:MM / -HH:MM",
            TimestampError::Trailing => "there is text after the date-time",
        }
    }
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; use an RFC 3339 date-time such as {TIMESTAMP_EXAMPLE} or 2026-04-20T05:00:00.123+02:00",
            self.reason()
        )
    }
}

impl std::error::Error for TimestampError {}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v: u32 = 0;
    for i in at..at + n {
        let d = *b.get(i)?;
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(d - b'0');
    }
    Some(v)
}

fn byte(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

/// Reads an RFC 3339 date-time (see the module docs) into a UTC instant.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, TimestampError> {
    let b = text.as_bytes();
    if b.is_empty() {
        return Err(TimestampError::Empty);
    }
    // Date: YYYY-MM-DD.
    let (Some(year), Some(b'-')) = (digits(b, 0, 4), byte(b, 4)) else {
        if b.len() >= 8 && digits(b, 0, 8).is_some() {
            return Err(TimestampError::BasicFormat);
        }
        return Err(TimestampError::Shape);
    };
    let (Some(month), Some(b'-'), Some(day)) = (digits(b, 5, 2), byte(b, 7), digits(b, 8, 2))
    else {
        return Err(TimestampError::Shape);
    };
    match byte(b, 10) {
        None => return Err(TimestampError::DateOnly),
        Some(b'T' | b't') => {}
        Some(_) => return Err(TimestampError::Separator),
    }
    // Time: HH:MM:SS.
    let (Some(hour), Some(b':'), Some(minute), Some(b':'), Some(second)) = (
        digits(b, 11, 2),
        byte(b, 13),
        digits(b, 14, 2),
        byte(b, 16),
        digits(b, 17, 2),
    ) else {
        return Err(TimestampError::Shape);
    };
    let mut at = 19;
    let mut nanos: u32 = 0;
    if byte(b, at) == Some(b'.') {
        at += 1;
        let start = at;
        while let Some(d @ b'0'..=b'9') = byte(b, at) {
            if at - start == 9 {
                return Err(TimestampError::Fraction);
            }
            nanos = nanos * 10 + u32::from(d - b'0');
            at += 1;
        }
        let n = at - start;
        if n == 0 {
            return Err(TimestampError::Fraction);
        }
        nanos *= 10u32.pow(9 - n as u32);
    }
    // Offset in seconds east of UTC.
    let offset: i64 = match byte(b, at) {
        None => 0,
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let (Some(oh), Some(b':'), Some(om)) =
                (digits(b, at + 1, 2), byte(b, at + 3), digits(b, at + 4, 2))
            else {
                return Err(TimestampError::Offset);
            };
            if oh > 23 || om > 59 {
                return Err(TimestampError::Offset);
            }
            at += 6;
            let secs = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        Some(_) => return Err(TimestampError::Trailing),
    };
    if at != b.len() {
        return Err(TimestampError::Trailing);
    }
    let (second, nanos) = match second {
        60 => (59, 999_999_999),
        s => (s, nanos),
    };
    let local = Timestamp::from_civil(CivilDateTime {
        year: i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos,
    })
    .ok_or(TimestampError::OutOfRange)?;
    let secs = local
        .unix_seconds()
        .checked_sub(offset)
        .filter(|s| (MIN_UNIX_SECONDS..=MAX_UNIX_SECONDS).contains(s))
        .ok_or(TimestampError::OutOfRange)?;
    Timestamp::new(secs, local.subsec_nanos()).ok_or(TimestampError::OutOfRange)
}

/// 0000-01-01T00:00:00Z: instants before it have no RFC 3339 text in UTC.
const MIN_UNIX_SECONDS: i64 = -62_167_219_200;
/// 9999-12-31T23:59:59Z.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// Whether `ts` can be written as RFC 3339 text in UTC (years 0000–9999),
/// which the builder needs to emit a body that parses back.
pub fn is_representable(ts: Timestamp) -> bool {
    (MIN_UNIX_SECONDS..=MAX_UNIX_SECONDS).contains(&ts.unix_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        parse_timestamp(s).unwrap().to_string()
    }

    #[test]
    fn client_forms_are_accepted_and_normalized() {
        assert_eq!(ok("2026-04-20T03:00:00Z"), "2026-04-20T03:00:00Z");
        assert_eq!(ok("2026-04-20T03:00:00.000Z"), "2026-04-20T03:00:00Z");
        assert_eq!(
            ok("2026-04-20T03:00:00.123456+00:00"),
            "2026-04-20T03:00:00.123456Z"
        );
        assert_eq!(ok("2026-04-20T03:00:00.5"), "2026-04-20T03:00:00.500Z");
        assert_eq!(ok("2026-04-20t05:30:00+02:30"), "2026-04-20T03:00:00Z");
        assert_eq!(ok("2026-04-19T23:00:00-04:00"), "2026-04-20T03:00:00Z");
        assert_eq!(
            ok("2026-04-20T03:00:00.000000001z"),
            "2026-04-20T03:00:00.000000001Z"
        );
    }

    #[test]
    fn the_utc_range_is_years_0000_to_9999() {
        assert_eq!(ok("0000-01-01T00:00:00Z"), "0000-01-01T00:00:00Z");
        assert_eq!(
            ok("9999-12-31T23:59:60.1Z"),
            "9999-12-31T23:59:59.999999999Z"
        );
        assert!(is_representable(Timestamp::from_unix_seconds(
            MAX_UNIX_SECONDS
        )));
        assert!(!is_representable(Timestamp::from_unix_seconds(
            MIN_UNIX_SECONDS - 1
        )));
    }

    #[test]
    fn leap_seconds_read_as_the_last_nanosecond() {
        assert_eq!(ok("2016-12-31T23:59:60Z"), "2016-12-31T23:59:59.999999999Z");
        assert_eq!(
            ok("2016-12-31T23:59:60.5Z"),
            "2016-12-31T23:59:59.999999999Z"
        );
        assert_eq!(
            ok("2026-04-20T03:10:60+01:00"),
            "2026-04-20T02:10:59.999999999Z"
        );
    }

    #[test]
    fn refusals_name_the_reason() {
        use TimestampError::*;
        let cases = [
            ("", Empty),
            ("2026-04-20", DateOnly),
            ("20260420T030000Z", BasicFormat),
            ("2026-04-20 03:00:00Z", Separator),
            ("2026-04-20T03:00Z", Shape),
            ("2026-04-20T03:00:00.Z", Fraction),
            ("2026-04-20T03:00:00.1234567890Z", Fraction),
            ("2026-13-20T03:00:00Z", OutOfRange),
            ("2026-02-29T03:00:00Z", OutOfRange),
            ("2026-04-20T24:00:00Z", OutOfRange),
            ("2026-04-20T03:00:61Z", OutOfRange),
            ("2026-04-20T03:00:00+24:00", Offset),
            ("2026-04-20T03:00:00+0200", Offset),
            ("2026-04-20T03:00:00Zjunk", Trailing),
            ("2026-04-20T03:00:00 ", Trailing),
            ("now", Shape),
            ("0000-01-01T00:30:00+01:00", OutOfRange),
            ("9999-12-31T23:30:00-01:00", OutOfRange),
        ];
        for (text, want) in cases {
            assert_eq!(parse_timestamp(text), Err(want), "{text}");
        }
        assert!(DateOnly.to_string().contains(TIMESTAMP_EXAMPLE));
    }
}
