//! `Event`: a valid, normalized integration event with Python-typed
//! attributes (contract §3.2, issue #9).
//!
//! The object keeps the core's `Event` and converts each attribute when it
//! is read, so validating a body costs no Python allocations beyond the
//! wrapper itself.

use erpops_core::event::{Event, MetadataValue};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

use crate::errors::guard;
use crate::time::datetime_of;

static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SEVERITY: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A valid integration event (as returned by `validate`), normalized: the
/// timestamp in UTC, the severity defaulted to `info`, personal data
/// redacted under the `redact` policy.
#[pyclass(frozen, module = "erpops", name = "Event")]
pub struct PyEvent {
    pub(crate) event: Event,
    /// `(pointer, kinds)` of each field where personal data was replaced.
    pub(crate) redactions: Vec<(String, Vec<&'static str>)>,
}

/// A metadata value as the matching Python scalar.
fn metadata_value<'py>(py: Python<'py>, v: &MetadataValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        MetadataValue::String(s) => s.into_pyobject(py)?.into_any(),
        MetadataValue::Int(i) => i.into_pyobject(py)?.into_any(),
        MetadataValue::UInt(u) => u.into_pyobject(py)?.into_any(),
        MetadataValue::Float(f) => f.into_pyobject(py)?.into_any(),
        MetadataValue::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        MetadataValue::Null => py.None().into_bound(py),
    })
}

#[pymethods]
impl PyEvent {
    /// The connector that sent it, as a `uuid.UUID`.
    #[getter]
    fn connector_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let kwargs = PyDict::new(py);
            kwargs.set_item("hex", self.event.connector_id.simple().to_string())?;
            UUID.import(py, "uuid", "UUID")?.call((), Some(&kwargs))
        })
    }

    /// Lowercase dotted tokens, e.g. `integration.failed`.
    #[getter]
    fn event_type(&self) -> &str {
        &self.event.event_type
    }

    /// When the event happened, as an aware UTC `datetime` (microseconds; the
    /// exact text is `to_dict()["timestamp"]`).
    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || datetime_of(py, self.event.timestamp))
    }

    /// `erpops.Severity` (a `str` enum): `info` when the body had none.
    #[getter]
    fn severity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            SEVERITY
                .import(py, "erpops._types", "Severity")?
                .call1((self.event.severity.as_str(),))
        })
    }

    /// The job or system that emitted it, or `None`.
    #[getter]
    fn source(&self) -> Option<&str> {
        self.event.source.as_deref()
    }

    /// The human text (after redaction), or `None`.
    #[getter]
    fn message(&self) -> Option<&str> {
        self.event.message.as_deref()
    }

    /// Flat metadata as a `dict` in body order (`str`, `int`, `float`,
    /// `bool` or `None` values; integers exact up to 64 bits).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let d = PyDict::new(py);
            for (k, v) in self.event.metadata.iter() {
                d.set_item(k, metadata_value(py, v)?)?;
            }
            Ok(d)
        })
    }

    /// `event_type` before its last dot (`integration`).
    #[getter]
    fn family(&self) -> &str {
        self.event.family()
    }

    /// `event_type` after its last dot (`failed`).
    #[getter]
    fn outcome(&self) -> &str {
        self.event.outcome()
    }

    /// `[{"pointer": "/message", "kinds": ["email"]}]`: each field where
    /// personal data was replaced by `[REDACTED:<kind>]`.
    #[getter]
    fn redactions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(py, || {
            let out = PyList::empty(py);
            for (pointer, kinds) in &self.redactions {
                let d = PyDict::new(py);
                d.set_item("pointer", pointer)?;
                d.set_item("kinds", kinds.clone())?;
                out.append(d)?;
            }
            Ok(out)
        })
    }

    /// The normalized JSON form as a `dict` (what the receiver stores and the
    /// REST API returns): `connector_id` and `timestamp` as text, absent
    /// optional fields left out.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || crate::json::to_py(py, &self.event))
    }

    /// The normalized JSON form as compact text.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            serde_json::to_string(&self.event)
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
        })
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyEvent>()
            .is_ok_and(|o| o.get().event == self.event)
    }

    fn __repr__(&self) -> String {
        format!(
            "Event(event_type={:?}, connector_id='{}', timestamp='{}', severity='{}')",
            self.event.event_type,
            self.event.connector_id.hyphenated(),
            self.event.timestamp,
            self.event.severity
        )
    }
}
