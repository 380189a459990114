//! Raising `erpops` exceptions from Rust, and the panic boundary.
//!
//! The exception classes are plain Python (`python/erpops/_errors.py`): they
//! need attributes (`code`, `status`, `errors`, `problem`, `headers`), a
//! keyword constructor and pickling, which are natural in Python and awkward
//! for a native type under the stable ABI. This module only looks the classes
//! up (once per interpreter) and instantiates them with the core's machine
//! code and human message; it decides nothing.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

/// The Python module that defines the exception hierarchy.
const ERRORS_MODULE: &str = "erpops._errors";

/// The exception classes the binding raises, by their Python names.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// `erpops.InvalidSignature`: a signature that does not verify (401).
    InvalidSignature,
    /// `erpops.InvalidSecret`: bytes that cannot be a connector secret.
    InvalidSecret,
    /// `erpops.ValidationError`: a body that breaks the event contract (422).
    ValidationError,
    /// `erpops.BodyTooLarge` (a `ValidationError`): a builder's body longer
    /// than its limit (413).
    BodyTooLarge,
    /// `erpops.QuotaError`: a quota snapshot that cannot be restored.
    QuotaError,
    /// `erpops.IncidentError`: a command or snapshot the incident model
    /// refuses.
    IncidentError,
    /// `erpops.AlertError`: a rule, silence, heartbeat or snapshot the alert
    /// engine refuses.
    AlertError,
    /// `erpops.ScheduleError`: a cron expression, time zone or schedule that
    /// cannot be built.
    ScheduleError,
    /// `erpops.RequestRejected`: the receive decision refuses a request.
    RequestRejected,
    /// `erpops.AdminError`: an `Engine` administration call refused.
    AdminError,
    /// `erpops.InternalError`: a bug caught at the boundary (a panic).
    InternalError,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::InvalidSignature => "InvalidSignature",
            Kind::InvalidSecret => "InvalidSecret",
            Kind::ValidationError => "ValidationError",
            Kind::BodyTooLarge => "BodyTooLarge",
            Kind::QuotaError => "QuotaError",
            Kind::IncidentError => "IncidentError",
            Kind::AlertError => "AlertError",
            Kind::ScheduleError => "ScheduleError",
            Kind::RequestRejected => "RequestRejected",
            Kind::AdminError => "AdminError",
            Kind::InternalError => "InternalError",
        }
    }

    fn cell(self) -> &'static PyOnceLock<Py<PyType>> {
        static INVALID_SIGNATURE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static INVALID_SECRET: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static VALIDATION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static TOO_LARGE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static QUOTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static INCIDENT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static ALERT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static SCHEDULE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static REJECTED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static ADMIN: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static INTERNAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        match self {
            Kind::InvalidSignature => &INVALID_SIGNATURE,
            Kind::InvalidSecret => &INVALID_SECRET,
            Kind::ValidationError => &VALIDATION,
            Kind::BodyTooLarge => &TOO_LARGE,
            Kind::QuotaError => &QUOTA,
            Kind::IncidentError => &INCIDENT,
            Kind::AlertError => &ALERT,
            Kind::ScheduleError => &SCHEDULE,
            Kind::RequestRejected => &REJECTED,
            Kind::AdminError => &ADMIN,
            Kind::InternalError => &INTERNAL,
        }
    }
}

/// An `erpops` exception of class `kind` with the core's `code`, its human
/// `message` and, for errors that map to an HTTP answer, the `status`.
///
/// Extra keyword arguments (`errors`, `problem`, `headers`) are passed to the
/// constructor as given.
pub(crate) fn error(
    py: Python<'_>,
    kind: Kind,
    code: &str,
    message: &str,
    status: Option<u16>,
    extra: Option<&Bound<'_, PyDict>>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = kind.cell().import(py, ERRORS_MODULE, kind.name())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("code", code)?;
        kwargs.set_item("status", status)?;
        if let Some(extra) = extra {
            kwargs.update(extra.as_mapping())?;
        }
        let value = class.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(value))
    };
    // If the package itself is broken (the classes cannot be imported), the
    // import error is the most useful thing to raise.
    build().unwrap_or_else(|e| e)
}

/// Runs an export body and turns a Rust panic into `erpops.InternalError`.
///
/// pyo3 would raise `pyo3_runtime.PanicException`, which derives from
/// `BaseException` and so slips past `except Exception` and
/// `except erpops.Error` in a web framework's error handler (PyO3/pyo3#2783).
/// Every exported function and method goes through here.
pub(crate) fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            Err(error(
                py,
                Kind::InternalError,
                "internal",
                &format!(
                    "internal error in the erpops core ({detail}); this is a bug: please report \
                     it with the input that caused it"
                ),
                None,
                None,
            ))
        }
    }
}
