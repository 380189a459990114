//! The sender side (contract §3.3): build a valid body without hand-writing
//! JSON, then sign exactly those bytes.
//!
//! The builder checks every rule of §3.2 except the time window (it has no
//! clock), using the same rule functions as the parser, so a body it emits
//! is accepted by any receiver whose clock agrees. The output is compact
//! JSON in the fixed field order `connector_id, event_type, timestamp,
//! severity, source, message, metadata`; fields that were not set are left
//! out, never filled with defaults.

use std::fmt::Write as _;

use uuid::Uuid;

use super::parse::FIELDS;
use super::timestamp::{is_representable, parse_timestamp};
use super::validate;
use super::violation::{pointer_join, quote_short, Violation, ViolationCode, Violations};
use super::{Event, Metadata, MetadataValue, Severity};
use crate::signature::{sign, Secret, SignatureHeader};
use crate::time::Timestamp;

/// A built body and the `X-ERPOps-Signature` header value for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvent {
    /// The exact bytes to send.
    pub body: Vec<u8>,
    /// `sha256=<hex>` of `body`.
    pub signature: SignatureHeader,
}

/// Collects the fields of an event and emits a valid, compact body.
///
/// Setters take `&mut self` so the builder can be driven step by step from
/// the C, Python and Node bindings as well as chained in Rust:
///
/// ```
/// use erpops_core::event::{EventBuilder, Severity};
/// use erpops_core::Timestamp;
///
/// let body = EventBuilder::new()
///     .connector_id_str("123e4567-e89b-12d3-a456-426614174000")
///     .event_type("integration.failed")
///     .timestamp(Timestamp::from_unix_seconds(1_776_654_000))
///     .severity(Severity::Error)
///     .metadata("exit_code", 1i64)
///     .build()?;
/// assert_eq!(
///     String::from_utf8(body)?,
///     r#"{"connector_id":"123e4567-e89b-12d3-a456-426614174000","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","metadata":{"exit_code":1}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventBuilder {
    connector_id: Option<Uuid>,
    event_type: Option<String>,
    timestamp: Option<Timestamp>,
    severity: Option<Severity>,
    source: Option<String>,
    message: Option<String>,
    metadata: Option<Metadata>,
    /// Problems found by the text setters (`*_str`), reported by `build`.
    pending: Vec<Violation>,
}

