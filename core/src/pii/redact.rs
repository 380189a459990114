//! Rendering redacted text, and the fixed point that makes redaction
//! idempotent.
//!
//! The detectors look at a token's neighbours (`ORD-4111…` is an order
//! number, not a card; a grouped card does not start right after another
//! number; a `+` right after a digit starts no phone number). Replacing one
//! finding with `[REDACTED:<kind>]` changes the neighbours of the text beside
//! it, which can make a token that was rightly refused in the original text
//! acceptable in the redacted one (`123-45-6789 4111 1111 1111 1111`: the
//! card follows a number until the SSN is a marker). Scanning the redacted
//! text again until nothing new is found guarantees that
//! `find(&redact(x).0)` is empty, so redacting twice never changes anything.
//!
//! The rescans are local. A detector's decision depends only on a bounded
//! window around the byte that keys it ([`scan::REACH_BACK`],
//! [`scan::REACH_FORWARD`]), so after a round only keys within reach of a
//! new marker can decide differently. For each new finding (or run of new
//! findings close together) a small buffer is rendered: the markers and
//! enough redacted text on either side for those keys to read everything
//! they read in the full text; only those keys are scanned. Each finding
//! costs a bounded amount of work, so even
//! adversarial chains (every redaction unlocking the next token) stay linear
//! in the length of the text. No finding can contain a marker (`[`, `]` and
//! `:` are in no detector's alphabet), so every later finding lies inside a
//! stretch of the original text and maps back to it exactly.

use std::collections::BTreeMap;

use super::{scan, Finding};

/// Every finding of `text` at the fixed point, sorted, non-overlapping.
pub(super) fn fixed_point(text: &str) -> Vec<Finding> {
    let first = scan::scan(text);
    if first.is_empty() {
        return first;
    }
    let mut all: BTreeMap<usize, Finding> = first.iter().map(|f| (f.start, *f)).collect();
    let mut fresh = first;
    while !fresh.is_empty() {
        let mut candidates = Vec::new();
        // New findings close to each other share one buffer: the stretch
        // between them is rendered once instead of once per finding.
        let mut span: Option<(usize, usize)> = None;
        for f in &fresh {
            span = match span {
                Some((start, end)) if f.start <= end + NEAR => Some((start, f.end)),
                Some(done) => {
                    rescan_near(text.as_bytes(), &all, done, &mut candidates);
                    Some((f.start, f.end))
                }
                None => Some((f.start, f.end)),
            };
        }
        if let Some(done) = span {
            rescan_near(text.as_bytes(), &all, done, &mut candidates);
        }
        fresh = scan::resolve(candidates);
        // Cannot overlap a finding (see the module docs); checked anyway so
        // that the result stays well-formed whatever happens.
        fresh.retain(|c| !overlaps_any(&all, c));
        for f in &fresh {
            all.insert(f.start, *f);
        }
    }
    all.into_values().collect()
}

/// How many bytes of text may separate two new findings that share a buffer.
const NEAR: usize = scan::REACH_BACK + scan::REACH_FORWARD;

fn overlaps_any(all: &BTreeMap<usize, Finding>, c: &Finding) -> bool {
    all.range(..c.end)
        .next_back()
        .is_some_and(|(_, f)| f.end > c.start)
}

/// A stretch of the local buffer: original text, or a marker.
enum Piece {
    Text { start: usize, end: usize },
    Marker(Finding),
}

/// Pushes the candidates, in original offsets, keyed within reach of the
/// markers of the text redacted by `all` between `span.0` and `span.1`
/// (original offsets at finding boundaries).
fn rescan_near(
    text: &[u8],
    all: &BTreeMap<usize, Finding>,
    span: (usize, usize),
    out: &mut Vec<Finding>,
) {
    let need = scan::REACH_BACK + scan::REACH_FORWARD;
    let mut left = Vec::new();
    let mut len = 0;
    let mut pos = span.0;
    let mut before = all.range(..span.0).rev().peekable();
    while len < need && pos > 0 {
        match before.peek() {
            Some((_, g)) if g.end == pos => {
                len += marker_len(g);
                pos = g.start;
                left.push(Piece::Marker(**g));
                before.next();
            }
            next => {
                let floor = next.map_or(0, |(_, g)| g.end);
                let start = floor.max(pos.saturating_sub(need - len));
                len += pos - start;
                left.push(Piece::Text { start, end: pos });
                pos = start;
            }
        }
    }
    let mut middle = Vec::new();
    let mut pos = span.0;
    for g in all.range(span.0..span.1).map(|(_, g)| g) {
        if g.start > pos {
            middle.push(Piece::Text {
                start: pos,
                end: g.start,
            });
        }
        middle.push(Piece::Marker(*g));
        pos = g.end;
    }
    let mut right = Vec::new();
    let mut len = 0;
    let mut pos = span.1;
    let mut after = all.range(span.1..).peekable();
    while len < need && pos < text.len() {
        match after.peek() {
            Some((_, g)) if g.start == pos => {
                len += marker_len(g);
                pos = g.end;
                right.push(Piece::Marker(**g));
                after.next();
            }
            next => {
                let ceiling = next.map_or(text.len(), |(_, g)| g.start);
                let end = ceiling.min(pos + (need - len));
                len += end - pos;
                right.push(Piece::Text { start: pos, end });
                pos = end;
            }
        }
    }

    // Render the buffer, remembering where each original stretch went.
    let mut buf = Vec::new();
    let mut texts = Vec::new(); // (buffer offset, original start, original end)
    let mut span_at = (0, 0);
    let pieces = left.into_iter().rev().chain(middle).chain(right);
    for piece in pieces {
        match piece {
            Piece::Text { start, end } => {
                texts.push((buf.len(), start, end));
                buf.extend_from_slice(text.get(start..end).unwrap_or_default());
            }
            Piece::Marker(g) => {
                if g.start == span.0 {
                    span_at.0 = buf.len();
                }
                push_marker(&mut buf, &g);
                if g.end == span.1 {
                    span_at.1 = buf.len();
                }
            }
        }
    }

    let lo = span_at.0.saturating_sub(scan::REACH_FORWARD);
    let hi = span_at.1.saturating_add(scan::REACH_BACK);
    let mut local = Vec::new();
    scan::candidates_in(&buf, lo, hi, &mut local);
    for c in local {
        // The last stretch of text starting at or before the candidate.
        let home = texts
            .partition_point(|&(at, _, _)| at <= c.start)
            .checked_sub(1)
            .and_then(|k| texts.get(k))
            .filter(|&&(at, start, end)| c.end <= at + (end - start));
        if let Some(&(at, start, _)) = home {
            out.push(Finding {
                kind: c.kind,
                start: start + (c.start - at),
                end: start + (c.end - at),
            });
        }
    }
}

fn marker_len(f: &Finding) -> usize {
    "[REDACTED:]".len() + f.kind.as_str().len()
}

fn push_marker(buf: &mut Vec<u8>, f: &Finding) {
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
