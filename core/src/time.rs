//! UTC instants and civil-calendar arithmetic, in integers only.
//!
//! The core never reads a clock: callers pass a [`Timestamp`]. Everything that
//! turns an instant into a calendar date (timestamps in events, quota windows
//! by UTC day and month) goes through [`days_from_civil`] and
//! [`civil_from_days`] here, so there is one calendar in the code base.
//!
//! Leap seconds: Unix time has none, so an instant is never `:60`. Parsers
//! that accept `:60` map it to `:59.999999999` before building a timestamp.

use core::fmt;
use std::time::Duration;

const NANOS_PER_SEC: u32 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// An instant in UTC with nanosecond precision: seconds since the Unix epoch
/// (1970-01-01T00:00:00Z) plus a fraction. Totally ordered.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// A broken-down UTC date and time (proleptic Gregorian calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDateTime {
    /// Year, e.g. 2026 (may be before 1970 or after 9999).
    pub year: i64,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute, 0–59.
    pub minute: u32,
    /// Second, 0–59.
    pub second: u32,
    /// Nanoseconds, 0–999,999,999.
    pub nanos: u32,
}

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// An instant from whole seconds and a nanosecond fraction; `None` when
    /// `nanos` is 10⁹ or more.
    pub const fn new(secs: i64, nanos: u32) -> Option<Self> {
        if nanos < NANOS_PER_SEC {
            Some(Timestamp { secs, nanos })
        } else {
            None
        }
    }

    /// An instant from whole Unix seconds.
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Timestamp { secs, nanos: 0 }
    }

    /// An instant from Unix milliseconds (the C and Node bindings' `now`).
    pub const fn from_unix_millis(millis: i64) -> Self {
        let secs = millis.div_euclid(1000);
        let ms = millis.rem_euclid(1000) as u32;
        Timestamp {
            secs,
            nanos: ms * 1_000_000,
        }
    }

    /// An instant from Unix nanoseconds; `None` outside ±2⁶³ seconds.
    pub fn from_unix_nanos(nanos: i128) -> Option<Self> {
        let n = i128::from(NANOS_PER_SEC);
        let secs = i64::try_from(nanos.div_euclid(n)).ok()?;
        let frac = u32::try_from(nanos.rem_euclid(n)).ok()?;
        Timestamp::new(secs, frac)
    }

    /// Whole seconds since the epoch, rounded down (floor), as `Retry-After`
    /// arithmetic needs.
    pub const fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The nanosecond fraction of the current second.
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Milliseconds since the epoch, rounded down.
    pub const fn unix_millis(&self) -> i128 {
        self.secs as i128 * 1000 + (self.nanos / 1_000_000) as i128
    }

    /// Nanoseconds since the epoch.
    pub const fn unix_nanos(&self) -> i128 {
        self.secs as i128 * NANOS_PER_SEC as i128 + self.nanos as i128
    }

    /// The instant `d` later, `None` on overflow.
    pub fn checked_add(&self, d: Duration) -> Option<Self> {
        let secs = i64::try_from(d.as_secs()).ok()?;
        let mut s = self.secs.checked_add(secs)?;
        let mut n = self.nanos + d.subsec_nanos();
        if n >= NANOS_PER_SEC {
            n -= NANOS_PER_SEC;
            s = s.checked_add(1)?;
        }
        Some(Timestamp { secs: s, nanos: n })
    }

    /// The instant `d` earlier, `None` on overflow.
    pub fn checked_sub(&self, d: Duration) -> Option<Self> {
        let secs = i64::try_from(d.as_secs()).ok()?;
        let mut s = self.secs.checked_sub(secs)?;
        let (n, borrow) = match self.nanos.checked_sub(d.subsec_nanos()) {
            Some(n) => (n, false),
            None => (self.nanos + NANOS_PER_SEC - d.subsec_nanos(), true),
        };
        if borrow {
            s = s.checked_sub(1)?;
        }
        Some(Timestamp { secs: s, nanos: n })
    }

    /// The instant `d` later, clamped to the largest representable instant.
    pub fn saturating_add(&self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Timestamp {
            secs: i64::MAX,
            nanos: NANOS_PER_SEC - 1,
        })
    }

    /// The instant `d` earlier, clamped to the smallest representable instant.
    pub fn saturating_sub(&self, d: Duration) -> Self {
        self.checked_sub(d).unwrap_or(Timestamp {
            secs: i64::MIN,
            nanos: 0,
        })
    }

    /// How long after `earlier` this instant is; `None` if it is before it.
    pub fn duration_since(&self, earlier: Timestamp) -> Option<Duration> {
        let diff = self.unix_nanos().checked_sub(earlier.unix_nanos())?;
        if diff < 0 {
            return None;
        }
        let n = i128::from(NANOS_PER_SEC);
        let secs = u64::try_from(diff / n).ok()?;
        let frac = u32::try_from(diff % n).ok()?;
        Some(Duration::new(secs, frac))
    }

    /// The UTC calendar date and time of this instant.
    pub fn to_civil(&self) -> CivilDateTime {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let sod = self.secs.rem_euclid(SECS_PER_DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        CivilDateTime {
            year,
            month,
            day,
            hour: sod / 3600,
            minute: sod / 60 % 60,
            second: sod % 60,
            nanos: self.nanos,
        }
    }

    /// The instant of a UTC calendar date and time; `None` when a field is
    /// out of range (month 13, February 30, second 60, …) or the result does
    /// not fit.
    pub fn from_civil(c: CivilDateTime) -> Option<Self> {
        if !(1..=12).contains(&c.month)
            || c.day == 0
            || c.day > days_in_month(c.year, c.month)
            || c.hour > 23
            || c.minute > 59
            || c.second > 59
        {
            return None;
        }
        let days = days_from_civil(c.year, c.month, c.day)?;
        let secs = days
            .checked_mul(SECS_PER_DAY)?
            .checked_add(i64::from(c.hour * 3600 + c.minute * 60 + c.second))?;
        Timestamp::new(secs, c.nanos)
    }

    /// Midnight UTC at the start of this instant's calendar day.
    pub fn start_of_day(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.secs.div_euclid(SECS_PER_DAY) * SECS_PER_DAY)
    }

    /// RFC 3339 text in UTC with `Z`: no fraction when it is zero, otherwise
    /// 3, 6 or 9 digits (the fewest that are exact). Years outside 0–9999
    /// are written with a sign and at least four digits.
    pub fn to_rfc3339(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.to_civil();
        if (0..=9999).contains(&c.year) {
            write!(f, "{:04}", c.year)?;
        } else {
            write!(f, "{:+05}", c.year)?;
        }
        write!(
            f,
            "-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.month, c.day, c.hour, c.minute, c.second
        )?;
        if c.nanos != 0 {
            if c.nanos % 1_000_000 == 0 {
                write!(f, ".{:03}", c.nanos / 1_000_000)?;
            } else if c.nanos % 1_000 == 0 {
                write!(f, ".{:06}", c.nanos / 1_000)?;
            } else {
                write!(f, ".{:09}", c.nanos)?;
            }
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

/// Serialized as the RFC 3339 text of [`fmt::Display`] (`2026-04-20T03:00:00Z`), the form
/// the REST API and state snapshots use.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reads back exactly what [`fmt::Display`] writes (see [`Timestamp::parse_canonical`]).
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse_canonical(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid timestamp {text:?}: expected UTC RFC 3339 text such as \
                 2026-04-20T03:00:00Z or 2026-04-20T03:00:00.123Z"
            ))
        })
    }
}

