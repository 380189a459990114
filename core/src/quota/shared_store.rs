//! Quota in a database shared by several receivers, still pure: this module
//! writes the SQL and reads its results; the caller only executes statements.
//! No store re-implements the rule, and no store reads then writes.
//!
//! # Tables (same shape as the ledger's snapshot rows)
//!
//! See [`SCHEMA_SQL`]: `quota_usage(tenant, metric, window_start, used)` and
//! `quota_receipts(tenant, metric, window_start, idempotency_key)`.
//!
//! # One decision = one transaction
//!
//! 1. If the request has an idempotency key, run [`receipt_statement`]
//!    (`INSERT … ON CONFLICT DO NOTHING RETURNING 1`). No row returned means
//!    the key was already admitted in this window: run [`read_statement`],
//!    commit, and pass [`StoreOutcome::Replayed`].
//! 2. Run [`upsert_statement`], the conditional upsert ([`UPSERT_SQL`]):
//!
//!    ```sql
//!    INSERT INTO quota_usage (tenant, metric, window_start, used)
//!    VALUES ($1, $2, $3, $4)
//!    ON CONFLICT (tenant, metric, window_start) DO UPDATE
//!    SET used = quota_usage.used + excluded.used
//!    WHERE quota_usage.used + excluded.used <= $5
//!    RETURNING used
//!    ```
//!
//!    The check and the increment are one atomic statement (PostgreSQL's
//!    `ON CONFLICT DO UPDATE` guarantees an atomic insert-or-update and locks
//!    the row; SQLite serializes writers), so concurrent receivers can never
//!    admit past the limit. A row returned is an admission: commit and pass
//!    [`StoreOutcome::Admitted`] with the returned `used`. No row means the
//!    `WHERE` failed: nothing was changed; roll back (dropping the receipt)
//!    and pass [`StoreOutcome::NotAdmitted`]. A fresh row is only inserted
//!    when `cost ≤ limit`, which the library checks first: when the cost
//!    exceeds the limit [`upsert_statement`] returns `None`, skip to the read.
//! 3. `remaining` of a refusal. The statement returns nothing when it refuses,
//!    and a read *before* the upsert would be a read-then-write race. For a
//!    unit cost (every inbound event) no read is needed: a refusal means
//!    `used ≥ limit`, so `remaining` is exactly 0 — pass `used: None`. For a
//!    larger cost, optionally run [`read_statement`] *after* the refused
//!    upsert, in the same transaction, and pass its `used` (0 when no row).
//!    Within a window `used` only grows, so that read can only see as much or
//!    more than the refused statement did: the reported `remaining` is never
//!    more than what was really left, and it is clamped below the cost so a
//!    refusal never claims there was room. The decision itself never depends
//!    on the read.
//!
//! Unlimited plans run [`UPSERT_UNLIMITED_SQL`] (no `WHERE`: counted for
//! reports, never refused). SQL `BIGINT` is signed, so costs and limits above
//! `i64::MAX` are refused with [`QuotaError::StoreOutOfRange`].
//!
//! The SQL is valid for SQLite 3.35+ (upsert with `RETURNING`; `$N`
//! parameters appear in increasing order, so their indexes are N) and for
//! PostgreSQL 9.5+ (`ON CONFLICT` with `RETURNING`).

use super::decide::{Decision, Request};
use super::error::QuotaError;
use super::plan::{Limit, Metric};
use super::window::Window;
use crate::time::Timestamp;

/// Creates both tables (idempotent). Run once per database.
pub const SCHEMA_SQL: &str = "\
CREATE TABLE IF NOT EXISTS quota_usage (
    tenant TEXT NOT NULL,
    metric TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (tenant, metric, window_start)
);
CREATE TABLE IF NOT EXISTS quota_receipts (
    tenant TEXT NOT NULL,
    metric TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    PRIMARY KEY (tenant, metric, window_start, idempotency_key)
);";

