//! HTTP header fields for a quota [`Decision`]: `Retry-After` (RFC 9110
//! §10.2.3, delay-seconds) and the IETF draft fields `RateLimit-Policy` and
//! `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10).
//!
//! The draft is still changing (the -10 review was "Not Ready"), so every
//! spelling of it lives in this one module.
//!
//! - Policy names: `"events"` for inbound events, `"ai-queries"` for AI
//!   queries.
//! - `q` is the limit, `r` the units left after this request, `t` the seconds
//!   from `now` (floored) to the window's end, at least 1. On a denial `t`
//!   equals `Retry-After`.
//! - `w` is the length of the current window in seconds: always 86400 for
//!   `events`; for `ai-queries` the length of the current calendar month
//!   (2419200, 2505600, 2592000 or 2678400). The draft wants an integer
//!   number of seconds and a policy that stays the same across responses; the
//!   month's real length is exact and only changes when the window does, where
//!   a fixed 30 days would misstate every 31-day month and February.
//! - Unlimited plans get no RateLimit fields (`q` must be an integer).
//! - `Retry-After` is only sent with a denial ([`Decision::Denied`]): an
//!   impossible request (cost above the limit) cannot succeed by waiting.

use super::decide::Decision;
use super::plan::{Limit, Metric};

/// `Retry-After`: integer delay-seconds, never an HTTP-date.
pub const RETRY_AFTER: &str = "Retry-After";
/// The draft's quota policy field.
pub const RATELIMIT_POLICY: &str = "RateLimit-Policy";
/// The draft's current-state field.
pub const RATELIMIT: &str = "RateLimit";

/// The draft policy name of a metric: `events` or `ai-queries`.
pub const fn policy_name(metric: Metric) -> &'static str {
    match metric {
        Metric::InboundEvent => "events",
        Metric::AiQuery => "ai-queries",
    }
}

/// The header fields to send with the response to `decision`, in order:
/// `Retry-After` (denials only), `RateLimit-Policy`, `RateLimit`. Empty for
/// an unlimited plan.
///
/// Example for a Free tenant's 100th event at 2024-02-29T12:00:00Z:
/// `RateLimit-Policy: "events";q=100;w=86400` and
/// `RateLimit: "events";r=0;t=43200`.
pub fn headers(metric: Metric, decision: &Decision) -> Vec<(&'static str, String)> {
    let Limit::Finite(limit) = decision.limit() else {
        return Vec::new();
    };
    let name = policy_name(metric);
    let remaining = decision.remaining().unwrap_or(0);
    let reset_after = decision.reset_after();
    let mut out = Vec::with_capacity(3);
    if let Some(retry_after) = decision.retry_after() {
        out.push((RETRY_AFTER, retry_after.to_string()));
    }
    out.push((
        RATELIMIT_POLICY,
        format!("\"{name}\";q={limit};w={}", decision.window().len_secs()),
    ));
    out.push((
        RATELIMIT,
        format!("\"{name}\";r={remaining};t={reset_after}"),
    ));
    out
}
