//! What the alerting layer reports: the incident model's facts, passed
//! through, plus notifications, held notifications and flapping notices.
//!
//! Effects are facts, not requests: `Notify` says "this channel should hear
//! about this incident now, for this reason"; delivering it (and retrying)
//! is the receiver's job.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::rule::TransitionKind;
use crate::incident::{CorrelationKey, Effect, Incident};

/// Why a notification is due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyReason {
    /// A new incident.
    First,
    /// It became more severe.
    Escalated,
    /// It is open again after a resolution.
    Reopened,
    /// It was resolved.
    Resolved,
    /// The acknowledgement ran out.
    AckExpired,
    /// A heartbeat deadline passed.
    MissedRun,
    /// Still open (not acknowledged) `repeat_interval` after the last
    /// notification.
    RepeatElapsed,
    /// The key started flapping.
    FlappingStarted,
    /// The key stopped flapping.
    FlappingStopped,
    /// A silence that held it ended and the channel has not been told the
    /// incident's current state.
    SilenceEnded,
    /// A job missed its start (no `*.started` within the grace).
    MissedStart,
    /// A job's run is still going past its `max_runtime`.
    RunTooLong,
    /// A job's run succeeded sooner than its `min_runtime`.
    RunTooShort,
    /// A job did not succeed by its deadline.
    DeadlineMissed,
    /// A job's run succeeded having processed too few records.
    TooFewRecords,
    /// A job's runs failed `failure_threshold` times in a row.
    RunsFailing,
    /// The dependency whose incident held it has none active any more,
    /// and the channel has not been told the incident's current state.
    InhibitionEnded,
    /// A maintenance window that held it ended, and the channel has not
    /// been told the incident's current state.
    WindowEnded,
}

impl NotifyReason {
    /// The reason a transition of `kind` notifies with.
    pub const fn of(kind: TransitionKind) -> NotifyReason {
        match kind {
            TransitionKind::Opened => NotifyReason::First,
            TransitionKind::Escalated => NotifyReason::Escalated,
            TransitionKind::Reopened => NotifyReason::Reopened,
            TransitionKind::Resolved => NotifyReason::Resolved,
            TransitionKind::AckExpired => NotifyReason::AckExpired,
            TransitionKind::MissedRun => NotifyReason::MissedRun,
            TransitionKind::FlappingStarted => NotifyReason::FlappingStarted,
            TransitionKind::FlappingStopped => NotifyReason::FlappingStopped,
            TransitionKind::MissedStart => NotifyReason::MissedStart,
            TransitionKind::RunTooLong => NotifyReason::RunTooLong,
            TransitionKind::RunTooShort => NotifyReason::RunTooShort,
            TransitionKind::DeadlineMissed => NotifyReason::DeadlineMissed,
            TransitionKind::TooFewRecords => NotifyReason::TooFewRecords,
            TransitionKind::RunsFailing => NotifyReason::RunsFailing,
        }
    }
}

/// Why a matching notification was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressReason {
    /// An active silence matches (its id is in `silence_id`); released when
    /// it ends.
    Silenced,
    /// The incident's key is flapping; released when it stops.
    Flapping,
    /// Nothing new for the channel within the rule's `repeat_interval`.
    Throttled,
    /// Waiting for the rule's `group_wait` of this connector; sent when it
    /// elapses.
    GroupWait,
    /// A job the incident's job depends on has an active incident (its id
    /// is in `inhibited_by`); released when that job has none.
    Inhibited,
    /// A maintenance window is active (its id is in `window_id`); released
    /// when the occurrence ends.
    Maintenance,
}

/// One alerting fact. Serialized with a `kind` tag; the incident model's
/// own effects keep their own form (`{"kind":"opened","incident":{...}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AlertEffect {
    /// `channel` should hear about `incident` now.
    Notify {
        /// The rule that matched.
        rule_id: String,
        /// Where to deliver.
        channel: String,
        /// The incident as it is now.
        #[serde(with = "crate::incident::shared::arc")]
        incident: Arc<Incident>,
        /// Why now.
        reason: NotifyReason,
    },
    /// A rule matched but the notification is held.
    Suppressed {
        /// The rule that matched.
        rule_id: String,
        /// Where it would have gone.
        channel: String,
        /// The incident as it is now.
        #[serde(with = "crate::incident::shared::arc")]
        incident: Arc<Incident>,
        /// What it would have said.
        would_notify: NotifyReason,
        /// Why it is held.
        reason: SuppressReason,
        /// The silence, when `reason` is `silenced`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        silence_id: Option<String>,
        /// The dependency's incident, when `reason` is `inhibited`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inhibited_by: Option<String>,
        /// The maintenance window, when `reason` is `maintenance`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window_id: Option<String>,
    },
    /// The key started flapping: more than the allowed open/resolve
    /// transitions within the window.
    FlappingStarted {
        /// The key.
        key: CorrelationKey,
    },
    /// The key has been quiet for the quiet period.
    FlappingStopped {
        /// The key.
        key: CorrelationKey,
    },
    /// A fact from the incident model, unchanged.
    #[serde(untagged)]
    Incident(Effect),
}

impl AlertEffect {
    /// Splits the engine's output into the incident model's facts (which
    /// answer a request and are persisted as incidents) and everything
    /// else (notifications and the rest, recorded by the alerting side),
    /// each in its original order.
    pub fn split(effects: Vec<AlertEffect>) -> (Vec<Effect>, Vec<AlertEffect>) {
        let mut incidents = Vec::new();
        let mut others = Vec::new();
        for effect in effects {
            match effect {
                AlertEffect::Incident(e) => incidents.push(e),
                other => others.push(other),
            }
        }
        (incidents, others)
    }

    /// The stable kind name (`notify`, `suppressed`, `flapping_started`,
    /// `flapping_stopped`, or the incident effect's kind).
    pub fn kind(&self) -> &'static str {
        match self {
            AlertEffect::Notify { .. } => "notify",
            AlertEffect::Suppressed { .. } => "suppressed",
            AlertEffect::FlappingStarted { .. } => "flapping_started",
            AlertEffect::FlappingStopped { .. } => "flapping_stopped",
            AlertEffect::Incident(e) => e.kind(),
        }
    }

    /// Whether this is a notification to deliver.
    pub fn is_notify(&self) -> bool {
        matches!(self, AlertEffect::Notify { .. })
    }
}
