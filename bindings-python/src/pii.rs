//! `redact`: the core's PII redactor (`erpops_core::pii`, contract §3.4) for
//! senders that clean text before it leaves the process.

use erpops_core::pii;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString, PyType};

use crate::errors::guard;
use crate::input::DETACH_THRESHOLD;

static FINDING: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Replaces each piece of personal data in `text` (e-mail addresses, US
/// SSNs, Luhn-valid card numbers, IBANs, international phone numbers) with
/// `[REDACTED:<kind>]`.
///
/// Returns the redacted text and the findings as `erpops.Finding(kind,
/// start, end)`, where `start`/`end` index the *input* string in code points
/// (the core reports UTF-8 byte offsets; they are converted here).
#[pyfunction]
pub fn redact<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyList>)> {
    guard(py, || {
        let text = text.to_str()?;
        let (redacted, findings) = if text.len() >= DETACH_THRESHOLD {
            py.detach(|| pii::redact(text))
        } else {
            pii::redact(text)
        };
        let finding = FINDING.import(py, "erpops._types", "Finding")?;
        let out = PyList::empty(py);
        // Byte offsets to code-point offsets, in one pass over the text
        // (findings are sorted and do not overlap).
        let (mut byte_at, mut char_at) = (0usize, 0usize);
        let mut advance = |to: usize| -> usize {
            char_at += text.get(byte_at..to).map_or(0, |s| s.chars().count());
            byte_at = to.max(byte_at);
            char_at
        };
        for f in &findings {
            let start = advance(f.start);
            let end = advance(f.end);
            out.append(finding.call1((f.kind.as_str(), start, end))?)?;
        }
        Ok((PyString::new(py, &redacted), out))
    })
}
