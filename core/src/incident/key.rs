//! Correlation: which incident an event belongs to (contract §6).
//!
//! The default key is (connector, source, family). `metadata.dedup_key`
//! replaces source and family (the sender names the problem itself);
//! `metadata.run_id` refines either form so that two runs of one job are
//! two incidents. The connector always stays in the key: two connectors,
//! possibly of two tenants, never share an incident, and a key can never be
//! empty or the same for every event.

use core::fmt;
use core::hash::{Hash, Hasher};
use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::event::{Event, MetadataValue};

/// Metadata entry whose value replaces (source, family) in the key.
pub const DEDUP_KEY_FIELD: &str = "dedup_key";
/// Metadata entry whose value refines the key per run.
pub const RUN_ID_FIELD: &str = "run_id";

/// The identity that events of one incident share.
///
/// Ordered, so snapshots and every listing are in key order (deterministic),
/// and hashed, so the model finds a key in one probe whatever the number of
/// keys. Built only by [`CorrelationKey::of`] or deserialized from a
/// snapshot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CorrelationKey {
    /// Always present.
    pub connector_id: Uuid,
    /// The event's `source`, when the key is not a dedup key (`None` when
    /// the event has no source — distinct from any named source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The event family, when the key is not a dedup key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The sender's `metadata.dedup_key`, which replaces source and family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
    /// The sender's `metadata.run_id`, which refines the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

/// A metadata value usable as a key part: a non-blank string (as given) or
/// an integer (its decimal text). Anything else is ignored rather than
/// collapsing unrelated events onto a constant like `"null"` or `""`.
/// Strings are borrowed: only an integer part is written out.
fn key_part(value: Option<&MetadataValue>) -> Option<Cow<'_, str>> {
    match value? {
        MetadataValue::String(s) if !s.trim().is_empty() => Some(Cow::Borrowed(s)),
        MetadataValue::Int(v) => Some(Cow::Owned(v.to_string())),
        MetadataValue::UInt(v) => Some(Cow::Owned(v.to_string())),
        _ => None,
    }
}

/// The one hash of a key's parts, shared by [`CorrelationKey`] and
/// [`EventKey`] so that a borrowed key finds its owned twin in a hash map
/// (`Hash` must agree with `Eq` across the two).
fn hash_parts<H: Hasher>(
    state: &mut H,
    connector_id: &Uuid,
    source: Option<&str>,
    family: Option<&str>,
    dedup_key: Option<&str>,
    run_id: Option<&str>,
) {
    connector_id.hash(state);
    source.hash(state);
    family.hash(state);
    dedup_key.hash(state);
    run_id.hash(state);
}

impl Hash for CorrelationKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_parts(
            state,
            &self.connector_id,
            self.source.as_deref(),
            self.family.as_deref(),
            self.dedup_key.as_deref(),
            self.run_id.as_deref(),
        );
    }
}

/// The correlation key of an event, borrowing the event's strings.
///
/// What `IncidentModel::ingest` looks its state up by: an event of a key the
/// model already holds costs no string copies; [`EventKey::to_key`] makes
/// the owned key only when a new key is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventKey<'a> {
    connector_id: Uuid,
    source: Option<&'a str>,
    family: Option<&'a str>,
    dedup_key: Option<Cow<'a, str>>,
    run_id: Option<Cow<'a, str>>,
}

impl<'a> EventKey<'a> {
    /// The key of `event`, by the rules of the module documentation.
    pub(crate) fn of(event: &'a Event) -> EventKey<'a> {
        let run_id = key_part(event.metadata.get(RUN_ID_FIELD));
        match key_part(event.metadata.get(DEDUP_KEY_FIELD)) {
            Some(dedup_key) => EventKey {
                connector_id: event.connector_id,
                source: None,
                family: None,
                dedup_key: Some(dedup_key),
                run_id,
            },
            None => EventKey {
                connector_id: event.connector_id,
                source: event.source.as_deref(),
                family: Some(event.family()),
                dedup_key: None,
                run_id,
            },
        }
    }

    /// The owned key, to store.
    pub(crate) fn to_key(&self) -> CorrelationKey {
        CorrelationKey {
            connector_id: self.connector_id,
            source: self.source.map(str::to_owned),
            family: self.family.map(str::to_owned),
            dedup_key: self.dedup_key.as_deref().map(str::to_owned),
            run_id: self.run_id.as_deref().map(str::to_owned),
        }
    }
}

impl Hash for EventKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_parts(
            state,
            &self.connector_id,
            self.source,
            self.family,
            self.dedup_key.as_deref(),
            self.run_id.as_deref(),
        );
    }
}

