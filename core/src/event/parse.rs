//! `parse_event`: raw body bytes → a normalized [`Event`], or every
//! violation (contract §3.2–3.4).
//!
//! Order of work: the size limit (one `too_long` at `""`, nothing parsed),
//! then UTF-8 (a BOM or invalid bytes are a `syntax` violation with the
//! position), then one pass of the strict scanner (`json`) that
//! checks each field as it arrives, then the missing fields. A syntax error
//! anywhere ends the pass: the body is not JSON, so it is the only
//! violation reported. Otherwise all violations are collected.

use std::borrow::Cow;

use uuid::Uuid;

use super::json::{Base, KeySet, Number, Scanner, SyntaxError, Value, DUPLICATE_KEY_MESSAGE};
use super::options::ParseOptions;
use super::redaction::{self, Redaction};
use super::timestamp::parse_timestamp;
use super::validate::{
    self, Problem, MAX_MESSAGE_CHARS, MAX_METADATA_STRING_CHARS, MAX_RUN_ID_CHARS, MAX_SOURCE_CHARS,
};
use super::violation::{pointer_join, quote_short, SyntaxPosition, ViolationCode, Violations};
use super::{Event, Metadata, MetadataValue, Severity};
use crate::time::Timestamp;

/// The top-level fields in body order of the builder, which is also the
/// order in every message that lists them.
pub const FIELDS: [&str; 7] = [
    "connector_id",
    "event_type",
    "timestamp",
    "severity",
    "source",
    "message",
    "metadata",
];

/// A valid event and what the PII policy changed in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    /// The normalized event (PII redacted under the `redact` policy).
    pub event: Event,
    /// Each field where personal data was replaced (empty unless the policy
    /// is `redact` and something was found).
    pub redactions: Vec<Redaction>,
}

/// The single violation for a body larger than `max_bytes`: `too_long` at
/// `""`. For callers that know the size before parsing (the receiver stops
/// reading at the limit), so they answer exactly as [`parse_event`] would.
pub fn body_too_large(max_bytes: usize) -> Violations {
    let mut v = Violations::new();
    v.add(
        "",
        ViolationCode::TooLong,
        format!("the body is larger than {max_bytes} bytes; send smaller events (move bulk data out of metadata and message)"),
    );
    v
}

/// Parses and validates one event body. See the module docs for the order
/// of checks; `opts` brings the receiver's `now`, the header's connector
/// id, the time window, the size limit and the PII policy.
pub fn parse_event(body: &[u8], opts: &ParseOptions) -> Result<ParsedEvent, Violations> {
    if body.len() > opts.max_body_bytes {
        return Err(body_too_large(opts.max_body_bytes));
    }
    let text = decode(body)?;
    let mut p = Parser {
        sc: Scanner::new(text),
        opts,
        out: Violations::new(),
        redactions: Vec::new(),
        seen: 0,
        is_object: false,
        unknown: KeySet::default(),
        connector_id: None,
        event_type: None,
        timestamp: None,
        severity: Severity::Info,
        source: None,
        message: None,
        metadata: Metadata::new(),
    };
    if let Err(e) = p.document() {
        return Err(syntax(body, e));
    }
    p.finish()
}

fn decode(body: &[u8]) -> Result<&str, Violations> {
    if body.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Err(syntax(
            body,
            SyntaxError {
                offset: 0,
                what:
                    "the body starts with a UTF-8 byte order mark (BOM); send the JSON without it",
            },
        ));
    }
    std::str::from_utf8(body).map_err(|e| {
        syntax(
            body,
            SyntaxError {
                offset: e.valid_up_to(),
                what: "invalid UTF-8",
            },
        )
    })
}

/// Line and column (in characters) of a byte offset.
fn position(body: &[u8], offset: usize) -> SyntaxPosition {
    let prefix = body.get(..offset).unwrap_or(body);
    let line_start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + prefix.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + prefix
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b & 0xc0 != 0x80)
        .count();
    SyntaxPosition {
        line,
        column,
        offset,
    }
}

fn syntax(body: &[u8], e: SyntaxError) -> Violations {
    Violations::syntax_error(position(body, e.offset), e.what)
}

const CONNECTOR_ID: u8 = 1;
const EVENT_TYPE: u8 = 2;
const TIMESTAMP: u8 = 4;
const SEVERITY: u8 = 8;
const SOURCE: u8 = 16;
const MESSAGE: u8 = 32;
const METADATA: u8 = 64;

