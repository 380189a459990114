//! `Schedule`: when a batch job is expected to run (`erpops_core::schedule`,
//! issue #23): one or more 5-field cron expressions, each read on the wall
//! clock of its own IANA time zone, and the daylight-saving rule of
//! `docs/runs.md`. The binding only converts entries, instants and errors;
//! the fire times are the core's.

use erpops_core::schedule::{CronEntry, Schedule, ScheduleError};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString, PyTuple};

use crate::errors::{error, guard, Kind};
use crate::input::type_name;
use crate::json::to_py;
use crate::time::{datetime_of, timestamp_of};

/// An `erpops.ScheduleError` with the core's code.
fn schedule_error(py: Python<'_>, e: &ScheduleError) -> PyErr {
    error(
        py,
        Kind::ScheduleError,
        e.code(),
        &e.to_string(),
        None,
        None,
    )
}

/// A `str` argument named `what`, or a `TypeError` naming what it is.
fn text_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{what} must be a str, not {}",
            type_name(value)
        ))),
    }
}

/// One entry: a `{"cron": ..., "time_zone": ...}` mapping (the JSON form)
/// or a `(cron, time_zone)` pair, as the (expression, zone) texts.
fn entry_texts(entry: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    const FORM: &str =
        "each schedule entry must be a {\"cron\": ..., \"time_zone\": ...} dict or a (cron, time_zone) tuple";
    if let Ok(t) = entry.cast::<PyTuple>() {
        if t.len() != 2 {
            return Err(PyTypeError::new_err(format!(
                "{FORM}, not a tuple of {}",
                t.len()
            )));
        }
        return Ok((
            text_of(&t.get_item(0)?, "cron")?,
            text_of(&t.get_item(1)?, "time_zone")?,
        ));
    }
    if entry.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{FORM}, not a str (for one expression use Schedule.single(cron, time_zone))"
        )));
    }
    let Ok(m) = entry.cast::<PyMapping>() else {
        return Err(PyTypeError::new_err(format!(
            "{FORM}, not {}",
            type_name(entry)
        )));
    };
    let mut cron = None;
    let mut zone = None;
    for item in m.items()?.try_iter()? {
        let (key, value): (String, Bound<'_, PyAny>) = item?.extract()?;
        match key.as_str() {
            "cron" => cron = Some(text_of(&value, "cron")?),
            "time_zone" => zone = Some(text_of(&value, "time_zone")?),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "{FORM}: unknown key {other:?}"
                )))
            }
        }
    }
    match (cron, zone) {
        (Some(c), Some(z)) => Ok((c, z)),
        _ => Err(PyTypeError::new_err(format!(
            "{FORM}: both \"cron\" and \"time_zone\" are required"
        ))),
    }
}

/// A job schedule: one or more cron entries, each a 5-field expression (or
/// `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`) read in an IANA
/// time zone. It fires at the union of its entries' fire times. Immutable
/// and thread-safe.
#[pyclass(frozen, eq, module = "erpops", name = "Schedule")]
#[derive(PartialEq)]
pub struct PySchedule {
    pub(crate) schedule: Schedule,
}

#[pymethods]
impl PySchedule {
    /// A schedule of `entries`, each a `{"cron": ..., "time_zone": ...}`
    /// dict (the JSON form, as `entries` returns) or a `(cron, time_zone)`
    /// tuple. Raises `ScheduleError` with the core's code (`invalid_cron`,
    /// `cron_never_fires`, `unknown_time_zone`, `invalid_schedule`).
    #[new]
    fn new(py: Python<'_>, entries: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(py, || {
            if entries.is_instance_of::<PyString>() || entries.cast::<PyMapping>().is_ok() {
                return Err(PyTypeError::new_err(format!(
                    "entries must be a list of {{\"cron\", \"time_zone\"}} dicts or (cron, \
                     time_zone) tuples, not {} (for one expression use \
                     Schedule.single(cron, time_zone))",
                    type_name(entries)
                )));
            }
            let mut built = Vec::new();
            for entry in entries.try_iter()? {
                let (cron, zone) = entry_texts(&entry?)?;
                built.push(CronEntry::new(&cron, &zone).map_err(|e| schedule_error(py, &e))?);
            }
            let schedule = Schedule::new(built).map_err(|e| schedule_error(py, &e))?;
            Ok(PySchedule { schedule })
        })
    }

    /// A schedule of one expression in one zone (`time_zone` defaults to
    /// `UTC`).
    #[staticmethod]
    #[pyo3(signature = (cron, time_zone = "UTC"))]
    fn single(py: Python<'_>, cron: &str, time_zone: &str) -> PyResult<Self> {
        guard(py, || {
            let schedule = Schedule::single(cron, time_zone).map_err(|e| schedule_error(py, &e))?;
            Ok(PySchedule { schedule })
        })
    }

    /// The entries in their JSON form, `[{"cron": ..., "time_zone": ...}]`,
    /// the zone in its canonical IANA spelling.
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || to_py(py, &self.schedule))
    }

    /// The next fire time strictly after `after` (an aware `datetime` or
    /// Unix seconds; omitted, the clock), as an aware UTC `datetime`, or
    /// `None` past the supported range (the year 5000).
    #[pyo3(signature = (after = None))]
    fn next_fire_after<'py>(
        &self,
        py: Python<'py>,
        after: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        guard(py, || {
            let after = timestamp_of(py, after)?;
            self.schedule
                .next_fire_after(after)
                .map(|t| datetime_of(py, t))
                .transpose()
        })
    }

    /// Up to `n` fire times strictly after `after`, in order (each the
    /// next fire time after the one before), as aware UTC `datetime`s.
    #[pyo3(signature = (after, n))]
    fn fires_after<'py>(
        &self,
        py: Python<'py>,
        after: Option<&Bound<'py, PyAny>>,
        n: usize,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        guard(py, || {
            let after = timestamp_of(py, after)?;
            let schedule = &self.schedule;
            // The schedule is immutable: the search needs no GIL.
            let fires = py.detach(|| schedule.fires_after(after, n));
            fires.into_iter().map(|t| datetime_of(py, t)).collect()
        })
    }

    fn __len__(&self) -> usize {
        self.schedule.entries().len()
    }

    fn __repr__(&self) -> String {
        let entries: Vec<String> = self
            .schedule
            .entries()
            .iter()
            .map(|e| format!("({:?}, {:?})", e.expression(), e.time_zone()))
            .collect();
        format!("Schedule([{}])", entries.join(", "))
    }
}
