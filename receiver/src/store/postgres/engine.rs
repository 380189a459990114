//! The alert engine (incident model inside) shared by receivers on one
//! PostgreSQL database, partitioned by tenant.
//!
//! Each receiver's writer keeps the engine in memory, and the database is
//! the truth. A writer transaction that may change the engine locks what
//! it may change, and first reads back what other receivers changed there
//! since this connection last did:
//!
//! - **A tenant's partition** (`engine_partitions`, migration 10): a group
//!   bumps the rows of its tenants (sorted, one statement) with
//!   `INSERT … ON CONFLICT DO UPDATE … RETURNING`. The row lock serialises
//!   the groups of one tenant across receivers; groups of other tenants
//!   run at the same time. The tenant's key rows and alerting rows carry
//!   the partition's version that wrote them, so a receiver that last saw
//!   version *v* of the tenant reads its rows newer than *v* (one
//!   statement over the `(tenant_id, version)` indexes, for every tenant
//!   of the group at once) and puts them into its engine in place.
//! - **The engine-wide state** (the one `alert_state` row: heartbeats,
//!   `group_wait` batches, silences, rules and windows as loaded; and the
//!   jobs' rows, `job_state`, each written with the engine-wide version,
//!   since every event of a job's source locks it): locked with the one
//!   `engine_version` row, after the partitions, only by what may change
//!   it. The writer asks the core which events may
//!   ([`AlertEngine::ingest_may_change_global`](erpops_core::alert::AlertEngine::ingest_may_change_global):
//!   a heartbeat's sign of life, a rule with `group_wait`); operator
//!   commands, a changed alert configuration and ticks always do. A
//!   receiver that has not locked it does not read it: nothing it does
//!   depends on it.
//! - **Everything** (ticks, and repairs outside the writer): every
//!   partition, sorted, then the engine-wide row. A tick may touch any key.
//!
//! One lock order for all (partitions sorted, then quota rows, event ids,
//! then the engine-wide row), so receivers wait for each other instead of
//! deadlocking. A row is written only with a version its own transaction
//! took: the statements that write key rows join the partition row whose
//! `txid` is the writing transaction's, and a row of a tenant whose
//! partition the transaction did not lock is refused (the group rolls
//! back) rather than written with a version other receivers would skip.
//!
//! A receiver's view of a tenant it did not lock may be stale in memory;
//! it is caught up the next time a group of that tenant (or a tick) locks
//! it, before anything is settled on it.
//!
//! Deletions are not versioned: rows are deleted by `prune` once their
//! `forget_at` passed, which every receiver's model forgets by itself.

use std::collections::HashMap;

use super::{corrupt, PgConn};
use crate::store::db::Conn;
use crate::store::{EngineChanges, EngineScope, StoreError, StoreResult};
use erpops_core::incident::KeySnapshot;

/// What one connection has seen of the shared engine, and what its open
/// transaction locked.
#[derive(Debug, Default)]
pub(super) struct EngineView {
    /// The engine-wide version this connection last committed or loaded
    /// (−1: none yet).
    seen_global: i64,
    /// Each tenant's partition version this connection last committed or
    /// loaded (absent: 0, no rows).
    seen: HashMap<String, i64>,
    /// The engine-wide version the open transaction holds the lock at.
    global: Option<i64>,
    /// The partitions the open transaction locked, at their new version.
    partitions: HashMap<String, i64>,
    /// Whether the open transaction locked every partition.
    all: bool,
    /// Whether the open transaction caught up with other receivers'
    /// writes (only then is its commit the version this connection holds).
    checked: bool,
}

impl EngineView {
    /// A view before anything was loaded.
    pub(super) fn new() -> Self {
        EngineView {
            seen_global: -1,
            ..EngineView::default()
        }
    }
}

