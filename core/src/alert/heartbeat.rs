//! Heartbeats: noticing that a job did not run at all.
//!
//! An expectation per (connector, source): some event from that source at
//! least every `period`, with `grace` on top. Any event from the source is
//! a sign of life, at the caller's `now` (like a healthchecks.io ping: when
//! the receiver heard from it). When `last sign of life + period + grace`
//! passes, `tick` feeds a synthetic `heartbeat.missed` problem through the
//! incident model, so the missed run is a normal incident; each further
//! period without a sign counts one more miss on it. The next event from
//! the source resolves it with a synthetic `heartbeat.ok` recovery.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::{check_duration, check_name, AlertError};
use crate::event::{Event, Metadata, MetadataValue, Severity};
use crate::time::Timestamp;

/// Event family of the synthetic heartbeat events (and so of missed-run
/// incidents: their key is (connector, source, `heartbeat`)).
pub const HEARTBEAT_FAMILY: &str = "heartbeat";
/// Event type of the synthetic problem `tick` ingests on a missed run.
pub const MISSED_EVENT_TYPE: &str = "heartbeat.missed";
/// Event type of the synthetic recovery a sign of life ingests.
pub const OK_EVENT_TYPE: &str = "heartbeat.ok";

/// Which source a heartbeat watches.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HeartbeatKey {
    /// The connector.
    pub connector_id: Uuid,
    /// The event `source` (exact, not a glob).
    pub source: String,
}

/// An expectation that a source reports at least every `period`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The connector.
    pub connector_id: Uuid,
    /// The event `source` to expect (exact).
    pub source: String,
    /// How often the job runs (e.g. 86400 for a nightly batch).
    #[serde(with = "super::secs")]
    pub period: Duration,
    /// Slack on top of the period before it counts as missed (how long a
    /// run may be late or take).
    #[serde(with = "super::secs")]
    pub grace: Duration,
    /// Severity of the missed-run incident (default `error`).
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// A paused heartbeat has no deadline (maintenance, job disabled); its
    /// open missed-run incident stays as it is.
    #[serde(default)]
    pub paused: bool,
}

fn default_severity() -> Severity {
    Severity::Error
}

impl Heartbeat {
    /// Its key.
    pub fn key(&self) -> HeartbeatKey {
        HeartbeatKey {
            connector_id: self.connector_id,
            source: self.source.clone(),
        }
    }

    /// Checks the source and durations (the period must be positive; the
    /// grace may be zero).
    pub fn validate(&self) -> Result<(), AlertError> {
        check_name(&self.source, "heartbeat.source")?;
        check_duration(self.period, "heartbeat.period")?;
        if self.grace.subsec_nanos() != 0 {
            return Err(AlertError::InvalidDuration {
                field: "heartbeat.grace",
            });
        }
        Ok(())
    }

    /// The deadline after a sign of life at `seen`: `seen + period + grace`
    /// (saturating). A tick at exactly this instant fires.
    pub fn deadline_after(&self, seen: Timestamp) -> Timestamp {
        seen.saturating_add(self.period).saturating_add(self.grace)
    }
}

/// A heartbeat and what the engine tracks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatState {
    /// The expectation.
    pub heartbeat: Heartbeat,
    /// Last sign of life (caller's `now`), or when the heartbeat was set or
    /// resumed if nothing was heard since.
    pub last_seen: Timestamp,
    /// When `tick` next counts a missed run (none while paused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// The missed-run incident opened by this heartbeat and not yet
    /// resolved by a sign of life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed_incident: Option<String>,
    /// Missed periods since the last sign of life.
    #[serde(default)]
    pub missed_count: u64,
}

/// `evt_` + 32 hex digits of SHA-256 over a label and length-prefixed
/// parts: the id of a synthetic event, the same on every replica.
pub(crate) fn synthetic_event_id(label: &str, key: &HeartbeatKey, at: Timestamp) -> String {
    let mut h = Sha256::new();
    let connector = key.connector_id.hyphenated().to_string();
    for part in [
        label.as_bytes(),
        connector.as_bytes(),
        key.source.as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(at.unix_nanos().to_be_bytes());
    let digest = h.finalize();
    format!("evt_{}", hex::encode(digest.get(..16).unwrap_or_default()))
}

/// The synthetic problem for a missed deadline.
pub(crate) fn missed_event(state: &HeartbeatState, deadline: Timestamp) -> Event {
    let hb = &state.heartbeat;
    let mut metadata = Metadata::new();
    metadata.insert(
        "last_seen",
        MetadataValue::String(state.last_seen.to_rfc3339()),
    );
    metadata.insert("expected_by", MetadataValue::String(deadline.to_rfc3339()));
    metadata.insert(
        "missed_count",
        MetadataValue::Int(i64::try_from(state.missed_count).unwrap_or(i64::MAX)),
    );
    Event {
        connector_id: hb.connector_id,
        event_type: MISSED_EVENT_TYPE.to_owned(),
        timestamp: deadline,
        severity: hb.severity,
        source: Some(hb.source.clone()),
        message: Some(format!(
            "no event from {} since {} (expected every {} s + {} s grace)",
            hb.source,
            state.last_seen.to_rfc3339(),
            hb.period.as_secs(),
            hb.grace.as_secs()
        )),
        metadata,
    }
}

/// The synthetic recovery for a sign of life at `at`.
pub(crate) fn ok_event(hb: &Heartbeat, at: Timestamp) -> Event {
    Event {
        connector_id: hb.connector_id,
        event_type: OK_EVENT_TYPE.to_owned(),
        timestamp: at,
        severity: Severity::Info,
        source: Some(hb.source.clone()),
        message: Some(format!("{} reported again", hb.source)),
        metadata: Metadata::new(),
    }
}
