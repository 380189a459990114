//! `IncidentModel`: the core's incident state machine (`erpops_core::incident`,
//! contract §6) for Python services that run the decision in-process.
//!
//! Inputs are converted (events, `now`, durations, commands); the effects and
//! incident records come back as dicts in the core's serde JSON shape (the
//! REST API's), so field names are identical in every language.

use std::sync::{Mutex, MutexGuard, PoisonError};

use erpops_core::event::Event;
use erpops_core::incident::{Command, IncidentConfig, IncidentModel, IncidentSnapshot};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::{error, guard, Kind};
use crate::event::PyEvent;
use crate::json::{from_py, to_py};
use crate::time::{datetime_of, duration_of, timestamp_of};

/// Groups events into incidents and reports what changed as effect dicts
/// (`{"kind": "opened", "incident": {...}}`, ...). Thread-safe.
#[pyclass(frozen, module = "erpops", name = "IncidentModel")]
pub struct PyIncidentModel {
    model: Mutex<IncidentModel>,
    config: IncidentConfig,
}

impl PyIncidentModel {
    fn lock(&self) -> MutexGuard<'_, IncidentModel> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The configuration from keyword arguments (`None` keeps the contract's
/// default).
pub(crate) fn config_of(
    reopen_window: Option<&Bound<'_, PyAny>>,
    ack_timeout: Option<&Bound<'_, PyAny>>,
    retain_resolved: Option<&Bound<'_, PyAny>>,
) -> PyResult<IncidentConfig> {
    let mut config = IncidentConfig::default();
    if let Some(d) = reopen_window {
        config.reopen_window = duration_of(d, "reopen_window")?;
    }
    if let Some(d) = ack_timeout {
        config.ack_timeout = duration_of(d, "ack_timeout")?;
    }
    if let Some(d) = retain_resolved {
        config.retain_resolved = duration_of(d, "retain_resolved")?;
    }
    Ok(config)
}

/// The core command for `command`'s name (`acknowledge`, `resolve` or
/// `reopen`) with its arguments; `ValueError` for another name.
pub(crate) fn command_of(
    command: &str,
    incident_id: &str,
    actor: &str,
    note: Option<&str>,
) -> PyResult<Command> {
    let (incident_id, actor, note) = (
        incident_id.to_owned(),
        actor.to_owned(),
        note.map(str::to_owned),
    );
    Ok(match command {
        "acknowledge" => Command::Acknowledge {
            incident_id,
            actor,
            note,
        },
        "resolve" => Command::Resolve {
            incident_id,
            actor,
            note,
        },
        "reopen" => Command::Reopen {
            incident_id,
            actor,
            note,
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown command {other:?}; use \"acknowledge\", \"resolve\" or \"reopen\""
            )))
        }
    })
}

/// An event given as an `erpops.Event` or as its `to_dict()` form.
pub(crate) fn event_of(py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<Event> {
    match event.cast::<PyEvent>() {
        Ok(e) => Ok(e.get().event.clone()),
        Err(_) => from_py(py, event, "event (an erpops.Event or its to_dict() form)"),
    }
}

#[pymethods]
impl PyIncidentModel {
    /// A model with the contract's defaults, or the given windows (seconds or
    /// `timedelta`; `ack_timeout=0` means acknowledgements never expire).
    #[new]
    #[pyo3(signature = (*, reopen_window = None, ack_timeout = None, retain_resolved = None))]
    fn new(
        py: Python<'_>,
        reopen_window: Option<&Bound<'_, PyAny>>,
        ack_timeout: Option<&Bound<'_, PyAny>>,
        retain_resolved: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let config = config_of(reopen_window, ack_timeout, retain_resolved)?;
            Ok(PyIncidentModel {
                model: Mutex::new(IncidentModel::new(config.clone())),
                config,
            })
        })
    }

    /// Applies one valid event with the id the receiver gave it; returns the
    /// effects in order. Filter duplicate deliveries first.
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
    /// Raises `IncidentError` (with the core's code, e.g.
    /// `already_resolved`) and changes nothing when it cannot apply.
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
                Err(e) => Err(error(
                    py,
                    Kind::IncidentError,
                    e.code(),
                    &e.to_string(),
                    None,
                    None,
                )),
            }
        })
    }

    /// Fires the timers due at `now` (acknowledgement expiry, forgetting old
    /// incidents); returns the effects.
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
            let model = self.lock();
            model.get(incident_id).map(|i| to_py(py, i)).transpose()
        })
    }

    /// Every incident held, as dicts.
    fn incidents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let model = self.lock();
            let all: Vec<_> = model.incidents().collect();
            to_py(py, &all)
        })
    }

    /// Number of incidents that are open or acknowledged.
    fn active_count(&self, py: Python<'_>) -> PyResult<usize> {
        guard(py, || Ok(self.lock().active_count()))
    }

    /// The state as JSON text, to persist and `restore`.
    fn snapshot(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            serde_json::to_string(&self.lock().snapshot())
                .map_err(|e| PyValueError::new_err(e.to_string()))
        })
    }

    /// A model with the same configuration and the state of `snapshot`.
    /// Raises `IncidentError` (the core's snapshot code) for a snapshot this
    /// version cannot have written, `ValueError` for text that is not one.
    fn restore(&self, py: Python<'_>, snapshot: &str) -> PyResult<Self> {
        guard(py, || {
            let snap: IncidentSnapshot = serde_json::from_str(snapshot)
                .map_err(|e| PyValueError::new_err(format!("not an incident snapshot: {e}")))?;
            let model = IncidentModel::restore(self.config.clone(), snap).map_err(|e| {
                error(
                    py,
                    Kind::IncidentError,
                    e.code(),
                    &e.to_string(),
                    None,
                    None,
                )
            })?;
            Ok(PyIncidentModel {
                model: Mutex::new(model),
                config: self.config.clone(),
            })
        })
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        guard(py, || Ok(self.lock().incidents().count()))
    }
}
