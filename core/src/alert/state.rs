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
}
