//! The integration event: the typed, normalized form of a valid body
//! (contract §3.2).
//!
//! This module defines the types shared by everything downstream of
//! validation (incidents, alerting, the receive decision, bindings), and,
//! in submodules, the contract itself:
//!
//! - [`parse_event`] ([`parse`]): raw body bytes → [`Event`] or every
//!   [`Violation`], using the strict scanner in `json`, the field rules in
//!   [`validate`], RFC 3339 reading in [`timestamp`] and the PII policy in
//!   [`redaction`]; [`ParseOptions`] ([`options`]) carries `now`, the
//!   header's connector id, limits and the policy.
//! - [`EventBuilder`] ([`builder`]): the sender side, same rules, compact
//!   JSON in the fixed field order, held to the receiver's size limit
//!   ([`BuildError`]), optionally signed.
//! - [`violation`]: the `{pointer, code, message}` items every language
//!   reports.
//!
//! The published JSON Schema is `schema/event.schema.json` at the
//! repository root; `docs/event-contract.md` explains the rules with
//! examples.

use core::fmt;

pub mod builder;
pub(crate) mod json;
pub mod options;
pub mod parse;
pub mod redaction;
pub mod timestamp;
pub mod validate;
pub mod violation;

pub use builder::{BodyTooLarge, BuildError, EventBuilder, SignedEvent};
pub use json::MAX_DEPTH;
pub use options::{ParseOptions, DEFAULT_FUTURE_SKEW, DEFAULT_MAX_AGE, DEFAULT_MAX_BODY_BYTES};
pub use parse::{body_too_large, parse_event, ParsedEvent, FIELDS};
pub use redaction::Redaction;
pub use timestamp::{is_representable, parse_timestamp, TimestampError};
pub use validate::parse_connector_id;
pub use violation::{SyntaxPosition, Violation, ViolationCode, Violations, MAX_LISTED_VIOLATIONS};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

/// A valid integration event, normalized: timestamp in UTC, severity
/// defaulted to `info`, PII redacted according to the policy in force.
///
/// Serde gives the normalized JSON form (for stored events and the REST
/// API): absent optional fields are omitted. `Deserialize` reads back events
/// this crate already validated (a store, a snapshot) and checks none of the
/// contract's rules: inbound bodies always go through
/// [`parse_event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The connector that sent it (equal to the `X-ERPOps-Connector-Id` header).
    pub connector_id: Uuid,
    /// Lowercase dotted tokens, `family.outcome`, e.g. `integration.failed`.
    pub event_type: String,
    /// When the event happened, in UTC.
    pub timestamp: Timestamp,
    /// `info` when the body has none.
    pub severity: Severity,
    /// The job or system that emitted it, e.g. `PSFT_PAYROLL_BATCH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Human text (after PII redaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Flat scalar key/value pairs in body order.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl Event {
    /// The event family: `event_type` before its last dot
    /// (`integration.failed` → `integration`, `gl.load.failed` → `gl.load`).
    pub fn family(&self) -> &str {
        self.event_type
            .rsplit_once('.')
            .map_or(self.event_type.as_str(), |(f, _)| f)
    }

    /// The outcome: `event_type` after its last dot (`failed`).
    pub fn outcome(&self) -> &str {
        self.event_type
            .rsplit_once('.')
            .map_or(self.event_type.as_str(), |(_, o)| o)
    }
}

