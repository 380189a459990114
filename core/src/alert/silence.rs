//! Silences: "we know, stop telling us" for a time range.
//!
//! While a silence is active, matching notifications are held and reported
//! as `Suppressed` (with the silence id); incidents are still recorded.
//! When it ends, incidents it held that are still in a state the channel
//! was not told about are notified (reason `silence_ended`).

use serde::{Deserialize, Serialize};

use super::error::{check_name, AlertError};
use super::matcher::Matchers;
use crate::time::Timestamp;

/// Matchers plus a time range `[starts_at, ends_at)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    /// Caller-chosen id, reported in `Suppressed` effects.
    pub id: String,
    /// Which incidents it silences.
    #[serde(default)]
    pub matchers: Matchers,
    /// First instant it is active (inclusive).
    pub starts_at: Timestamp,
    /// First instant it is no longer active (exclusive): at `ends_at` the
    /// notifications flow again.
    pub ends_at: Timestamp,
    /// Why, for people reading the silence list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Silence {
    /// Whether it is active at `now`: `starts_at <= now < ends_at`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    /// Checks the id and the time range.
    pub fn validate(&self) -> Result<(), AlertError> {
        check_name(&self.id, "silence.id")?;
        if self.ends_at <= self.starts_at {
            return Err(AlertError::InvalidTimeRange);
        }
        Ok(())
    }
}