/// The conditional upsert for a finite limit. Parameters: `$1` tenant, `$2`
/// metric, `$3` window_start, `$4` cost, `$5` limit. Returns the new `used`
/// when admitted, no row when refused.
pub const UPSERT_SQL: &str = "\
INSERT INTO quota_usage (tenant, metric, window_start, used) VALUES ($1, $2, $3, $4) \
ON CONFLICT (tenant, metric, window_start) DO UPDATE \
SET used = quota_usage.used + excluded.used \
WHERE quota_usage.used + excluded.used <= $5 \
RETURNING used";

/// The upsert for an unlimited plan (always admitted). Parameters: `$1`
/// tenant, `$2` metric, `$3` window_start, `$4` cost. Returns the new `used`.
pub const UPSERT_UNLIMITED_SQL: &str = "\
INSERT INTO quota_usage (tenant, metric, window_start, used) VALUES ($1, $2, $3, $4) \
ON CONFLICT (tenant, metric, window_start) DO UPDATE \
SET used = quota_usage.used + excluded.used \
RETURNING used";

/// Reads `used` of one row (no row: 0). Parameters: `$1` tenant, `$2`
/// metric, `$3` window_start. Only ever run after the upsert or the receipt,
/// to report `remaining`; never to decide.
pub const READ_SQL: &str = "\
SELECT used FROM quota_usage WHERE tenant = $1 AND metric = $2 AND window_start = $3";

/// Records an idempotency key; no row returned means it was already there.
/// Parameters: `$1` tenant, `$2` metric, `$3` window_start, `$4` key.
pub const RECEIPT_SQL: &str = "\
INSERT INTO quota_receipts (tenant, metric, window_start, idempotency_key) \
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1";

/// Deletes a metric's counter rows of windows that started before `$2`.
/// Parameters: `$1` metric, `$2` window_start of the current window.
pub const PRUNE_USAGE_SQL: &str = "\
DELETE FROM quota_usage WHERE metric = $1 AND window_start < $2";

/// Deletes a metric's receipts of windows that started before `$2`.
/// Parameters: `$1` metric, `$2` window_start of the current window.
pub const PRUNE_RECEIPTS_SQL: &str = "\
DELETE FROM quota_receipts WHERE metric = $1 AND window_start < $2";

/// A bound SQL parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A `TEXT` value.
    Text(String),
    /// A `BIGINT` value.
    Integer(i64),
}

/// SQL text with its positional parameters (`$1` is `params[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// One of this module's constants.
    pub sql: &'static str,
    /// Values for `$1`, `$2`, … in order.
    pub params: Vec<SqlValue>,
}

/// What the store observed, handed back to [`interpret`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOutcome {
    /// The upsert returned a row: the `used` it returned.
    Admitted {
        /// `used` after the increment.
        used: i64,
    },
    /// The upsert returned no row, or was skipped because the cost exceeds
    /// the limit. `used` from the optional follow-up read (`Some(0)` when the
    /// read found no row, `None` when no read was made).
    NotAdmitted {
        /// `used` read after the refusal, if read.
        used: Option<i64>,
    },
    /// The receipt insert returned no row: the key was already admitted.
    /// `used` from the follow-up read, if made.
    Replayed {
        /// `used` read after the receipt check, if read.
        used: Option<i64>,
    },
}

fn key_params(request: &Request<'_>) -> Vec<SqlValue> {
    vec![
        SqlValue::Text(request.tenant.to_owned()),
        SqlValue::Text(request.metric.as_str().to_owned()),
        SqlValue::Integer(request.window().start),
    ]
}

fn to_sql(value: u64, field: &'static str) -> Result<i64, QuotaError> {
    i64::try_from(value).map_err(|_| QuotaError::StoreOutOfRange { field })
}

fn from_sql(value: i64) -> Result<u64, QuotaError> {
    u64::try_from(value).map_err(|_| QuotaError::StoreResultInvalid {
        detail: "negative used",
    })
}

/// The receipt insert, when the request carries an idempotency key.
pub fn receipt_statement(request: &Request<'_>) -> Option<Statement> {
    let key = request.idempotency_key?;
    let mut params = key_params(request);
    params.push(SqlValue::Text(key.to_owned()));
    Some(Statement {
        sql: RECEIPT_SQL,
        params,
    })
}