struct Parser<'a, 'o> {
    sc: Scanner<'a>,
    opts: &'o ParseOptions,
    out: Violations,
    redactions: Vec<Redaction>,
    /// Known fields already met (bit per field), to find duplicates and
    /// missing ones.
    seen: u8,
    /// Whether the body is an object (only then are fields "missing").
    is_object: bool,
    unknown: KeySet<'a>,
    connector_id: Option<Uuid>,
    event_type: Option<String>,
    timestamp: Option<Timestamp>,
    severity: Severity,
    source: Option<String>,
    message: Option<String>,
    metadata: Metadata,
}

fn field_pointer(name: &str) -> String {
    pointer_join("", name)
}

impl<'a> Parser<'a, '_> {
    fn report(&mut self, pointer: String, p: Problem) {
        self.out.push(super::Violation {
            pointer,
            code: p.code,
            message: p.message,
        });
    }

    fn document(&mut self) -> Result<(), SyntaxError> {
        self.sc.skip_ws();
        match self.sc.peek() {
            Some(b'{') => self.object()?,
            _ => {
                let v = self.sc.value(Base::Root, 0, &mut self.out)?;
                self.trailing()?;
                self.out.add(
                    "",
                    ViolationCode::Type,
                    format!(
                        "the body must be a JSON object such as {{\"connector_id\":…,\"event_type\":…,\"timestamp\":…}}; got {}",
                        v.kind()
                    ),
                );
                return Ok(());
            }
        }
        self.trailing()
    }

    fn trailing(&mut self) -> Result<(), SyntaxError> {
        if self.sc.at_end() {
            Ok(())
        } else {
            Err(SyntaxError {
                offset: self.sc.offset(),
                what: "unexpected text after the JSON object (send exactly one object)",
            })
        }
    }

    fn object(&mut self) -> Result<(), SyntaxError> {
        // At `{`.
        self.is_object = true;
        self.sc.expect(b'{', "expected '{'")?;
        if self.sc.eat(b'}') {
            return Ok(());
        }
        loop {
            let key = self.sc.key()?;
            self.member(key)?;
            if !self.sc.member_separator()? {
                return Ok(());
            }
        }
    }

    fn member(&mut self, key: Cow<'a, str>) -> Result<(), SyntaxError> {
        let bit = match key.as_ref() {
            "connector_id" => CONNECTOR_ID,
            "event_type" => EVENT_TYPE,
            "timestamp" => TIMESTAMP,
            "severity" => SEVERITY,
            "source" => SOURCE,
            "message" => MESSAGE,
            "metadata" => METADATA,
            _ => 0,
        };
        let base = Base::Member {
            parent: "",
            key: &key,
        };
        if bit == 0 {
            let first = self.unknown.insert(&key);
            self.sc.value(base, 1, &mut self.out)?;
            if first {
                self.out.add(
                    field_pointer(&key),
                    ViolationCode::UnknownField,
                    format!(
                        "unknown field {}; the allowed fields are {}",
                        quote_short(&key),
                        FIELDS.join(", ")
                    ),
                );
            } else {
                self.out.add(
                    field_pointer(&key),
                    ViolationCode::DuplicateKey,
                    DUPLICATE_KEY_MESSAGE.into(),
                );
            }
            return Ok(());
        }
        if self.seen & bit != 0 {
            // The first occurrence is the one checked further.
            self.sc.value(base, 1, &mut self.out)?;
            self.out.add(
                field_pointer(&key),
                ViolationCode::DuplicateKey,
                DUPLICATE_KEY_MESSAGE.into(),
            );
            return Ok(());
        }
        self.seen |= bit;
        if bit == METADATA {
            self.sc.skip_ws();
            if self.sc.peek() == Some(b'{') {
                return self.metadata();
            }
        }
        let value = self.sc.value(base, 1, &mut self.out)?;
        let name: &'static str = match bit {
            CONNECTOR_ID => "connector_id",
            EVENT_TYPE => "event_type",
            TIMESTAMP => "timestamp",
            SEVERITY => "severity",
            SOURCE => "source",
            MESSAGE => "message",
            _ => "metadata",
        };
        let Value::Str(s) = value else {
            let message = if bit == METADATA {
                format!(
                    "metadata must be an object of key/value pairs such as {{\"records_total\":40000}}; got {}",
                    value.kind()
                )
            } else {
                format!(
                    "{name} must be a string; got {} (leave optional fields out instead of sending null)",
                    value.kind()
                )
            };
            self.out
                .add(field_pointer(name), ViolationCode::Type, message);
            return Ok(());
        };
        match bit {
            CONNECTOR_ID => self.connector_id(&s),
            EVENT_TYPE => match validate::event_type(&s) {
                Ok(()) => self.event_type = Some(s.into_owned()),
                Err(p) => self.report(field_pointer(name), p),
            },
            TIMESTAMP => self.timestamp(&s),
            SEVERITY => match validate::severity(&s) {
                Ok(v) => self.severity = v,
                Err(p) => self.report(field_pointer(name), p),
            },
            SOURCE => match validate::source(&s) {
                Ok(()) => {
                    self.source = Some(fit(self.pii(s.into_owned(), name), MAX_SOURCE_CHARS))
                }
                Err(p) => self.report(field_pointer(name), p),
            },
            MESSAGE => match validate::message(&s) {
                Ok(()) => {
                    self.message = Some(fit(self.pii(s.into_owned(), name), MAX_MESSAGE_CHARS))
                }
                Err(p) => self.report(field_pointer(name), p),
            },
            _ => self.out.add(
                field_pointer(name),
                ViolationCode::Type,
                "metadata must be an object of key/value pairs such as {\"records_total\":40000}; got a string".into(),
            ),
        }
        Ok(())
    }

    fn pii(&mut self, text: String, field: &'static str) -> String {
        redaction::apply(
            self.opts.pii_policy,
            text,
            || field_pointer(field),
            &mut self.out,
            &mut self.redactions,
        )
    }

    fn connector_id(&mut self, s: &str) {
        match validate::connector_id(s) {
            Ok(id) => {
                if let Some(header) = self.opts.header_connector_id {
                    if header != id {
                        self.out.add(
                            "/connector_id",
                            ViolationCode::Mismatch,
                            format!(
                                "connector_id {id} differs from the X-ERPOps-Connector-Id header ({header}); send the same connector id in both"
                            ),
                        );
                    }
                }
                self.connector_id = Some(id);
            }
            Err(p) => self.report("/connector_id".into(), p),
        }
    }

    fn timestamp(&mut self, s: &str) {
        let ts = match parse_timestamp(s) {
            Ok(ts) => ts,
            Err(e) => {
                self.out.add(
                    "/timestamp",
                    ViolationCode::Format,
                    format!("timestamp {} is not accepted: {e}", quote_short(s)),
                );
                return;
            }
        };
        let now = self.opts.now;
        let latest = now.saturating_add(self.opts.future_skew);
        let earliest = now.saturating_sub(self.opts.max_age);
        if ts > latest {
            self.out.add(
                "/timestamp",
                ViolationCode::InFuture,
                format!(
                    "timestamp {ts} is more than {} s ahead of the receiver's clock ({now}); check the sender's clock and send the time in UTC or with its offset",
                    self.opts.future_skew.as_secs()
                ),
            );
        } else if ts < earliest {
            self.out.add(
                "/timestamp",
                ViolationCode::TooOld,
                format!(
                    "timestamp {ts} is more than {} s before the receiver's clock ({now}); events older than that are not accepted",
                    self.opts.max_age.as_secs()
                ),
            );
        }
        self.timestamp = Some(ts);
    }

    fn metadata(&mut self) -> Result<(), SyntaxError> {
        self.sc.expect(b'{', "expected '{'")?;
        if self.sc.eat(b'}') {
            return Ok(());
        }
        let mut keys = KeySet::default();
        let mut count = 0usize;
        loop {
            let key = self.sc.key()?;
            count += 1;
            let fresh = keys.insert(&key);
            let value = self.sc.value(
                Base::Member {
                    parent: "/metadata",
                    key: &key,
                },
                2,
                &mut self.out,
            )?;
            self.metadata_entry(key, value, fresh);
            if !self.sc.member_separator()? {
                break;
            }
        }
        if count > validate::MAX_METADATA_ENTRIES {
            self.report("/metadata".into(), validate::too_many_entries(count));
        }
        Ok(())
    }

    fn metadata_entry(&mut self, key: Cow<'a, str>, value: Value<'a>, fresh: bool) {
        let pointer = || pointer_join("/metadata", &key);
        if !fresh {
            self.out.add(
                pointer(),
                ViolationCode::DuplicateKey,
                DUPLICATE_KEY_MESSAGE.into(),
            );
            return;
        }
        let mut ok = true;
        if let Err(p) = validate::metadata_key(&key) {
            self.report(pointer(), p);
            ok = false;
        }
        let v = match value {
            Value::Str(s) => MetadataValue::String(s.into_owned()),
            Value::Num(Number::Int(i)) => MetadataValue::Int(i),
            Value::Num(Number::UInt(u)) => MetadataValue::UInt(u),
            Value::Num(Number::Float(f)) => MetadataValue::Float(f),
            Value::Num(Number::IntOutOfRange) => {
                self.out.add(
                    pointer(),
                    ViolationCode::Format,
                    "integers must be between -9223372036854775808 and 18446744073709551615; send larger values as strings".into(),
                );
                return;
            }
            Value::Num(Number::FloatOverflow) => {
                self.out.add(
                    pointer(),
                    ViolationCode::Format,
                    "this number is too large for a 64-bit float; send it as a string".into(),
                );
                return;
            }
            Value::Bool(b) => MetadataValue::Bool(b),
            Value::Null => MetadataValue::Null,
            Value::Object | Value::Array => {
                self.out.add(
                    pointer(),
                    ViolationCode::Type,
                    format!(
                        "metadata values must be a string, number, boolean or null; got {} (flatten nested data into several keys)",
                        value.kind()
                    ),
                );
                return;
            }
        };
        // The value rules (and those of run_id and records_processed) are
        // checked even under a refused key, so both are reported at once.
        if let Err(p) = validate::metadata_value(&key, &v) {
            self.report(pointer(), p);
            return;
        }
        if !ok {
            return;
        }
        let v = match v {
            MetadataValue::String(s) => {
                let max = if key == validate::RUN_ID_KEY {
                    MAX_RUN_ID_CHARS
                } else {
                    MAX_METADATA_STRING_CHARS
                };
                MetadataValue::String(fit(
                    redaction::apply(
                        self.opts.pii_policy,
                        s,
                        pointer,
                        &mut self.out,
                        &mut self.redactions,
                    ),
                    max,
                ))
            }
            v => v,
        };
        self.metadata.push_unique(key.into_owned(), v);
    }

    fn finish(mut self) -> Result<ParsedEvent, Violations> {
        for (bit, name) in [
            (CONNECTOR_ID, "connector_id"),
            (EVENT_TYPE, "event_type"),
            (TIMESTAMP, "timestamp"),
        ] {
            if self.is_object && self.seen & bit == 0 {
                let hint = match bit {
                    CONNECTOR_ID => "the connector's UUID from ERPOps admin",
                    EVENT_TYPE => "e.g. integration.failed",
                    _ => "the event time in UTC, e.g. 2026-04-20T03:00:00Z",
                };
                self.out.add(
                    field_pointer(name),
                    ViolationCode::Missing,
                    format!("{name} is required: add it ({hint})"),
                );
            }
        }
        match (self.connector_id, self.event_type, self.timestamp) {
            (Some(connector_id), Some(event_type), Some(timestamp)) if self.out.is_empty() => {
                Ok(ParsedEvent {
                    event: Event {
                        connector_id,
                        event_type,
                        timestamp,
                        severity: self.severity,
                        source: self.source,
                        message: self.message,
                        metadata: self.metadata,
                    },
                    redactions: self.redactions,
                })
            }
            _ => Err(self.out),
        }
    }
}

/// `text` cut to at most `max` characters. A field is checked against its
/// limit as sent; redaction replaces a finding with a marker that may be
/// longer than it (`123-45-6789` → `[REDACTED:ssn]`), so a field at its
/// limit could grow past it and the stored event would no longer build.
/// The finding is gone either way; the end of the text gives way.
fn fit(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let body = "{\n  \"é\": x".as_bytes();
        let p = position(body, body.len() - 1);
        assert_eq!((p.line, p.column, p.offset), (2, 8, body.len() - 1));
        let p = position(b"abc", 0);
        assert_eq!((p.line, p.column), (1, 1));
    }
}
