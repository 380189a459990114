//! The cron side of a schedule: croner's parser and matcher, run on plain
//! wall-clock times (no zone), so daylight saving is decided in one place
//! (`zone`) and not by the cron library.

use core::cmp::Ordering;

use croner::parser::{CronParser, Seconds, Year};
use croner::{CivilDate, CivilDateTime, CivilTime, Cron, CronDateTime, Resolution, Weekday};

use super::{ScheduleError, MAX_CRON_CHARS};
use crate::time::{civil_from_days, days_from_civil};

const SECS_PER_DAY: i64 = 86_400;

/// A wall-clock date and time without a zone: croner searches these, and
/// every one of them exists exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Wall(pub(super) CivilDateTime);

impl Wall {
    /// Seconds since 1970-01-01T00:00 of this wall-clock reading, as if it
    /// were UTC.
    fn epoch_seconds(self) -> Option<i64> {
        let c = self.0;
        let days = days_from_civil(i64::from(c.year()), c.month(), c.day())?;
        days.checked_mul(SECS_PER_DAY)?
            .checked_add(i64::from(c.hour() * 3600 + c.minute() * 60 + c.second()))
    }

    fn from_epoch_seconds(secs: i64) -> Option<Wall> {
        let (y, m, d) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
        let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
        let date = CivilDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
        let time = CivilTime::from_hms_opt(sod / 3600, sod / 60 % 60, sod % 60)?;
        Some(Wall(CivilDateTime::new(date, time)))
    }
}

impl CronDateTime for Wall {
    fn to_civil(&self) -> CivilDateTime {
        self.0
    }

    fn civil_weekday(&self) -> Weekday {
        let c = self.0;
        let days = days_from_civil(i64::from(c.year()), c.month(), c.day()).unwrap_or(0);
        // 1970-01-01 was a Thursday (4 days from Sunday).
        Weekday::from_days_from_sunday((days + 4).rem_euclid(7) as u32)
    }

    fn resolve_civil(
        &self,
        civil: CivilDateTime,
    ) -> Result<Resolution<Self>, croner::errors::CronError> {
        Ok(Resolution::Single(Wall(civil)))
    }

    fn checked_add_seconds(&self, seconds: i64) -> Option<Self> {
        Wall::from_epoch_seconds(self.epoch_seconds()?.checked_add(seconds)?)
    }

    fn cmp_instant(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

/// A parsed 5-field cron expression.
#[derive(Clone)]
pub(super) struct CronPattern(Cron);

impl CronPattern {
    /// Parses a 5-field expression or nickname and checks that it matches
    /// some date.
    pub(super) fn parse(expression: &str) -> Result<Self, ScheduleError> {
        let invalid = |reason: String| ScheduleError::InvalidCron {
            expression: expression.to_owned(),
            reason,
        };
        if expression.chars().count() > MAX_CRON_CHARS {
            return Err(invalid(format!("longer than {MAX_CRON_CHARS} characters")));
        }
        let trimmed = expression.trim();
        if trimmed.starts_with('@') {
            // croner passes an unknown nickname through to the field
            // parser; name the accepted ones instead.
            let known = [
                "@yearly",
                "@annually",
                "@monthly",
                "@weekly",
                "@daily",
                "@hourly",
            ];
            if !known.iter().any(|k| k.eq_ignore_ascii_case(trimmed)) {
                return Err(invalid(format!(
                    "unknown nickname {trimmed:?}; the nicknames are {}",
                    known.join(", ")
                )));
            }
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(trimmed).map_err(|e| invalid(e.to_string()))?;
        let pattern = CronPattern(cron);
        // A pattern that matches any date does so within a few hundred
        // years from any start (the Gregorian calendar repeats every 400).
        let start = Wall(CivilDateTime::new(
            CivilDate::from_parts_unchecked(2000, 1, 1),
            CivilTime::from_parts_unchecked(0, 0, 0),
        ));
        match pattern.0.find_next_occurrence(&start, true) {
            Ok(_) => Ok(pattern),
            Err(_) => Err(ScheduleError::CronNeverFires {
                expression: expression.to_owned(),
            }),
        }
    }

    /// The first matching wall-clock minute strictly after `after` (which
    /// may carry seconds); `None` past croner's search range.
    pub(super) fn next_after(&self, after: Wall) -> Option<Wall> {
        self.0.find_next_occurrence(&after, false).ok()
    }
}