impl hashbrown::Equivalent<CorrelationKey> for EventKey<'_> {
    fn equivalent(&self, key: &CorrelationKey) -> bool {
        self.connector_id == key.connector_id
            && self.source == key.source.as_deref()
            && self.family == key.family.as_deref()
            && self.dedup_key.as_deref() == key.dedup_key.as_deref()
            && self.run_id.as_deref() == key.run_id.as_deref()
    }
}

impl From<&EventKey<'_>> for CorrelationKey {
    fn from(key: &EventKey<'_>) -> CorrelationKey {
        key.to_key()
    }
}

impl CorrelationKey {
    /// The key of `event`.
    pub fn of(event: &Event) -> CorrelationKey {
        EventKey::of(event).to_key()
    }

    /// Unambiguous bytes of the key: a version label, then each part as a
    /// tag byte, a presence byte and, when present, its length (8 bytes,
    /// big-endian) and UTF-8 bytes. No two distinct keys encode alike, so
    /// ids derived from it cannot collide by concatenation.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        out.extend_from_slice(b"erpops.incident.key.v1");
        let mut part = |tag: u8, value: Option<&str>| {
            out.push(tag);
            match value {
                None => out.push(0),
                Some(v) => {
                    out.push(1);
                    out.extend_from_slice(&(v.len() as u64).to_be_bytes());
                    out.extend_from_slice(v.as_bytes());
                }
            }
        };
        let connector = self.connector_id.hyphenated().to_string();
        part(b'c', Some(&connector));
        part(b's', self.source.as_deref());
        part(b'f', self.family.as_deref());
        part(b'd', self.dedup_key.as_deref());
        part(b'r', self.run_id.as_deref());
        out
    }

    /// The id of the incident that the event `opening_event_id` opens for
    /// this key: `inc_` + the first 32 hex digits of SHA-256 over the key's
    /// canonical bytes, a length-prefixed event id. Deterministic, so every
    /// replica and every replay names the incident alike.
    pub fn incident_id(&self, opening_event_id: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.canonical_bytes());
        h.update(b"e");
        h.update((opening_event_id.len() as u64).to_be_bytes());
        h.update(opening_event_id.as_bytes());
        let digest = h.finalize();
        let mut id = String::with_capacity(36);
        id.push_str("inc_");
        id.push_str(&hex::encode(digest.get(..16).unwrap_or_default()));
        id
    }
}

/// Human form for logs and messages, e.g.
/// `3f2b…/PSFT_PAYROLL_BATCH/integration` or `3f2b…/dedup:nightly-gl#run:42`.
impl fmt::Display for CorrelationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.connector_id)?;
        if let Some(d) = &self.dedup_key {
            write!(f, "/dedup:{d}")?;
        } else {
            write!(
                f,
                "/{}/{}",
                self.source.as_deref().unwrap_or("-"),
                self.family.as_deref().unwrap_or("-")
            )?;
        }
        if let Some(r) = &self.run_id {
            write!(f, "#run:{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, RandomState};

    use hashbrown::Equivalent;

    use super::*;
    use crate::event::{Metadata, Severity};
    use crate::time::Timestamp;

    fn event(source: Option<&str>, metadata: &[(&str, MetadataValue)]) -> Event {
        let mut m = Metadata::new();
        for (k, v) in metadata {
            m.insert(*k, v.clone());
        }
        Event {
            connector_id: Uuid::from_u128(7),
            event_type: "integration.failed".into(),
            timestamp: Timestamp::UNIX_EPOCH,
            severity: Severity::Error,
            source: source.map(str::to_owned),
            message: None,
            metadata: m,
        }
    }

    /// The model finds a stored key by the event's borrowed key: both must
    /// hash alike and be equivalent exactly when the owned keys are equal.
    #[test]
    fn the_borrowed_key_hashes_and_compares_like_the_owned_one() {
        let s = |v: &str| MetadataValue::String(v.into());
        let events = [
            event(Some("PSFT"), &[]),
            event(None, &[]),
            event(Some("PSFT"), &[(RUN_ID_FIELD, MetadataValue::Int(42))]),
            event(Some("PSFT"), &[(RUN_ID_FIELD, s("42"))]),
            event(Some("PSFT"), &[(DEDUP_KEY_FIELD, s("nightly-gl"))]),
            event(None, &[(DEDUP_KEY_FIELD, MetadataValue::UInt(7))]),
            event(Some("PSFT"), &[(DEDUP_KEY_FIELD, s("  "))]),
        ];
        let hasher = RandomState::new();
        for a in &events {
            let borrowed = EventKey::of(a);
            let owned = CorrelationKey::of(a);
            assert_eq!(borrowed.to_key(), owned);
            assert_eq!(hasher.hash_one(&borrowed), hasher.hash_one(&owned));
            for b in &events {
                let other = CorrelationKey::of(b);
                assert_eq!(
                    borrowed.equivalent(&other),
                    owned == other,
                    "{owned} vs {other}"
                );
            }
        }
    }
}
