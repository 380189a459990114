//! Half-open UTC calendar windows in Unix seconds.
//!
//! A quota resets at 00:00:00 UTC of the next day or of the first of the next
//! month, never after a fixed number of seconds: a "month" of 30 days or a TTL
//! would reset early on the 31st or drift across leap years. All arithmetic is
//! integer and goes through [`crate::time`]'s civil calendar.
//!
//! Leap seconds: Unix time has none, so every day is 86,400 s. An instant
//! written `23:59:60` is passed in as `23:59:59.999999999` (the event parser
//! does this; callers converting their own clock must too) and so belongs to
//! the day it ends.

use crate::time::{civil_from_days, days_from_civil, Timestamp};

const SECS_PER_DAY: i64 = 86_400;

/// The calendar unit a metric is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A UTC calendar day: `[D 00:00:00, D+1 00:00:00)`, always 86,400 s.
    Day,
    /// A UTC calendar month: `[M-01 00:00:00, (M+1)-01 00:00:00)`, 28 to 31
    /// days.
    Month,
}

/// A half-open interval `[start, end)` of Unix seconds.
///
/// `start` is the key of the counter row; `end` is when the quota resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// First second of the window (inclusive).
    pub start: i64,
    /// First second of the next window (exclusive): the reset instant.
    pub end: i64,
}

impl Window {
    /// The window of `period` that contains `now` (only its whole seconds
    /// matter: a window boundary is always a whole second).
    ///
    /// Total: at the edges of the `i64` range the bounds saturate instead of
    /// overflowing (years beyond ±292 billion are not a practical concern).
    pub fn containing(period: Period, now: Timestamp) -> Window {
        let secs = now.unix_seconds();
        let day = secs.div_euclid(SECS_PER_DAY);
        match period {
            Period::Day => Window {
                start: day_start(day),
                end: day_start(day.saturating_add(1)),
            },
            Period::Month => {
                let (year, month, _) = civil_from_days(day);
                let (next_year, next_month) = if month == 12 {
                    (year.saturating_add(1), 1)
                } else {
                    (year, month + 1)
                };
                Window {
                    start: days_from_civil(year, month, 1).map_or(i64::MIN, day_start),
                    end: days_from_civil(next_year, next_month, 1).map_or(i64::MAX, day_start),
                }
            }
        }
    }

    /// Length in seconds (86,400 for a day; 2,419,200 to 2,678,400 for a
    /// month).
    pub const fn len_secs(&self) -> u64 {
        self.end.abs_diff(self.start)
    }

    /// Whether `secs` (Unix seconds) lies inside the window.
    pub const fn contains_secs(&self, secs: i64) -> bool {
        self.start <= secs && secs < self.end
    }

    /// Whole seconds from `now`, floored, to the reset; at least 1.
    ///
    /// This is the exact `Retry-After`: with `now = s + f` (0 ≤ f < 1) and an
    /// integer `end`, `end − s` is the ceiling of `end − now`, so a client
    /// that waits this long arrives at or after the reset, never before.
    pub fn secs_until_end(&self, now: Timestamp) -> u64 {
        let secs = now.unix_seconds();
        if secs >= self.end {
            1
        } else {
            self.end.abs_diff(secs).max(1)
        }
    }

    /// The instant the window ends, for humans (RFC 3339 in problem bodies).
    pub const fn end_timestamp(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.end)
    }
}

fn day_start(day: i64) -> i64 {
    day.checked_mul(SECS_PER_DAY)
        .unwrap_or(if day < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: u32, d: u32, secs_of_day: i64) -> Timestamp {
        let day = days_from_civil(y, m, d).unwrap_or_default();
        Timestamp::from_unix_seconds(day * SECS_PER_DAY + secs_of_day)
    }

    #[test]
    fn day_windows_are_half_open() {
        let w = Window::containing(Period::Day, at(2024, 2, 29, 0));
        assert_eq!(w.start, at(2024, 2, 29, 0).unix_seconds());
        assert_eq!(w.end, at(2024, 3, 1, 0).unix_seconds());
        let before = Window::containing(Period::Day, at(2024, 2, 29, -1));
        assert_eq!(before.end, w.start);
    }

    #[test]
    fn month_windows_follow_the_calendar() {
        let feb_2100 = Window::containing(Period::Month, at(2100, 2, 28, 86_399));
        assert_eq!(feb_2100.len_secs(), 28 * 86_400);
        let feb_2000 = Window::containing(Period::Month, at(2000, 2, 29, 5));
        assert_eq!(feb_2000.len_secs(), 29 * 86_400);
        let dec = Window::containing(Period::Month, at(2024, 12, 31, 86_399));
        assert_eq!(dec.end, at(2025, 1, 1, 0).unix_seconds());
    }

    #[test]
    fn retry_after_is_the_ceiling_and_at_least_one() {
        let w = Window::containing(Period::Day, at(2016, 12, 31, 0));
        let leap = Timestamp::new(at(2016, 12, 31, 86_399).unix_seconds(), 999_999_999);
        assert_eq!(leap.map(|t| w.secs_until_end(t)), Some(1));
        assert_eq!(w.secs_until_end(at(2016, 12, 31, 0)), 86_400);
        assert_eq!(w.secs_until_end(at(2017, 1, 2, 0)), 1);
    }
}