/// How bad an event is. Ordered: `Info < Warn < Error < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The default.
    #[default]
    Info,
    /// Something to look at.
    Warn,
    /// A failure.
    Error,
    /// A failure that needs someone now.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Warn,
        Severity::Error,
        Severity::Critical,
    ];

    /// The wire spelling: `info`, `warn`, `error`, `critical`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// The severity spelled exactly `s` (case-sensitive), if any.
    pub fn from_wire(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A metadata value: a JSON scalar. Integers are kept exactly: any integer
/// that fits `i64` is `Int`; only those above `i64::MAX` (up to `u64::MAX`)
/// are `UInt`, so each integer has one representation.
///
/// Serde maps it to the plain JSON scalar (untagged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetadataValue {
    /// A string (at most 1,024 characters, PII policy applied).
    String(String),
    /// An integer in `i64` range.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// A finite non-integer number (or one written with a fraction or
    /// exponent).
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl MetadataValue {
    /// The value as an exact integer, if it is one.
    pub fn as_i128(&self) -> Option<i128> {
        match self {
            MetadataValue::Int(v) => Some(i128::from(*v)),
            MetadataValue::UInt(v) => Some(i128::from(*v)),
            _ => None,
        }
    }

    /// The value as text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            MetadataValue::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Flat metadata in body order. Keys are unique (duplicates are a
/// validation error). At most 64 entries, so lookups are linear scans.
///
/// Serde maps it to a JSON object in the same order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    entries: Vec<(String, MetadataValue)>,
}

impl Metadata {
    /// An empty map.
    pub const fn new() -> Self {
        Metadata {
            entries: Vec::new(),
        }
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&MetadataValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing value in place (keeping its
    /// position) or appending a new entry.
    pub fn insert(&mut self, key: impl Into<String>, value: MetadataValue) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Appends an entry whose key the caller knows is new (the parser has
    /// already rejected duplicates), without the linear search of
    /// [`insert`](Self::insert).
    pub(crate) fn push_unique(&mut self, key: String, value: MetadataValue) {
        self.entries.push((key, value));
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MetadataValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Serialize for Metadata {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Metadata;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of scalar metadata values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Metadata, A::Error> {
                let mut m = Metadata::new();
                while let Some((k, v)) = map.next_entry::<String, MetadataValue>()? {
                    if m.get(&k).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate metadata key {k:?}"
                        )));
                    }
                    m.entries.push((k, v));
                }
                Ok(m)
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_and_outcome_split_at_the_last_dot() {
        let mut e = Event {
            connector_id: Uuid::nil(),
            event_type: "gl.load.failed".into(),
            timestamp: Timestamp::UNIX_EPOCH,
            severity: Severity::Info,
            source: None,
            message: None,
            metadata: Metadata::new(),
        };
        assert_eq!((e.family(), e.outcome()), ("gl.load", "failed"));
        e.event_type = "integration.succeeded".into();
        assert_eq!((e.family(), e.outcome()), ("integration", "succeeded"));
    }

    #[test]
    fn serde_round_trips_the_normalized_form() {
        let mut metadata = Metadata::new();
        metadata.insert("records_total", MetadataValue::Int(40_000));
        metadata.insert("big", MetadataValue::UInt(u64::MAX));
        metadata.insert("neg", MetadataValue::Int(i64::MIN));
        metadata.insert("ratio", MetadataValue::Float(0.5));
        metadata.insert("ok", MetadataValue::Bool(false));
        metadata.insert("none", MetadataValue::Null);
        metadata.insert("who", MetadataValue::String("PSFT".into()));
        let e = Event {
            connector_id: Uuid::from_u128(0x3f2b8c1e_9a4d_4e7b_8c21_5d6f7a8b9c0d),
            event_type: "integration.failed".into(),
            timestamp: Timestamp::from_unix_seconds(1_776_654_000),
            severity: Severity::Error,
            source: None,
            message: Some("Exit code 1".into()),
            metadata,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","message":"Exit code 1","metadata":{"records_total":40000,"big":18446744073709551615,"neg":-9223372036854775808,"ratio":0.5,"ok":false,"none":null,"who":"PSFT"}}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
    }

    #[test]
    fn severity_orders_and_spells() {
        assert!(Severity::Info < Severity::Warn && Severity::Error < Severity::Critical);
        assert_eq!(Severity::from_wire("warn"), Some(Severity::Warn));
        assert_eq!(Severity::from_wire("warning"), None);
        assert_eq!(Severity::from_wire("ERROR"), None);
    }

    #[test]
    fn metadata_keeps_order_and_replaces_in_place() {
        let mut m = Metadata::new();
        m.insert("b", MetadataValue::Int(1));
        m.insert("a", MetadataValue::Bool(true));
        m.insert("b", MetadataValue::UInt(u64::MAX));
        let keys: Vec<_> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(
            m.get("b").and_then(MetadataValue::as_i128),
            Some(u64::MAX as i128)
        );
    }
}
