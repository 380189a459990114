//! Usage for the REST API on both engines: the AI-query charge (the core's
//! shared-store statements, one transaction) and events accepted per UTC day
//! for the usage chart.

use erpops_core::quota::shared_store::{self, StoreOutcome};
use erpops_core::quota::{self, Decision, Metric};
use erpops_core::Timestamp;

use super::{resolve_plan, run_quota, Backend, SqlStore};
use crate::store::db::{args, Conn};
use crate::store::{StoreError, StoreResult};

/// Nanoseconds in a UTC day (events' `received_at` is Unix nanoseconds).
const DAY_NANOS: i64 = 86_400 * 1_000_000_000;

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Steps 1–3 of the core's shared-store protocol in an open transaction.
fn charge_in_transaction<C: Conn>(
    db: &mut C,
    request: &quota::Request<'_>,
) -> StoreResult<Decision> {
    if let Some(receipt) = shared_store::receipt_statement(request) {
        if run_quota(db, &receipt)?.is_none() {
            let used = run_quota(db, &shared_store::read_statement(request))?;
            return shared_store::interpret(request, StoreOutcome::Replayed { used })
                .map_err(corrupt);
        }
    }
    let admitted = match shared_store::upsert_statement(request).map_err(corrupt)? {
        Some(upsert) => run_quota(db, &upsert)?,
        None => None,
    };
    let outcome = match admitted {
        Some(used) => StoreOutcome::Admitted { used },
        None => StoreOutcome::NotAdmitted {
            used: Some(run_quota(db, &shared_store::read_statement(request))?.unwrap_or(0)),
        },
    };
    shared_store::interpret(request, outcome).map_err(corrupt)
}

impl<B: Backend> SqlStore<B> {
    /// Charges `cost` units of `metric` to `tenant` against its plan, as the
    /// core's shared-store protocol says: the receipt of `idempotency_key`
    /// (a retry is `Replayed`, charged once), then the conditional upsert,
    /// then the read for `remaining` — in one transaction, so receivers
    /// sharing a database never admit past the limit. `None`: no such
    /// tenant.
    pub(super) fn charge_metric(
        &mut self,
        tenant: &str,
        metric: Metric,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Option<Decision>> {
        let Some(row) = self
            .db
            .query_opt("SELECT plan FROM tenants WHERE id = ?1", args![tenant])?
        else {
            return Ok(None);
        };
        let plan_name: String = row.get(0)?;
        let plan = resolve_plan(&mut self.db, &plan_name)?
            .ok_or_else(|| corrupt(format!("unknown plan {plan_name:?}")))?;
        let mut request = quota::Request::new(tenant, metric, plan.limit(metric), now);
        if let Some(key) = idempotency_key {
            request = request.with_idempotency_key(key);
        }
        // The core's protocol: an admission commits (receipt and counter
        // together); a refusal rolls back, so it spends neither units nor
        // the idempotency key, and a retry after the window turns is
        // charged.
        self.db.begin_tx()?;
        let decided = charge_in_transaction(&mut self.db, &request);
        let commit = matches!(
            decided,
            Ok(Decision::Allowed { .. } | Decision::Replayed { .. })
        );
        match (decided, self.db.end_tx(commit)) {
            (Ok(decision), Ok(())) => Ok(Some(decision)),
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        }
    }

    /// Events of `tenant` accepted on each of the `days` UTC days ending
    /// with today's, oldest first, as (day's Unix seconds at 00:00, count).
    /// Days without events are 0. Counted from the events themselves
    /// (kept for the retention period), not the quota rows, which only
    /// hold the current day.
    pub(super) fn daily_event_counts(
        &mut self,
        tenant: &str,
        days: u32,
        now: Timestamp,
    ) -> StoreResult<Vec<(i64, u64)>> {
        let today = now.unix_seconds().div_euclid(86_400);
        let first = today - i64::from(days.max(1)) + 1;
        let rows = self.db.query(
            "SELECT received_at / ?2 AS day, COUNT(*) FROM events WHERE tenant_id = ?1 AND \
             received_at >= ?3 GROUP BY received_at / ?2",
            args![tenant, DAY_NANOS, first.saturating_mul(DAY_NANOS)],
        )?;
        let mut counts = vec![0u64; usize::try_from(today - first + 1).unwrap_or(0)];
        for r in rows {
            let day: i64 = r.get(0)?;
            let n: i64 = r.get(1)?;
            if let Some(slot) = usize::try_from(day - first)
                .ok()
                .and_then(|i| counts.get_mut(i))
            {
                *slot += u64::try_from(n).unwrap_or(0);
            }
        }
        Ok(counts
            .into_iter()
            .enumerate()
            .map(|(i, n)| ((first + i64::try_from(i).unwrap_or(0)) * 86_400, n))
            .collect())
    }
}
