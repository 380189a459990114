//! The incident record: what the REST API shows and what a store persists.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::key::CorrelationKey;
use super::progress::Progress;
use crate::event::{Metadata, Severity};
use crate::time::Timestamp;

/// Where an incident is in its lifecycle: open → acknowledged → resolved
/// (and back to open on reopen, escalation or ack expiry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Needs someone.
    Open,
    /// Someone is on it; notifications may pause until the ack expires.
    Acknowledged,
    /// Over, unless a problem arrives within the reopen window.
    Resolved,
}

impl IncidentStatus {
    /// The wire spelling: `open`, `acknowledged`, `resolved`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Resolved => "resolved",
        }
    }
}

/// Why an incident was resolved. Non-exhaustive: the alerting layer adds
/// reasons (e.g. a heartbeat's sign of life) without breaking matches in
/// bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResolutionReason {
    /// A recovery event from the source (`*.succeeded`, `health.ok`, ...).
    Recovery,
    /// A person resolved it with a command.
    Manual,
}

/// One incident: a problem of one correlation key from its first event to
/// its resolution (and any reopenings within the window).
///
/// Times named `*_seen` and `last_problem_at` are event times; `*_at` of
/// commands are the caller's `now`. Counts are exact; the event id list is
/// bounded (see `IncidentConfig::recent_event_ids`) so memory per incident
/// does not grow with its event count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `inc_` + 32 hex digits, derived from the key and the opening event id.
    pub id: String,
    /// The correlation key.
    pub key: CorrelationKey,
    /// Connector of the opening event.
    pub connector_id: Uuid,
    /// Source of the opening event, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Family of the opening event (`integration`).
    pub family: String,
    /// Lifecycle state.
    pub status: IncidentStatus,
    /// Highest severity of the problem events attached; never decreases.
    pub severity: Severity,
    /// `SOURCE: event_type` of the opening event, or just the event type.
    pub title: String,
    /// The event that opened it.
    pub opened_by_event: String,
    /// `event_type` of the opening event (`integration.failed`): what alert
    /// rules and silences match their event-type glob against, the same for
    /// every transition of the incident. Empty in snapshots written before
    /// it existed.
    #[serde(default)]
    pub event_type: String,
    /// Earliest event time attached.
    pub first_seen: Timestamp,
    /// Latest event time attached.
    pub last_seen: Timestamp,
    /// Latest event time of a problem attached; a recovery older than this
    /// does not resolve.
    pub last_problem_at: Timestamp,
    /// Number of events attached (problems, recoveries and others).
    pub event_count: u64,
    /// Ids of the most recent events attached, in arrival order, oldest first.
    pub recent_event_ids: VecDeque<String>,
    /// Message of the event with the latest event time (ties: the later
    /// arrival), when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    /// Metadata of the event with the latest event time.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub last_metadata: Metadata,
    /// Progress of the latest (by event time) event that reported valid
    /// progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
    /// Event time of the event `progress` came from (to order late ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_at: Option<Timestamp>,
    /// Who acknowledged it (while acknowledged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    /// When (caller's `now`) it was acknowledged (while acknowledged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<Timestamp>,
    /// When the acknowledgement falls back to open, if it ever does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_expires_at: Option<Timestamp>,
    /// Who resolved it by command (while resolved manually).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    /// When it was resolved (while resolved): the recovery's event time, or
    /// the caller's `now` for a manual resolve. Problems older than this do
    /// not reopen it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// Why it was resolved (while resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_reason: Option<ResolutionReason>,
    /// How many times it was reopened (by a problem or a command).
    pub reopen_count: u32,
    /// The note of the latest command, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_note: Option<String>,
}

impl Incident {
    /// Whether it still needs attention (open or acknowledged).
    pub fn is_active(&self) -> bool {
        self.status != IncidentStatus::Resolved
    }

    /// The title of an incident opened by an event with this source and type.
    pub fn title_for(source: Option<&str>, event_type: &str) -> String {
        match source {
            Some(s) => format!("{s}: {event_type}"),
            None => event_type.to_owned(),
        }
    }
}
