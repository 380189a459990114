//! `AlertEngine`: the core's alerting layer (`erpops_core::alert`, contract
//! §6) for Python services that correlate and alert in-process.
//!
//! Rules, silences, heartbeats, jobs and maintenance windows are given as
//! dicts in the core's serde form (the form of `tests/vectors/alerts.json`
//! and the REST API), with `datetime`, `timedelta`, `uuid.UUID` and
//! `erpops.Schedule` values accepted where the form has timestamps, whole
//! seconds, connector ids and schedules. Effects, records and incidents
//! come back as dicts in the same form, as on `IncidentModel`.
//! Every decision is the core's.

use std::sync::{Mutex, MutexGuard, PoisonError};

use erpops_core::alert::job::record_error;
use erpops_core::alert::{
    AlertConfig, AlertEngine, AlertError, AlertRule, AlertSnapshot, FlappingConfig, Heartbeat, Job,
    MaintenanceWindow, Silence,
};
use erpops_core::incident::CommandError;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyMapping};
use serde_json::Value;

use crate::contract::uuid_of;
use crate::errors::{error, guard, Kind};
use crate::incident::{command_of, config_of, event_of};
use crate::input::type_name;
use crate::json::{from_py_native, loads_str, to_py};
use crate::time::{datetime_of, duration_of, timestamp_of};

/// The alerting layer: the incident model plus rules, silences, flap
/// detection, heartbeats, batch jobs (schedules, runs, runtime limits,
/// deadlines, dependencies) and maintenance windows. Every operation
/// returns the effects, as dicts, that the caller performs: the incident
/// facts (`opened`, `resolved`, ...) and `notify`/`suppressed`/`flapping_*`.
/// Thread-safe.
#[pyclass(frozen, module = "erpops", name = "AlertEngine")]
pub struct PyAlertEngine {
    engine: Mutex<AlertEngine>,
    config: AlertConfig,
}

impl PyAlertEngine {
    fn lock(&self) -> MutexGuard<'_, AlertEngine> {
        self.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The JSON text `write` makes of the engine's state, as Python values.
    /// The text is written under the lock and parsed after it is released:
    /// no Python code runs while the lock is held, so a thread switch inside
    /// `json.loads` cannot leave another thread holding the GIL while it
    /// waits for the lock.
    fn view<'py>(
        &self,
        py: Python<'py>,
        write: impl FnOnce(&AlertEngine) -> serde_json::Result<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = write(&self.lock());
        let text = text.map_err(|e| {
            error(
                py,
                Kind::InternalError,
                "internal",
                &e.to_string(),
                None,
                None,
            )
        })?;
        loads_str(py, &text)
    }
}

/// An `erpops.AlertError` with the core's code.
fn alert_error(py: Python<'_>, e: &AlertError) -> PyErr {
    error(py, Kind::AlertError, e.code(), &e.to_string(), None, None)
}

/// An `erpops.IncidentError` for a refused command, as `IncidentModel`
/// raises.
fn command_error(py: Python<'_>, e: &CommandError) -> PyErr {
    error(
        py,
        Kind::IncidentError,
        e.code(),
        &e.to_string(),
        None,
        None,
    )
}

/// A rule, silence, heartbeat, job or window dict (or other mapping) read
/// as the core's record `T`: `TypeError` when it is not a mapping or holds a
/// value with no JSON form; `AlertError` when it is not the record's form:
/// the core's own code when a schedule or deadline in it cannot be built
/// (`unknown_time_zone`, `invalid_cron`, `invalid_deadline`, ...), else
/// `invalid_argument` (a missing or unknown field, a wrong type).
fn record_of<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    what: &str,
    form: &str,
) -> PyResult<T> {
    let dict = if let Ok(d) = value.cast::<PyDict>() {
        d.clone()
    } else if let Ok(m) = value.cast::<PyMapping>() {
        let d = PyDict::new(py);
        d.update(m)?;
        d
    } else {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a dict ({form}), not {}",
            type_name(value)
        )));
    };
    let invalid = |e: &dyn std::fmt::Display| {
        error(
            py,
            Kind::AlertError,
            "invalid_argument",
            &format!("{what} is not in the expected form ({form}): {e}"),
            None,
            None,
        )
    };
    let json: Value = from_py_native(py, dict.as_any())?.map_err(|e| invalid(&e))?;
    T::deserialize(&json).map_err(|e| match record_error(&json) {
        Some(core) => error(
            py,
            Kind::AlertError,
            core.code(),
            &core.to_string(),
            None,
            None,
        ),
        None => invalid(&e),
    })
}

