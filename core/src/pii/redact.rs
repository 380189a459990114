//! Rendering redacted text, and the fixed point that makes redaction
//! idempotent.
//!
//! The detectors look at a token's neighbours (`ORD-4111…` is an order
//! number, not a card; a grouped card does not start right after another
//! number). Replacing one finding with `[REDACTED:<kind>]` changes the
//! neighbours of the text beside it, which can make a token that was
//! rightly refused in the original text acceptable in the redacted one
//! (`123-45-6789 4111 1111 1111 1111`: the card follows a number until the
//! SSN is a marker). Scanning the redacted text again until nothing new is
//! found guarantees that `find(&redact(x).0)` is empty, so redacting twice
//! never changes anything.
//!
//! Only the neighbourhood of each new marker is rescanned: a detector's
//! decision depends on a bounded window around the byte that keys it
//! ([`scan::REACH_BACK`], [`scan::REACH_FORWARD`]), so elsewhere nothing can
//! change. That keeps even adversarial chains (each redaction unlocking the
//! next token) linear in the length of the text. No finding can contain a
//! marker (`[`, `]` and `:` are in no detector's alphabet), so every later
//! finding lies inside a stretch of the original text and maps back to it
//! exactly.

use super::{scan, Finding};

/// The findings of `text` at the fixed point, and `text` redacted by them
/// (`None` when there is nothing to redact, so that [`super::find`] on
/// clean text, the common case, allocates nothing).
pub(super) fn find_and_render(text: &str) -> (Vec<Finding>, Option<String>) {
    let mut findings = scan::scan(text);
    if findings.is_empty() {
        return (findings, None);
    }
    let mut fresh = findings.clone();
    loop {
        let rendered = render(text, &findings);
        let more = rescan_around(&rendered, &findings, &fresh);
        if more.is_empty() {
            return (findings, Some(rendered));
        }
        fresh = map_back(&findings, &more);
        if fresh.is_empty() {
            // Cannot happen (see the module docs); stop rather than loop.
            return (findings, Some(rendered));
        }
        findings.extend_from_slice(&fresh);
        findings.sort_by_key(|f| f.start);
    }
}

/// The findings of `rendered` (the text redacted by `done`) keyed within
/// reach of the markers of the `fresh` findings, in rendered offsets.
fn rescan_around(rendered: &str, done: &[Finding], fresh: &[Finding]) -> Vec<Finding> {
    let bytes = rendered.as_bytes();
    let mut candidates = Vec::new();
    // Windows of key positions, in rendered offsets, merged when they touch.
    let mut window: Option<(usize, usize)> = None;
    let mut fresh_iter = fresh.iter().peekable();
    let mut shift: isize = 0;
    for f in done {
        let start = offset(f.start, shift);
        let end = start + marker_len(f);
        shift += marker_len(f) as isize - (f.end - f.start) as isize;
        if fresh_iter.peek().map(|n| n.start) != Some(f.start) {
            continue;
        }
        fresh_iter.next();
        let lo = start.saturating_sub(scan::REACH_FORWARD);
        let hi = end.saturating_add(scan::REACH_BACK).min(bytes.len());
        window = match window {
            Some((wlo, whi)) if lo <= whi => Some((wlo, whi.max(hi))),
            Some((wlo, whi)) => {
                scan::candidates_in(bytes, wlo, whi, &mut candidates);
                Some((lo, hi))
            }
            None => Some((lo, hi)),
        };
    }
    if let Some((wlo, whi)) = window {
        scan::candidates_in(bytes, wlo, whi, &mut candidates);
    }
    scan::resolve(candidates)
}

fn marker_len(f: &Finding) -> usize {
    "[REDACTED:]".len() + f.kind.as_str().len()
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
            if marker_start + marker_len(m) <= f.start {
                shift += marker_len(m) as isize - (m.end - m.start) as isize;
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
