//! Retention on the writer thread ([`crate::retention`]): expired rows are
//! deleted in small batches between groups, each batch its own short
//! transaction.
//!
//! Why here and not on a thread of its own: SQLite has one writer, and a
//! second connection deleting rows would make the writer wait on its lock
//! through SQLite's busy handler, whose sleeps (up to 100 ms each) would
//! show in the p99. On the writer thread a batch simply runs between two
//! groups: at most [`BATCH`] rows of each kind, a few milliseconds. While a
//! backlog remains (a first start on an old database, a shortened
//! retention), a batch runs every [`BACKLOG_PAUSE`]; otherwise once every
//! [`PRUNE_INTERVAL`].

use std::time::Duration;

use erpops_core::Timestamp;

use super::Writer;
use crate::retention::Retention;
use crate::store::{Prunable, StoreResult};

/// Rows of one kind deleted per transaction.
pub const BATCH: usize = 500;
/// Pause between batches while a backlog remains.
pub const BACKLOG_PAUSE: Duration = Duration::from_millis(100);
/// Time between passes once nothing is left to delete.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(60);
/// Most free space given back to the file system per pass.
const RELEASE_PER_PASS: u64 = 8 * 1024 * 1024;

/// The writer's retention schedule.
#[derive(Debug, Clone)]
pub struct Pruning {
    retention: Retention,
    /// When the next batch is due (`None`: at the first chance).
    next: Option<Timestamp>,
}

impl Pruning {
    /// A schedule for `retention`, with a first pass at once.
    pub fn new(retention: Retention) -> Self {
        Pruning {
            retention,
            next: None,
        }
    }

    /// Time until the next batch is due.
    pub fn due_in(&self, now: Timestamp) -> Duration {
        self.next
            .and_then(|at| at.duration_since(now))
            .unwrap_or(Duration::ZERO)
    }
}

impl Writer {
    /// Replaces the retention (default: [`Retention::default`]).
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.pruning = Pruning::new(retention);
        self
    }

    /// Runs one batch when it is due.
    pub(super) fn prune_if_due(&mut self, now: Timestamp) {
        if !self.pruning.due_in(now).is_zero() {
            return;
        }
        let pause = match self.prune_batch(now) {
            Ok(true) => BACKLOG_PAUSE,
            Ok(false) => PRUNE_INTERVAL,
            Err(e) => {
                // Nothing is lost: the rows stay until the next pass. Not a
                // health failure either (no event depends on it); a full
                // disk shows in the groups' own writes.
                tracing::warn!(code = e.code(), error = %e, "retention pass failed; rolled back");
                if let Err(e) = self.store.rollback() {
                    tracing::error!(error = %e, "rollback failed");
                }
                PRUNE_INTERVAL
            }
        };
        self.pruning.next = Some(now.saturating_add(pause));
    }

    /// One transaction deleting at most [`BATCH`] expired rows of each
    /// kind; `true` when some kind had more.
    fn prune_batch(&mut self, now: Timestamp) -> StoreResult<bool> {
        let retention = self.pruning.retention;
        let mut deleted = Vec::new();
        self.store.begin()?;
        for kind in Prunable::ALL {
            if let Some(cutoff) = retention.cutoff(kind, now) {
                deleted.push((kind, self.store.prune_expired(kind, cutoff, BATCH)?));
            }
        }
        let backlog = deleted.iter().any(|(_, n)| *n >= BATCH);
        if !backlog {
            self.store.release_free_space(RELEASE_PER_PASS)?;
        }
        self.store.commit()?;
        for (kind, n) in &deleted {
            self.metrics.pruned(*kind, *n);
            if *n > 0 {
                tracing::debug!(kind = kind.as_str(), rows = n, "retention deleted rows");
            }
        }
        // Measured when the pass is over, not on every backlog batch.
        if !backlog {
            match self.store.size() {
                Ok(size) => self.metrics.set_store_size(size),
                Err(e) => tracing::warn!(error = %e, "cannot measure the store"),
            }
        }
        Ok(backlog)
    }
}
