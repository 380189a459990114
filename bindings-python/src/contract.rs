//! `validate` and `EventBuilder`: the core's event contract
//! (`erpops_core::event::{parse_event, EventBuilder}`, contract §3.2–3.3).
//!
//! `validate` converts its keyword arguments into the core's
//! `ParseOptions`; `EventBuilder` forwards each setter to the core builder.
//! Every rule (and every violation code and message) is the core's: a
//! body is valid here exactly when it is valid in Rust, C and Node.

use std::sync::{Mutex, MutexGuard, PoisonError};

use erpops_core::event::{
    self as core_event, BuildError, MetadataValue, ParseOptions, ParsedEvent, Violations,
};
use erpops_core::pii::PiiPolicy;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString};
use uuid::Uuid;

use crate::errors::{error, guard, Kind};
use crate::event::PyEvent;
use crate::input::{bytes_of, run_maybe_detached, type_name};
use crate::signature::one_secret;
use crate::time::{duration_of, timestamp_of};

/// The `errors` and `error_count` keyword arguments of a
/// `ValidationError`: the listed violations as `{"pointer", "code",
/// "message"}` dicts (the problem body's `errors`, at most the core's
/// `MAX_LISTED_VIOLATIONS`) and how many were found in all.
fn violation_kwargs<'py>(py: Python<'py>, violations: &Violations) -> PyResult<Bound<'py, PyDict>> {
    let errors = PyList::empty(py);
    for v in violations.iter() {
        let d = PyDict::new(py);
        d.set_item("pointer", &v.pointer)?;
        d.set_item("code", v.code.as_str())?;
        d.set_item("message", &v.message)?;
        errors.append(d)?;
    }
    let extra = PyDict::new(py);
    extra.set_item("errors", errors)?;
    extra.set_item("error_count", violations.total())?;
    Ok(extra)
}

/// `erpops.ValidationError` for `violations`: `.errors` is the list of
/// `{"pointer", "code", "message"}` dicts (the problem body's `errors`),
/// `.error_count` how many there are in all, `.syntax` the position of a
/// JSON syntax error, if that is what it is.
pub(crate) fn validation_error(py: Python<'_>, violations: &Violations) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let extra = violation_kwargs(py, violations)?;
        if let Some(pos) = violations.syntax() {
            let syntax = PyDict::new(py);
            syntax.set_item("line", pos.line)?;
            syntax.set_item("column", pos.column)?;
            syntax.set_item("offset", pos.offset)?;
            extra.set_item("syntax", syntax)?;
        }
        Ok(error(
            py,
            Kind::ValidationError,
            "invalid_event",
            &violations.to_string(),
            Some(422),
            Some(&extra),
        ))
    };
    build().unwrap_or_else(|e| e)
}

/// The exception for a builder's refusal: `ValidationError` for fields that
/// break the contract; `BodyTooLarge` (a `ValidationError` with code
/// `body_too_large`, status 413, `.size` and `.limit`) for a body over the
/// builder's limit, its `.errors` the core's one `too_long` at `""`.
pub(crate) fn build_error(py: Python<'_>, e: &BuildError) -> PyErr {
    let t = match e {
        BuildError::Invalid(v) => return validation_error(py, v),
        BuildError::BodyTooLarge(t) => t,
    };
    let build = || -> PyResult<PyErr> {
        let extra = violation_kwargs(py, &e.violations())?;
        extra.set_item("size", t.size)?;
        extra.set_item("limit", t.limit)?;
        Ok(error(
            py,
            Kind::BodyTooLarge,
            e.code(),
            &e.to_string(),
            Some(e.status()),
            Some(&extra),
        ))
    };
    build().unwrap_or_else(|e| e)
}

/// A connector id argument (`str` or `uuid.UUID`) as a UUID, read with the
/// core's one connector-id rule (hyphenated, hex digits of either case).
pub(crate) fn uuid_of(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Uuid> {
    let owned;
    let text = match value.cast::<PyString>() {
        Ok(s) => s.to_str()?,
        Err(_) => {
            owned = value.str()?;
            owned.to_str()?
        }
    };
    core_event::parse_connector_id(text).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{what} must be a UUID such as 123e4567-e89b-12d3-a456-426614174000, not {text:?}"
        ))
    })
}

