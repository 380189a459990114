//! Flap detection: a key that keeps opening and resolving is one problem,
//! not a stream of pages.
//!
//! ServiceNow-style and time-based (research §3.6), because ERP batch
//! events are sparse: more than `max_transitions` open/resolve transitions
//! (opened, reopened, resolved) of one correlation key within `window`
//! mark it flapping. One `FlappingStarted` notice is sent, the key's other
//! notifications are held, and `FlappingStopped` follows once the key has
//! been quiet (no transition) for `quiet_period`. Transition times are the
//! caller's `now`.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Flap detection settings (contract §6 defaults: more than 4 in 1 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlappingConfig {
    /// Flapping starts at transition `max_transitions + 1` within the window.
    pub max_transitions: usize,
    /// How far back transitions count: those at `now - window` or earlier
    /// have left it (the window is `(now - window, now]`).
    pub window: Duration,
    /// Flapping stops this long after the key's last transition.
    pub quiet_period: Duration,
}

impl FlappingConfig {
    /// Contract default: 4 transitions.
    pub const DEFAULT_MAX_TRANSITIONS: usize = 4;
    /// Contract default: 1 hour.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(3600);
    /// Default quiet period: 1 hour, the same as the window.
    pub const DEFAULT_QUIET_PERIOD: Duration = Duration::from_secs(3600);
}

impl Default for FlappingConfig {
    fn default() -> Self {
        FlappingConfig {
            max_transitions: Self::DEFAULT_MAX_TRANSITIONS,
            window: Self::DEFAULT_WINDOW,
            quiet_period: Self::DEFAULT_QUIET_PERIOD,
        }
    }
}

/// What flap detection remembers about one key: at most
/// `max_transitions + 1` recent transition times, so memory per key is
/// bounded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FlapState {
    /// Recent transition times (caller's `now`), oldest first.
    pub transitions: VecDeque<Timestamp>,
    /// When flapping stops, while the key is flapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_until: Option<Timestamp>,
}

impl FlapState {
    /// Whether the key is flapping.
    pub fn is_flapping(&self) -> bool {
        self.quiet_until.is_some()
    }

    /// Records a transition at `now`; returns `true` when this one starts
    /// flapping. While flapping, each transition pushes `quiet_until` out.
    pub fn record(&mut self, now: Timestamp, config: &FlappingConfig) -> bool {
        if self.is_flapping() {
            self.quiet_until = Some(now.saturating_add(config.quiet_period));
            return false;
        }
        self.transitions.push_back(now);
        self.prune(now, config);
        while self.transitions.len() > config.max_transitions.saturating_add(1) {
            self.transitions.pop_front();
        }
        if self.transitions.len() > config.max_transitions {
            self.transitions.clear();
            self.quiet_until = Some(now.saturating_add(config.quiet_period));
            return true;
        }
        false
    }

    /// Drops transitions that have left the window at `now`.
    pub fn prune(&mut self, now: Timestamp, config: &FlappingConfig) {
        let Some(edge) = now.checked_sub(config.window) else {
            return;
        };
        while self.transitions.front().is_some_and(|t| *t <= edge) {
            self.transitions.pop_front();
        }
    }
}
