//! What the receiver keeps, and for how long (issue #22).
//!
//! Without retention every accepted event, notification and resolved
//! incident stays forever: the disk fills and then every event gets 503.
//! Each kind of row has its own period, in whole days, set in the TOML
//! file's `[retention]` table, by `ERPOPS_RETENTION_*_DAYS` or by
//! `--retain-*-days` (flags win over the environment, which wins over the
//! file); `0` keeps that kind forever.
//!
//! | kind            | kept for (default) | counted from                  |
//! |-----------------|--------------------|-------------------------------|
//! | events          | 30 days            | when the receiver accepted it |
//! | notifications   | 30 days            | when it was recorded; only delivered or failed ones (a pending one is never dropped) |
//! | incidents       | 90 days            | its last change; only resolved ones, with their history |
//!
//! The audit log of the REST writes is kept as long as events (365 days
//! when events are kept forever: an audit trail outlives what it audits
//! only within reason). Idempotent answers go 24 hours after they were
//! given.
//!
//! Replay keys and quota rows are not settings: they go as soon as they can
//! no longer answer anything (a replay key past its expiry, a quota row
//! past its window). The writer deletes expired rows in small batches
//! between groups ([`crate::writer`]), never in the answer to a request.

use std::time::Duration;

use erpops_core::Timestamp;
use serde::Deserialize;

use crate::store::Prunable;

/// Default days an accepted event (with its signed bytes) is kept.
pub const DEFAULT_EVENTS_DAYS: u32 = 30;
/// Default days a delivered or failed notification is kept.
pub const DEFAULT_NOTIFICATIONS_DAYS: u32 = 30;
/// Default days a resolved incident and its history are kept.
pub const DEFAULT_INCIDENTS_DAYS: u32 = 90;
/// The shortest incident retention: the incident model remembers a quiet
/// key for 25 hours (and may reopen its incident meanwhile), so its
/// resolved incident must outlive that.
pub const MIN_INCIDENTS_DAYS: u32 = 2;

const DAY: Duration = Duration::from_secs(86_400);

/// The `[retention]` table of the settings file; every key optional,
/// unknown keys refused.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionFile {
    /// `events_days = 30`.
    pub events_days: Option<u32>,
    /// `notifications_days = 30`.
    pub notifications_days: Option<u32>,
    /// `incidents_days = 90`.
    pub incidents_days: Option<u32>,
}

/// Retention flags (`None` when not given).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RetentionFlags {
    /// `--retain-events-days`.
    pub events_days: Option<u32>,
    /// `--retain-notifications-days`.
    pub notifications_days: Option<u32>,
    /// `--retain-incidents-days`.
    pub incidents_days: Option<u32>,
}

/// The resolved retention: how long each kind is kept (`None`: forever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Accepted events, with their signed bytes.
    pub events: Option<Duration>,
    /// Delivered and failed notifications.
    pub notifications: Option<Duration>,
    /// Resolved incidents and their history.
    pub incidents: Option<Duration>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            events: days(DEFAULT_EVENTS_DAYS),
            notifications: days(DEFAULT_NOTIFICATIONS_DAYS),
            incidents: days(DEFAULT_INCIDENTS_DAYS),
        }
    }
}

/// `n` days, or `None` (forever) for 0.
fn days(n: u32) -> Option<Duration> {
    (n > 0).then(|| DAY * n)
}

impl Retention {
    /// Keeps everything forever (tests and tools that must not prune).
    pub const FOREVER: Retention = Retention {
        events: None,
        notifications: None,
        incidents: None,
    };

