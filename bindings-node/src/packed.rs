//! The accepted event as one packed string for the JavaScript layer.
//!
//! Handing a JavaScript object over costs either one napi call per property
//! (slower than validating the body) or JSON text that V8 parses again
//! (`JSON.parse` of the whole event was half of `validate`'s time). A packed
//! string needs one napi string and a few `slice`s: a header of field
//! lengths, then the fields back to back. Only `metadata` (an object with
//! arbitrary keys) and non-empty `redactions` stay JSON for `JSON.parse`.
//!
//! Layout: the fields back to back, in this order, then a trailer of
//! [`FIELDS`] lengths in UTF-16 code units (JavaScript's string indexes),
//! each as two characters of 15 bits (high, low; `U+0000..U+7FFF`, never a
//! surrogate), [`NULL`] for an absent value. The trailer comes last so each
//! field is written straight into the output and measured afterwards.
//!
//! 1. `connector_id` (lowercase hyphenated UUID)
//! 2. `event_type`
//! 3. `timestamp`: Unix milliseconds, decimal
//! 4. `severity`
//! 5. `source` (absent: null)
//! 6. `message` (absent: null)
//! 7. `metadata`: JSON object; integers beyond 2^53 as decimal strings
//! 8. `redactions`: JSON array, empty text for none
//! 9. `bigints`: JSON array of the metadata keys holding such integers,
//!    empty text for none
//!
//! `lib/event.js` (`eventFromPacked`) is the only reader;
//! `__test__/packed.test.mjs` checks text outside the BMP, absent fields,
//! redactions, exact BigInts and a field longer than 2^15 code units.

use erpops_core::event::{Event, Metadata, MetadataValue, Redaction};

use crate::error::{from_core, Result};

/// Number of fields in a packed event.
pub const FIELDS: usize = 9;

/// The length that marks an absent field (2^30 - 1).
pub const NULL: u32 = (1 << 30) - 1;

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: i64 = 9_007_199_254_740_991;

/// An integer `JSON.parse` would round: it travels as a decimal string.
fn is_big(value: &MetadataValue) -> bool {
    match value {
        MetadataValue::Int(i) => !(-MAX_SAFE..=MAX_SAFE).contains(i),
        MetadataValue::UInt(u) => *u > MAX_SAFE as u64,
        _ => false,
    }
}

/// Metadata as JSON, big integers as decimal strings.
struct MetadataOut<'a>(&'a Metadata);

impl serde::Serialize for MetadataOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0.iter() {
            match value {
                MetadataValue::Int(i) if is_big(value) => {
                    map.serialize_entry(key, &i.to_string())?
                }
                MetadataValue::UInt(u) if is_big(value) => {
                    map.serialize_entry(key, &u.to_string())?
                }
                other => map.serialize_entry(key, other)?,
            }
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct RedactionOut<'a> {
    pointer: &'a str,
    kinds: Vec<&'static str>,
}

/// Length in UTF-16 code units of well-formed UTF-8 `bytes`: one unit per
/// character, two for a character outside the BMP (a 4-byte sequence).
fn utf16_len(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes
        .iter()
        .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// Appends one length as two 15-bit characters (`U+0000..U+7FFF` encode
/// as UTF-8 in at most three bytes, never as a surrogate).
fn push_len(out: &mut Vec<u8>, len: u32) {
    for part in [len >> 15, len & 0x7FFF] {
        let c = char::from_u32(part).unwrap_or('\0');
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

fn internal(e: impl std::fmt::Display) -> napi::Error<crate::error::Code> {
    from_core("internal", e)
}

/// Appends `value` as JSON.
fn push_json<T: serde::Serialize>(out: &mut Vec<u8>, value: &T) -> Result<()> {
    serde_json::to_writer(out, value).map_err(internal)
}

/// A field writer: appends one field's UTF-8 bytes.
type Write<'a> = &'a mut dyn FnMut(&mut Vec<u8>) -> Result<()>;

/// The output under construction: fields appended in order, their lengths
/// kept for the trailer.
struct Packer {
    out: Vec<u8>,
    lens: [u32; FIELDS],
    next: usize,
}

impl Packer {
    /// Appends one field (`None`: absent) and records its length.
    fn field(&mut self, write: Option<Write<'_>>) -> Result<()> {
        let len = match write {
            None => NULL,
            Some(write) => {
                let start = self.out.len();
                write(&mut self.out)?;
                let written = self.out.get(start..).map_or(0, utf16_len);
                u32::try_from(written)
                    .ok()
                    .filter(|n| *n < NULL)
                    .ok_or_else(|| internal("an event field is too long to pack"))?
            }
        };
        if let Some(slot) = self.lens.get_mut(self.next) {
            *slot = len;
        }
        self.next += 1;
        Ok(())
    }

    fn text(&mut self, value: Option<&str>) -> Result<()> {
        match value {
            Some(text) => self.field(Some(&mut |out: &mut Vec<u8>| {
                out.extend_from_slice(text.as_bytes());
                Ok(())
            })),
            None => self.field(None),
        }
    }

    fn finish(mut self) -> Result<String> {
        for len in self.lens {
            push_len(&mut self.out, len);
        }
        // Every piece was a `str` or serde_json output: valid UTF-8.
        String::from_utf8(self.out).map_err(internal)
    }
}

/// The packed form of an accepted event and its redactions.
pub(crate) fn event_packed(e: &Event, redactions: &[Redaction]) -> Result<String> {
    use std::io::Write as _;
    let mut p = Packer {
        out: Vec::with_capacity(256 + e.message.as_ref().map_or(0, String::len)),
        lens: [0; FIELDS],
        next: 0,
    };
    let mut uuid = [0u8; uuid::fmt::Hyphenated::LENGTH];
    p.text(Some(e.connector_id.hyphenated().encode_lower(&mut uuid)))?;
    p.text(Some(&e.event_type))?;
    p.field(Some(&mut |out: &mut Vec<u8>| {
        // Milliseconds fit an i64 for every valid timestamp (years 1..9999).
        let ms = i64::try_from(e.timestamp.unix_millis()).map_err(internal)?;
        write!(out, "{ms}").map_err(internal)
    }))?;
    p.text(Some(e.severity.as_str()))?;
    p.text(e.source.as_deref())?;
    p.text(e.message.as_deref())?;
    p.field(Some(&mut |out: &mut Vec<u8>| {
        push_json(out, &MetadataOut(&e.metadata))
    }))?;
    p.field(Some(&mut |out: &mut Vec<u8>| {
        if redactions.is_empty() {
            return Ok(());
        }
        let list: Vec<RedactionOut> = redactions
            .iter()
            .map(|r| RedactionOut {
                pointer: &r.pointer,
                kinds: r.kinds.iter().map(|k| k.as_str()).collect(),
            })
            .collect();
        push_json(out, &list)
    }))?;
    p.field(Some(&mut |out: &mut Vec<u8>| {
        let big: Vec<&str> = e
            .metadata
            .iter()
            .filter(|(_, v)| is_big(v))
            .map(|(k, _)| k)
            .collect();
        if big.is_empty() {
            return Ok(());
        }
        push_json(out, &big)
    }))?;
    p.finish()
}