/// The PII policy spelled `name` (`redact`, `reject` or `allow`).
pub(crate) fn pii_policy_of(name: &str) -> PyResult<PiiPolicy> {
    PiiPolicy::from_wire(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown pii_policy {name:?}; use \"redact\", \"reject\" or \"allow\""
        ))
    })
}

/// The core's parse options from `validate`'s keyword arguments (`None`
/// keeps the contract's default).
#[allow(clippy::too_many_arguments)]
pub(crate) fn options_of(
    py: Python<'_>,
    connector_id: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    future_skew: Option<&Bound<'_, PyAny>>,
    max_age: Option<&Bound<'_, PyAny>>,
    max_body_bytes: Option<usize>,
    pii_policy: Option<&str>,
) -> PyResult<ParseOptions> {
    let mut opts = ParseOptions::new(timestamp_of(py, now)?);
    if let Some(id) = connector_id {
        opts = opts.with_header_connector_id(uuid_of(id, "connector_id")?);
    }
    if future_skew.is_some() || max_age.is_some() {
        let skew = future_skew
            .map(|d| duration_of(d, "future_skew"))
            .transpose()?
            .unwrap_or(opts.future_skew);
        let age = max_age
            .map(|d| duration_of(d, "max_age"))
            .transpose()?
            .unwrap_or(opts.max_age);
        opts = opts.with_window(skew, age);
    }
    if let Some(max) = max_body_bytes {
        opts = opts.with_max_body_bytes(max);
    }
    if let Some(policy) = pii_policy {
        opts = opts.with_pii_policy(pii_policy_of(policy)?);
    }
    Ok(opts)
}

/// The `Event` for a parse result (with what the PII policy replaced).
pub(crate) fn event_of(parsed: ParsedEvent) -> PyEvent {
    PyEvent {
        event: parsed.event,
        redactions: parsed
            .redactions
            .into_iter()
            .map(|r| (r.pointer, r.kinds.iter().map(|k| k.as_str()).collect()))
            .collect(),
    }
}

/// Parses and validates one event body with the same rules as the receiver
/// and returns the normalized `Event`.
///
/// `connector_id` is the `X-ERPOps-Connector-Id` UUID the body must match;
/// `now` (aware `datetime` or Unix seconds; default: the clock) anchors the
/// time window of `future_skew` (default 300 s) and `max_age` (default
/// 86,400 s); `max_body_bytes` defaults to 65,536; `pii_policy` is
/// `redact` (default), `reject` or `allow`.
///
/// Raises `ValidationError` whose `.errors` lists **every** violation as
/// `{"pointer", "code", "message"}`.
#[pyfunction]
#[pyo3(signature = (body, *, connector_id = None, now = None, future_skew = None, max_age = None, max_body_bytes = None, pii_policy = None))]
#[allow(clippy::too_many_arguments)]
pub fn validate(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    connector_id: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    future_skew: Option<&Bound<'_, PyAny>>,
    max_age: Option<&Bound<'_, PyAny>>,
    max_body_bytes: Option<usize>,
    pii_policy: Option<&str>,
) -> PyResult<PyEvent> {
    guard(py, || {
        let opts = options_of(
            py,
            connector_id,
            now,
            future_skew,
            max_age,
            max_body_bytes,
            pii_policy,
        )?;
        let body = bytes_of(body, "body")?;
        match run_maybe_detached(py, &body, |b| core_event::parse_event(b, &opts)) {
            Ok(parsed) => Ok(event_of(parsed)),
            Err(v) => Err(validation_error(py, &v)),
        }
    })
}