impl PgConn {
    /// Ends the open transaction's bookkeeping; `committed`: what it
    /// locked and caught up with is now what this connection has seen.
    pub(super) fn end_engine_tx(&mut self, committed: bool) {
        let view = &mut self.engine;
        let checked = std::mem::take(&mut view.checked);
        let global = view.global.take();
        let partitions = std::mem::take(&mut view.partitions);
        view.all = false;
        if committed && checked {
            if let Some(g) = global {
                view.seen_global = g;
            }
            view.seen.extend(partitions);
        }
    }

    /// Locks the partitions of `tenants` (sorted, one statement), creating
    /// the missing ones, and remembers their new versions.
    pub(super) fn lock_partitions(&mut self, tenants: &[&str]) -> StoreResult<()> {
        let mut wanted: Vec<&str> = tenants
            .iter()
            .copied()
            .filter(|t| !self.engine.partitions.contains_key(*t))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let rows = self.query_native(
            "INSERT INTO engine_partitions (tenant_id, version, txid) SELECT t, 1, \
             txid_current() FROM unnest($1::TEXT[]) AS t ORDER BY t ON CONFLICT (tenant_id) DO \
             UPDATE SET version = engine_partitions.version + 1, txid = txid_current() RETURNING \
             tenant_id, version",
            &[&wanted],
        )?;
        for row in rows {
            self.engine.partitions.insert(row.get(0)?, row.get(1)?);
        }
        Ok(())
    }

    /// Locks every tenant's partition (sorted; a tenant without one gets
    /// it first: a tick or a repair may write rows of any tenant) and the
    /// engine-wide row.
    fn lock_everything(&mut self) -> StoreResult<()> {
        if !self.engine.all {
            self.execute(
                "INSERT INTO engine_partitions (tenant_id, version) SELECT id, 0 FROM tenants \
                 ORDER BY id ON CONFLICT (tenant_id) DO NOTHING",
                &[],
            )?;
            let rows = self.query_native(
                "UPDATE engine_partitions SET version = version + 1, txid = txid_current() WHERE \
                 tenant_id IN (SELECT tenant_id FROM engine_partitions ORDER BY tenant_id FOR \
                 UPDATE) RETURNING tenant_id, version",
                &[],
            )?;
            for row in rows {
                self.engine.partitions.insert(row.get(0)?, row.get(1)?);
            }
            self.engine.all = true;
        }
        self.lock_global().map(|_| ())
    }

    /// The engine-wide row's lock in the open transaction (once): bumps
    /// its version and returns the new one.
    fn lock_global(&mut self) -> StoreResult<i64> {
        if let Some(v) = self.engine.global {
            return Ok(v);
        }
        let v = self
            .query_opt(
                "UPDATE engine_version SET version = version + 1 WHERE id = 1 RETURNING version",
                &[],
            )?
            .map(|r| r.get(0))
            .transpose()?
            .ok_or_else(|| {
                StoreError::Corrupt("the engine_version row is missing (migration 6)".to_owned())
            })?;
        self.engine.global = Some(v);
        Ok(v)
    }

    /// The version the engine-wide row is written with: the open
    /// transaction's lock on it. A repair outside the writer (nothing
    /// locked yet) locks everything; a group that did not lock it must not
    /// write it.
    pub(super) fn global_write_version(&mut self) -> StoreResult<i64> {
        if let Some(v) = self.engine.global {
            return Ok(v);
        }
        if self.engine.partitions.is_empty() {
            self.lock_everything()?;
            return self.lock_global();
        }
        Err(StoreError::Corrupt(
            "the engine-wide alert state changed in a group that did not lock it".to_owned(),
        ))
    }

    /// Before key rows are written: a repair outside the writer (nothing
    /// locked yet) locks everything, so the rows get versions.
    pub(super) fn ensure_row_locks(&mut self) -> StoreResult<()> {
        if self.engine.partitions.is_empty() && self.engine.global.is_none() {
            self.lock_everything()?;
        }
        Ok(())
    }