const RULE_FORM: &str =
    "{\"id\", \"name\", \"channel\", \"kinds\"?, \"matchers\"?, \"repeat_interval\"?, \"group_wait\"?}";
const SILENCE_FORM: &str = "{\"id\", \"matchers\"?, \"starts_at\", \"ends_at\", \"comment\"?}";
const HEARTBEAT_FORM: &str =
    "{\"connector_id\", \"source\", \"period\", \"grace\", \"severity\"?, \"paused\"?}";
const JOB_FORM: &str = "{\"connector_id\", \"source\", \"expectation\": {\"period\"} or {\"schedule\"}, \"grace\", \"max_runtime\"?, \"min_runtime\"?, \"deadline\"?: {\"time\", \"time_zone\"}, \"depends_on\"?, \"severity\"?, \"paused\"?}";
const WINDOW_FORM: &str = "{\"id\", \"matchers\"?, \"schedule\", \"duration\", \"comment\"?}";

/// Flap detection from the `flapping` argument: `True` (the defaults),
/// `False` (off), or a mapping overriding `max_transitions`, `window` and
/// `quiet_period` (seconds or `timedelta`).
fn flapping_of(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<FlappingConfig>> {
    let default = FlappingConfig::default();
    let Some(value) = value else {
        return Ok(Some(default));
    };
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(b.is_true().then_some(default));
    }
    let Ok(m) = value.cast::<PyMapping>() else {
        return Err(PyTypeError::new_err(format!(
            "flapping must be True, False or a dict of max_transitions, window and \
             quiet_period, not {}",
            type_name(value)
        )));
    };
    let mut config = default;
    for item in m.items()?.try_iter()? {
        let (key, v): (String, Bound<'_, PyAny>) = item?.extract()?;
        match key.as_str() {
            "max_transitions" => {
                if v.is_instance_of::<PyBool>() {
                    return Err(PyTypeError::new_err(
                        "flapping max_transitions must be an int, not bool",
                    ));
                }
                config.max_transitions = v.extract()?;
            }
            "window" => config.window = duration_of(&v, "flapping window")?,
            "quiet_period" => config.quiet_period = duration_of(&v, "flapping quiet_period")?,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unknown flapping option {other:?}; the options are max_transitions, \
                     window and quiet_period"
                )))
            }
        }
    }
    Ok(Some(config))
}

