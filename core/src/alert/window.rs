//! Maintenance windows: recurring silences ("Sundays 01:00–05:00 Chicago
//! time, the ERP is patched").
//!
//! A window is a [`Schedule`] of start times plus a duration: active on
//! `[start, start + duration)` of each occurrence. Like a silence it holds
//! matching notifications (`suppressed`, reason `maintenance`) and releases
//! what is still news when the occurrence ends (`window_ended`). Unlike a
//! silence it never holds the `resolved` of an incident whose channel was
//! told it was firing before: the page that went out before the window
//! opened gets its all-clear inside it (Alertmanager #226).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::{check_name, AlertError};
use super::matcher::Matchers;
use crate::schedule::Schedule;
use crate::time::Timestamp;

/// How many starts [`MaintenanceWindow::validate`] compares.
pub const SPACING_CHECKED: usize = 32;

/// A recurring silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    /// Caller-chosen id, reported in `Suppressed` effects.
    pub id: String,
    /// Which incidents it holds.
    #[serde(default)]
    pub matchers: Matchers,
    /// When each occurrence starts.
    pub schedule: Schedule,
    /// How long each occurrence lasts (whole seconds, positive, shorter
    /// than the time between two starts).
    #[serde(with = "super::secs")]
    pub duration: Duration,
    /// Why, for people reading the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl MaintenanceWindow {
    /// The start of the occurrence active at `now`, if one is:
    /// `start <= now < start + duration`.
    pub fn active_start(&self, now: Timestamp) -> Option<Timestamp> {
        let from = now.checked_sub(self.duration)?;
        self.schedule.next_fire_after(from).filter(|s| *s <= now)
    }

    /// Whether an occurrence is active at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.active_start(now).is_some()
    }

    /// When the occurrence active at `now` ends.
    pub fn active_end(&self, now: Timestamp) -> Option<Timestamp> {
        self.active_start(now)
            .map(|s| s.saturating_add(self.duration))
    }

    /// Checks the id and the duration. Occurrences must not overlap: the
    /// duration is below the gap between the first [`SPACING_CHECKED`]
    /// starts after 2026-01-01 (a cheap, deterministic check of the
    /// schedule's spacing).
    pub fn validate(&self) -> Result<(), AlertError> {
        check_name(&self.id, "window.id")?;
        if self.duration.is_zero() || self.duration.subsec_nanos() != 0 {
            return Err(AlertError::InvalidDuration {
                field: "window.duration",
            });
        }
        let starts = self
            .schedule
            .fires_after(Timestamp::from_unix_seconds(1_767_225_600), SPACING_CHECKED);
        if starts.is_empty() {
            return Err(AlertError::InvalidWindow);
        }
        for pair in starts.windows(2) {
            if let [a, b] = pair {
                if a.saturating_add(self.duration) > *b {
                    return Err(AlertError::InvalidWindow);
                }
            }
        }
        Ok(())
    }
}