    /// Resolves file → environment (`env` lookup) → flags, per key.
    ///
    /// # Errors
    /// A value that is not a whole number of days, or an incident
    /// retention shorter than [`MIN_INCIDENTS_DAYS`].
    pub fn resolve(
        file: &RetentionFile,
        env: &impl Fn(&str) -> Option<String>,
        flags: &RetentionFlags,
    ) -> Result<Self, String> {
        let pick = |flag: Option<u32>, var: &str, file: Option<u32>, default: u32| {
            if let Some(n) = flag {
                return Ok(n);
            }
            match env(var) {
                Some(v) => v.trim().parse::<u32>().map_err(|_| {
                    format!("{var}={v:?} is not a whole number of days (0 keeps forever)")
                }),
                None => Ok(file.unwrap_or(default)),
            }
        };
        let events = pick(
            flags.events_days,
            "ERPOPS_RETENTION_EVENTS_DAYS",
            file.events_days,
            DEFAULT_EVENTS_DAYS,
        )?;
        let notifications = pick(
            flags.notifications_days,
            "ERPOPS_RETENTION_NOTIFICATIONS_DAYS",
            file.notifications_days,
            DEFAULT_NOTIFICATIONS_DAYS,
        )?;
        let incidents = pick(
            flags.incidents_days,
            "ERPOPS_RETENTION_INCIDENTS_DAYS",
            file.incidents_days,
            DEFAULT_INCIDENTS_DAYS,
        )?;
        if incidents != 0 && incidents < MIN_INCIDENTS_DAYS {
            return Err(format!(
                "retention incidents_days must be at least {MIN_INCIDENTS_DAYS} (the incident \
                 model remembers a quiet key for 25 hours and may reopen its incident), or 0 \
                 to keep incidents forever; it is {incidents}"
            ));
        }
        Ok(Retention {
            events: days(events),
            notifications: days(notifications),
            incidents: days(incidents),
        })
    }

    /// Rows of `kind` that expired before the returned time may be
    /// deleted at `now`; `None` when that kind is kept forever.
    pub fn cutoff(&self, kind: Prunable, now: Timestamp) -> Option<Timestamp> {
        let kept = match kind {
            // A replay key carries its own expiry: it goes once that passed.
            Prunable::ReplayKeys | Prunable::IdempotencyKeys => return Some(now),
            Prunable::Audit => self
                .events
                .unwrap_or(DAY * crate::api::audit::FOREVER_EVENTS_DAYS),
            Prunable::Events => self.events?,
            Prunable::Notifications => self.notifications?,
            Prunable::Incidents => self.incidents?,
        };
        Some(now.saturating_sub(kept))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::settings::tests::env_of;

    #[test]
    fn defaults_then_file_then_environment_then_flags() {
        let none = RetentionFlags::default();
        let d = Retention::resolve(&RetentionFile::default(), &env_of(&[]), &none).unwrap();
        assert_eq!(d, Retention::default());
        assert_eq!(d.events, Some(DAY * 30));
        let file = RetentionFile {
            events_days: Some(7),
            notifications_days: Some(0),
            incidents_days: None,
        };
        let f = Retention::resolve(&file, &env_of(&[]), &none).unwrap();
        assert_eq!(f.events, Some(DAY * 7));
        assert_eq!(f.notifications, None, "0 keeps forever");
        assert_eq!(f.incidents, Some(DAY * 90));
        let e = Retention::resolve(
            &file,
            &env_of(&[("ERPOPS_RETENTION_EVENTS_DAYS", "3")]),
            &none,
        )
        .unwrap();
        assert_eq!(e.events, Some(DAY * 3));
        let flags = RetentionFlags {
            events_days: Some(1),
            ..RetentionFlags::default()
        };
        let g = Retention::resolve(
            &file,
            &env_of(&[("ERPOPS_RETENTION_EVENTS_DAYS", "3")]),
            &flags,
        )
        .unwrap();
        assert_eq!(g.events, Some(DAY));
    }

    #[test]
    fn bad_values_say_which_key_and_why() {
        let none = RetentionFlags::default();
        let err = Retention::resolve(
            &RetentionFile::default(),
            &env_of(&[("ERPOPS_RETENTION_NOTIFICATIONS_DAYS", "a week")]),
            &none,
        )
        .unwrap_err();
        assert!(err.contains("ERPOPS_RETENTION_NOTIFICATIONS_DAYS"), "{err}");
        let file = RetentionFile {
            incidents_days: Some(1),
            ..RetentionFile::default()
        };
        let err = Retention::resolve(&file, &env_of(&[]), &none).unwrap_err();
        assert!(err.contains("at least 2"), "{err}");
    }

    #[test]
    fn cutoffs_are_now_minus_the_period_and_replay_keys_use_their_own_expiry() {
        let now = Timestamp::from_unix_seconds(100 * 86_400);
        let r = Retention {
            events: Some(DAY * 7),
            notifications: None,
            incidents: Some(DAY * 90),
        };
        assert_eq!(
            r.cutoff(Prunable::Events, now),
            Some(Timestamp::from_unix_seconds(93 * 86_400))
        );
        assert_eq!(r.cutoff(Prunable::Notifications, now), None);
        assert_eq!(
            r.cutoff(Prunable::Incidents, now),
            Some(Timestamp::from_unix_seconds(10 * 86_400))
        );
        assert_eq!(r.cutoff(Prunable::ReplayKeys, now), Some(now));
    }
}
