//! The whole quota rule as one pure transition:
//! `decide(previous_counter, request) -> (Decision, next_counter)`.
//!
//! The in-memory [`Ledger`](super::Ledger) applies it to its rows and the
//! shared SQL store runs the same rule as one conditional upsert
//! ([`shared_store`](super::shared_store)); both are checked against each
//! other by property tests.

use std::collections::BTreeSet;

use crate::time::Timestamp;

use super::plan::{Limit, Metric};
use super::window::Window;

/// One request to consume quota.
///
/// The limit travels with the request (read from the tenant's plan at
/// decision time), so a plan change applies at once and the stored state is
/// only usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The tenant whose quota is charged; counting is per tenant across all
    /// its connectors. Opaque text (the receiver uses its tenant id).
    pub tenant: &'a str,
    /// What is consumed; it picks the calendar period.
    pub metric: Metric,
    /// How many units (1 for an inbound event). 0 checks and records the
    /// idempotency key without consuming.
    pub cost: u64,
    /// The tenant's current limit for `metric`.
    pub limit: Limit,
    /// The receiver's clock (never the event's timestamp): it chooses the
    /// window.
    pub now: Timestamp,
    /// A retry of a request that was already admitted in this window with the
    /// same key is answered [`Decision::Replayed`] and consumes nothing.
    pub idempotency_key: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// A request of cost 1 without an idempotency key: the common case of one
    /// inbound event.
    pub const fn new(tenant: &'a str, metric: Metric, limit: Limit, now: Timestamp) -> Self {
        Request {
            tenant,
            metric,
            cost: 1,
            limit,
            now,
            idempotency_key: None,
        }
    }

    /// The same request with another cost.
    pub const fn with_cost(self, cost: u64) -> Self {
        Request { cost, ..self }
    }

    /// The same request carrying an idempotency key.
    pub const fn with_idempotency_key(self, key: &'a str) -> Self {
        Request {
            idempotency_key: Some(key),
            ..self
        }
    }

    /// The calendar window this request is counted in, chosen by `now`.
    pub fn window(&self) -> Window {
        Window::containing(self.metric.period(), self.now)
    }
}

/// The state of one counter row `(tenant, metric, window_start)`: the units
/// admitted so far and the idempotency keys seen in that window.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counter {
    /// The window this row counts (its start in Unix seconds).
    pub window_start: i64,
    /// Units admitted in the window (saturating for unlimited plans).
    pub used: u64,
    /// Idempotency keys of admitted requests in this window; they are dropped
    /// with the row when the window is pruned.
    pub idempotency_keys: BTreeSet<String>,
}

/// The answer to a [`Request`]. Every variant carries what the HTTP mapping
/// needs, so headers are a function of the decision and the metric alone.
///
/// `remaining` is always the quota left *after* this request (contract §10),
/// `None` for an unlimited plan and never negative: after a downgrade below
/// the usage it is 0 until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admitted: `cost` units were consumed.
    Allowed {
        /// The limit in force.
        limit: Limit,
        /// Units left in the window after this request; `None` if unlimited.
        remaining: Option<u64>,
        /// The window charged.
        window: Window,
        /// Seconds from `now` (floored) to `window.end`, at least 1.
        reset_after: u64,
    },
    /// The same idempotency key was admitted earlier in this window: nothing
    /// is consumed and the caller should answer as it did the first time.
    Replayed {
        /// The limit in force.
        limit: Limit,
        /// Units left in the window; `None` if unlimited.
        remaining: Option<u64>,
        /// The window of the original admission.
        window: Window,
        /// Seconds from `now` (floored) to `window.end`, at least 1.
        reset_after: u64,
    },
    /// Not enough quota left in this window; nothing changed. Retrying after
    /// `retry_after` seconds (the reset) will succeed if the plan is unchanged.
    Denied {
        /// The finite limit in force.
        limit: u64,
        /// Units left (less than the cost; 0 for a unit cost).
        remaining: u64,
        /// The window that is exhausted.
        window: Window,
        /// `window.end − floor(now)`, at least 1: the `Retry-After` value.
        retry_after: u64,
    },
    /// The cost exceeds the limit itself, so no amount of waiting helps: split
    /// the request or change the plan. Nothing changed.
    Impossible {
        /// The finite limit in force.
        limit: u64,
        /// The cost asked for.
        cost: u64,
        /// Units left in the window.
        remaining: u64,
        /// The current window.
        window: Window,
        /// Seconds from `now` (floored) to `window.end`, at least 1.
        reset_after: u64,
    },
}

