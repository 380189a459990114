//! Tunables of the incident model (contract §6), with the contract's defaults.

use std::time::Duration;

use super::classify::Classifier;

/// How the incident model correlates, orders and times incidents.
///
/// Plain data so that every binding can build it field by field; the model
/// keeps its own copy and never changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentConfig {
    /// A problem whose **event time** is at most this long after the
    /// resolution (inclusive) reopens the resolved incident; a later one
    /// opens a new incident. Default 30 min: a nightly job that fails again
    /// minutes after a "fixed" is the same problem, tomorrow's failure is not.
    pub reopen_window: Duration,
    /// An acknowledgement falls back to open this long after it was given
    /// (measured on the caller's `now`, evaluated by `tick`). Default 30 min;
    /// `Duration::ZERO` means acknowledgements never expire.
    pub ack_timeout: Duration,
    /// How long (on the caller's `now`) a key with no open incident is
    /// remembered after it went quiet: its last resolved incident (for the
    /// reopen window, late events and orphan recoveries) and its latest
    /// recovery time. Afterwards the key is forgotten so memory stays bounded
    /// by the keys active in this period. Default 25 h: the receiver rejects
    /// events older than 24 h, plus an hour for its 5-minute future
    /// tolerance. Never shorter than `reopen_window` in effect.
    pub retain_resolved: Duration,
    /// How many of the most recent event ids an incident keeps (oldest
    /// dropped first). Counts stay exact; only the id list is bounded.
    /// Default 10.
    pub recent_event_ids: usize,
    /// Which `event_type` outcomes are problems, recoveries and starts.
    pub classifier: Classifier,
}

impl IncidentConfig {
    /// The contract's default reopen window: 30 minutes.
    pub const DEFAULT_REOPEN_WINDOW: Duration = Duration::from_secs(30 * 60);
    /// The contract's default acknowledgement timeout: 30 minutes.
    pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(30 * 60);
    /// Default retention of quiet keys: 25 hours.
    pub const DEFAULT_RETAIN_RESOLVED: Duration = Duration::from_secs(25 * 3600);
    /// Default length of the recent event id list.
    pub const DEFAULT_RECENT_EVENT_IDS: usize = 10;

    /// The retention actually applied: at least the reopen window, so a key
    /// is never forgotten while a problem could still reopen its incident.
    pub fn effective_retention(&self) -> Duration {
        self.retain_resolved.max(self.reopen_window)
    }
}

impl Default for IncidentConfig {
    fn default() -> Self {
        IncidentConfig {
            reopen_window: Self::DEFAULT_REOPEN_WINDOW,
            ack_timeout: Self::DEFAULT_ACK_TIMEOUT,
            retain_resolved: Self::DEFAULT_RETAIN_RESOLVED,
            recent_event_ids: Self::DEFAULT_RECENT_EVENT_IDS,
            classifier: Classifier::default(),
        }
    }
}
