//! The redaction marker `[REDACTED:<kind>]`, and rendering text with it.
//!
//! One place defines the marker so that the fixed point (which renders small
//! buffers to rescan) and [`super::redact`] (which renders the whole text)
//! can never disagree about what the redacted text looks like.

use super::Finding;

/// The length in bytes of the marker that replaces `f`.
pub(super) fn len(f: &Finding) -> usize {
    "[REDACTED:]".len() + f.kind.as_str().len()
}

/// Appends the marker that replaces `f`.
pub(super) fn push(buf: &mut Vec<u8>, f: &Finding) {
    buf.extend_from_slice(b"[REDACTED:");
    buf.extend_from_slice(f.kind.as_str().as_bytes());
    buf.push(b']');
}

/// `text` with each finding (sorted, non-overlapping) replaced by its marker.
pub(super) fn render(text: &str, findings: &[Finding]) -> String {
    let mut out = String::with_capacity(text.len() + findings.len() * 8);
    let mut at = 0;
    for f in findings {
        out.push_str(text.get(at..f.start).unwrap_or_default());
        out.push_str("[REDACTED:");
        out.push_str(f.kind.as_str());
        out.push(']');
        at = f.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}
