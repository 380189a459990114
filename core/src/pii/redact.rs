//! Rendering redacted text, and the fixed point that makes redaction
//! idempotent.
//!
//! The detectors look at a token's neighbours (`ORD-4111…` is an order
//! number, not a card; a phone number that runs past 15 digits is none).
//! Replacing one finding with `[REDACTED:<kind>]` changes the neighbours of
//! the text beside it, which could make a token that was rightly refused
//! in the original text acceptable in the redacted one
//! (`4111111111111111/+44 20 7946 0958`: the phone number is tied to the
//! card by the `/`). Scanning the redacted text again until nothing new is
//! found guarantees `find(&redact(x).0)` is empty, so redacting twice never
//! changes anything. No finding can contain a marker (`[`, `]` and `:` are
//! in no detector's alphabet), so every later finding lies inside a stretch
//! of the original text and maps back to it exactly.

use super::{scan, Finding};

/// The findings of `text` at the fixed point, and `text` redacted by them.
pub(super) fn find_and_render(text: &str) -> (Vec<Finding>, String) {
    let mut findings = scan::scan(text);
    if findings.is_empty() {
        return (findings, text.to_owned());
    }
    loop {
        let rendered = render(text, &findings);
        let more = scan::scan(&rendered);
        if more.is_empty() {
            return (findings, rendered);
        }
        let before = findings.len();
        findings.extend(map_back(&findings, &more));
        if findings.len() == before {
            // Cannot happen (see the module docs); stop rather than loop.
            return (findings, rendered);
        }
        findings.sort_by_key(|f| f.start);
    }
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

/// Findings in text rendered with `done` (sorted), moved to the offsets of
/// the original text. A finding that overlaps a marker is dropped.
fn map_back(done: &[Finding], found: &[Finding]) -> Vec<Finding> {
    let mut mapped = Vec::with_capacity(found.len());
    // Walk the markers in rendered order: `shift` is (rendered − original)
    // for text after the markers passed so far.
    let mut markers = done.iter().peekable();
    let mut shift: isize = 0;
    for f in found {
        while let Some(m) = markers.peek() {
            let marker_start = offset(m.start, shift);
            let marker_len = "[REDACTED:]".len() + m.kind.as_str().len();
            let marker_end = marker_start + marker_len;
            if marker_end <= f.start {
                shift += marker_len as isize - (m.end - m.start) as isize;
                markers.next();
            } else {
                break;
            }
        }
        let overlaps = markers
            .peek()
            .is_some_and(|m| offset(m.start, shift) < f.end);
        if !overlaps {
            mapped.push(Finding {
                kind: f.kind,
                start: offset(f.start, -shift),
                end: offset(f.end, -shift),
            });
        }
    }
    mapped
}

fn offset(at: usize, by: isize) -> usize {
    at.checked_add_signed(by).unwrap_or(at)
}
