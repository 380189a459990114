//! The sender side (contract §3.3): build a valid body without hand-writing
//! JSON, then sign exactly those bytes.
//!
//! The builder checks every rule of §3.2 except the time window (it has no
//! clock), using the same rule functions as the parser, so a body it emits
//! is accepted by any receiver whose clock agrees. The output is compact
//! JSON in the fixed field order `connector_id, event_type, timestamp,
//! severity, source, message, metadata`; fields that were not set are left
//! out, never filled with defaults.
//!
//! A body the receiver would refuse as too large is never emitted either:
//! once the fields are valid, `build` measures the body against the
//! builder's size limit ([`DEFAULT_MAX_BODY_BYTES`], the receiver's
//! default, unless [`EventBuilder::max_body_bytes`] set another) and
//! refuses a longer one with [`BuildError::BodyTooLarge`] before anything
//! is signed, so a batch job learns it at once instead of losing the event
//! to a 413.

use core::fmt;
use std::fmt::Write as _;

use uuid::Uuid;

use super::options::DEFAULT_MAX_BODY_BYTES;
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

/// Why [`EventBuilder::build`] refused: the fields break the contract, or
/// they are valid but the body would be larger than the size limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Some fields break the event contract: every violation (code
    /// `invalid_event`, what a receiver answers 422).
    Invalid(Violations),
    /// The fields are valid but the body is longer than the limit (code
    /// `body_too_large`, what a receiver answers 413).
    BodyTooLarge(BodyTooLarge),
}

impl BuildError {
    /// The stable machine code: `invalid_event` or `body_too_large`, the
    /// codes a receiver would refuse the body with.
    pub const fn code(&self) -> &'static str {
        match self {
            BuildError::Invalid(_) => INVALID_EVENT_CODE,
            BuildError::BodyTooLarge(_) => BodyTooLarge::CODE,
        }
    }

    /// The HTTP status a receiver would answer the body with (422 or 413).
    pub const fn status(&self) -> u16 {
        match self {
            BuildError::Invalid(_) => 422,
            BuildError::BodyTooLarge(_) => BodyTooLarge::STATUS,
        }
    }

    /// The violations, in the shape every binding reports: the field
    /// violations, or for a body too large the single `too_long` at `""`
    /// (the whole document) that [`parse_event`](super::parse_event)
    /// reports for a body over its limit, with this error's message.
    pub fn violations(&self) -> Violations {
        match self {
            BuildError::Invalid(v) => v.clone(),
            BuildError::BodyTooLarge(t) => {
                let mut v = Violations::new();
                v.add("", ViolationCode::TooLong, t.to_string());
                v
            }
        }
    }

    /// The field violations, when that is what this is.
    pub fn as_invalid(&self) -> Option<&Violations> {
        match self {
            BuildError::Invalid(v) => Some(v),
            BuildError::BodyTooLarge(_) => None,
        }
    }

    /// The size problem, when that is what this is.
    pub fn as_body_too_large(&self) -> Option<&BodyTooLarge> {
        match self {
            BuildError::Invalid(_) => None,
            BuildError::BodyTooLarge(t) => Some(t),
        }
    }
}

impl From<Violations> for BuildError {
    fn from(v: Violations) -> Self {
        BuildError::Invalid(v)
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Invalid(v) => v.fmt(f),
            BuildError::BodyTooLarge(t) => t.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {}

/// The `code` of [`BuildError::Invalid`] (the receive decision's 422 code).
const INVALID_EVENT_CODE: &str = "invalid_event";

/// A valid event whose body would be longer than the builder's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The body's length in bytes, as built.
    pub size: usize,
    /// The limit in bytes ([`DEFAULT_MAX_BODY_BYTES`] unless set with
    /// [`EventBuilder::max_body_bytes`]).
    pub limit: usize,
}

impl BodyTooLarge {
    /// The stable machine code, `body_too_large`: the code of a receiver's
    /// 413 for the same body.
    pub const CODE: &'static str = "body_too_large";

    /// The HTTP status a receiver answers such a body with.
    pub const STATUS: u16 = 413;
}

/// Names both sizes and how to make the event fit, e.g. `the event body
/// would be 65537 bytes, 1 more than the limit of 65536 bytes …`.
impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the event body would be {} bytes, {} more than the limit of {} bytes, and a \
             receiver would refuse it (413 body_too_large); shorten the message or the metadata \
             values (keep bulk data such as record dumps out of the event) and build it again",
            self.size,
            self.size.saturating_sub(self.limit),
            self.limit
        )
    }
}