    /// What the writer loads the engine after: the versions the rows it
    /// reads next hold at least (read before them), so a later catch-up
    /// reads nothing older again.
    pub(super) fn engine_loading(&mut self) -> StoreResult<()> {
        self.engine.seen_global = self
            .query_opt("SELECT version FROM engine_version WHERE id = 1", &[])?
            .map_or(Ok(0), |r| r.get(0))?;
        let rows = self.query("SELECT tenant_id, version FROM engine_partitions", &[])?;
        self.engine.seen = rows
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect::<StoreResult<_>>()?;
        Ok(())
    }

    /// See [`WriterStore::lock_engine`](crate::store::WriterStore::lock_engine)
    /// and the module docs.
    pub(super) fn lock_shared_engine(&mut self, scope: EngineScope) -> StoreResult<EngineChanges> {
        if !self.in_tx {
            return Err(StoreError::Database(
                "lock_engine outside a transaction (the lock would end at once)".to_owned(),
            ));
        }
        match scope {
            EngineScope::Tenants => {}
            EngineScope::TenantsAndGlobal => {
                self.lock_global()?;
            }
            EngineScope::All => self.lock_everything()?,
        }
        self.engine.checked = true;
        // The tenants another receiver wrote since this connection saw
        // them (the version before this transaction's bump is not the
        // one seen), with the version seen.
        let (tenants, since): (Vec<String>, Vec<i64>) = self
            .engine
            .partitions
            .iter()
            .filter_map(|(t, v)| {
                let seen = self.engine.seen.get(t).copied().unwrap_or(0);
                (v.saturating_sub(1) != seen).then(|| (t.clone(), seen))
            })
            .unzip();
        let global_since = match self.engine.global {
            Some(v) if v.saturating_sub(1) != self.engine.seen_global => {
                Some(self.engine.seen_global)
            }
            _ => None,
        };
        if tenants.is_empty() && global_since.is_none() {
            return Ok(EngineChanges::default());
        }
        // A statement of its own, after the locks: under READ COMMITTED it
        // sees everything committed before they were granted.
        let check_global = global_since.is_some();
        let global_since = global_since.unwrap_or(i64::MAX);
        let rows = self.query_native(
            // Per tenant, an index range: a `LATERAL` subquery fenced with
            // `OFFSET 0`, so the planner cannot flatten it into a hash join
            // over a scan of every key row (16 ms at 10,000 keys, a cost
            // that grew with all keys held rather than with the rows read).
            "SELECT 0, k.state_json FROM unnest($1::TEXT[], $2::BIGINT[]) AS s(t, v) CROSS JOIN \
             LATERAL (SELECT state_json FROM incident_keys WHERE tenant_id = s.t AND version > \
             s.v OFFSET 0) AS k UNION ALL SELECT 2, a.state_json FROM unnest($1::TEXT[], \
             $2::BIGINT[]) AS s(t, v) CROSS JOIN LATERAL (SELECT state_json FROM alert_key_state \
             WHERE tenant_id = s.t AND version > s.v OFFSET 0) AS a UNION ALL SELECT 1, \
             state_json FROM alert_state WHERE $4 AND id = 1 AND version > $3 UNION ALL SELECT \
             3, state_json FROM job_state WHERE $4 AND version > $3",
            &[&tenants, &since, &global_since, &check_global],
        )?;
        let mut changes = EngineChanges::default();
        for row in rows {
            let kind: i64 = row.get(0)?;
            let json: String = row.get(1)?;
            match kind {
                1 => changes.alert_state = Some(serde_json::from_str(&json).map_err(corrupt)?),
                3 => changes.jobs.push(
                    serde_json::from_str(&json)
                        .map_err(|e| StoreError::Corrupt(format!("job row: {e}")))?,
                ),
                2 => changes.alert_keys.push(
                    serde_json::from_str(&json)
                        .map_err(|e| StoreError::Corrupt(format!("alert key row: {e}")))?,
                ),
                _ => changes.keys.push(
                    serde_json::from_str::<KeySnapshot>(&json)
                        .map_err(|e| StoreError::Corrupt(format!("incident key row: {e}")))?,
                ),
            }
        }
        Ok(changes)
    }
}
