//! `AlertEngine`: the core's alerting layer (`erpops_core::alert`,
//! contract §6) for Node services that correlate and alert in-process, and
//! the same operations on `ReceiveEngine`, whose core engine runs every
//! accepted event through its own alerting layer (`Engine::alerts_mut`).
//!
//! Rules, silences, heartbeats, jobs, maintenance windows, events,
//! commands, effects and snapshots cross the boundary as JSON text in the
//! core's serde form (the form of `tests/vectors/alerts.json` and
//! `tests/vectors/runs.json`); the JavaScript layer parses and stringifies. The free functions below are the one implementation both
//! classes delegate to; every decision is the core's.

use std::time::Duration;

use erpops_core::alert::job::record_error;
use erpops_core::alert::{
    AlertConfig, AlertEngine as Core, AlertRule, AlertSnapshot, FlappingConfig, Heartbeat, Job,
    JobState, MaintenanceWindow, Silence,
};
use erpops_core::event::Event;
use erpops_core::incident::Command;
use erpops_core::schedule::{CronEntry, Schedule};
use napi::Either;
use napi_derive::napi;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{from_core, Result};
use crate::incident::{json_error, to_json};
use crate::quota::timestamp;

/// Flap detection settings (seconds); omitted ones take the defaults
/// (4 transitions in 3600 s, quiet for 3600 s).
#[napi(object)]
pub struct FlappingOptions {
    /// Transitions within `windowSecs` that make a key flap.
    pub max_transitions: Option<u32>,
    /// The window transitions are counted in.
    pub window_secs: Option<u32>,
    /// How long a flapping key must stay quiet to stop flapping.
    pub quiet_period_secs: Option<u32>,
}

/// Overrides of the engine's defaults (seconds).
#[napi(object)]
pub struct AlertOptions {
    /// A problem within this long after a resolution reopens the incident
    /// (default 1800).
    pub reopen_window_secs: Option<u32>,
    /// An acknowledgement expires after this long; 0 = never (default 1800).
    pub ack_timeout_secs: Option<u32>,
    /// `false` turns flap detection off; an object changes its settings.
    #[napi(ts_type = "false | FlappingOptions")]
    pub flapping: Option<Either<bool, FlappingOptions>>,
}

/// The core's configuration from `options` (defaults for what is omitted).
pub(crate) fn config(options: Option<AlertOptions>) -> AlertConfig {
    let mut config = AlertConfig::with_defaults();
    let Some(o) = options else { return config };
    if let Some(s) = o.reopen_window_secs {
        config.incident.reopen_window = Duration::from_secs(u64::from(s));
    }
    if let Some(s) = o.ack_timeout_secs {
        config.incident.ack_timeout = Duration::from_secs(u64::from(s));
    }
    match o.flapping {
        None | Some(Either::A(true)) => {}
        Some(Either::A(false)) => config.flapping = None,
        Some(Either::B(f)) => {
            let d = FlappingConfig::default();
            config.flapping = Some(FlappingConfig {
                max_transitions: f.max_transitions.map_or(d.max_transitions, |n| n as usize),
                window: f
                    .window_secs
                    .map_or(d.window, |s| Duration::from_secs(u64::from(s))),
                quiet_period: f
                    .quiet_period_secs
                    .map_or(d.quiet_period, |s| Duration::from_secs(u64::from(s))),
            });
        }
    }
    config
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| json_error(what, e))
}

fn alert_error(e: erpops_core::alert::AlertError) -> napi::Error<crate::error::Code> {
    from_core(e.code(), &e)
}

fn connector(id: &str) -> Result<Uuid> {
    Uuid::try_parse(id).map_err(|_| {
        from_core(
            "invalid_argument",
            format!("connectorId {id:?} is not a UUID; pass the connector's id"),
        )
    })
}

