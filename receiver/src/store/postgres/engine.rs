//! The alert engine (incident model inside) shared by receivers on one
//! PostgreSQL database.
//!
//! Each receiver's writer keeps the engine in memory, and the database is
//! the truth. Every writer transaction that may change the engine (a group
//! of requests and commands, a tick) first bumps the one row of
//! `engine_version` with `UPDATE … RETURNING`: the row lock it takes until
//! the commit serialises the receivers' engine work, and the returned
//! number is the version this transaction writes its key rows and alert
//! state with. When the version before the bump is not the one this
//! connection last committed (or loaded), another receiver wrote in
//! between: the key rows, the per-key alerting rows (`alert_key_state`)
//! and the engine-wide alert state newer than that are read back (one
//! statement over their version indexes) and the writer puts them into
//! its engine before it settles anything.
//!
//! Why one row and not per-key `FOR UPDATE`: a group also changes state
//! that is not per key (heartbeats and `group_wait` batches: the
//! engine-wide alert state row), a heartbeat's sign of life resolves an
//! incident of another key than the event's, and ticks touch any key.
//! Per-key locks would still need the engine-wide row locked by every
//! group with a sign of life or a `group_wait` batch, and a lock order to
//! get right. The price of one lock: the writers of two receivers never
//! settle at the same time (each group of up to 256 requests holds it from
//! its start to its commit); admission (MAC, parsing, records) still runs
//! on every receiver's cores. `docs/deployment.md` has the figures.
//!
//! Deletions are not versioned: rows are deleted by `prune` once their
//! `forget_at` passed (a key's alerting row with its key row; the writer
//! also drops the alerting row of a key its model no longer holds), which
//! every receiver's model forgets by itself (a
//! receiver reloads at least at every tick, so it holds the row's latest
//! `forget_at` long before that).

use super::{corrupt, PgConn};
use crate::store::db::{args, Conn};
use crate::store::{EngineChanges, StoreError, StoreResult};
use erpops_core::incident::KeySnapshot;

impl PgConn {
    /// Ends the open transaction's bookkeeping; returns the engine version
    /// it held if it also caught up (to record once its commit succeeded).
    pub(super) fn clear_tx(&mut self) -> Option<i64> {
        self.in_tx = false;
        self.locked_events.clear();
        self.locked_quota.clear();
        let pending = self.engine_pending.take();
        std::mem::take(&mut self.engine_checked)
            .then_some(pending)
            .flatten()
    }

    /// The engine's committed version (no lock).
    pub(super) fn engine_version(&mut self) -> StoreResult<i64> {
        self.query_opt("SELECT version FROM engine_version WHERE id = 1", &[])?
            .map_or(Ok(0), |r| r.get(0))
    }

    /// Bumps the version under its row lock (held until the transaction
    /// ends) and returns the new one.
    fn bump_engine_version(&mut self) -> StoreResult<i64> {
        self.query_opt(
            "UPDATE engine_version SET version = version + 1 WHERE id = 1 RETURNING version",
            &[],
        )?
        .map(|r| r.get(0))
        .transpose()?
        .ok_or_else(|| {
            StoreError::Corrupt("the engine_version row is missing (migration 6)".to_owned())
        })
    }

    /// Takes the engine lock in the open transaction (once): bumps the
    /// version and remembers the new one.
    pub(super) fn take_engine_lock(&mut self) -> StoreResult<i64> {
        match self.engine_pending {
            Some(v) => Ok(v),
            None => {
                let v = self.bump_engine_version()?;
                self.engine_pending = Some(v);
                Ok(v)
            }
        }
    }

    /// The version rows written now carry: the engine lock's (taken now if
    /// the caller did not: an admin repair, a test), so every other
    /// receiver reloads the rows.
    pub(super) fn write_version(&mut self) -> StoreResult<i64> {
        self.take_engine_lock()
    }

    /// See [`WriterStore::lock_engine`](crate::store::WriterStore::lock_engine) and the
    /// module docs.
    pub(super) fn lock_shared_engine(&mut self) -> StoreResult<EngineChanges> {
        if !self.in_tx {
            return Err(StoreError::Database(
                "lock_engine outside a transaction (the lock would end at once)".to_owned(),
            ));
        }
        // Usually taken already, first of the group's locks.
        let version = self.take_engine_lock()?;
        if std::mem::replace(&mut self.engine_checked, true) {
            // Already caught up in this transaction.
            return Ok(EngineChanges::default());
        }
        let since = self.engine_seen;
        if version.saturating_sub(1) == since {
            return Ok(EngineChanges::default());
        }
        // A statement of its own, after the lock: under READ COMMITTED it
        // sees everything committed before the lock was granted.
        let rows = self.query(
            "SELECT 0, state_json FROM incident_keys WHERE version > ?1 UNION ALL SELECT 1, \
             state_json FROM alert_state WHERE id = 1 AND version > ?1 UNION ALL SELECT 2, \
             state_json FROM alert_key_state WHERE version > ?1",
            args![since],
        )?;
        let mut changes = EngineChanges::default();
        for row in rows {
            let kind: i64 = row.get(0)?;
            let json: String = row.get(1)?;
            match kind {
                1 => changes.alert_state = Some(serde_json::from_str(&json).map_err(corrupt)?),
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
