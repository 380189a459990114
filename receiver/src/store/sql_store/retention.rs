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
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let cutoff = to_db(cutoff);
    let deleted = match kind {
        // Oldest accepted first (`events_received`); the signed bytes are
        // in the same row and go with it.
        Prunable::Events => db.execute(
            "DELETE FROM events WHERE received_at < ?1 AND event_id IN (SELECT event_id FROM \
             events WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)",
            args![cutoff, limit],
        )?,
        Prunable::ReplayKeys => db.prune_replay_keys(cutoff, limit)?,
        // Only finished ones (`notifications_done` holds only those): a
        // pending notification is still owed to someone.
        Prunable::Notifications => db.execute(
            "DELETE FROM notifications WHERE state <> 'pending' AND id IN (SELECT id FROM \
             notifications WHERE state <> 'pending' AND created_at < ?1 ORDER BY created_at \
             LIMIT ?2)",
            args![cutoff, limit],
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
