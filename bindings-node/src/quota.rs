//! `QuotaLedger`: the core's in-memory quota ledger (`erpops_core::quota`,
//! contract §5) for Node services that meter in-process, mirroring the
//! Python binding's `QuotaLedger`.
//!
//! The binding converts plan names, metrics and `now` (Unix milliseconds;
//! the JavaScript layer turns a `Date` into them and reads the clock when the
//! caller gives none) and returns the core's decision and header values
//! unchanged. The rule is the core's `Ledger`.

use erpops_core::quota::{self, Decision, Ledger, Limit, Metric, Plan, Request, Snapshot};
use erpops_core::Timestamp;
use napi::bindgen_prelude::Null;
use napi::Either;
use napi_derive::napi;

use crate::error::{from_core, Result};

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// The error for an argument the core cannot take (a wrong name or range).
fn invalid(message: String) -> napi::Error<crate::error::Code> {
    from_core("invalid_argument", message)
}

/// A count from a JavaScript number: a non-negative safe integer.
fn count(value: f64, what: &str) -> Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE {
        Ok(value as u64)
    } else {
        Err(invalid(format!(
            "{what} must be a non-negative integer (at most 2^53 - 1), got {value}"
        )))
    }
}

/// An integer from a core count, saturated at 2^53 - 1 for JavaScript.
fn number(value: u64) -> i64 {
    value.min(MAX_SAFE as u64) as i64
}

/// A count or JavaScript `null` (unlimited, not applicable).
type Nullable = Either<i64, Null>;

fn nullable(value: Option<u64>) -> Nullable {
    match value {
        Some(v) => Either::A(number(v)),
        None => Either::B(Null),
    }
}

/// A timestamp from Unix milliseconds (a `Date`'s `getTime()`).
pub(crate) fn timestamp(now_ms: f64) -> Result<Timestamp> {
    if now_ms.is_finite() && now_ms.fract() == 0.0 && now_ms.abs() <= 8.64e15 {
        Ok(Timestamp::from_unix_millis(now_ms as i64))
    } else {
        Err(invalid(format!(
            "now must be a valid Date or integer Unix milliseconds, got {now_ms}"
        )))
    }
}

fn metric(name: &str) -> Result<Metric> {
    Metric::from_name(name).ok_or_else(|| {
        invalid(format!(
            "unknown metric {name:?}; use \"inbound_event\" (per UTC day) or \"ai_query\" \
             (per UTC month)"
        ))
    })
}

/// The limits of a custom plan; `null` is unlimited.
#[napi(object)]
pub struct CustomPlan {
    /// Inbound events per UTC calendar day (`null` = unlimited).
    #[napi(js_name = "inbound_event", ts_type = "number | null")]
    pub inbound_event: Option<f64>,
    /// AI queries per UTC calendar month (`null` = unlimited).
    #[napi(js_name = "ai_query", ts_type = "number | null")]
    pub ai_query: Option<f64>,
}

fn limit(value: Option<f64>, key: &str) -> Result<Limit> {
    match value {
        None => Ok(Limit::Unlimited),
        Some(n) => Ok(Limit::Finite(count(n, &format!("plan.{key}"))?)),
    }
}

fn plan(value: &Either<String, CustomPlan>) -> Result<Plan> {
    match value {
        Either::A(name) => Plan::from_name(name).ok_or_else(|| {
            invalid(format!(
                "unknown plan {name:?}; use \"free\", \"professional\", \"enterprise\" or \
                 {{ inbound_event: n, ai_query: n }} (null = unlimited)"
            ))
        }),
        Either::B(custom) => Ok(Plan::Custom {
            inbound_events: limit(custom.inbound_event, "inbound_event")?,
            ai_queries: limit(custom.ai_query, "ai_query")?,
        }),
    }
}

/// One quota request, as the JavaScript layer passes it.
#[napi(object)]
pub struct QuotaRequest {
    /// A plan name (`free`, `professional`, `enterprise`) or custom limits.
    #[napi(ts_type = "string | CustomPlan")]
    pub plan: Either<String, CustomPlan>,
    /// `inbound_event` (per UTC day) or `ai_query` (per UTC month).
    pub metric: String,
    /// Units this request costs.
    pub cost: f64,
    /// The receiver's clock (never the event's time), Unix milliseconds.
    pub now_ms: f64,
    /// A retry with the same key is `replayed`, not counted twice.
    pub idempotency_key: Option<String>,
}