/// Validates many bodies with the same options, releasing the GIL for the
/// whole batch (for a worker draining a queue). Returns, in order, an
/// `Event` for each valid body and a `ValidationError` instance (not
/// raised) for each invalid one.
#[pyfunction]
#[pyo3(signature = (bodies, *, connector_id = None, now = None, future_skew = None, max_age = None, max_body_bytes = None, pii_policy = None))]
#[allow(clippy::too_many_arguments)]
pub fn validate_batch<'py>(
    py: Python<'py>,
    bodies: &Bound<'py, PyAny>,
    connector_id: Option<&Bound<'py, PyAny>>,
    now: Option<&Bound<'py, PyAny>>,
    future_skew: Option<&Bound<'py, PyAny>>,
    max_age: Option<&Bound<'py, PyAny>>,
    max_body_bytes: Option<usize>,
    pii_policy: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    guard(py, || {
        let opts = options_of(
            py,
            connector_id,
            now,
            future_skew,
            max_age,
            max_body_bytes,
            pii_policy,
        )?;
        let items: Vec<Bound<'py, PyAny>> = bodies.try_iter()?.collect::<PyResult<_>>()?;
        let slices = items
            .iter()
            .map(|b| bytes_of(b, "each body"))
            .collect::<PyResult<Vec<_>>>()?;
        let results: Vec<Result<ParsedEvent, Violations>> = py.detach(|| {
            slices
                .iter()
                .map(|b| core_event::parse_event(b, &opts))
                .collect()
        });
        let out = PyList::empty(py);
        for r in results {
            match r {
                Ok(parsed) => out.append(Bound::new(py, event_of(parsed))?)?,
                Err(v) => out.append(validation_error(py, &v).into_value(py))?,
            }
        }
        Ok(out)
    })
}

