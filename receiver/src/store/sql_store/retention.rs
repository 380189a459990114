//! Retention's deletes, written once for both engines (indexes of
//! migration 11). Each call deletes one bounded batch, oldest first, so the
//! writer can interleave a backlog with groups instead of holding the
//! store for minutes.

use erpops_core::Timestamp;

use super::Backend;
use crate::store::db::{args, to_db};
use crate::store::{Prunable, StoreResult};

/// Deletes at most `limit` rows of `kind` that expired before `cutoff`.
pub(super) fn prune_expired<B: Backend>(
    db: &mut B,
    kind: Prunable,
    cutoff: Timestamp,
    limit: usize,
) -> StoreResult<usize> {
    let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
    let cutoff = to_db(cutoff);
    let deleted = match kind {
        // The oldest first, found through `events_received`: the batch is
        // every row up to the received time of the `limit`-th oldest (ties
        // included, so a batch is never empty while rows are expired; a
        // tie is at most one group's events). Two index range reads of about
        // `limit` entries each, as long as the statement has one upper
        // bound: with `IN (SELECT … LIMIT)`, or a second bound beside it,
        // SQLite walked every expired entry per batch (40–130 ms at
        // 500,000 expired rows, against 2–6 ms).
        Prunable::Events => db.execute(
            "DELETE FROM events WHERE received_at <= COALESCE((SELECT received_at FROM events \
             WHERE received_at < ?1 ORDER BY received_at LIMIT 1 OFFSET ?2), ?1 - 1)",
            args![cutoff, limit - 1],
        )?,
        Prunable::ReplayKeys => db.prune_replay_keys(cutoff, limit)?,
        // Only finished ones (`notifications_done` holds only those): a
        // pending notification is still owed to someone. Batched as events.
        Prunable::Notifications => db.execute(
            "DELETE FROM notifications WHERE state <> 'pending' AND created_at <= \
             COALESCE((SELECT created_at FROM notifications WHERE state <> 'pending' AND \
             created_at < ?1 ORDER BY created_at LIMIT 1 OFFSET ?2), ?1 - 1)",
            args![cutoff, limit - 1],
        )?,
        // Past their own expiry (24 h after the answer), oldest first,
        // batched as events (index `idempotency_expires`).
        Prunable::IdempotencyKeys => db.execute(
            "DELETE FROM idempotency_keys WHERE expires_at <= COALESCE((SELECT expires_at FROM \
             idempotency_keys WHERE expires_at < ?1 ORDER BY expires_at LIMIT 1 OFFSET ?2), ?1 \
             - 1)",
            args![cutoff, limit - 1],
        )?,
        // Batched as events (index `audit_log_at`).
        Prunable::Audit => db.execute(
            "DELETE FROM audit_log WHERE at <= COALESCE((SELECT at FROM audit_log WHERE at < ?1 \
             ORDER BY at LIMIT 1 OFFSET ?2), ?1 - 1)",
            args![cutoff, limit - 1],
        )?,
        Prunable::Incidents => {
            // The ids first, then their history and the rows by id, so the
            // two deletes agree on the batch even if another receiver
            // prunes at the same time.
            let ids: Vec<String> = db
                .query(
                    "SELECT id FROM incidents WHERE status = 'resolved' AND updated_at < ?1 \
                     ORDER BY updated_at LIMIT ?2",
                    args![cutoff, limit],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect::<StoreResult<_>>()?;
            let rows: Vec<Vec<_>> = ids.iter().map(|id| args![id].to_vec()).collect();
            db.execute_each("DELETE FROM incident_effects WHERE incident_id = ?1", &rows)?;
            db.execute_each(
                "DELETE FROM incidents WHERE id = ?1 AND status = 'resolved'",
                &rows,
            )?
            .iter()
            .sum()
        }
    };
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}
