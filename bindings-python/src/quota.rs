//! `QuotaLedger` and `QuotaDecision`: the core's in-memory quota ledger
//! (`erpops_core::quota`, contract §5) for services that meter in-process.
//!
//! The binding converts plan names, metrics and `now`, and exposes the core's
//! decision and header values unchanged; the rule is the core's `Ledger`.

use std::sync::{Mutex, MutexGuard, PoisonError};

use erpops_core::quota::{self, Decision, Ledger, Limit, Metric, Plan, Request, Snapshot};
use erpops_core::Timestamp;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};

use crate::errors::{error, guard, Kind};
use crate::time::{datetime_of, timestamp_of};

/// The metric spelled `name` (`inbound_event` or `ai_query`).
fn metric_of(name: &str) -> PyResult<Metric> {
    Metric::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown metric {name:?}; use \"inbound_event\" (per UTC day) or \"ai_query\" \
             (per UTC month)"
        ))
    })
}

/// One limit of a custom plan: a non-negative `int`, or `None` for unlimited.
fn limit_of(value: Option<Bound<'_, PyAny>>, key: &str) -> PyResult<Limit> {
    match value {
        None => Err(PyValueError::new_err(format!(
            "a custom plan needs the key {key:?} (an int, or None for unlimited)"
        ))),
        Some(v) if v.is_none() => Ok(Limit::Unlimited),
        Some(v) => Ok(Limit::Finite(v.extract::<u64>().map_err(|_| {
            PyValueError::new_err(format!(
                "plan[{key:?}] must be a non-negative int or None (unlimited)"
            ))
        })?)),
    }
}

/// A plan given as a name (`free`, `professional`, `enterprise`) or as a
/// mapping `{"inbound_event": int | None, "ai_query": int | None}`.
pub(crate) fn plan_of(plan: &Bound<'_, PyAny>) -> PyResult<Plan> {
    if let Ok(name) = plan.cast::<PyString>() {
        let name = name.to_str()?;
        return Plan::from_name(name).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown plan {name:?}; use \"free\", \"professional\", \"enterprise\" or a \
                 mapping {{\"inbound_event\": n, \"ai_query\": n}} (None = unlimited)"
            ))
        });
    }
    if let Ok(m) = plan.cast::<PyMapping>() {
        let get = |key: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            if m.contains(key)? {
                Ok(Some(m.get_item(key)?))
            } else {
                Ok(None)
            }
        };
        return Ok(Plan::Custom {
            inbound_events: limit_of(get("inbound_event")?, "inbound_event")?,
            ai_queries: limit_of(get("ai_query")?, "ai_query")?,
        });
    }
    Err(PyTypeError::new_err(
        "plan must be a plan name (str) or a mapping of limits",
    ))
}

/// The answer to a quota request, with everything an HTTP response needs.
#[pyclass(frozen, module = "erpops", name = "QuotaDecision")]
pub struct PyQuotaDecision {
    /// `allowed`, `replayed`, `quota_exceeded` or `quota_cost_exceeds_limit`.
    #[pyo3(get)]
    code: &'static str,
    /// Whether the request may proceed (admitted now, or earlier: replayed).
    #[pyo3(get)]
    permitted: bool,
    /// The limit in force; `None` for an unlimited plan.
    #[pyo3(get)]
    limit: Option<u64>,
    /// Units left after this request; `None` for an unlimited plan.
    #[pyo3(get)]
    remaining: Option<u64>,
    /// First second of the window (Unix seconds).
    #[pyo3(get)]
    window_start: i64,
    /// First second of the next window (Unix seconds): the reset.
    #[pyo3(get)]
    window_end: i64,
    /// Seconds from `now` (floored) to the reset, at least 1.
    #[pyo3(get)]
    reset_after: u64,
    /// The `Retry-After` value, only for `quota_exceeded`.
    #[pyo3(get)]
    retry_after: Option<u64>,
    /// `[(name, value)]` to send: `Retry-After`, `RateLimit-Policy`,
    /// `RateLimit` (none for unlimited plans).
    #[pyo3(get)]
    headers: Vec<(&'static str, String)>,
}

impl PyQuotaDecision {
    fn new(metric: Metric, d: &Decision) -> Self {
        let window = d.window();
        PyQuotaDecision {
            code: d.code(),
            permitted: d.is_permitted(),
            limit: d.limit().finite(),
            remaining: d.remaining(),
            window_start: window.start,
            window_end: window.end,
            reset_after: d.reset_after(),
            retry_after: d.retry_after(),
            headers: quota::http::headers(metric, d),
        }
    }
}

#[pymethods]
impl PyQuotaDecision {
    /// When the quota resets, as an aware UTC `datetime`.
    #[getter]
    fn reset_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            datetime_of(py, Timestamp::from_unix_seconds(self.window_end))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "QuotaDecision(code={:?}, remaining={:?}, reset_after={})",
            self.code, self.remaining, self.reset_after
        )
    }
}

