//! Moving serde data to and from Python through the stdlib `json` module.
//!
//! Records such as incidents and effects are already serde types in the
//! core with one agreed JSON shape (the REST API's); handing that JSON to
//! `json.loads` gives Python dicts with exactly the same names and values as
//! every other language, with no per-field mapping to drift.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyFrozenSet, PySet, PyTuple, PyType};

use crate::input::type_name;
use crate::time::{duration_of, timestamp_of};

static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DEFAULT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `value` serialized by serde and parsed by Python's `json.loads`.
pub(crate) fn to_py<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyValueError::new_err(format!("cannot serialize: {e}")))?;
    LOADS.import(py, "json", "loads")?.call1((text,))
}

/// A Python value (dicts, lists, scalars) written by `json.dumps` and read by
/// serde as `T`; `what` names the argument in the error message.
pub(crate) fn from_py<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    let text: String = DUMPS
        .import(py, "json", "dumps")?
        .call1((value,))?
        .extract()?;
    serde_json::from_str(&text)
        .map_err(|e| PyValueError::new_err(format!("{what} is not in the expected form: {e}")))
}

/// JSON text serialized by the caller (e.g. under a lock it then drops)
/// parsed by `json.loads`.
pub(crate) fn loads_str<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    LOADS.import(py, "json", "loads")?.call1((text,))
}

/// JSON `bytes` (a response body) parsed by `json.loads`.
pub(crate) fn loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    LOADS
        .import(py, "json", "loads")?
        .call1((pyo3::types::PyBytes::new(py, text),))
}

/// The JSON form of a value `json.dumps` cannot write itself, for records
/// whose serde form has timestamps, durations and ids: an aware `datetime`
/// becomes the core's RFC 3339 text, a `timedelta` its seconds (whole
/// seconds as an `int`), a `uuid.UUID` its hyphenated text, an
/// `erpops.Schedule` its entries, a `set` or `frozenset` a list. Anything else is a `TypeError`, as `json.dumps`
/// raises.
fn json_default<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    if value.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        let ts = timestamp_of(py, Some(value))?;
        return Ok(ts.to_rfc3339().into_pyobject(py)?.into_any());
    }
    if value.is_instance(TIMEDELTA.import(py, "datetime", "timedelta")?)? {
        let d = duration_of(value, "a duration")?;
        return if d.subsec_nanos() == 0 {
            Ok(d.as_secs().into_pyobject(py)?.into_any())
        } else {
            Ok(d.as_secs_f64().into_pyobject(py)?.into_any())
        };
    }
    if let Ok(schedule) = value.cast::<crate::schedule::PySchedule>() {
        return to_py(py, &schedule.get().schedule);
    }
    if value.is_instance(UUID.import(py, "uuid", "UUID")?)? {
        return Ok(value.str()?.into_any());
    }
    if value.is_instance_of::<PySet>() || value.is_instance_of::<PyFrozenSet>() {
        return Ok(
            pyo3::types::PyList::new(py, value.try_iter()?.collect::<PyResult<Vec<_>>>()?)?
                .into_any(),
        );
    }
    Err(PyTypeError::new_err(format!(
        "Object of type {} is not JSON serializable",
        type_name(value)
    )))
}

/// Like [`from_py`], with `datetime`, `timedelta`, `uuid.UUID` and sets
/// written in the core's serde form first (see [`json_default`]), so
/// Python callers can give rules, silences and heartbeats with native
/// values. The outer error is a value no JSON form exists for (a
/// `TypeError`), the inner one the serde error of a value of the wrong
/// form, for the caller to raise with its own class and code.
pub(crate) fn from_py_native<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
) -> PyResult<Result<T, serde_json::Error>> {
    let default = DEFAULT.get_or_try_init(py, || {
        PyCFunction::new_closure(
            py,
            Some(c"_json_default"),
            None,
            |args: &Bound<'_, PyTuple>,
             _kwargs: Option<&Bound<'_, PyDict>>|
             -> PyResult<Py<PyAny>> {
                json_default(&args.get_item(0)?).map(Bound::unbind)
            },
        )
        .map(|f| f.into_any().unbind())
    })?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("default", default.bind(py))?;
    let text: String = DUMPS
        .import(py, "json", "dumps")?
        .call((value,), Some(&kwargs))?
        .extract()?;
    Ok(serde_json::from_str(&text))
}