/// Adds or replaces a rule (`rule_json`: `{ id, name, channel, kinds?,
/// matchers?, repeat_interval?, group_wait? }`).
pub(crate) fn set_rule(e: &mut Core, rule_json: &str) -> Result<()> {
    let rule: AlertRule = parse(rule_json, "rule")?;
    e.set_rule(rule).map_err(alert_error)
}

/// Removes a rule; the removed rule's JSON, or `None`.
pub(crate) fn remove_rule(e: &mut Core, rule_id: &str) -> Result<Option<String>> {
    e.remove_rule(rule_id).as_ref().map(to_json).transpose()
}

/// The rules in id order (JSON array).
pub(crate) fn rules(e: &Core) -> Result<String> {
    to_json(&e.rules().collect::<Vec<_>>())
}

/// Adds or replaces a silence (`{ id, matchers?, starts_at, ends_at,
/// comment? }`).
pub(crate) fn set_silence(e: &mut Core, silence_json: &str) -> Result<()> {
    let silence: Silence = parse(silence_json, "silence")?;
    e.set_silence(silence).map_err(alert_error)
}

/// Ends a silence at `now_ms`; the effects of what it held back.
pub(crate) fn expire_silence(e: &mut Core, silence_id: &str, now_ms: f64) -> Result<String> {
    to_json(&e.expire_silence(silence_id, timestamp(now_ms)?))
}

/// The silences in id order (JSON array).
pub(crate) fn silences(e: &Core) -> Result<String> {
    to_json(&e.silences().collect::<Vec<_>>())
}

/// Sets or changes a heartbeat (`{ connector_id, source, period, grace,
/// severity?, paused? }`) at `now_ms`.
pub(crate) fn set_heartbeat(e: &mut Core, heartbeat_json: &str, now_ms: f64) -> Result<()> {
    let heartbeat: Heartbeat = parse(heartbeat_json, "heartbeat")?;
    e.set_heartbeat(heartbeat, timestamp(now_ms)?)
        .map_err(alert_error)
}

/// Pauses or resumes a heartbeat at `now_ms`.
pub(crate) fn set_heartbeat_paused(
    e: &mut Core,
    connector_id: &str,
    source: &str,
    paused: bool,
    now_ms: f64,
) -> Result<()> {
    e.set_heartbeat_paused(connector(connector_id)?, source, paused, timestamp(now_ms)?)
        .map_err(alert_error)
}

/// Removes a heartbeat; the removed heartbeat's JSON, or `None`.
pub(crate) fn remove_heartbeat(
    e: &mut Core,
    connector_id: &str,
    source: &str,
) -> Result<Option<String>> {
    e.remove_heartbeat(connector(connector_id)?, source)
        .as_ref()
        .map(to_json)
        .transpose()
}

/// The heartbeats and their state (JSON array).
pub(crate) fn heartbeats(e: &Core) -> Result<String> {
    to_json(&e.heartbeats().collect::<Vec<_>>())
}

/// A job or maintenance window record. serde keeps only the message of an
/// error inside it, so when the record does not parse, its schedule and
/// deadline are built again with the core's constructors to throw the
/// core's code (`invalid_cron`, `unknown_time_zone`, `invalid_schedule`,
/// `invalid_deadline`, ...), as `set_job` and `set_window` do for records
/// built in Rust; anything else is `invalid_argument`.
fn parse_record<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        let nested = serde_json::from_str::<Value>(text)
            .ok()
            .as_ref()
            .and_then(record_error);
        match nested {
            Some(core) => from_core(core.code(), core.to_string()),
            None => json_error(what, e),
        }
    })
}