impl EventBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        EventBuilder::default()
    }

    /// A builder holding every field of `event` (metadata only when it has
    /// entries), so `build` gives a body that parses back to `event`.
    pub fn from_event(event: &Event) -> Self {
        EventBuilder {
            connector_id: Some(event.connector_id),
            event_type: Some(event.event_type.clone()),
            timestamp: Some(event.timestamp),
            severity: Some(event.severity),
            source: event.source.clone(),
            message: event.message.clone(),
            metadata: (!event.metadata.is_empty()).then(|| event.metadata.clone()),
            pending: Vec::new(),
        }
    }

    fn clear_pending(&mut self, pointer: &str) {
        self.pending.retain(|v| v.pointer != pointer);
    }

    /// Sets the connector id.
    pub fn connector_id(&mut self, id: Uuid) -> &mut Self {
        self.clear_pending("/connector_id");
        self.connector_id = Some(id);
        self
    }

    /// Sets the connector id from its hyphenated text; a malformed id is
    /// reported by [`build`](Self::build).
    pub fn connector_id_str(&mut self, id: &str) -> &mut Self {
        self.clear_pending("/connector_id");
        match validate::connector_id(id) {
            Ok(id) => self.connector_id = Some(id),
            Err(p) => {
                self.connector_id = None;
                self.pending
                    .push(Violation::new("/connector_id", p.code, p.message));
            }
        }
        self
    }

    /// Sets the event type (checked by `build`).
    pub fn event_type(&mut self, event_type: impl Into<String>) -> &mut Self {
        self.event_type = Some(event_type.into());
        self
    }

    /// Sets the event time.
    pub fn timestamp(&mut self, ts: Timestamp) -> &mut Self {
        self.clear_pending("/timestamp");
        self.timestamp = Some(ts);
        self
    }

    /// Sets the event time from RFC 3339 text (any offset; normalized to
    /// UTC); refused text is reported by `build`.
    pub fn timestamp_str(&mut self, text: &str) -> &mut Self {
        self.clear_pending("/timestamp");
        match parse_timestamp(text) {
            Ok(ts) => self.timestamp = Some(ts),
            Err(e) => {
                self.timestamp = None;
                self.pending.push(Violation::new(
                    "/timestamp",
                    ViolationCode::Format,
                    format!("timestamp {} is not accepted: {e}", quote_short(text)),
                ));
            }
        }
        self
    }

    /// Sets the severity.
    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.clear_pending("/severity");
        self.severity = Some(severity);
        self
    }

    /// Sets the severity from its wire spelling; anything else is reported
    /// by `build`.
    pub fn severity_str(&mut self, text: &str) -> &mut Self {
        self.clear_pending("/severity");
        match validate::severity(text) {
            Ok(s) => self.severity = Some(s),
            Err(p) => {
                self.severity = None;
                self.pending
                    .push(Violation::new("/severity", p.code, p.message));
            }
        }
        self
    }

    /// Sets the source (checked by `build`).
    pub fn source(&mut self, source: impl Into<String>) -> &mut Self {
        self.source = Some(source.into());
        self
    }

    /// Sets the message (checked by `build`). Run it through
    /// [`crate::pii::redact`] first if it may carry personal data.
    pub fn message(&mut self, message: impl Into<String>) -> &mut Self {
        self.message = Some(message.into());
        self
    }

    /// Sets one metadata entry (replacing a previous value of `key` in
    /// place).
    pub fn metadata(
        &mut self,
        key: impl Into<String>,
        value: impl Into<MetadataValue>,
    ) -> &mut Self {
        self.metadata
            .get_or_insert_with(Metadata::new)
            .insert(key, value.into());
        self
    }

    /// Sets the whole metadata map (an empty map is sent as `{}`).
    pub fn metadata_map(&mut self, metadata: Metadata) -> &mut Self {
        self.metadata = Some(metadata);
        self
    }

    /// Every violation of the fields set so far (all rules but the time
    /// window).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut out = Violations::new();
        for v in &self.pending {
            out.push(v.clone());
        }
        let mut check = |pointer: &str, r: Result<(), validate::Problem>| {
            if let Err(p) = r {
                out.push(Violation::new(pointer, p.code, p.message));
            }
        };
        if let Some(t) = &self.event_type {
            check("/event_type", validate::event_type(t));
        }
        if let Some(ts) = self.timestamp {
            if !is_representable(ts) {
                check(
                    "/timestamp",
                    Err(validate::Problem {
                        code: ViolationCode::Format,
                        message: format!(
                            "timestamp {ts} cannot be sent: RFC 3339 covers the years 0000 to 9999"
                        ),
                    }),
                );
            }
        }
        if let Some(s) = &self.source {
            check("/source", validate::source(s));
        }
        if let Some(m) = &self.message {
            check("/message", validate::message(m));
        }
        if let Some(meta) = &self.metadata {
            if meta.len() > validate::MAX_METADATA_ENTRIES {
                let p = validate::too_many_entries(meta.len());
                check("/metadata", Err(p));
            }
            for (k, v) in meta.iter() {
                let pointer = pointer_join("/metadata", k);
                check(&pointer, validate::metadata_key(k));
                match v {
                    MetadataValue::String(s) => check(&pointer, validate::metadata_string(s)),
                    MetadataValue::Float(f) => check(&pointer, validate::metadata_float(*f)),
                    _ => {}
                }
            }
        }
        let missing = [
            self.connector_id.is_some(),
            self.event_type.is_some(),
            self.timestamp.is_some(),
        ];
        for (set, name) in missing.into_iter().zip(FIELDS) {
            let pointer = pointer_join("", name);
            if !set && !self.pending.iter().any(|v| v.pointer == pointer) {
                out.push(Violation::new(
                    pointer,
                    ViolationCode::Missing,
                    format!("{name} is required: set it before building"),
                ));
            }
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    /// The body: compact JSON in the fixed field order, or every violation.
    pub fn build(&self) -> Result<Vec<u8>, Violations> {
        self.validate()?;
        let mut out = String::with_capacity(256);
        out.push('{');
        let mut first = true;
        let mut field = |out: &mut String, name: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
        };
        if let Some(id) = &self.connector_id {
            field(&mut out, "connector_id");
            let _ = write!(out, "\"{}\"", id.hyphenated());
        }
        if let Some(t) = &self.event_type {
            field(&mut out, "event_type");
            write_string(&mut out, t);
        }
        if let Some(ts) = &self.timestamp {
            field(&mut out, "timestamp");
            let _ = write!(out, "\"{ts}\"");
        }
        if let Some(s) = &self.severity {
            field(&mut out, "severity");
            let _ = write!(out, "\"{s}\"");
        }
        if let Some(s) = &self.source {
            field(&mut out, "source");
            write_string(&mut out, s);
        }
        if let Some(m) = &self.message {
            field(&mut out, "message");
            write_string(&mut out, m);
        }
        if let Some(meta) = &self.metadata {
            field(&mut out, "metadata");
            out.push('{');
            for (i, (k, v)) in meta.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(&mut out, k);
                out.push(':');
                write_value(&mut out, v);
            }
            out.push('}');
        }
        out.push('}');
        Ok(out.into_bytes())
    }

    /// The body and its signature with `secret`: the signature covers
    /// exactly the returned bytes.
    pub fn build_signed(&self, secret: &Secret) -> Result<SignedEvent, Violations> {
        let body = self.build()?;
        let signature = sign(secret, &body);
        Ok(SignedEvent { body, signature })
    }
}

