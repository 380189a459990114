//! Turning Python arguments into the byte slices the core takes.
//!
//! `bytes` and `str` are borrowed in place (no copy: a `str`'s UTF-8 form is
//! cached by CPython). `bytearray` and `memoryview` are copied first: they are
//! mutable, and another thread could change them while the core reads them
//! with the GIL released (or on free-threaded CPython at any time), so a
//! borrow would be unsound (orjson refuses them for the same reason; the
//! stable ABI before 3.11 has no buffer protocol anyway).

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

/// The bytes of a `bytes`, `bytearray`, `memoryview` or `str` (UTF-8)
/// argument named `what` (used in the `TypeError` for anything else).
pub(crate) fn bytes_of<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Cow::Borrowed(s.to_str()?.as_bytes()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(b.to_vec()));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let copy = obj.call_method0("tobytes")?;
        let b = copy.cast::<PyBytes>()?;
        return Ok(Cow::Owned(b.as_bytes().to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray, memoryview or str, not {}",
        type_name(obj)
    )))
}

/// Whether `obj` is one of the types [`bytes_of`] accepts.
pub(crate) fn is_bytes_like(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyByteArray>()
        || obj.is_instance_of::<PyMemoryView>()
}

/// The Python type name of `obj`, for error messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// Bodies at least this large are processed with the GIL released. Below it
/// the release/re-acquire costs more than it frees (a 1 KiB HMAC takes about
/// a microsecond), which is also why orjson holds the GIL throughout.
pub(crate) const DETACH_THRESHOLD: usize = 64 * 1024;

/// Runs `work` on `data`, releasing the GIL when `data` is large.
///
/// `data` is either borrowed from an immutable `bytes`/`str` (which the
/// caller's reference keeps alive) or an owned copy, so it cannot change
/// while the GIL is released.
pub(crate) fn run_maybe_detached<T: Send>(
    py: Python<'_>,
    data: &[u8],
    work: impl FnOnce(&[u8]) -> T + Send,
) -> T {
    if data.len() >= DETACH_THRESHOLD {
        py.detach(|| work(data))
    } else {
        work(data)
    }
}
