//! The bookkeeping records of the notification pipeline, shared by the
//! engine and its snapshot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::effect::NotifyReason;
use super::heartbeat::HeartbeatKey;
use crate::incident::CorrelationKey;
use crate::time::Timestamp;

/// The last notification sent for one (rule, incident): what the channel
/// believes. Throttling and releases compare against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    /// When it was sent (caller's `now`).
    pub at: Timestamp,
    /// Whether it told the channel the incident was active (open or
    /// acknowledged) rather than resolved.
    pub firing: bool,
}

/// What holds a notification back until it can be released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum HeldBy {
    /// An active silence; released when it ends.
    Silence {
        /// The silence.
        silence_id: String,
    },
    /// The incident's key is flapping; released when it stops.
    Flapping,
    /// A job the incident's job depends on has an active incident;
    /// released when that job has none.
    Inhibited {
        /// The dependency's incident that held it.
        incident_id: String,
        /// The dependency's connector.
        connector_id: Uuid,
        /// The dependency's source.
        source: String,
    },
    /// An occurrence of a maintenance window; released when it ends.
    Window {
        /// The window.
        window_id: String,
        /// When the occurrence that held it ends.
        until: Timestamp,
    },
}

/// A `group_wait` batch of one rule and connector.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Group {
    /// When it is sent.
    pub(crate) flush_at: Timestamp,
    /// Incident id → the latest reason held for it.
    pub(crate) pending: BTreeMap<String, NotifyReason>,
}

/// Every timer the engine keeps besides the incident model's, ordered so
/// that timers due at the same instant fire in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// A heartbeat deadline.
    Heartbeat(HeartbeatKey),
    /// A silence ends.
    SilenceEnd(String),
    /// A key's flapping quiet period ends.
    FlapQuiet(CorrelationKey),
    /// A rule's group for a connector is sent.
    GroupFlush(String, Uuid),
    /// A (rule, incident) repeat is due.
    Repeat(String, String),
    /// A job's due time plus grace: missed unless answered.
    JobDue(HeartbeatKey),
    /// A job's run (by sequence number) reaches `max_runtime`.
    JobRun(HeartbeatKey, u64),
    /// A job's earliest pending deadline.
    JobDeadline(HeartbeatKey),
    /// An occurrence of a maintenance window ends (armed only while it
    /// holds something).
    WindowEnd(String),
}