/// Writes `s` as a JSON string: `"` and `\` escaped, control characters
/// U+0000–U+001F as short escapes or `\u00XX`, everything else (including
/// non-ASCII) as raw UTF-8.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push('"');
}

/// Writes a metadata value. Floats use the shortest text that reads back
/// to the same `f64` and always carry a `.` or an exponent, so they read
/// back as floats, not integers.
fn write_value(out: &mut String, v: &MetadataValue) {
    let _ = match v {
        MetadataValue::String(s) => {
            write_string(out, s);
            Ok(())
        }
        MetadataValue::Int(i) => write!(out, "{i}"),
        MetadataValue::UInt(u) => write!(out, "{u}"),
        MetadataValue::Float(f) => write!(out, "{f:?}"),
        MetadataValue::Bool(b) => write!(out, "{b}"),
        MetadataValue::Null => write!(out, "null"),
    };
}

impl From<&str> for MetadataValue {
    fn from(s: &str) -> Self {
        MetadataValue::String(s.to_owned())
    }
}

impl From<String> for MetadataValue {
    fn from(s: String) -> Self {
        MetadataValue::String(s)
    }
}

impl From<i64> for MetadataValue {
    fn from(i: i64) -> Self {
        MetadataValue::Int(i)
    }
}

impl From<u64> for MetadataValue {
    /// Values up to `i64::MAX` become `Int`, so each integer has one form.
    fn from(u: u64) -> Self {
        match i64::try_from(u) {
            Ok(i) => MetadataValue::Int(i),
            Err(_) => MetadataValue::UInt(u),
        }
    }
}

impl From<f64> for MetadataValue {
    fn from(f: f64) -> Self {
        MetadataValue::Float(f)
    }
}

impl From<bool> for MetadataValue {
    fn from(b: bool) -> Self {
        MetadataValue::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_minimally() {
        let mut s = String::new();
        write_string(&mut s, "a\"b\\c\n\t\r\u{8}\u{c}\u{1}\u{1f}é😀\u{7f}/");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001fé😀\u{7f}/\"");
    }

    #[test]
    fn floats_always_read_back_as_floats() {
        for f in [1.0, 0.1, 1e300, -2.5e-300, 1e16, -0.0, 123456789.125] {
            let mut s = String::new();
            write_value(&mut s, &MetadataValue::Float(f));
            assert!(s.contains('.') || s.contains('e'), "{s}");
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), f.to_bits(), "{s}");
        }
    }

    #[test]
    fn unset_fields_are_left_out_and_missing_ones_reported() {
        let err = EventBuilder::new().source("x").build().unwrap_err();
        let ptrs: Vec<_> = err.iter().map(|v| (v.pointer.as_str(), v.code)).collect();
        assert_eq!(
            ptrs,
            [
                ("/connector_id", ViolationCode::Missing),
                ("/event_type", ViolationCode::Missing),
                ("/timestamp", ViolationCode::Missing)
            ]
        );
    }

    #[test]
    fn text_setters_report_at_build() {
        let mut b = EventBuilder::new();
        b.connector_id_str("{123e4567-e89b-12d3-a456-426614174000}")
            .event_type("a.b")
            .timestamp_str("2026-04-20")
            .severity_str("warning");
        let err = b.build().unwrap_err();
        let codes: Vec<_> = err
            .iter()
            .map(|v| (v.pointer.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("/connector_id", "format"),
                ("/timestamp", "format"),
                ("/severity", "enum")
            ]
        );
        b.connector_id(Uuid::nil())
            .timestamp(Timestamp::UNIX_EPOCH)
            .severity(Severity::Warn);
        assert!(b.build().is_ok());
    }
}
