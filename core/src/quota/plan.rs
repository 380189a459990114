//! What is metered and how much of it a plan allows (contract §5).
//!
//! The limit is an input to every decision, never stored with the usage: a
//! plan change takes effect on the next decision, and the counter rows stay
//! plain `(tenant, metric, window_start, used)`.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::window::Period;

/// A metered quantity. Each metric has its own UTC calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Accepted, non-duplicate inbound events; counted per UTC calendar day.
    InboundEvent,
    /// AI queries; counted per UTC calendar month.
    AiQuery,
}

impl Metric {
    /// Both metrics, in their stable sort order.
    pub const ALL: [Metric; 2] = [Metric::InboundEvent, Metric::AiQuery];

    /// The stable spelling used in snapshots, SQL rows and vectors:
    /// `inbound_event` or `ai_query`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Metric::InboundEvent => "inbound_event",
            Metric::AiQuery => "ai_query",
        }
    }

    /// Parses [`as_str`](Metric::as_str)'s spelling, so bindings and stores
    /// can read the column back.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The calendar period whose windows this metric is counted in.
    pub const fn period(&self) -> Period {
        match self {
            Metric::InboundEvent => Period::Day,
            Metric::AiQuery => Period::Month,
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of a metric one window allows.
///
/// `Unlimited` is its own variant rather than a large number, so no sum can
/// overflow into a refusal and no fake quota leaks into HTTP headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// At most this many units per window (0 refuses everything).
    Finite(u64),
    /// Never refused; usage is still counted (saturating) for reporting.
    Unlimited,
}

impl Limit {
    /// The finite number, `None` for unlimited.
    pub const fn finite(&self) -> Option<u64> {
        match self {
            Limit::Finite(n) => Some(*n),
            Limit::Unlimited => None,
        }
    }
}

/// A tenant's subscription: the limit of each metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plan {
    /// 100 inbound events per UTC day, 100 AI queries per UTC month.
    Free,
    /// 50,000 inbound events per UTC day, 5,000 AI queries per UTC month.
    Professional,
    /// Unlimited everything.
    Enterprise,
    /// A negotiated plan with its own limits.
    Custom {
        /// Inbound events per UTC calendar day.
        inbound_events: Limit,
        /// AI queries per UTC calendar month.
        ai_queries: Limit,
    },
}

impl Plan {
    /// The limit this plan sets for `metric`; read at decision time, so a
    /// plan change applies to the very next request.
    pub const fn limit(&self, metric: Metric) -> Limit {
        match (self, metric) {
            (Plan::Free, Metric::InboundEvent) => Limit::Finite(100),
            (Plan::Free, Metric::AiQuery) => Limit::Finite(100),
            (Plan::Professional, Metric::InboundEvent) => Limit::Finite(50_000),
            (Plan::Professional, Metric::AiQuery) => Limit::Finite(5_000),
            (Plan::Enterprise, _) => Limit::Unlimited,
            (Plan::Custom { inbound_events, .. }, Metric::InboundEvent) => *inbound_events,
            (Plan::Custom { ai_queries, .. }, Metric::AiQuery) => *ai_queries,
        }
    }

    /// A named plan from its lowercase name (`free`, `professional`,
    /// `enterprise`), as stored by the receiver's admin commands.
    pub fn from_name(name: &str) -> Option<Plan> {
        match name {
            "free" => Some(Plan::Free),
            "professional" => Some(Plan::Professional),
            "enterprise" => Some(Plan::Enterprise),
            _ => None,
        }
    }
}
