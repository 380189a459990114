//! The fixed point that makes redaction idempotent.
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

use super::{marker, scan, Finding};

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

/// Context a buffer needs on either side of the keys it scans, and how
/// many bytes of text may separate two new findings that share a buffer.
const NEAR: usize = scan::REACH_BACK + scan::REACH_FORWARD;

fn overlaps_any(all: &BTreeMap<usize, Finding>, c: &Finding) -> bool {
    all.range(..c.end)
        .next_back()
        .is_some_and(|(_, f)| f.end > c.start)
}

/// Pushes the candidates, in original offsets, keyed within reach of the
/// markers between `span.0` and `span.1` (original offsets at finding
/// boundaries) in the text redacted by `all`.
fn rescan_near(
    text: &[u8],
    all: &BTreeMap<usize, Finding>,
    span: (usize, usize),
    out: &mut Vec<Finding>,
) {
    let mut pieces = pieces_before(all, span.0);
    pieces.reverse();
    pieces.extend(pieces_between(all, span));
    pieces.extend(pieces_after(text.len(), all, span.1));
    let buffer = Buffer::render(text, &pieces, span);

    let lo = buffer.span.0.saturating_sub(scan::REACH_FORWARD);
    let hi = buffer.span.1.saturating_add(scan::REACH_BACK);
    let mut local = Vec::new();
    scan::candidates_in(&buffer.bytes, lo, hi, &mut local);
    out.extend(local.iter().filter_map(|c| buffer.to_original(c)));
}

/// A stretch of redacted text: original text, or a marker.
enum Piece {
    Text { start: usize, end: usize },
    Marker(Finding),
}

/// At least [`NEAR`] bytes of redacted text ending at original offset `at`
/// (fewer at the start of the text), last piece first.
fn pieces_before(all: &BTreeMap<usize, Finding>, at: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut len = 0;
    let mut pos = at;
    let mut findings = all.range(..at).rev().peekable();
    while len < NEAR && pos > 0 {
        match findings.peek() {
            Some((_, g)) if g.end == pos => {
                len += marker::len(g);
                pos = g.start;
                pieces.push(Piece::Marker(**g));
                findings.next();
            }
            next => {
                let floor = next.map_or(0, |(_, g)| g.end);
                let start = floor.max(pos.saturating_sub(NEAR - len));
                len += pos - start;
                pieces.push(Piece::Text { start, end: pos });
                pos = start;
            }
        }
    }
    pieces
}

/// The redacted text from `span.0` to `span.1`.
fn pieces_between(all: &BTreeMap<usize, Finding>, span: (usize, usize)) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut pos = span.0;
    for g in all.range(span.0..span.1).map(|(_, g)| g) {
        if g.start > pos {
            pieces.push(Piece::Text {
                start: pos,
                end: g.start,
            });
        }
        pieces.push(Piece::Marker(*g));
        pos = g.end;
    }
    pieces
}

/// At least [`NEAR`] bytes of redacted text starting at original offset
/// `at` (fewer at the end of the text).
fn pieces_after(text_len: usize, all: &BTreeMap<usize, Finding>, at: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut len = 0;
    let mut pos = at;
    let mut findings = all.range(at..).peekable();
    while len < NEAR && pos < text_len {
        match findings.peek() {
            Some((_, g)) if g.start == pos => {
                len += marker::len(g);
                pos = g.end;
                pieces.push(Piece::Marker(**g));
                findings.next();
            }
            next => {
                let ceiling = next.map_or(text_len, |(_, g)| g.start);
                let end = ceiling.min(pos + (NEAR - len));
                len += end - pos;
                pieces.push(Piece::Text { start: pos, end });
                pos = end;
            }
        }
    }
    pieces
}

/// A rendered stretch of redacted text and where its pieces came from.
struct Buffer {
    bytes: Vec<u8>,
    /// `(buffer offset, original start, original end)` of each text piece,
    /// in buffer order.
    texts: Vec<(usize, usize, usize)>,
    /// Where the span's first marker starts and its last marker ends.
    span: (usize, usize),
}

impl Buffer {
    fn render(text: &[u8], pieces: &[Piece], span: (usize, usize)) -> Buffer {
        let mut b = Buffer {
            bytes: Vec::new(),
            texts: Vec::new(),
            span: (0, 0),
        };
        for piece in pieces {
            match *piece {
                Piece::Text { start, end } => {
                    b.texts.push((b.bytes.len(), start, end));
                    b.bytes
                        .extend_from_slice(text.get(start..end).unwrap_or_default());
                }
                Piece::Marker(g) => {
                    if g.start == span.0 {
                        b.span.0 = b.bytes.len();
                    }
                    marker::push(&mut b.bytes, &g);
                    if g.end == span.1 {
                        b.span.1 = b.bytes.len();
                    }
                }
            }
        }
        b
    }

    /// `c` (buffer offsets) in original offsets, if it lies within one
    /// stretch of original text (always, since no detector matches a
    /// marker's `[`).
    fn to_original(&self, c: &Finding) -> Option<Finding> {
        let k = self.texts.partition_point(|&(at, _, _)| at <= c.start);
        let &(at, start, end) = self.texts.get(k.checked_sub(1)?)?;
        (c.end <= at + (end - start)).then(|| Finding {
            kind: c.kind,
            start: start + (c.start - at),
            end: start + (c.end - at),
        })
    }
}
