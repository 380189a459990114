//! Alert rules: which incident transitions notify which channel, and how
//! often.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::{check_duration, check_name, AlertError};
use super::matcher::Matchers;

/// A transition a rule can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// A problem opened a new incident.
    Opened,
    /// An active incident became more severe.
    Escalated,
    /// A resolved incident is open again.
    Reopened,
    /// An incident was resolved.
    Resolved,
    /// An acknowledgement ran out; nobody is on it any more.
    AckExpired,
    /// A heartbeat deadline passed: the job did not run (its incident was
    /// opened or reopened by `tick`).
    MissedRun,
    /// The incident's key started flapping.
    FlappingStarted,
    /// The incident's key stopped flapping after a quiet period.
    FlappingStopped,
    /// A job missed its start (its incident opened or reopened by `tick`).
    MissedStart,
    /// A job's run went past its `max_runtime`.
    RunTooLong,
    /// A job's run succeeded sooner than its `min_runtime`.
    RunTooShort,
    /// A job did not succeed by its deadline.
    DeadlineMissed,
    /// A job's run succeeded having processed too few records.
    TooFewRecords,
    /// A job's runs failed `failure_threshold` times in a row.
    RunsFailing,
}

/// Who hears about what.
///
/// The caller chooses `id` (stable across restarts: the engine keys its
/// throttling and timers by it); `channel` is a name the receiver maps to a
/// delivery (e-mail list, webhook, pager) — delivery is not the core's job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRule {
    /// Caller-chosen id, e.g. `payroll-pager`.
    pub id: String,
    /// Human name for the rule list.
    pub name: String,
    /// Transitions that notify; empty means every kind.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub kinds: BTreeSet<TransitionKind>,
    /// Which incidents.
    #[serde(default)]
    pub matchers: Matchers,
    /// Where notifications go (a name the receiver resolves).
    pub channel: String,
    /// Per incident: after a notification, an incident that is still open
    /// (not acknowledged) is notified again this long later (reason
    /// `repeat_elapsed`), and notifications that would tell the channel
    /// nothing new within this time (firing again while it was last told
    /// firing, resolved again while last told resolved) are held as
    /// `throttled`. Escalations and ack expiries always pass. `None`: no
    /// repeats, no throttling.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::secs::option"
    )]
    pub repeat_interval: Option<Duration>,
    /// Per connector: the first matching notification starts a group; it and
    /// every other one of the same connector within this time are held
    /// (`group_wait`) and sent together when it elapses — except those
    /// whose incident changed phase meanwhile (opened and already resolved:
    /// nothing to say). `None`: send at once.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::secs::option"
    )]
    pub group_wait: Option<Duration>,
}

impl AlertRule {
    /// Whether the rule subscribes to `kind`.
    pub fn wants(&self, kind: TransitionKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// Checks names and durations.
    pub fn validate(&self) -> Result<(), AlertError> {
        check_name(&self.id, "rule.id")?;
        check_name(&self.name, "rule.name")?;
        check_name(&self.channel, "rule.channel")?;
        if let Some(d) = self.repeat_interval {
            check_duration(d, "rule.repeat_interval")?;
        }
        if let Some(d) = self.group_wait {
            check_duration(d, "rule.group_wait")?;
        }
        Ok(())
    }
}