/// A schedule from its JSON form, a list of `{ cron, time_zone }`: each
/// entry built by the core (`CronEntry::new`, `Schedule::new`), so a bad
/// one gives the core's code and message. `Err` also for a value that is
/// not of that form (`invalid_argument`).
pub(crate) fn schedule_of(value: &Value) -> std::result::Result<Schedule, (&'static str, String)> {
    const FORM: &str = "a schedule is a list of { cron, time_zone } entries, e.g. \
                        [{ \"cron\": \"0 2 * * MON-FRI\", \"time_zone\": \"America/Chicago\" }]";
    let invalid = |why: String| ("invalid_argument", format!("{why}: {FORM}"));
    let list = value
        .as_array()
        .ok_or_else(|| invalid(format!("the schedule is {}", json_kind(value))))?;
    let mut entries = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let object = entry
            .as_object()
            .ok_or_else(|| invalid(format!("schedule entry {i} is {}", json_kind(entry))))?;
        if let Some(other) = object.keys().find(|k| *k != "cron" && *k != "time_zone") {
            return Err(invalid(format!(
                "schedule entry {i} has an unknown field {other:?}"
            )));
        }
        let field = |name: &str| {
            object
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(format!("schedule entry {i} needs a string {name:?}")))
        };
        let entry = CronEntry::new(field("cron")?, field("time_zone")?)
            .map_err(|e| (e.code(), e.to_string()))?;
        entries.push(entry);
    }
    Schedule::new(entries).map_err(|e| (e.code(), e.to_string()))
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Sets or changes a job (`{ connector_id, source, expectation, grace,
/// max_runtime?, min_runtime?, deadline?, depends_on?, severity?, paused? }`)
/// at `now_ms`.
pub(crate) fn set_job(e: &mut Core, job_json: &str, now_ms: f64) -> Result<()> {
    let job: Job = parse_record(job_json, "job")?;
    e.set_job(job, timestamp(now_ms)?).map_err(alert_error)
}

/// Pauses or resumes a job at `now_ms`.
pub(crate) fn set_job_paused(
    e: &mut Core,
    connector_id: &str,
    source: &str,
    paused: bool,
    now_ms: f64,
) -> Result<()> {
    e.set_job_paused(connector(connector_id)?, source, paused, timestamp(now_ms)?)
        .map_err(alert_error)
}

/// Removes a job; the removed job's JSON, or `None`.
pub(crate) fn remove_job(e: &mut Core, connector_id: &str, source: &str) -> Result<Option<String>> {
    e.remove_job(connector(connector_id)?, source)
        .as_ref()
        .map(to_json)
        .transpose()
}

/// One job's state (JSON, with `status` and `median_duration_ms`), or
/// `None`.
pub(crate) fn job(e: &Core, connector_id: &str, source: &str) -> Result<Option<String>> {
    e.job(connector(connector_id)?, source)
        .map(|state| to_json(&state.report()))
        .transpose()
}

/// The jobs and their state in (connector, source) order (JSON array, each
/// with `status` and `median_duration_ms`).
pub(crate) fn jobs(e: &Core) -> Result<String> {
    to_json(&e.jobs().map(JobState::report).collect::<Vec<_>>())
}

/// Adds or replaces a maintenance window (`{ id, matchers?, schedule,
/// duration, comment? }`).
pub(crate) fn set_window(e: &mut Core, window_json: &str) -> Result<()> {
    let window: MaintenanceWindow = parse_record(window_json, "window")?;
    e.set_window(window).map_err(alert_error)
}

/// Removes a maintenance window at `now_ms`; the effects of what it held
/// (none for an unknown id).
pub(crate) fn remove_window(e: &mut Core, window_id: &str, now_ms: f64) -> Result<String> {
    to_json(&e.remove_window(window_id, timestamp(now_ms)?))
}

/// The maintenance windows in id order (JSON array).
pub(crate) fn windows(e: &Core) -> Result<String> {
    to_json(&e.windows().collect::<Vec<_>>())
}

/// Applies an operator command; throws with the core's code and changes
/// nothing when it does not apply.
pub(crate) fn command(e: &mut Core, command_json: &str, now_ms: f64) -> Result<String> {
    let command: Command = parse(command_json, "command")?;
    let effects = e
        .command(&command, timestamp(now_ms)?)
        .map_err(|x| from_core(x.code(), &x))?;
    to_json(&effects)
}

