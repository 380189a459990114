//! Outcome classes: is an event a problem, a recovery, a start or just
//! information? (contract §6)

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::event::{Event, Severity};

/// What an event means for its incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeClass {
    /// Opens, updates or reopens an incident.
    Problem,
    /// Resolves the open incident of its key; never creates one.
    Recovery,
    /// A run began (`*.started`): recorded on an open incident, never opens
    /// or resolves one.
    Start,
    /// Anything else: recorded on an open incident, otherwise ignored.
    Info,
}

/// The outcome lists, matched against the last `event_type` token.
///
/// Configurable per model because ERP connectors name outcomes differently
/// (`no_success`, `abended`, ...). A token in several lists counts as the
/// first of problem, recovery, start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classifier {
    /// Problem outcomes (default: the contract's ten).
    pub problem: BTreeSet<String>,
    /// Recovery outcomes (default: the contract's eight).
    pub recovery: BTreeSet<String>,
    /// Start outcomes (default: `started`).
    pub start: BTreeSet<String>,
}

/// The contract's problem outcomes.
pub const DEFAULT_PROBLEM: [&str; 10] = [
    "failed",
    "failure",
    "error",
    "degraded",
    "down",
    "timeout",
    "missed",
    "aborted",
    "stalled",
    "unhealthy",
];

/// The contract's recovery outcomes.
pub const DEFAULT_RECOVERY: [&str; 8] = [
    "succeeded",
    "success",
    "completed",
    "recovered",
    "resolved",
    "healthy",
    "ok",
    "up",
];

/// The contract's start outcomes.
pub const DEFAULT_START: [&str; 1] = ["started"];

impl Default for Classifier {
    fn default() -> Self {
        let set = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect();
        Classifier {
            problem: set(&DEFAULT_PROBLEM),
            recovery: set(&DEFAULT_RECOVERY),
            start: set(&DEFAULT_START),
        }
    }
}

impl Classifier {
    /// The class of an outcome token alone, ignoring severity.
    pub fn classify_outcome(&self, outcome: &str) -> OutcomeClass {
        if self.problem.contains(outcome) {
            OutcomeClass::Problem
        } else if self.recovery.contains(outcome) {
            OutcomeClass::Recovery
        } else if self.start.contains(outcome) {
            OutcomeClass::Start
        } else {
            OutcomeClass::Info
        }
    }

    /// The class of an event: its outcome token, except that severity
    /// `error` or `critical` always makes it a problem (contract §6: "any
    /// event of severity error/critical opens or updates an incident"), even
    /// when the token says `succeeded` — a sender that reports a success as
    /// an error wants someone to look.
    pub fn classify(&self, event: &Event) -> OutcomeClass {
        if event.severity >= Severity::Error {
            return OutcomeClass::Problem;
        }
        self.classify_outcome(event.outcome())
    }
}