/// A metadata value from a Python scalar (`str`, `int`, `float`, `bool`,
/// `None`).
fn metadata_value_of(key: &str, value: &Bound<'_, PyAny>) -> PyResult<MetadataValue> {
    if value.is_none() {
        return Ok(MetadataValue::Null);
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(MetadataValue::Bool(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(MetadataValue::Int(i));
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(MetadataValue::UInt(u));
        }
        return Err(PyValueError::new_err(format!(
            "metadata[{key:?}] is an integer outside -2**63 .. 2**64-1; send it as a string"
        )));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(MetadataValue::Float(value.extract()?));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(MetadataValue::String(s.to_str()?.to_owned()));
    }
    Err(PyTypeError::new_err(format!(
        "metadata[{key:?}] must be str, int, float, bool or None (metadata is flat), not {}",
        type_name(value)
    )))
}

/// Builds a valid event body without hand-writing JSON: compact, in the
/// fixed field order, and checked with the same rules as the receiver (all
/// but the time window, which needs a clock). Setters return the builder, so
/// calls chain. Fields not set are left out of the body.
#[pyclass(frozen, module = "erpops", name = "EventBuilder")]
pub struct PyEventBuilder {
    inner: Mutex<Inner>,
}

struct Inner {
    builder: core_event::EventBuilder,
    /// The connector id as the core writes it (lowercase, hyphenated), for
    /// the `X-ERPOps-Connector-Id` header of `signed_request`.
    connector_id: Option<String>,
}

impl PyEventBuilder {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn build_bytes(&self, py: Python<'_>) -> PyResult<Vec<u8>> {
        let built = self.lock().builder.build();
        built.map_err(|e| build_error(py, &e))
    }
}

#[pymethods]
impl PyEventBuilder {
    /// An empty builder.
    #[new]
    fn new() -> Self {
        PyEventBuilder {
            inner: Mutex::new(Inner {
                builder: core_event::EventBuilder::new(),
                connector_id: None,
            }),
        }
    }

    /// Sets the connector id (`str` or `uuid.UUID`).
    fn connector_id<'py>(
        slf: Bound<'py, Self>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            let text = value.str()?;
            let text = text.to_str()?;
            {
                let mut inner = slf.get().lock();
                inner.builder.connector_id_str(text);
                inner.connector_id =
                    core_event::parse_connector_id(text).map(|u| u.hyphenated().to_string());
            }
            Ok(slf.clone())
        })
    }

    /// Sets the event type, e.g. `integration.failed`.
    fn event_type<'py>(slf: Bound<'py, Self>, value: &str) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.event_type(value);
            Ok(slf.clone())
        })
    }

    /// Sets the event time: an aware `datetime`, Unix seconds, or RFC 3339
    /// text (any offset; normalized to UTC).
    fn timestamp<'py>(
        slf: Bound<'py, Self>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            if let Ok(text) = value.cast::<PyString>() {
                slf.get().lock().builder.timestamp_str(text.to_str()?);
            } else {
                let ts = timestamp_of(py, Some(value))?;
                slf.get().lock().builder.timestamp(ts);
            }
            Ok(slf.clone())
        })
    }

    /// Sets the severity: `info`, `warn`, `error`, `critical` (or an
    /// `erpops.Severity`).
    fn severity<'py>(slf: Bound<'py, Self>, value: &str) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.severity_str(value);
            Ok(slf.clone())
        })
    }

    /// Sets the source, e.g. `PSFT_PAYROLL_BATCH`.
    fn source<'py>(slf: Bound<'py, Self>, value: &str) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.source(value);
            Ok(slf.clone())
        })
    }

    /// Sets the message (run it through `redact` first if it may carry
    /// personal data).
    fn message<'py>(slf: Bound<'py, Self>, value: &str) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.message(value);
            Ok(slf.clone())
        })
    }

    /// Sets one metadata entry (`str`, `int`, `float`, `bool` or `None`),
    /// replacing an earlier value of `key` in place.
    fn metadata<'py>(
        slf: Bound<'py, Self>,
        key: &str,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            let value = metadata_value_of(key, value)?;
            slf.get().lock().builder.metadata(key, value);
            Ok(slf.clone())
        })
    }

    /// Sets `metadata.run_id`, the id that pairs one run's signals: the same
    /// id on the run's `….started` event and on its `….succeeded` or
    /// `….failed`. `build` checks it: 1 to 128 characters without control
    /// characters, else a violation at `/metadata/run_id`.
    fn run_id<'py>(slf: Bound<'py, Self>, value: &str) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.run_id(value);
            Ok(slf.clone())
        })
    }

    /// Sets `metadata.records_processed`, how many records the run
    /// processed: an `int` from 0 to 2**64 - 1 (`OverflowError` outside).
    fn records_processed<'py>(slf: Bound<'py, Self>, value: u64) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.records_processed(value);
            Ok(slf.clone())
        })
    }

    /// Sets the largest body `build` emits, in bytes: the receiver's
    /// `max_body_bytes` when it is not the default 65,536. A longer body
    /// raises `BodyTooLarge` (code `body_too_large`) before it is signed.
    fn max_body_bytes<'py>(slf: Bound<'py, Self>, value: usize) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        guard(py, || {
            slf.get().lock().builder.max_body_bytes(value);
            Ok(slf.clone())
        })
    }

    /// Raises `ValidationError` listing every violation of the fields set so
    /// far; returns `None` when the fields are valid. The body's size is
    /// only known once built: `build` checks it.
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            let checked = self.lock().builder.validate();
            checked.map_err(|v| validation_error(py, &v))
        })
    }

    /// The body: compact JSON in the fixed field order. Raises
    /// `ValidationError` if any field breaks the contract, `BodyTooLarge`
    /// (code `body_too_large`) if the body would be longer than the limit.
    fn build<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        guard(py, || Ok(PyBytes::new(py, &self.build_bytes(py)?)))
    }

    /// `(body, signature)`: the body and its `X-ERPOps-Signature` value,
    /// computed over exactly those bytes. Raises as `build` does, before
    /// anything is signed.
    fn build_signed<'py>(
        &self,
        py: Python<'py>,
        secret: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyString>)> {
        guard(py, || {
            let secret = one_secret(py, secret)?;
            let signed = self.lock().builder.build_signed(&secret);
            let signed = signed.map_err(|e| build_error(py, &e))?;
            Ok((
                PyBytes::new(py, &signed.body),
                PyString::new(py, signed.signature.as_str()),
            ))
        })
    }

    /// `(body, headers)` ready for `requests.post(url, data=body,
    /// headers=headers)` or httpx: `Content-Type`, `X-ERPOps-Connector-Id`
    /// and `X-ERPOps-Signature`.
    fn signed_request<'py>(
        &self,
        py: Python<'py>,
        secret: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
        guard(py, || {
            let secret = one_secret(py, secret)?;
            let (signed, id) = {
                let inner = self.lock();
                (
                    inner.builder.build_signed(&secret),
                    inner.connector_id.clone(),
                )
            };
            let signed = signed.map_err(|e| build_error(py, &e))?;
            let headers = PyDict::new(py);
            headers.set_item("Content-Type", erpops_core::wire::JSON_MEDIA_TYPE)?;
            headers.set_item(
                erpops_core::wire::CONNECTOR_ID_HEADER,
                id.unwrap_or_default(),
            )?;
            headers.set_item(
                erpops_core::wire::SIGNATURE_HEADER,
                signed.signature.as_str(),
            )?;
            Ok((PyBytes::new(py, &signed.body), headers))
        })
    }
}
