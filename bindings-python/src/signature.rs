//! `sign`, `verify`, `is_valid`, `Secret` and `Signer`: the core's
//! `erpops_core::signature` with Python types (contract §3.1).
//!
//! Nothing here computes or compares a MAC: `verify` is the core's
//! constant-time comparison over every candidate secret.

use std::sync::{Mutex, MutexGuard, PoisonError};

use erpops_core::signature::{self as core_sig, SignatureError};
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyString};

use crate::errors::{error, guard, Kind};
use crate::input::{bytes_of, is_bytes_like, run_maybe_detached, type_name, DETACH_THRESHOLD};

/// A connector secret (the HMAC key), absorbed once.
///
/// Passing raw `bytes`/`str` to `sign`/`verify` is fine; a `Secret` saves
/// re-keying HMAC on every call when one key signs many bodies, and its
/// `repr` never shows the key.
#[pyclass(frozen, module = "erpops", name = "Secret")]
pub struct PySecret {
    inner: core_sig::Secret,
}

#[pymethods]
impl PySecret {
    /// Keys HMAC with `key` (`bytes`, `bytearray`, `memoryview`, or `str`
    /// taken as UTF-8). Raises `InvalidSecret` for an empty key.
    #[new]
    fn new(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(py, || {
            Ok(PySecret {
                inner: to_secret(py, key)?,
            })
        })
    }

    /// Length of the key in bytes (the key itself is never exposed).
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("Secret(<redacted, {} bytes>)", self.inner.len())
    }
}

/// The core's secret from raw key bytes, or `InvalidSecret`.
fn to_secret(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<core_sig::Secret> {
    let bytes = bytes_of(key, "secret")?;
    core_sig::Secret::new(&*bytes).map_err(|e| {
        error(
            py,
            Kind::InvalidSecret,
            e.code(),
            &e.to_string(),
            None,
            None,
        )
    })
}

/// One secret given as a `Secret` or as raw key bytes/text.
pub(crate) fn one_secret(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<core_sig::Secret> {
    match obj.cast::<PySecret>() {
        Ok(s) => Ok(s.get().inner.clone()),
        Err(_) => to_secret(py, obj),
    }
}

/// The candidate secrets of a `verify` call: a single secret, or any
/// iterable of secrets (the current one plus those being rotated out).
pub(crate) fn candidate_secrets(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Vec<core_sig::Secret>> {
    if obj.is_instance_of::<PySecret>() || is_bytes_like(obj) {
        return Ok(vec![one_secret(py, obj)?]);
    }
    let iter = PyIterator::from_object(obj).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "secrets must be a secret (bytes, str, Secret) or an iterable of them, not {}",
            type_name(obj)
        ))
    })?;
    iter.map(|item| one_secret(py, &item?)).collect()
}

/// `InvalidSignature` carrying the core's code and message.
fn invalid_signature(py: Python<'_>, e: SignatureError) -> PyErr {
    error(
        py,
        Kind::InvalidSignature,
        e.code(),
        &e.to_string(),
        Some(e.status()),
        None,
    )
}

/// Verifies and returns the core's verdict without raising for a bad
/// signature (type and secret errors still raise).
fn verify_inner(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    signature: Option<&Bound<'_, PyAny>>,
    secrets: &Bound<'_, PyAny>,
) -> PyResult<Result<core_sig::MatchedSecret, SignatureError>> {
    let secrets = candidate_secrets(py, secrets)?;
    let header = signature.map(|s| bytes_of(s, "signature")).transpose()?;
    let body = bytes_of(body, "body")?;
    let header = header.as_deref();
    Ok(run_maybe_detached(py, &body, |body| {
        core_sig::verify(&secrets, body, header)
    }))
}