/// The answer to a quota request, with everything an HTTP response needs.
#[napi(object)]
pub struct QuotaDecision {
    /// `allowed`, `replayed`, `quota_exceeded` or `quota_cost_exceeds_limit`.
    pub code: String,
    /// Whether the request may proceed (admitted now, or earlier: replayed).
    pub permitted: bool,
    /// The limit in force; `null` for an unlimited plan.
    #[napi(ts_type = "number | null")]
    pub limit: Nullable,
    /// Units left after this request; `null` for an unlimited plan.
    #[napi(ts_type = "number | null")]
    pub remaining: Nullable,
    /// First second of the window (Unix seconds).
    pub window_start: i64,
    /// First second of the next window (Unix seconds): the reset.
    pub window_end: i64,
    /// Seconds from `now` (floored) to the reset, at least 1.
    pub reset_after: i64,
    /// The `Retry-After` value, only for `quota_exceeded`.
    #[napi(ts_type = "number | null")]
    pub retry_after: Nullable,
    /// `[name, value]` pairs to send, in order: `Retry-After`,
    /// `RateLimit-Policy`, `RateLimit` (none for unlimited plans).
    pub headers: Vec<(String, String)>,
}

impl QuotaDecision {
    fn new(metric: Metric, d: &Decision) -> Self {
        let window = d.window();
        QuotaDecision {
            code: d.code().to_owned(),
            permitted: d.is_permitted(),
            limit: nullable(d.limit().finite()),
            remaining: nullable(d.remaining()),
            window_start: window.start,
            window_end: window.end,
            reset_after: number(d.reset_after()),
            retry_after: nullable(d.retry_after()),
            headers: quota::http::headers(metric, d)
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }
}

/// In-memory quota state for one process: per tenant, metric and UTC window.
/// Node runs JavaScript on one thread, so calls never interleave.
#[napi]
pub struct QuotaLedger {
    ledger: Ledger,
}

impl QuotaLedger {
    fn decide(&mut self, tenant: &str, r: &QuotaRequest, record: bool) -> Result<QuotaDecision> {
        let metric = metric(&r.metric)?;
        let limit = plan(&r.plan)?.limit(metric);
        let mut request = Request::new(tenant, metric, limit, timestamp(r.now_ms)?)
            .with_cost(count(r.cost, "cost")?);
        if let Some(key) = r.idempotency_key.as_deref() {
            request = request.with_idempotency_key(key);
        }
        let decision = if record {
            self.ledger.consume(&request)
        } else {
            self.ledger.peek(&request)
        };
        Ok(QuotaDecision::new(metric, &decision))
    }
}

#[napi]
impl QuotaLedger {
    /// An empty ledger: every tenant starts with nothing used.
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        QuotaLedger {
            ledger: Ledger::new(),
        }
    }

    /// Decides a request and records it if admitted (refusals and replays
    /// change nothing).
    #[napi(catch_unwind)]
    pub fn consume(&mut self, tenant: String, request: QuotaRequest) -> Result<QuotaDecision> {
        self.decide(&tenant, &request, true)
    }

    /// The decision `consume` would make, recording nothing.
    #[napi(catch_unwind)]
    pub fn peek(&mut self, tenant: String, request: QuotaRequest) -> Result<QuotaDecision> {
        self.decide(&tenant, &request, false)
    }

    /// Units `tenant` used of `metric` in the window containing `now_ms`.
    #[napi(catch_unwind)]
    pub fn used(&self, tenant: String, metric_name: String, now_ms: f64) -> Result<i64> {
        Ok(number(self.ledger.used(
            &tenant,
            metric(&metric_name)?,
            timestamp(now_ms)?,
        )))
    }

    /// Drops the rows of windows that ended at `now_ms`; returns how many.
    #[napi(catch_unwind)]
    pub fn prune(&mut self, now_ms: f64) -> Result<u32> {
        let removed = self.ledger.prune(timestamp(now_ms)?);
        Ok(u32::try_from(removed).unwrap_or(u32::MAX))
    }

    /// The whole state as canonical snapshot JSON (equal ledgers give equal
    /// text), to persist and `restore` later.
    #[napi(catch_unwind)]
    pub fn snapshot(&self) -> String {
        self.ledger.snapshot().to_json()
    }

    /// A ledger rebuilt from `snapshot` JSON; throws with the core's
    /// `snapshot_*` code for text this version cannot have written.
    #[napi(factory, catch_unwind)]
    pub fn restore(snapshot: String) -> Result<Self> {
        let quota_error = |e: quota::QuotaError| from_core(e.code(), &e);
        let snapshot = Snapshot::from_json(&snapshot).map_err(quota_error)?;
        let ledger = Ledger::restore(snapshot).map_err(quota_error)?;
        Ok(QuotaLedger { ledger })
    }

    /// Number of counter rows held.
    #[napi(getter, catch_unwind)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.ledger.len()).unwrap_or(u32::MAX)
    }
}

impl Default for QuotaLedger {
    fn default() -> Self {
        Self::new()
    }
}
