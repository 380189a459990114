//! `Schedule`: when a batch job is expected to run (`erpops_core::schedule`,
//! issue #23): one or more 5-field cron expressions, each read on the wall
//! clock of its own IANA time zone, and the core's one rule for the next
//! fire time across daylight-saving changes (`docs/runs.md`).
//!
//! A schedule crosses the boundary as the JSON text of its entries,
//! `[{ "cron": "0 2 * * MON-FRI", "time_zone": "America/Chicago" }]`, the
//! form a job's `expectation.schedule` and a window's `schedule` take;
//! instants are Unix milliseconds (fire times are whole minutes). Every
//! entry is built by the core, so a refused one throws with the core's code
//! (`invalid_cron`, `cron_never_fires`, `unknown_time_zone`,
//! `invalid_schedule`).

use erpops_core::schedule::Schedule as Core;
use napi_derive::napi;
use serde_json::Value;

use crate::alert::schedule_of;
use crate::error::{from_core, Result};
use crate::incident::to_json;
use crate::quota::timestamp;

/// The IANA time zone database release compiled into the core (e.g.
/// `2026f`): the zone rules every schedule is read with.
#[napi]
pub const TZDB_VERSION: &str = erpops_core::schedule::TZDB_VERSION;

/// Most fire times one `firesAfterMs` call returns.
#[napi]
pub const MAX_FIRES: u32 = 10_000;

/// A checked schedule: its entries as the core built them (zones in their
/// canonical spelling).
#[napi]
pub struct Schedule {
    inner: Core,
}

#[napi]
impl Schedule {
    /// A schedule from the JSON text of its entries (1 to 32); throws with
    /// the core's code for a refused one, `invalid_argument` for text that
    /// is not a list of `{ cron, time_zone }`.
    #[napi(constructor, catch_unwind)]
    pub fn new(entries_json: String) -> Result<Self> {
        let value: Value = serde_json::from_str(&entries_json)
            .map_err(|e| from_core("invalid_argument", format!("the schedule is not JSON: {e}")))?;
        let inner = schedule_of(&value).map_err(|(code, message)| from_core(code, message))?;
        Ok(Schedule { inner })
    }

    /// The entries (JSON array of `{ cron, time_zone }`), as built: the
    /// expression trimmed, the zone's canonical IANA name.
    #[napi(catch_unwind)]
    pub fn entries(&self) -> Result<String> {
        to_json(&self.inner)
    }

    /// The next fire time strictly after `after_ms` (Unix milliseconds), or
    /// `null` when there is none before the year 5000.
    #[napi(catch_unwind)]
    pub fn next_fire_after_ms(&self, after_ms: f64) -> Result<Option<f64>> {
        let after = timestamp(after_ms)?;
        Ok(self
            .inner
            .next_fire_after(after)
            .map(|t| t.unix_millis() as f64))
    }

    /// Up to `n` (at most `MAX_FIRES`) fire times strictly after
    /// `after_ms`, in order (Unix milliseconds).
    #[napi(catch_unwind)]
    pub fn fires_after_ms(&self, after_ms: f64, n: u32) -> Result<Vec<f64>> {
        let after = timestamp(after_ms)?;
        if n > MAX_FIRES {
            return Err(from_core(
                "invalid_argument",
                format!("n must be at most {MAX_FIRES}, got {n}; page with the last fire time"),
            ));
        }
        Ok(self
            .inner
            .fires_after(after, n as usize)
            .into_iter()
            .map(|t| t.unix_millis() as f64)
            .collect())
    }
}
