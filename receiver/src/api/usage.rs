//! `/v1/usage/…` beyond the plain read: the AI-query charge and the daily
//! event counts behind the admin app's 30-day chart.
//!
//! The charge is the core's quota rule end to end: the plan's monthly
//! limit (calendar month, UTC), the shared-store statements that never
//! admit past it with several receivers, and the `Retry-After` and
//! `RateLimit` fields of `erpops_core::quota::http` — the same bytes the
//! bindings' `QuotaLedger` produces for the same history.

use erpops_core::quota::{http as quota_http, Decision, Metric};
use erpops_core::receive::Response as CoreResponse;
use erpops_core::Timestamp;
use serde_json::json;

/// Days in the usage chart.
pub const DAILY_DAYS: u32 = 30;

/// The answer to `GET /v1/usage/daily`: one entry per UTC day, oldest
/// first, today last.
pub fn daily_body(counts: &[(i64, u64)]) -> serde_json::Value {
    let data: Vec<_> = counts
        .iter()
        .map(|(day, n)| {
            // RFC 3339 text of the day's midnight; its date part.
            let midnight = Timestamp::from_unix_seconds(*day).to_string();
            let date = midnight.get(..10).unwrap_or(&midnight).to_owned();
            json!({ "date": date, "inbound_events": n })
        })
        .collect();
    json!({ "data": data })
}

/// The answer to `POST /v1/usage/ai-queries` for the core's decision:
/// 200 with the counter (and `Idempotent-Replayed: true` for a retry that
/// was charged before), or a 429 problem with `Retry-After` to the first
/// of next month, 00:00 UTC. Both carry the `ai-queries` RateLimit fields
/// (finite plans).
pub fn ai_query_answer(decision: &Decision, request_id: &str) -> CoreResponse {
    let metric = Metric::AiQuery;
    let limit = decision.limit().finite();
    let remaining = decision.remaining();
    let window_end = Timestamp::from_unix_seconds(decision.window().end);
    let mut response = match decision {
        Decision::Allowed { .. } | Decision::Replayed { .. } => {
            let used = match (limit, remaining) {
                (Some(l), Some(r)) => Some(l.saturating_sub(r)),
                _ => None,
            };
            let body = json!({
                "metric": metric.as_str(),
                "used": used,
                "limit": limit,
                "remaining": remaining,
                "window_end": window_end,
            });
            let mut r = super::ok(200, &body);
            if matches!(decision, Decision::Replayed { .. }) {
                r.headers.push(("Idempotent-Replayed", "true".to_owned()));
            }
            r
        }
        Decision::Denied { .. } | Decision::Impossible { .. } => {
            let detail = match limit {
                Some(0) => {
                    "this tenant's plan includes no AI queries; move it to a plan that does \
                            (`erpops admin tenants plan`)"
                        .to_owned()
                }
                Some(l) => format!(
                    "this tenant's plan allows {l} AI queries per calendar month (UTC) and all \
                     are used; the count starts over at {window_end}"
                ),
                None => "the AI-query quota refused this request".to_owned(),
            };
            crate::server::problem(429, "quota_exceeded", &detail, request_id)
        }
    };
    response
        .headers
        .extend(quota_http::headers(metric, decision));
    response
}