impl Timestamp {
    /// Parses the canonical text form that `Display` writes:
    /// `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`, four-digit years
    /// only. This is for reading back stored state; inbound event
    /// timestamps go through the lenient, fully reported RFC 3339 reader of
    /// the event contract instead.
    pub fn parse_canonical(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        let num = |r: core::ops::Range<usize>| -> Option<u32> {
            let digits = b.get(r)?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            digits.iter().try_fold(0u32, |acc, d| {
                acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
            })
        };
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if b.len() < 20
            || !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':'))
        {
            return None;
        }
        let nanos = match (b.get(19), b.last()) {
            (Some(b'Z'), _) if b.len() == 20 => 0,
            (Some(b'.'), Some(b'Z')) => {
                let digits = b.len() - 21;
                if ![3usize, 6, 9].contains(&digits) {
                    return None;
                }
                num(20..b.len() - 1)? * 10u32.pow(9 - digits as u32)
            }
            _ => return None,
        };
        Timestamp::from_civil(CivilDateTime {
            year: i64::from(num(0..4)?),
            month: num(5..7)?,
            day: num(8..10)?,
            hour: num(11..13)?,
            minute: num(14..16)?,
            second: num(17..19)?,
            nanos,
        })
    }
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub const fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days in `month` (1–12) of `year`; 0 for an invalid month.
pub const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12, day
/// 1–31; not range-checked beyond what the arithmetic needs). `None` on
/// overflow for absurd years.
///
/// The era-based algorithm of H. Hinnant's "chrono-Compatible Low-Level Date
/// Algorithms": exact for every date, no tables, no floats.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let m = i64::from(month);
    let d = i64::from(day);
    let y = if m <= 2 { year.checked_sub(1)? } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era.checked_mul(146_097)?
        .checked_add(doe)?
        .checked_sub(719_468)
}

