//! `IncidentModel`: the core's incident model (`erpops_core::incident`,
//! contract §6) for Node services that correlate events in-process.
//!
//! Events, commands, effects, incidents and snapshots cross the boundary as
//! JSON text in the core's own serde form (the form of
//! `tests/vectors/incidents.json`); the JavaScript layer parses and
//! stringifies. Every transition is the core's.

use std::time::Duration;

use erpops_core::event::Event;
use erpops_core::incident::{Command, IncidentConfig, IncidentModel as Model, IncidentSnapshot};
use napi_derive::napi;

use crate::error::{from_core, Result};
use crate::quota::timestamp;

/// The error for JSON that is not the core's form of the expected value.
pub(crate) fn json_error(what: &str, e: serde_json::Error) -> napi::Error<crate::error::Code> {
    from_core(
        "invalid_argument",
        format!("{what} is not a valid {what} object: {e}"),
    )
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| from_core("internal", e))
}

/// Overrides of the model's defaults (seconds).
#[napi(object)]
pub struct IncidentOptions {
    /// A problem within this long after a resolution reopens the incident
    /// (default 1800).
    pub reopen_window_secs: Option<u32>,
    /// An acknowledgement expires after this long; 0 = never (default 1800).
    pub ack_timeout_secs: Option<u32>,
}

fn config(options: Option<IncidentOptions>) -> IncidentConfig {
    let mut config = IncidentConfig::default();
    if let Some(o) = options {
        if let Some(s) = o.reopen_window_secs {
            config.reopen_window = Duration::from_secs(u64::from(s));
        }
        if let Some(s) = o.ack_timeout_secs {
            config.ack_timeout = Duration::from_secs(u64::from(s));
        }
    }
    config
}

/// The incident model: ingest events, apply commands, tick timers. Each call
/// returns the effects (JSON text of an array) the caller performs.
#[napi]
pub struct IncidentModel {
    model: Model,
}

#[napi]
impl IncidentModel {
    /// An empty model with the defaults, or with `options` applied.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<IncidentOptions>) -> Self {
        IncidentModel {
            model: Model::new(config(options)),
        }
    }

    /// Ingests one accepted event (`event_json`: the normalized event JSON)
    /// with its `event_id`, at the receiver's `now_ms`.
    #[napi(catch_unwind)]
    pub fn ingest(&mut self, event_json: String, event_id: String, now_ms: f64) -> Result<String> {
        let event: Event = serde_json::from_str(&event_json).map_err(|e| json_error("event", e))?;
        let now = timestamp(now_ms)?;
        to_json(&self.model.ingest(&event, &event_id, now))
    }

    /// Applies an operator command (`{"command": "acknowledge" | "resolve" |
    /// "reopen", "incident_id", "actor", "note"?}`); throws with the core's
    /// code (`incident_not_found`, `already_resolved`, …) and changes nothing
    /// when it does not apply.
    #[napi(catch_unwind)]
    pub fn command(&mut self, command_json: String, now_ms: f64) -> Result<String> {
        let command: Command =
            serde_json::from_str(&command_json).map_err(|e| json_error("command", e))?;
        let now = timestamp(now_ms)?;
        let effects = self
            .model
            .command(&command, now)
            .map_err(|e| from_core(e.code(), &e))?;
        to_json(&effects)
    }

    /// Fires the timers due at `now_ms` (ack expiry, forgetting old
    /// incidents); returns their effects.
    #[napi(catch_unwind)]
    pub fn tick(&mut self, now_ms: f64) -> Result<String> {
        let now = timestamp(now_ms)?;
        to_json(&self.model.tick(now))
    }

    /// When to call `tick` next (Unix milliseconds), or `null` when no timer
    /// is pending.
    #[napi(catch_unwind)]
    pub fn next_wakeup_ms(&self) -> Option<f64> {
        self.model.next_wakeup().map(|t| t.unix_millis() as f64)
    }

    /// The incident with `incident_id` (JSON), or `null`.
    #[napi(catch_unwind)]
    pub fn get(&self, incident_id: String) -> Result<Option<String>> {
        self.model.get(&incident_id).map(to_json).transpose()
    }

    /// Every incident the model holds (JSON array).
    #[napi(catch_unwind)]
    pub fn incidents(&self) -> Result<String> {
        to_json(&self.model.incidents().collect::<Vec<_>>())
    }

    /// The whole state as snapshot JSON, to persist and `restore` later.
    #[napi(catch_unwind)]
    pub fn snapshot(&self) -> Result<String> {
        to_json(&self.model.snapshot())
    }

    /// A model rebuilt from `snapshot` JSON with `options`; throws with the
    /// core's `snapshot_*` code for a snapshot it cannot restore.
    #[napi(factory, catch_unwind)]
    pub fn restore(snapshot: String, options: Option<IncidentOptions>) -> Result<Self> {
        let snapshot: IncidentSnapshot =
            serde_json::from_str(&snapshot).map_err(|e| from_core("snapshot_syntax", e))?;
        let model =
            Model::restore(config(options), snapshot).map_err(|e| from_core(e.code(), &e))?;
        Ok(IncidentModel { model })
    }
}