/// Signs `body` exactly as given and returns the `X-ERPOps-Signature` value,
/// `sha256=` followed by 64 lowercase hex digits.
///
/// `body` is the raw request body (`bytes`, `bytearray`, `memoryview`, or
/// `str`, signed as its UTF-8 bytes). Sign the very bytes you send: a body
/// that is parsed and re-serialized afterwards will not verify.
#[pyfunction]
pub fn sign<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    secret: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyString>> {
    guard(py, || {
        let body = bytes_of(body, "body")?;
        let secret = one_secret(py, secret)?;
        let header = run_maybe_detached(py, &body, |body| core_sig::sign(&secret, body));
        Ok(PyString::new(py, header.as_str()))
    })
}

/// Verifies that `signature` (the raw `X-ERPOps-Signature` value, `None`
/// when the request has none) signs exactly these `body` bytes under one of
/// the secrets, in constant time.
///
/// Returns `None`; raises `InvalidSignature` whose `.code` is
/// `signature_missing`, `signature_malformed` or `signature_mismatch`.
#[pyfunction]
#[pyo3(signature = (body, signature, secrets))]
pub fn verify(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    signature: Option<&Bound<'_, PyAny>>,
    secrets: &Bound<'_, PyAny>,
) -> PyResult<()> {
    guard(py, || match verify_inner(py, body, signature, secrets)? {
        Ok(_) => Ok(()),
        Err(e) => Err(invalid_signature(py, e)),
    })
}

/// Like `verify`, but answers `False` instead of raising `InvalidSignature`
/// (a wrong argument type or an empty secret still raises).
#[pyfunction]
#[pyo3(signature = (body, signature, secrets))]
pub fn is_valid(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    signature: Option<&Bound<'_, PyAny>>,
    secrets: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    guard(py, || {
        Ok(verify_inner(py, body, signature, secrets)?.is_ok())
    })
}

/// Incremental signer for bodies produced piece by piece (record-by-record
/// batch output, streamed uploads): feeding a body in any split gives the
/// same header as `sign` on the whole body.
///
/// Safe to share between threads (updates are serialized by a lock), though
/// feeding one body from several threads rarely makes sense.
#[pyclass(frozen, module = "erpops", name = "Signer")]
pub struct PySigner {
    state: Mutex<core_sig::Signer>,
}

impl PySigner {
    fn lock(&self) -> MutexGuard<'_, core_sig::Signer> {
        // A panic while the lock was held is already reported as
        // InternalError; the HMAC state itself is always consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PySigner {
    /// Starts a signature with `secret` (`Secret`, `bytes`, `str`, ...).
    #[new]
    fn new(py: Python<'_>, secret: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(py, || {
            let secret = one_secret(py, secret)?;
            Ok(PySigner {
                state: Mutex::new(core_sig::Signer::new(&secret)),
            })
        })
    }

    /// Feeds the next bytes of the body.
    fn update(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let data = bytes_of(data, "data")?;
            if data.len() >= DETACH_THRESHOLD {
                // The lock is taken and released inside the detached region,
                // so a thread waiting for it never holds the GIL we need back.
                py.detach(|| self.lock().update(&data));
            } else {
                self.lock().update(&data);
            }
            Ok(())
        })
    }

    /// Number of body bytes fed so far.
    #[getter]
    fn bytes_fed(&self, py: Python<'_>) -> PyResult<u64> {
        guard(py, || Ok(self.lock().bytes_fed()))
    }

    /// The `sha256=<hex>` header for everything fed so far. Does not end the
    /// signer: more `update` calls may follow (like `hashlib`'s `hexdigest`).
    fn finalize<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || {
            let header = self.lock().clone().finalize();
            Ok(PyString::new(py, header.as_str()))
        })
    }

    /// An independent signer with the same state (for bodies sharing a
    /// common prefix).
    fn copy(&self, py: Python<'_>) -> PyResult<Self> {
        guard(py, || {
            Ok(PySigner {
                state: Mutex::new(self.lock().clone()),
            })
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            Ok(format!("Signer(bytes_fed={})", self.lock().bytes_fed()))
        })
    }
}