impl Decision {
    /// Stable machine code: `allowed`, `replayed`, `quota_exceeded` (429,
    /// retry later) or `quota_cost_exceeds_limit` (429, never satisfiable).
    pub const fn code(&self) -> &'static str {
        match self {
            Decision::Allowed { .. } => "allowed",
            Decision::Replayed { .. } => "replayed",
            Decision::Denied { .. } => "quota_exceeded",
            Decision::Impossible { .. } => "quota_cost_exceeds_limit",
        }
    }

    /// Whether the request may proceed (admitted now or earlier).
    pub const fn is_permitted(&self) -> bool {
        matches!(self, Decision::Allowed { .. } | Decision::Replayed { .. })
    }

    /// The limit in force when the decision was made.
    pub const fn limit(&self) -> Limit {
        match self {
            Decision::Allowed { limit, .. } | Decision::Replayed { limit, .. } => *limit,
            Decision::Denied { limit, .. } | Decision::Impossible { limit, .. } => {
                Limit::Finite(*limit)
            }
        }
    }

    /// Units left after this request; `None` for unlimited.
    pub const fn remaining(&self) -> Option<u64> {
        match self {
            Decision::Allowed { remaining, .. } | Decision::Replayed { remaining, .. } => {
                *remaining
            }
            Decision::Denied { remaining, .. } | Decision::Impossible { remaining, .. } => {
                Some(*remaining)
            }
        }
    }

    /// The window the request was counted (or refused) in.
    pub const fn window(&self) -> Window {
        match self {
            Decision::Allowed { window, .. }
            | Decision::Replayed { window, .. }
            | Decision::Denied { window, .. }
            | Decision::Impossible { window, .. } => *window,
        }
    }

    /// When the quota resets, in Unix seconds (`window.end`).
    pub const fn reset_at(&self) -> i64 {
        self.window().end
    }

    /// Seconds from `now` (floored) to the reset, at least 1.
    pub const fn reset_after(&self) -> u64 {
        match self {
            Decision::Allowed { reset_after, .. }
            | Decision::Replayed { reset_after, .. }
            | Decision::Impossible { reset_after, .. } => *reset_after,
            Decision::Denied { retry_after, .. } => *retry_after,
        }
    }

    /// The `Retry-After` delay, only for a denial (retrying cannot help an
    /// impossible request, and admitted ones need no retry).
    pub const fn retry_after(&self) -> Option<u64> {
        match self {
            Decision::Denied { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

/// What a decision does to the counter row of its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing changes (replay, denial, impossible).
    None,
    /// Add `cost` (saturating) and remember the idempotency key, creating the
    /// row if needed.
    Consume,
}

/// The decision and its effect, without cloning the counter: the ledger
/// applies the effect in place.
pub(crate) fn evaluate(previous: Option<&Counter>, request: &Request<'_>) -> (Decision, Effect) {
    let window = request.window();
    let reset_after = window.secs_until_end(request.now);
    let current = previous.filter(|c| c.window_start == window.start);
    let used = current.map_or(0, |c| c.used);

    if let (Some(key), Some(counter)) = (request.idempotency_key, current) {
        if counter.idempotency_keys.contains(key) {
            let remaining = request.limit.finite().map(|l| l.saturating_sub(used));
            let decision = Decision::Replayed {
                limit: request.limit,
                remaining,
                window,
                reset_after,
            };
            return (decision, Effect::None);
        }
    }

    let limit = match request.limit {
        Limit::Unlimited => {
            let decision = Decision::Allowed {
                limit: Limit::Unlimited,
                remaining: None,
                window,
                reset_after,
            };
            return (decision, Effect::Consume);
        }
        Limit::Finite(limit) => limit,
    };
    let remaining = limit.saturating_sub(used);
    if request.cost > limit {
        let decision = Decision::Impossible {
            limit,
            cost: request.cost,
            remaining,
            window,
            reset_after,
        };
        return (decision, Effect::None);
    }
    // `used` may exceed `limit` after a downgrade: then nothing fits, and
    // `remaining` is 0, never negative.
    match used.checked_add(request.cost) {
        Some(after) if after <= limit => (
            Decision::Allowed {
                limit: Limit::Finite(limit),
                remaining: Some(limit - after),
                window,
                reset_after,
            },
            Effect::Consume,
        ),
        _ => (
            Decision::Denied {
                limit,
                remaining,
                window,
                retry_after: reset_after,
            },
            Effect::None,
        ),
    }
}

/// Applies a consuming effect to the row of the request's window (a row of
/// an older window is replaced: its window has ended).
pub(crate) fn apply(counter: &mut Counter, request: &Request<'_>, window: Window) {
    if counter.window_start != window.start {
        *counter = Counter {
            window_start: window.start,
            ..Counter::default()
        };
    }
    counter.used = counter.used.saturating_add(request.cost);
    if let Some(key) = request.idempotency_key {
        counter.idempotency_keys.insert(key.to_owned());
    }
}

/// The quota rule as a pure transition.
///
/// `previous` is the counter row of the request's tenant and metric (a row of
/// another window counts as empty). Returns the decision and, when the row
/// changes, its next state; `None` means nothing is written: denials,
/// impossible requests and replays change nothing.
pub fn decide(previous: Option<&Counter>, request: &Request<'_>) -> (Decision, Option<Counter>) {
    let (decision, effect) = evaluate(previous, request);
    match effect {
        Effect::None => (decision, None),
        Effect::Consume => {
            let window = decision.window();
            let mut next = previous.cloned().unwrap_or(Counter {
                window_start: window.start,
                ..Counter::default()
            });
            apply(&mut next, request, window);
            (decision, Some(next))
        }
    }
}
