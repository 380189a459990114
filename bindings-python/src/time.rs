//! `now` and timestamps between Python and the core's [`Timestamp`].
//!
//! Contract §10: in Python, `now` is a timezone-aware `datetime` or Unix
//! seconds (`int` or `float`). When the caller omits it, the binding reads the
//! system clock here: the core never does. Timestamps come back as aware UTC
//! `datetime`s (microsecond precision, the finest `datetime` has).
//!
//! The conversion goes through Python's `datetime` arithmetic rather than the
//! datetime C API, which the stable ABI does not expose.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use erpops_core::Timestamp;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyType};

use crate::input::type_name;

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// 1970-01-01T00:00:00+00:00 as an aware `datetime`.
fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    EPOCH
        .get_or_try_init(py, || {
            let datetime = py.import("datetime")?;
            let utc = datetime.getattr("timezone")?.getattr("utc")?;
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("tzinfo", utc)?;
            Ok::<_, PyErr>(
                datetime
                    .getattr("datetime")?
                    .call((1970, 1, 1), Some(&kwargs))?
                    .unbind(),
            )
        })
        .map(|e| e.bind(py))
}

/// The system clock, for a `now` the caller left out.
fn clock_now() -> PyResult<Timestamp> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| PyValueError::new_err("the system clock is before 1970"))?;
    let secs = i64::try_from(since.as_secs())
        .map_err(|_| PyOverflowError::new_err("the system clock is out of range"))?;
    Timestamp::new(secs, since.subsec_nanos())
        .ok_or_else(|| PyOverflowError::new_err("the system clock is out of range"))
}

/// The core timestamp for a `now` argument: `None` (read the clock), Unix
/// seconds as `int` or `float`, or a timezone-aware `datetime`.
pub(crate) fn timestamp_of(py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Timestamp> {
    let Some(now) = now else {
        return clock_now();
    };
    if now.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "now must be a timezone-aware datetime or Unix seconds, not bool",
        ));
    }
    if now.is_instance_of::<PyInt>() {
        let secs: i64 = now.extract()?;
        return Ok(Timestamp::from_unix_seconds(secs));
    }
    if now.is_instance_of::<PyFloat>() {
        let secs: f64 = now.extract()?;
        if !secs.is_finite() {
            return Err(PyValueError::new_err(
                "now must be a finite number of seconds",
            ));
        }
        // Rounded to the nearest nanosecond of the float's binary value.
        let nanos = (secs * 1e9).round();
        #[allow(clippy::cast_possible_truncation)]
        return Timestamp::from_unix_nanos(nanos as i128)
            .ok_or_else(|| PyOverflowError::new_err("now is out of range"));
    }
    let datetime = DATETIME.import(py, "datetime", "datetime")?;
    if now.is_instance(datetime)? {
        if now.call_method0("utcoffset")?.is_none() {
            return Err(PyValueError::new_err(
                "now must be a timezone-aware datetime (a naive one is ambiguous); use \
                 datetime.now(timezone.utc) or attach a tzinfo",
            ));
        }
        let delta = now.sub(epoch(py)?)?;
        let days: i64 = delta.getattr("days")?.extract()?;
        let seconds: i64 = delta.getattr("seconds")?.extract()?;
        let micros: u32 = delta.getattr("microseconds")?.extract()?;
        let secs = days
            .checked_mul(86_400)
            .and_then(|d| d.checked_add(seconds))
            .ok_or_else(|| PyOverflowError::new_err("now is out of range"))?;
        return Timestamp::new(secs, micros * 1_000)
            .ok_or_else(|| PyOverflowError::new_err("now is out of range"));
    }
    Err(PyTypeError::new_err(format!(
        "now must be a timezone-aware datetime or Unix seconds (int or float), not {}",
        type_name(now)
    )))
}

/// An aware UTC `datetime` for `ts` (nanoseconds truncated to microseconds).
pub(crate) fn datetime_of<'py>(py: Python<'py>, ts: Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("seconds", ts.unix_seconds())?;
    kwargs.set_item("microseconds", ts.subsec_nanos() / 1_000)?;
    let delta = timedelta.call((), Some(&kwargs))?;
    epoch(py)?.add(delta)
}

/// A non-negative duration given as seconds (`int` or `float`) or a
/// `timedelta`; `what` names the argument in errors.
pub(crate) fn duration_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Duration> {
    let py = value.py();
    let negative = || PyValueError::new_err(format!("{what} must not be negative"));
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be seconds or a timedelta, not bool"
        )));
    }
    if value.is_instance_of::<PyInt>() {
        let secs: i64 = value.extract()?;
        return u64::try_from(secs)
            .map(Duration::from_secs)
            .map_err(|_| negative());
    }
    if value.is_instance_of::<PyFloat>() {
        let secs: f64 = value.extract()?;
        return Duration::try_from_secs_f64(secs).map_err(|_| {
            PyValueError::new_err(format!(
                "{what} must be a finite, non-negative number of seconds"
            ))
        });
    }
    if value.is_instance(TIMEDELTA.import(py, "datetime", "timedelta")?)? {
        let days: i64 = value.getattr("days")?.extract()?;
        let seconds: i64 = value.getattr("seconds")?.extract()?;
        let micros: u32 = value.getattr("microseconds")?.extract()?;
        let secs = days
            .checked_mul(86_400)
            .and_then(|d| d.checked_add(seconds))
            .ok_or_else(|| PyOverflowError::new_err(format!("{what} is out of range")))?;
        let secs = u64::try_from(secs).map_err(|_| negative())?;
        return Ok(Duration::new(secs, micros * 1_000));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be seconds (int or float) or a timedelta, not {}",
        type_name(value)
    )))
}
