//! Moving serde data to and from Python through the stdlib `json` module.
//!
//! Records such as incidents and effects are already serde types in the
//! core with one agreed JSON shape (the REST API's); handing that JSON to
//! `json.loads` gives Python dicts with exactly the same names and values as
//! every other language, with no per-field mapping to drift.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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

/// JSON `bytes` (a response body) parsed by `json.loads`.
pub(crate) fn loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    LOADS
        .import(py, "json", "loads")?
        .call1((pyo3::types::PyBytes::new(py, text),))
}