/// The proleptic Gregorian `(year, month, day)` of a day number counted from
/// 1970-01-01. Inverse of [`days_from_civil`].
pub const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift so that era arithmetic cannot overflow for any i64 day number
    // reachable from an i64 count of seconds.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, n: u32) -> Timestamp {
        Timestamp::from_civil(CivilDateTime {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            nanos: n,
        })
        .unwrap()
    }

    #[test]
    fn known_instants() {
        assert_eq!(ts(1970, 1, 1, 0, 0, 0, 0).unix_seconds(), 0);
        assert_eq!(ts(2000, 3, 1, 0, 0, 0, 0).unix_seconds(), 951_868_800);
        assert_eq!(ts(2024, 2, 29, 12, 0, 0, 0).unix_seconds(), 1_709_208_000);
        assert_eq!(ts(1969, 12, 31, 23, 59, 59, 0).unix_seconds(), -1);
        assert_eq!(ts(2026, 4, 20, 3, 0, 0, 0).unix_seconds(), 1_776_654_000);
    }

    #[test]
    fn invalid_fields_are_refused() {
        let base = CivilDateTime {
            year: 2023,
            month: 2,
            day: 29,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
        };
        assert_eq!(Timestamp::from_civil(base), None);
        assert_eq!(
            Timestamp::from_civil(CivilDateTime { month: 13, ..base }),
            None
        );
        assert_eq!(
            Timestamp::from_civil(CivilDateTime {
                day: 28,
                second: 60,
                ..base
            }),
            None
        );
        assert_eq!(
            Timestamp::from_civil(CivilDateTime { year: 2100, ..base }),
            None
        );
        assert!(Timestamp::from_civil(CivilDateTime { year: 2000, ..base }).is_some());
    }

    #[test]
    fn display_uses_the_fewest_exact_fraction_digits() {
        assert_eq!(
            ts(2026, 4, 20, 3, 0, 0, 0).to_string(),
            "2026-04-20T03:00:00Z"
        );
        assert_eq!(
            ts(2026, 4, 20, 3, 0, 0, 120_000_000).to_string(),
            "2026-04-20T03:00:00.120Z"
        );
        assert_eq!(
            ts(2026, 4, 20, 3, 0, 0, 123_456_000).to_string(),
            "2026-04-20T03:00:00.123456Z"
        );
        assert_eq!(
            ts(2026, 4, 20, 3, 0, 0, 1).to_string(),
            "2026-04-20T03:00:00.000000001Z"
        );
    }

    #[test]
    fn canonical_text_round_trips_through_serde() {
        for t in [
            ts(2026, 4, 20, 3, 0, 0, 0),
            ts(2024, 2, 29, 23, 59, 59, 999_999_999),
            ts(1999, 12, 31, 0, 0, 0, 5_000_000),
            ts(2000, 1, 1, 0, 0, 0, 123_456_000),
        ] {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{t}\""));
            assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        }
        for bad in [
            "2026-04-20T03:00:00",
            "2026-04-20T03:00:00+00:00",
            "2026-04-20T03:00:00.1Z",
            "2026-02-30T03:00:00Z",
            "2026-04-20 03:00:00Z",
            "2026-04-20T03:00:60Z",
            "+2026-04-20T03:00:00Z",
            "2026-04-20T03:00:00.12345678901Z",
        ] {
            assert_eq!(Timestamp::parse_canonical(bad), None, "{bad}");
            assert!(serde_json::from_str::<Timestamp>(&format!("\"{bad}\"")).is_err());
        }
    }

    #[test]
    fn millis_round_down_for_negative_instants() {
        let t = Timestamp::from_unix_millis(-1);
        assert_eq!(t.unix_seconds(), -1);
        assert_eq!(t.subsec_nanos(), 999_000_000);
        assert_eq!(t.unix_millis(), -1);
    }

    #[test]
    fn add_and_sub_carry_nanoseconds() {
        let t = Timestamp::new(10, 900_000_000).unwrap();
        let d = Duration::new(1, 200_000_000);
        let later = t.checked_add(d).unwrap();
        assert_eq!(
            (later.unix_seconds(), later.subsec_nanos()),
            (12, 100_000_000)
        );
        assert_eq!(later.checked_sub(d), Some(t));
        assert_eq!(later.duration_since(t), Some(d));
        assert_eq!(t.duration_since(later), None);
    }

    #[test]
    fn civil_round_trip_over_four_centuries() {
        // Every day from 1900-01-01 to 2400-12-31 round-trips and is
        // consecutive.
        let start = days_from_civil(1900, 1, 1).unwrap();
        let end = days_from_civil(2400, 12, 31).unwrap();
        let mut prev = civil_from_days(start - 1);
        for d in start..=end {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), Some(d));
            assert!(day >= 1 && day <= days_in_month(y, m));
            assert!((y, m, day) > prev);
            prev = (y, m, day);
        }
    }
}