/// The conditional upsert for `request`; `Ok(None)` when the cost exceeds a
/// finite limit (no statement can admit it: go to the read, then pass
/// [`StoreOutcome::NotAdmitted`]).
pub fn upsert_statement(request: &Request<'_>) -> Result<Option<Statement>, QuotaError> {
    let cost = to_sql(request.cost, "cost")?;
    let mut params = key_params(request);
    params.push(SqlValue::Integer(cost));
    match request.limit {
        Limit::Unlimited => Ok(Some(Statement {
            sql: UPSERT_UNLIMITED_SQL,
            params,
        })),
        Limit::Finite(limit) if request.cost > limit => Ok(None),
        Limit::Finite(limit) => {
            params.push(SqlValue::Integer(to_sql(limit, "limit")?));
            Ok(Some(Statement {
                sql: UPSERT_SQL,
                params,
            }))
        }
    }
}

/// Statements deleting rows and receipts of every window that ended at
/// `now` (the same rows [`Ledger::prune`](super::Ledger::prune) drops).
/// Garbage collection only: the window key, not the deletion, resets a quota.
pub fn prune_statements(now: Timestamp) -> Vec<Statement> {
    let mut out = Vec::with_capacity(2 * Metric::ALL.len());
    for metric in Metric::ALL {
        let start = Window::containing(metric.period(), now).start;
        for sql in [PRUNE_USAGE_SQL, PRUNE_RECEIPTS_SQL] {
            out.push(Statement {
                sql,
                params: vec![
                    SqlValue::Text(metric.as_str().to_owned()),
                    SqlValue::Integer(start),
                ],
            });
        }
    }
    out
}

/// The read of the request's row, for `remaining` after a refusal or replay.
pub fn read_statement(request: &Request<'_>) -> Statement {
    Statement {
        sql: READ_SQL,
        params: key_params(request),
    }
}

/// The [`Decision`] for what the store observed: the same decision the
/// [`Ledger`](super::Ledger) makes for the same history.
pub fn interpret(request: &Request<'_>, outcome: StoreOutcome) -> Result<Decision, QuotaError> {
    let window = request.window();
    let reset_after = window.secs_until_end(request.now);
    match (outcome, request.limit) {
        (StoreOutcome::Replayed { used }, limit) => {
            if request.idempotency_key.is_none() {
                return Err(QuotaError::StoreResultInvalid {
                    detail: "a replay for a request without an idempotency key",
                });
            }
            let used = used.map(from_sql).transpose()?;
            // Without a read, report nothing left rather than guess.
            let remaining = limit
                .finite()
                .map(|l| used.map_or(0, |u| l.saturating_sub(u)));
            Ok(Decision::Replayed {
                limit,
                remaining,
                window,
                reset_after,
            })
        }
        (StoreOutcome::Admitted { used }, Limit::Unlimited) => {
            from_sql(used)?;
            Ok(Decision::Allowed {
                limit: Limit::Unlimited,
                remaining: None,
                window,
                reset_after,
            })
        }
        (StoreOutcome::Admitted { used }, Limit::Finite(limit)) => {
            let used = from_sql(used)?;
            if used > limit || used < request.cost {
                return Err(QuotaError::StoreResultInvalid {
                    detail: "an admitted used outside cost..=limit",
                });
            }
            Ok(Decision::Allowed {
                limit: Limit::Finite(limit),
                remaining: Some(limit - used),
                window,
                reset_after,
            })
        }
        (StoreOutcome::NotAdmitted { .. }, Limit::Unlimited) => {
            Err(QuotaError::StoreResultInvalid {
                detail: "a refusal under an unlimited plan",
            })
        }
        (StoreOutcome::NotAdmitted { used }, Limit::Finite(limit)) => {
            let left = used
                .map(from_sql)
                .transpose()?
                .map_or(0, |u| limit.saturating_sub(u));
            if request.cost > limit {
                Ok(Decision::Impossible {
                    limit,
                    cost: request.cost,
                    remaining: left,
                    window,
                    reset_after,
                })
            } else {
                Ok(Decision::Denied {
                    limit,
                    remaining: left.min(request.cost.saturating_sub(1)),
                    window,
                    retry_after: reset_after,
                })
            }
        }
    }
}
