//! Correlation: which incident an event belongs to (contract §6).
//!
//! The default key is (connector, source, family). `metadata.dedup_key`
//! replaces source and family (the sender names the problem itself);
//! `metadata.run_id` refines either form so that two runs of one job are
//! two incidents. The connector always stays in the key: two connectors,
//! possibly of two tenants, never share an incident, and a key can never be
//! empty or the same for every event.

use core::fmt;

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
/// Ordered (the model keeps keys in a `BTreeMap`, so iteration and snapshots
/// are deterministic). Built only by [`CorrelationKey::of`] or deserialized
/// from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
fn key_part(value: Option<&MetadataValue>) -> Option<String> {
    match value? {
        MetadataValue::String(s) if !s.trim().is_empty() => Some(s.clone()),
        MetadataValue::Int(v) => Some(v.to_string()),
        MetadataValue::UInt(v) => Some(v.to_string()),
        _ => None,
    }
}

impl CorrelationKey {
    /// The key of `event`.
    pub fn of(event: &Event) -> CorrelationKey {
        let run_id = key_part(event.metadata.get(RUN_ID_FIELD));
        match key_part(event.metadata.get(DEDUP_KEY_FIELD)) {
            Some(dedup_key) => CorrelationKey {
                connector_id: event.connector_id,
                source: None,
                family: None,
                dedup_key: Some(dedup_key),
                run_id,
            },
            None => CorrelationKey {
                connector_id: event.connector_id,
                source: event.source.clone(),
                family: Some(event.family().to_owned()),
                dedup_key: None,
                run_id,
            },
        }
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
