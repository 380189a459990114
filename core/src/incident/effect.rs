//! Effects: the facts an operation produced, for the caller to persist and
//! (through the alerting layer) notify.
//!
//! Each effect carries the full incident as it is **after** the change, so
//! a store can upsert it by id and a notifier needs nothing else. Effects
//! never ask the caller to do something; they say what happened.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::record::{Incident, ResolutionReason};
use crate::event::Severity;

/// One fact. Serialized with a `kind` tag, e.g.
/// `{"kind":"resolved","incident":{...},"reason":"recovery"}`.
///
/// Non-exhaustive: the alerting layer adds kinds (flapping, notify,
/// suppressed) and a heartbeat's missed run reuses `Opened`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Effect {
    /// A problem opened a new incident.
    Opened {
        /// The new incident.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
    },
    /// An event was attached without changing status or raising severity
    /// (a repeat, a late event, an orphan recovery, an informational event).
    Updated {
        /// The incident after the change.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
    },
    /// A problem raised the severity of an active incident; an acknowledged
    /// incident is open again.
    Escalated {
        /// The incident after the change.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
        /// Its severity before.
        previous_severity: Severity,
    },
    /// A resolved incident is open again: a problem within the reopen
    /// window, or a command.
    Reopened {
        /// The incident after the change.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
    },
    /// The incident is resolved.
    Resolved {
        /// The incident after the change.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
        /// Why (also in `incident.resolution_reason`).
        reason: ResolutionReason,
    },
    /// Someone acknowledged it.
    Acknowledged {
        /// The incident after the change.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
    },
    /// An acknowledgement ran out; the incident is open again.
    AckExpired {
        /// The incident after the change.
        #[serde(with = "super::shared::arc")]
        incident: Arc<Incident>,
    },
}

impl Effect {
    /// The stable kind name, as in the serialized `kind` tag.
    pub const fn kind(&self) -> &'static str {
        match self {
            Effect::Opened { .. } => "opened",
            Effect::Updated { .. } => "updated",
            Effect::Escalated { .. } => "escalated",
            Effect::Reopened { .. } => "reopened",
            Effect::Resolved { .. } => "resolved",
            Effect::Acknowledged { .. } => "acknowledged",
            Effect::AckExpired { .. } => "ack_expired",
        }
    }

    /// The incident the fact is about, as it is after the change.
    pub fn incident(&self) -> &Incident {
        match self {
            Effect::Opened { incident }
            | Effect::Updated { incident }
            | Effect::Escalated { incident, .. }
            | Effect::Reopened { incident }
            | Effect::Resolved { incident, .. }
            | Effect::Acknowledged { incident }
            | Effect::AckExpired { incident } => incident,
        }
    }

    /// The shared incident itself (cheap to keep: a reference count).
    pub fn incident_arc(&self) -> &Arc<Incident> {
        match self {
            Effect::Opened { incident }
            | Effect::Updated { incident }
            | Effect::Escalated { incident, .. }
            | Effect::Reopened { incident }
            | Effect::Resolved { incident, .. }
            | Effect::Acknowledged { incident }
            | Effect::AckExpired { incident } => incident,
        }
    }

    /// Whether this is an open/resolve transition of its key (opened,
    /// reopened, resolved): what flap detection counts.
    pub const fn is_open_resolve_transition(&self) -> bool {
        matches!(
            self,
            Effect::Opened { .. } | Effect::Reopened { .. } | Effect::Resolved { .. }
        )
    }
}