impl std::error::Error for BodyTooLarge {}

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
///
/// A body longer than the receiver's limit is refused before it is signed:
///
/// ```
/// use erpops_core::event::{BuildError, EventBuilder};
/// use erpops_core::Timestamp;
///
/// let mut b = EventBuilder::new();
/// b.connector_id_str("123e4567-e89b-12d3-a456-426614174000")
///     .event_type("integration.failed")
///     .timestamp(Timestamp::from_unix_seconds(1_776_654_000))
///     .message("x".repeat(4000))
///     .max_body_bytes(1000); // a receiver configured with max_body_bytes = 1000
/// let err = b.build().unwrap_err();
/// assert_eq!(err.code(), "body_too_large");
/// let BuildError::BodyTooLarge(t) = err else { unreachable!() };
/// assert_eq!((t.size, t.limit), (4137, 1000));
/// ```
#[derive(Debug, Clone, PartialEq)]
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
    /// The longest body `build` emits, in bytes.
    max_body_bytes: usize,
}

impl Default for EventBuilder {
    fn default() -> Self {
        EventBuilder {
            connector_id: None,
            event_type: None,
            timestamp: None,
            severity: None,
            source: None,
            message: None,
            metadata: None,
            pending: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl EventBuilder {
    /// An empty builder whose size limit is [`DEFAULT_MAX_BODY_BYTES`].
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
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Sets the size limit `build` holds the body to, in bytes: the
    /// `max_body_bytes` of the receiver the event goes to, when it is
    /// configured lower (or higher) than the default
    /// [`DEFAULT_MAX_BODY_BYTES`] (64 KiB).
    pub fn max_body_bytes(&mut self, limit: usize) -> &mut Self {
        self.max_body_bytes = limit;
        self
    }

    /// The size limit `build` holds the body to, in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
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

    /// Sets `metadata.run_id`, the id that pairs one run's signals: send
    /// the same id (e.g. the job name and its process instance) on the
    /// run's `….started` event and on its `….succeeded` or `….failed`, so
    /// concurrent runs of one job are told apart. Replaces an earlier
    /// `run_id`, like [`metadata`](Self::metadata).
    ///
    /// [`build`](Self::build) checks it as a receiver does: 1 to 128
    /// characters without control characters, or a violation at
    /// `/metadata/run_id` (`format` when empty or with a control
    /// character, `too_long` past 128 characters).
    ///
    /// ```
    /// use erpops_core::event::EventBuilder;
    /// use erpops_core::Timestamp;
    ///
    /// let mut started = EventBuilder::new();
    /// started
    ///     .connector_id_str("123e4567-e89b-12d3-a456-426614174000")
    ///     .event_type("payroll.started")
    ///     .timestamp(Timestamp::from_unix_seconds(1_776_654_000))
    ///     .source("PSFT_PAYROLL_BATCH")
    ///     .run_id("PAYNOTFY-8812345");
    /// let mut succeeded = started.clone();
    /// succeeded
    ///     .event_type("payroll.succeeded")
    ///     .timestamp(Timestamp::from_unix_seconds(1_776_657_600))
    ///     .records_processed(40_000);
    /// assert!(String::from_utf8(succeeded.build()?)?
    ///     .ends_with(r#""metadata":{"run_id":"PAYNOTFY-8812345","records_processed":40000}}"#));
    ///
    /// let err = started.run_id("").build().unwrap_err();
    /// let v = &err.as_invalid().unwrap().as_slice()[0];
    /// assert_eq!((v.pointer.as_str(), v.code.as_str()), ("/metadata/run_id", "format"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_id(&mut self, run_id: impl Into<String>) -> &mut Self {
        self.metadata(validate::RUN_ID_KEY, MetadataValue::String(run_id.into()))
    }

    /// Sets `metadata.records_processed`, how many records the run
    /// processed (usually sent on its `….succeeded` or `….failed`).
    /// Replaces an earlier value, like [`metadata`](Self::metadata). A
    /// `u64` is always valid; a receiver refuses a negative or
    /// non-integer `records_processed` from any sender.
    pub fn records_processed(&mut self, records: u64) -> &mut Self {
        self.metadata(
            validate::RECORDS_PROCESSED_KEY,
            MetadataValue::from(records),
        )
    }

    /// Sets the whole metadata map (an empty map is sent as `{}`).
    pub fn metadata_map(&mut self, metadata: Metadata) -> &mut Self {
        self.metadata = Some(metadata);
        self
    }

    /// Every violation of the fields set so far (all rules but the time
    /// window). The size limit needs the body, so only
    /// [`build`](Self::build) checks it.
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
                check(&pointer, validate::metadata_value(k, v));
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

    /// The body: compact JSON in the fixed field order. Refused with every
    /// violation when a field breaks the contract, or, once the fields are
    /// valid, with [`BuildError::BodyTooLarge`] when the body is longer
    /// than the size limit.
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
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
        if out.len() > self.max_body_bytes {
            return Err(BuildError::BodyTooLarge(BodyTooLarge {
                size: out.len(),
                limit: self.max_body_bytes,
            }));
        }
        Ok(out.into_bytes())
    }

    /// The body and its signature with `secret`: the signature covers
    /// exactly the returned bytes. Refused as [`build`](Self::build)
    /// refuses, before anything is signed.
    pub fn build_signed(&self, secret: &Secret) -> Result<SignedEvent, BuildError> {
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
        let err = EventBuilder::new().source("x").validate().unwrap_err();
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
        let err = b.validate().unwrap_err();
        assert_eq!(b.build(), Err(BuildError::Invalid(err.clone())));
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

    fn run_signal() -> EventBuilder {
        let mut b = EventBuilder::new();
        b.connector_id(Uuid::nil())
            .event_type("payroll.started")
            .timestamp(Timestamp::UNIX_EPOCH);
        b
    }

    fn violations(b: &EventBuilder) -> Vec<(String, &'static str)> {
        match b.build() {
            Ok(_) => Vec::new(),
            Err(e) => e
                .violations()
                .iter()
                .map(|v| (v.pointer.clone(), v.code.as_str()))
                .collect(),
        }
    }

    #[test]
    fn run_id_and_records_processed_are_metadata_entries() {
        let mut b = run_signal();
        b.run_id("PAYNOTFY-8812345")
            .records_processed(u64::MAX)
            .run_id("r".repeat(MAX_RUN_ID))
            .records_processed(18_441);
        let body = String::from_utf8(b.build().unwrap()).unwrap();
        assert!(
            body.ends_with(&format!(
                r#""metadata":{{"run_id":"{}","records_processed":18441}}}}"#,
                "r".repeat(MAX_RUN_ID)
            )),
            "{body}"
        );
        b.records_processed(u64::MAX);
        assert!(String::from_utf8(b.build().unwrap())
            .unwrap()
            .contains(r#""records_processed":18446744073709551615"#));
    }

    const MAX_RUN_ID: usize = validate::MAX_RUN_ID_CHARS;

    #[test]
    fn run_ids_are_checked_at_build() {
        let at = |code| vec![("/metadata/run_id".to_owned(), code)];
        for (id, want) in [
            (String::new(), at("format")),
            ("r".repeat(MAX_RUN_ID + 1), at("too_long")),
            ("é".repeat(MAX_RUN_ID), vec![]),
            ("PAY\t01".into(), at("format")),
            ("PAY\n01".into(), at("format")),
            ("PAY\u{85}".into(), at("format")),
            ("PAY 01 / 2026-04-20".into(), vec![]),
        ] {
            let mut b = run_signal();
            b.run_id(id.as_str());
            assert_eq!(violations(&b), want, "{id:?}");
        }
        let err = run_signal().run_id("").build().unwrap_err();
        assert!(
            err.to_string()
                .contains("metadata.run_id must not be empty"),
            "{err}"
        );
    }

    #[test]
    fn generic_metadata_setters_meet_the_same_rules() {
        let at = |p: &str, code| vec![(p.to_owned(), code)];
        let mut b = run_signal();
        b.metadata("run_id", 47.5f64);
        assert_eq!(violations(&b), at("/metadata/run_id", "type"));
        b.metadata("run_id", 4711i64);
        assert_eq!(violations(&b), vec![]);
        b.metadata("run_id", "4711");
        assert_eq!(violations(&b), vec![]);
        b.metadata("run_id", MetadataValue::Null);
        assert_eq!(violations(&b), at("/metadata/run_id", "type"));
        b.metadata("run_id", "x".repeat(2000));
        assert_eq!(violations(&b), at("/metadata/run_id", "too_long"));
        let mut b = run_signal();
        b.metadata("records_processed", -1i64);
        assert_eq!(violations(&b), at("/metadata/records_processed", "format"));
        for v in [
            MetadataValue::Float(5.0),
            MetadataValue::String("5".into()),
            MetadataValue::Bool(true),
            MetadataValue::Null,
        ] {
            b.metadata("records_processed", v.clone());
            assert_eq!(
                violations(&b),
                at("/metadata/records_processed", "type"),
                "{v:?}"
            );
        }
        b.metadata("records_processed", 0i64);
        assert_eq!(violations(&b), vec![]);
        // Other keys keep the generic rules: a long string with a tab is fine.
        b.metadata("run", format!("{}\t", "x".repeat(500)))
            .metadata("records", -1i64);
        assert_eq!(violations(&b), vec![]);
    }

    fn sized(message_chars: usize, limit: usize) -> EventBuilder {
        let mut b = EventBuilder::new();
        b.connector_id(Uuid::nil())
            .event_type("a.b")
            .timestamp(Timestamp::UNIX_EPOCH)
            .message("m".repeat(message_chars))
            .max_body_bytes(limit);
        b
    }

    #[test]
    fn a_body_of_exactly_the_limit_builds_and_one_byte_more_is_refused() {
        // 122 bytes around the message.
        let empty = sized(0, usize::MAX).build().unwrap().len();
        assert_eq!(empty, 122);
        let at = sized(200 - empty, 200).build().unwrap();
        assert_eq!(at.len(), 200);
        let err = sized(201 - empty, 200).build().unwrap_err();
        assert_eq!(
            err,
            BuildError::BodyTooLarge(BodyTooLarge {
                size: 201,
                limit: 200
            })
        );
        assert_eq!((err.code(), err.status()), ("body_too_large", 413));
        let text = err.to_string();
        for part in [
            "201 bytes",
            "1 more",
            "limit of 200 bytes",
            "shorten the message",
        ] {
            assert!(text.contains(part), "{text}");
        }
        let v = err.violations();
        assert_eq!((v.len(), v.total()), (1, 1));
        assert_eq!(v.as_slice()[0].pointer, "");
        assert_eq!(v.as_slice()[0].code, ViolationCode::TooLong);
        assert_eq!(v.as_slice()[0].message, text);
        // build_signed refuses alike, before signing.
        let secret = Secret::new(b"k").unwrap();
        assert_eq!(
            sized(201 - empty, 200).build_signed(&secret).unwrap_err(),
            err
        );
    }

    #[test]
    fn the_default_limit_is_the_receivers() {
        let b = EventBuilder::new();
        assert_eq!(b.body_limit(), DEFAULT_MAX_BODY_BYTES);
        assert_eq!(EventBuilder::default().body_limit(), 64 * 1024);
        let event = Event {
            connector_id: Uuid::nil(),
            event_type: "a.b".into(),
            timestamp: Timestamp::UNIX_EPOCH,
            severity: Severity::Info,
            source: None,
            message: None,
            metadata: Metadata::new(),
        };
        assert_eq!(
            EventBuilder::from_event(&event).body_limit(),
            DEFAULT_MAX_BODY_BYTES
        );
        // Multi-byte text counts in bytes: 4,000 characters of 4 bytes.
        let mut big = EventBuilder::from_event(&event);
        for i in 0..17 {
            big.metadata(format!("k{i}"), "😀".repeat(1000));
        }
        match big.build() {
            Err(BuildError::BodyTooLarge(t)) => {
                assert!(
                    t.size > 17 * 4000 && t.limit == DEFAULT_MAX_BODY_BYTES,
                    "{t:?}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn field_violations_come_before_the_size() {
        // A message over its 4,096 characters is `too_long` at /message,
        // even with a limit the body would also break.
        let err = sized(5000, 100).build().unwrap_err();
        let v = err.as_invalid().unwrap();
        assert_eq!(v.as_slice()[0].pointer, "/message");
        assert_eq!(err.code(), "invalid_event");
        assert!(err.as_body_too_large().is_none());
    }

    #[test]
    fn the_codes_are_the_receivers() {
        use crate::receive::RefusalCode;
        assert_eq!(BodyTooLarge::CODE, RefusalCode::BodyTooLarge.code());
        assert_eq!(BodyTooLarge::STATUS, RefusalCode::BodyTooLarge.status());
        assert_eq!(INVALID_EVENT_CODE, RefusalCode::InvalidEvent.code());
        assert_eq!(
            BuildError::Invalid(Violations::new()).status(),
            RefusalCode::InvalidEvent.status()
        );
    }
}