/// Unix milliseconds of the next due timer.
pub(crate) fn next_wakeup_ms(e: &Core) -> Option<f64> {
    e.next_wakeup().map(|t| t.unix_millis() as f64)
}

/// Every incident the engine's model holds (JSON array).
pub(crate) fn incidents(e: &Core) -> Result<String> {
    to_json(&e.model().incidents().collect::<Vec<_>>())
}

/// The incident with `incident_id` (JSON), or `None`.
pub(crate) fn get(e: &Core, incident_id: &str) -> Result<Option<String>> {
    e.model().get(incident_id).map(to_json).transpose()
}

/// The alerting layer: the incident model plus rules, silences, flap
/// detection and heartbeats. Each call returns the effects (JSON text of an
/// array) the caller performs: incident facts and `notify`/`suppressed`.
#[napi]
pub struct AlertEngine {
    engine: Core,
}

#[napi]
impl AlertEngine {
    /// An engine with no rules, with the defaults or `options` applied.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<AlertOptions>) -> Self {
        AlertEngine {
            engine: Core::new(config(options)),
        }
    }

    /// Adds or replaces a rule (JSON); throws with the core's code.
    #[napi(catch_unwind)]
    pub fn set_rule(&mut self, rule_json: String) -> Result<()> {
        set_rule(&mut self.engine, &rule_json)
    }

    /// Removes a rule; its JSON, or `null`.
    #[napi(catch_unwind)]
    pub fn remove_rule(&mut self, rule_id: String) -> Result<Option<String>> {
        remove_rule(&mut self.engine, &rule_id)
    }

    /// The rules (JSON array).
    #[napi(catch_unwind)]
    pub fn rules(&self) -> Result<String> {
        rules(&self.engine)
    }

    /// Adds or replaces a silence (JSON); throws with the core's code.
    #[napi(catch_unwind)]
    pub fn set_silence(&mut self, silence_json: String) -> Result<()> {
        set_silence(&mut self.engine, &silence_json)
    }

    /// Ends a silence now; the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn expire_silence(&mut self, silence_id: String, now_ms: f64) -> Result<String> {
        expire_silence(&mut self.engine, &silence_id, now_ms)
    }

    /// The silences (JSON array).
    #[napi(catch_unwind)]
    pub fn silences(&self) -> Result<String> {
        silences(&self.engine)
    }

    /// Sets or changes a heartbeat (JSON) at `now_ms`.
    #[napi(catch_unwind)]
    pub fn set_heartbeat(&mut self, heartbeat_json: String, now_ms: f64) -> Result<()> {
        set_heartbeat(&mut self.engine, &heartbeat_json, now_ms)
    }

    /// Pauses or resumes a heartbeat at `now_ms`.
    #[napi(catch_unwind)]
    pub fn set_heartbeat_paused(
        &mut self,
        connector_id: String,
        source: String,
        paused: bool,
        now_ms: f64,
    ) -> Result<()> {
        set_heartbeat_paused(&mut self.engine, &connector_id, &source, paused, now_ms)
    }

    /// Removes a heartbeat; its JSON, or `null`.
    #[napi(catch_unwind)]
    pub fn remove_heartbeat(
        &mut self,
        connector_id: String,
        source: String,
    ) -> Result<Option<String>> {
        remove_heartbeat(&mut self.engine, &connector_id, &source)
    }

    /// The heartbeats and their state (JSON array).
    #[napi(catch_unwind)]
    pub fn heartbeats(&self) -> Result<String> {
        heartbeats(&self.engine)
    }

    /// Sets or changes a job (JSON) at `now_ms`; throws with the core's
    /// code.
    #[napi(catch_unwind)]
    pub fn set_job(&mut self, job_json: String, now_ms: f64) -> Result<()> {
        set_job(&mut self.engine, &job_json, now_ms)
    }

    /// Pauses or resumes a job at `now_ms`.
    #[napi(catch_unwind)]
    pub fn set_job_paused(
        &mut self,
        connector_id: String,
        source: String,
        paused: bool,
        now_ms: f64,
    ) -> Result<()> {
        set_job_paused(&mut self.engine, &connector_id, &source, paused, now_ms)
    }

    /// Removes a job; its JSON, or `null`.
    #[napi(catch_unwind)]
    pub fn remove_job(&mut self, connector_id: String, source: String) -> Result<Option<String>> {
        remove_job(&mut self.engine, &connector_id, &source)
    }

    /// One job's state (JSON, with `status` and `median_duration_ms`), or
    /// `null`.
    #[napi(catch_unwind)]
    pub fn job(&self, connector_id: String, source: String) -> Result<Option<String>> {
        job(&self.engine, &connector_id, &source)
    }

    /// The jobs and their state (JSON array).
    #[napi(catch_unwind)]
    pub fn jobs(&self) -> Result<String> {
        jobs(&self.engine)
    }

    /// Adds or replaces a maintenance window (JSON); throws with the core's
    /// code.
    #[napi(catch_unwind)]
    pub fn set_window(&mut self, window_json: String) -> Result<()> {
        set_window(&mut self.engine, &window_json)
    }

    /// Removes a maintenance window at `now_ms`; the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn remove_window(&mut self, window_id: String, now_ms: f64) -> Result<String> {
        remove_window(&mut self.engine, &window_id, now_ms)
    }

    /// The maintenance windows (JSON array).
    #[napi(catch_unwind)]
    pub fn windows(&self) -> Result<String> {
        windows(&self.engine)
    }

    /// Ingests one accepted event (normalized event JSON) with its id at
    /// `now_ms`; the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn ingest(&mut self, event_json: String, event_id: String, now_ms: f64) -> Result<String> {
        let event: Event = parse(&event_json, "event")?;
        to_json(&self.engine.ingest(&event, &event_id, timestamp(now_ms)?))
    }

    /// Applies an operator command (JSON); the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn command(&mut self, command_json: String, now_ms: f64) -> Result<String> {
        command(&mut self.engine, &command_json, now_ms)
    }

    /// Runs every timer due at `now_ms`; the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn tick(&mut self, now_ms: f64) -> Result<String> {
        to_json(&self.engine.tick(timestamp(now_ms)?))
    }

    /// When to call `tick` next (Unix milliseconds), or `null`.
    #[napi(catch_unwind)]
    pub fn next_wakeup_ms(&self) -> Option<f64> {
        next_wakeup_ms(&self.engine)
    }

    /// Every incident (JSON array).
    #[napi(catch_unwind)]
    pub fn incidents(&self) -> Result<String> {
        incidents(&self.engine)
    }

    /// The incident with `incident_id` (JSON), or `null`.
    #[napi(catch_unwind)]
    pub fn get(&self, incident_id: String) -> Result<Option<String>> {
        get(&self.engine, &incident_id)
    }

    /// The whole state as snapshot JSON, to persist and `restore` later.
    #[napi(catch_unwind)]
    pub fn snapshot(&self) -> Result<String> {
        to_json(&self.engine.snapshot())
    }

    /// An engine rebuilt from `snapshot` JSON with `options`; throws with
    /// the core's `snapshot_*` code for a snapshot it cannot restore.
    #[napi(factory, catch_unwind)]
    pub fn restore(snapshot: String, options: Option<AlertOptions>) -> Result<Self> {
        let snapshot: AlertSnapshot =
            serde_json::from_str(&snapshot).map_err(|e| from_core("snapshot_syntax", e))?;
        let engine =
            Core::restore(config(options), snapshot).map_err(|e| from_core(e.code(), &e))?;
        Ok(AlertEngine { engine })
    }
}