/// In-memory quota state for one process: per tenant, metric and UTC window.
///
/// Thread-safe: decisions are serialized by a lock, so concurrent requests
/// never over-admit.
#[pyclass(frozen, module = "erpops", name = "QuotaLedger")]
pub struct PyQuotaLedger {
    ledger: Mutex<Ledger>,
}

impl PyQuotaLedger {
    fn lock(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        py: Python<'_>,
        tenant: &str,
        plan: &Bound<'_, PyAny>,
        metric: &str,
        cost: u64,
        now: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<&str>,
        record: bool,
    ) -> PyResult<PyQuotaDecision> {
        let metric = metric_of(metric)?;
        let limit = plan_of(plan)?.limit(metric);
        let now = timestamp_of(py, now)?;
        let mut request = Request::new(tenant, metric, limit, now).with_cost(cost);
        if let Some(key) = idempotency_key {
            request = request.with_idempotency_key(key);
        }
        let decision = if record {
            self.lock().consume(&request)
        } else {
            self.lock().peek(&request)
        };
        Ok(PyQuotaDecision::new(metric, &decision))
    }
}

#[pymethods]
impl PyQuotaLedger {
    /// An empty ledger: every tenant starts with nothing used.
    #[new]
    fn new() -> Self {
        PyQuotaLedger {
            ledger: Mutex::new(Ledger::new()),
        }
    }

    /// Decides a request and records it if admitted (refusals and replays
    /// change nothing). `plan` is a plan name or a mapping of limits; `now`
    /// (the receiver's clock, never the event's time) defaults to the clock.
    #[pyo3(signature = (tenant, *, plan, metric = "inbound_event", cost = 1, now = None, idempotency_key = None))]
    #[allow(clippy::too_many_arguments)]
    fn consume(
        &self,
        py: Python<'_>,
        tenant: &str,
        plan: &Bound<'_, PyAny>,
        metric: &str,
        cost: u64,
        now: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<&str>,
    ) -> PyResult<PyQuotaDecision> {
        guard(py, || {
            self.decide(py, tenant, plan, metric, cost, now, idempotency_key, true)
        })
    }

    /// The decision `consume` would make, recording nothing.
    #[pyo3(signature = (tenant, *, plan, metric = "inbound_event", cost = 1, now = None, idempotency_key = None))]
    #[allow(clippy::too_many_arguments)]
    fn peek(
        &self,
        py: Python<'_>,
        tenant: &str,
        plan: &Bound<'_, PyAny>,
        metric: &str,
        cost: u64,
        now: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<&str>,
    ) -> PyResult<PyQuotaDecision> {
        guard(py, || {
            self.decide(py, tenant, plan, metric, cost, now, idempotency_key, false)
        })
    }

    /// Units `tenant` used of `metric` in the window containing `now`.
    #[pyo3(signature = (tenant, metric = "inbound_event", now = None))]
    fn used(
        &self,
        py: Python<'_>,
        tenant: &str,
        metric: &str,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        guard(py, || {
            let metric = metric_of(metric)?;
            let now = timestamp_of(py, now)?;
            Ok(self.lock().used(tenant, metric, now))
        })
    }

    /// Drops the rows of windows that ended at `now`; returns how many.
    #[pyo3(signature = (now = None))]
    fn prune(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        guard(py, || {
            let now = timestamp_of(py, now)?;
            Ok(self.lock().prune(now))
        })
    }

    /// The whole state as canonical snapshot JSON (equal ledgers give equal
    /// text), to persist and `restore` later.
    fn snapshot(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(self.lock().snapshot().to_json()))
    }

    /// A ledger rebuilt from `snapshot` JSON; raises `QuotaError` (with the
    /// core's `snapshot_*` code) for text this version cannot have written.
    #[staticmethod]
    fn restore(py: Python<'_>, snapshot: &str) -> PyResult<Self> {
        guard(py, || {
            let quota_error = |e: quota::QuotaError| {
                error(py, Kind::QuotaError, e.code(), &e.to_string(), None, None)
            };
            let snapshot = Snapshot::from_json(snapshot).map_err(quota_error)?;
            let ledger = Ledger::restore(snapshot).map_err(quota_error)?;
            Ok(PyQuotaLedger {
                ledger: Mutex::new(ledger),
            })
        })
    }

    /// Number of counter rows held.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        guard(py, || Ok(self.lock().len()))
    }
}
