//! `erpops._native`: the Python face of `erpops-core`.
//!
//! Each submodule mirrors a core module and only converts Python values to
//! core types and core errors to `erpops` exceptions; every rule stays in
//! the core. The public package is `python/erpops/`, which re-exports this
//! module and defines the exception classes.
//!
//! - [`input`]: `bytes`/`str`/`bytearray`/`memoryview` arguments as slices,
//!   and when to release the GIL.
//! - [`errors`]: raising `erpops` exceptions, and the panic boundary.
//! - [`time`]: `now` arguments and `datetime` results.
//! - [`signature`]: `sign`, `verify`, `is_valid`, `Secret`, `Signer`.
//! - [`quota`]: `QuotaLedger`, `QuotaDecision`.
//! - [`event`]: the `Event` class.
//! - [`contract`]: `validate` and `EventBuilder` (the event contract).
//! - [`incident`]: the `IncidentModel` class.
//! - [`alert`]: the `AlertEngine` class (rules, silences, heartbeats).
//! - [`schedule`]: the `Schedule` class (cron entries with time zones).
//! - [`pii`]: the `redact` function.
//! - [`receive`]: `check_request` and the `Engine` class.
//! - [`json`]: serde records to and from Python dicts.

mod alert;
mod contract;
mod errors;
mod event;
mod incident;
mod input;
mod json;
mod pii;
mod quota;
mod receive;
mod schedule;
mod signature;
mod time;

use pyo3::prelude::*;

/// Test hook: panics inside the boundary so the test suite can check that a
/// Rust panic surfaces as `erpops.InternalError`, never `PanicException`.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    errors::guard(py, || -> PyResult<()> {
        #[allow(clippy::panic)]
        {
            panic!("deliberate panic for the test suite")
        }
    })
}

/// The native module. `gil_used = false`: every class is frozen or guards
/// its state with a lock, and borrowed inputs are immutable, so the module is
/// safe on free-threaded CPython (written out although it is pyo3's default).
#[pymodule(gil_used = false)]
mod _native {
    #[pymodule_export]
    use super::_panic_for_tests;
    #[pymodule_export]
    use super::alert::PyAlertEngine;
    #[pymodule_export]
    use super::contract::{validate, validate_batch, PyEventBuilder};
    #[pymodule_export]
    use super::event::PyEvent;
    #[pymodule_export]
    use super::incident::PyIncidentModel;
    #[pymodule_export]
    use super::pii::redact;
    #[pymodule_export]
    use super::quota::{PyQuotaDecision, PyQuotaLedger};
    #[pymodule_export]
    use super::receive::{check_request, PyEngine, PyReceiveResponse};
    #[pymodule_export]
    use super::schedule::PySchedule;
    #[pymodule_export]
    use super::signature::{is_valid, sign, verify, PySecret, PySigner};

    use erpops_core::wire;
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("SIGNATURE_HEADER", wire::SIGNATURE_HEADER)?;
        m.add("CONNECTOR_ID_HEADER", wire::CONNECTOR_ID_HEADER)?;
        m.add("RECEIVE_PATH", wire::RECEIVE_PATH)?;
        m.add("JSON_MEDIA_TYPE", wire::JSON_MEDIA_TYPE)?;
        m.add("SIGNATURE_LABEL", erpops_core::signature::LABEL)?;
        m.add(
            "DEFAULT_MAX_BODY_BYTES",
            erpops_core::event::DEFAULT_MAX_BODY_BYTES,
        )?;
        m.add(
            "MAX_LISTED_VIOLATIONS",
            erpops_core::event::MAX_LISTED_VIOLATIONS,
        )?;
        m.add("TZDB_VERSION", erpops_core::schedule::TZDB_VERSION)?;
        Ok(())
    }
}