#[pymethods]
impl PyAlertEngine {
    /// An engine with no rules, silences or heartbeats, with the contract's
    /// defaults or the given windows (seconds or `timedelta`;
    /// `ack_timeout=0` means acknowledgements never expire) and flap
    /// detection (`True`: 4 transitions in an hour, quiet for an hour;
    /// `False`: off; or a dict overriding `max_transitions`, `window`,
    /// `quiet_period`).
    #[new]
    #[pyo3(signature = (*, reopen_window = None, ack_timeout = None, retain_resolved = None, flapping = None))]
    fn new(
        py: Python<'_>,
        reopen_window: Option<&Bound<'_, PyAny>>,
        ack_timeout: Option<&Bound<'_, PyAny>>,
        retain_resolved: Option<&Bound<'_, PyAny>>,
        flapping: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let config = AlertConfig {
                incident: config_of(reopen_window, ack_timeout, retain_resolved)?,
                flapping: flapping_of(flapping)?,
            };
            Ok(PyAlertEngine {
                engine: Mutex::new(AlertEngine::new(config.clone())),
                config,
            })
        })
    }

    /// Adds a rule, or replaces the one with the same id (its throttling
    /// history is kept). Raises `AlertError` (`invalid_name`,
    /// `invalid_duration`, `invalid_argument`) and changes nothing when the
    /// rule is invalid.
    fn set_rule(&self, py: Python<'_>, rule: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let rule: AlertRule = record_of(py, rule, "rule", RULE_FORM)?;
            let result = self.lock().set_rule(rule);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Removes a rule with its history, held notifications and timers; the
    /// removed rule, or `None`.
    fn remove_rule<'py>(
        &self,
        py: Python<'py>,
        rule_id: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let removed = self.lock().remove_rule(rule_id);
            removed.map(|r| to_py(py, &r)).transpose()
        })
    }

    /// The rules, in id order.
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            self.view(py, |e| {
                serde_json::to_string(&e.rules().collect::<Vec<_>>())
            })
        })
    }

    /// Adds a silence, or replaces the one with the same id (to extend it).
    /// Raises `AlertError` (`invalid_name`, `invalid_time_range`,
    /// `invalid_argument`) and changes nothing when it is invalid.
    fn set_silence(&self, py: Python<'_>, silence: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let silence: Silence = record_of(py, silence, "silence", SILENCE_FORM)?;
            let result = self.lock().set_silence(silence);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Ends a silence at `now` (deletes it); returns the effects of what it
    /// held back. An unknown id gives no effects.
    #[pyo3(signature = (silence_id, *, now = None))]
    fn expire_silence<'py>(
        &self,
        py: Python<'py>,
        silence_id: &str,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let now = timestamp_of(py, now)?;
            let effects = self.lock().expire_silence(silence_id, now);
            to_py(py, &effects)
        })
    }

    /// The silences (pending, active or not yet swept), in id order.
    fn silences<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            self.view(py, |e| {
                serde_json::to_string(&e.silences().collect::<Vec<_>>())
            })
        })
    }

    /// Sets or changes the heartbeat of (connector, source) at `now`: a new
    /// one first expects a sign of life by `now + period + grace`. Raises
    /// `AlertError` (`invalid_name`, `invalid_duration`, `invalid_argument`).
    #[pyo3(signature = (heartbeat, *, now = None))]
    fn set_heartbeat(
        &self,
        py: Python<'_>,
        heartbeat: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(py, || {
            let heartbeat: Heartbeat = record_of(py, heartbeat, "heartbeat", HEARTBEAT_FORM)?;
            let now = timestamp_of(py, now)?;
            let result = self.lock().set_heartbeat(heartbeat, now);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Pauses or resumes a heartbeat at `now`; resuming counts from `now`.
    /// Raises `AlertError` `unknown_heartbeat` when none is set.
    #[pyo3(signature = (connector_id, source, paused, *, now = None))]
    fn set_heartbeat_paused(
        &self,
        py: Python<'_>,
        connector_id: &Bound<'_, PyAny>,
        source: &str,
        paused: bool,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(py, || {
            let connector_id = uuid_of(connector_id, "connector_id")?;
            let now = timestamp_of(py, now)?;
            let result = self
                .lock()
                .set_heartbeat_paused(connector_id, source, paused, now);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Removes a heartbeat (its open missed-run incident stays); the
    /// removed heartbeat, or `None`.
    fn remove_heartbeat<'py>(
        &self,
        py: Python<'py>,
        connector_id: &Bound<'py, PyAny>,
        source: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let connector_id = uuid_of(connector_id, "connector_id")?;
            let removed = self.lock().remove_heartbeat(connector_id, source);
            removed.map(|h| to_py(py, &h)).transpose()
        })
    }

    /// The heartbeats with their state (`{"heartbeat", "last_seen",
    /// "deadline"?, "missed_incident"?, "missed_count"}`), in (connector,
    /// source) order.
    fn heartbeats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            self.view(py, |e| {
                serde_json::to_string(&e.heartbeats().collect::<Vec<_>>())
            })
        })
    }

    /// Sets the batch job of (connector, source) at `now`, or changes it:
    /// when it is due (`expectation`: a `period` or a `schedule`), its grace,
    /// runtime limits, daily deadline and dependencies. Raises `AlertError`
    /// (`invalid_name`, `invalid_duration`, a schedule's code such as
    /// `unknown_time_zone`, `invalid_deadline`, `invalid_runtime_range`,
    /// `deadline_needs_schedule`, `too_many_dependencies`,
    /// `dependency_cycle`, `watched_twice`, `invalid_argument`).
    #[pyo3(signature = (job, *, now = None))]
    fn set_job(
        &self,
        py: Python<'_>,
        job: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(py, || {
            let job: Job = record_of(py, job, "job", JOB_FORM)?;
            let now = timestamp_of(py, now)?;
            let result = self.lock().set_job(job, now);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Pauses (nothing expected) or resumes a job at `now`; resuming counts
    /// from `now`. Raises `AlertError` `unknown_job` when none is set.
    #[pyo3(signature = (connector_id, source, paused, *, now = None))]
    fn set_job_paused(
        &self,
        py: Python<'_>,
        connector_id: &Bound<'_, PyAny>,
        source: &str,
        paused: bool,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(py, || {
            let connector_id = uuid_of(connector_id, "connector_id")?;
            let now = timestamp_of(py, now)?;
            let result = self
                .lock()
                .set_job_paused(connector_id, source, paused, now);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Removes a job (its runs in progress are dropped, its open incidents
    /// stay); the removed job, or `None`.
    fn remove_job<'py>(
        &self,
        py: Python<'py>,
        connector_id: &Bound<'py, PyAny>,
        source: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let connector_id = uuid_of(connector_id, "connector_id")?;
            let removed = self.lock().remove_job(connector_id, source);
            removed.map(|j| to_py(py, &j)).transpose()
        })
    }

    /// The jobs with their state (`{"job", "since", "due"?, "miss_at"?,
    /// "open_runs"?, "runs"?, "missed_count", ...}`: the next due time, the
    /// runs in progress and the recent runs, lists left out when empty, plus
    /// `status` and `median_duration_ms`), in (connector, source) order.
    fn jobs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            self.view(py, |e| {
                serde_json::to_string(&e.jobs().map(|s| s.report()).collect::<Vec<_>>())
            })
        })
    }

    /// One job's state (with `status` and `median_duration_ms`), or `None`.
    fn job<'py>(
        &self,
        py: Python<'py>,
        connector_id: &Bound<'py, PyAny>,
        source: &str,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let connector_id = uuid_of(connector_id, "connector_id")?;
            let state = self.view(py, |e| {
                serde_json::to_string(&e.job(connector_id, source).map(|s| s.report()))
            })?;
            Ok((!state.is_none()).then_some(state))
        })
    }

    /// Adds a maintenance window (a recurring silence: a `schedule` of
    /// starts and a `duration`), or replaces the one with the same id.
    /// Raises `AlertError` (`invalid_name`, `invalid_duration`,
    /// `invalid_window`, a schedule's code, `invalid_argument`).
    fn set_window(&self, py: Python<'_>, window: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let window: MaintenanceWindow = record_of(py, window, "window", WINDOW_FORM)?;
            let result = self.lock().set_window(window);
            result.map_err(|e| alert_error(py, &e))
        })
    }

    /// Removes a window at `now`; returns the effects of what it held back.
    /// An unknown id gives no effects.
    #[pyo3(signature = (window_id, *, now = None))]
    fn remove_window<'py>(
        &self,
        py: Python<'py>,
        window_id: &str,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let now = timestamp_of(py, now)?;
            let effects = self.lock().remove_window(window_id, now);
            to_py(py, &effects)
        })
    }

    /// The maintenance windows, in id order.
    fn windows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            self.view(py, |e| {
                serde_json::to_string(&e.windows().collect::<Vec<_>>())
            })
        })
    }

    /// Applies one valid event (an `erpops.Event` or its `to_dict()` form)
    /// with the id the receiver gave it; returns the effects in order. An
    /// event from a watched (connector, source) is first a sign of life, and
    /// a job's run signals (`*.started`, `*.succeeded`, `*.failed`, paired by
    /// `metadata.run_id`) are its runs.
    #[pyo3(signature = (event, event_id, *, now = None))]
    fn ingest<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
        event_id: &str,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let event = event_of(py, event)?;
            let now = timestamp_of(py, now)?;
            let effects = self.lock().ingest(&event, event_id, now);
            to_py(py, &effects)
        })
    }

    /// Applies an operator command: `acknowledge`, `resolve` or `reopen`.
    /// Raises `IncidentError` (the core's code, e.g. `incident_not_found`)
    /// and changes nothing when it cannot apply, as `IncidentModel` does.
    #[pyo3(signature = (command, incident_id, *, actor, note = None, now = None))]
    fn command<'py>(
        &self,
        py: Python<'py>,
        command: &str,
        incident_id: &str,
        actor: &str,
        note: Option<&str>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let command = command_of(command, incident_id, actor, note)?;
            let now = timestamp_of(py, now)?;
            let result = self.lock().command(&command, now);
            match result {
                Ok(effects) => to_py(py, &effects),
                Err(e) => Err(command_error(py, &e)),
            }
        })
    }

    /// Runs every timer due at `now` (heartbeat deadlines, silence ends,
    /// flapping quiet periods, group flushes, repeats, acknowledgement
    /// expiry); returns the effects. Calling it early is harmless.
    #[pyo3(signature = (now = None))]
    fn tick<'py>(
        &self,
        py: Python<'py>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let now = timestamp_of(py, now)?;
            let effects = self.lock().tick(now);
            to_py(py, &effects)
        })
    }

    /// When `tick` should next be called (aware UTC `datetime`), or `None`.
    fn next_wakeup<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let next = self.lock().next_wakeup();
            next.map(|t| datetime_of(py, t)).transpose()
        })
    }

    /// The incident with this id as a dict, or `None`.
    fn get<'py>(&self, py: Python<'py>, incident_id: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let incident = self.view(py, |e| serde_json::to_string(&e.model().get(incident_id)))?;
            Ok((!incident.is_none()).then_some(incident))
        })
    }

    /// Every incident held, as dicts.
    fn incidents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            self.view(py, |e| {
                serde_json::to_string(&e.model().incidents().collect::<Vec<_>>())
            })
        })
    }

    /// Number of incidents that are open or acknowledged.
    fn active_count(&self, py: Python<'_>) -> PyResult<usize> {
        guard(py, || Ok(self.lock().model().active_count()))
    }

    /// The whole state (incidents, rules, silences, heartbeats, flapping,
    /// throttling, held notifications) as JSON text, to persist and
    /// `restore`. The configuration is not in it.
    fn snapshot(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            let snapshot = self.lock().snapshot();
            serde_json::to_string(&snapshot).map_err(|e| {
                error(
                    py,
                    Kind::InternalError,
                    "internal",
                    &e.to_string(),
                    None,
                    None,
                )
            })
        })
    }

    /// An engine with the same configuration and the state of `snapshot`.
    /// Raises `AlertError`: `snapshot_syntax` for text that is not a
    /// snapshot, `snapshot_version` or the core's other snapshot codes for
    /// one this version cannot have written.
    fn restore(&self, py: Python<'_>, snapshot: &str) -> PyResult<Self> {
        guard(py, || {
            let snap: AlertSnapshot = serde_json::from_str(snapshot).map_err(|e| {
                error(
                    py,
                    Kind::AlertError,
                    "snapshot_syntax",
                    &format!("not an alert engine snapshot: {e}"),
                    None,
                    None,
                )
            })?;
            let engine = AlertEngine::restore(self.config.clone(), snap)
                .map_err(|e| error(py, Kind::AlertError, e.code(), &e.to_string(), None, None))?;
            Ok(PyAlertEngine {
                engine: Mutex::new(engine),
                config: self.config.clone(),
            })
        })
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        guard(py, || Ok(self.lock().model().incidents().count()))
    }
}
