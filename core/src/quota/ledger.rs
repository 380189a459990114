//! The embedded store: counter rows in memory, deciding with the pure rule.
//!
//! One process that owns its quota state (the SQLite receiver, a test, an
//! embedding program) keeps a `Ledger`, decides with
//! [`consume`](Ledger::consume) and persists [`snapshot`](Ledger::snapshot)s.
//! Several processes sharing a database use
//! [`shared_store`](super::shared_store) instead; both apply the same rule.

use std::collections::BTreeMap;

use crate::time::Timestamp;

use super::decide::{apply, evaluate, Counter, Decision, Effect, Request};
use super::error::QuotaError;
use super::plan::Metric;
use super::snapshot::{Snapshot, SnapshotRow, SNAPSHOT_VERSION};
use super::window::Window;

/// The key of a counter row: its sort order is the snapshot's row order.
type RowKey = (String, Metric, i64);

/// In-memory quota state: one [`Counter`] per `(tenant, metric,
/// window_start)`, in sorted order so that snapshots are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    rows: BTreeMap<RowKey, Counter>,
}

impl Ledger {
    /// An empty ledger: every tenant starts with nothing used.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Decides `request` and records its effect: admitted cost is added to
    /// the row of the window chosen by `request.now`; a refusal or replay
    /// changes nothing.
    pub fn consume(&mut self, request: &Request<'_>) -> Decision {
        let window = request.window();
        let key: RowKey = (request.tenant.to_owned(), request.metric, window.start);
        let (decision, effect) = evaluate(self.rows.get(&key), request);
        if effect == Effect::Consume {
            let counter = self.rows.entry(key).or_insert_with(|| Counter {
                window_start: window.start,
                ..Counter::default()
            });
            apply(counter, request, window);
        }
        decision
    }

    /// The decision [`consume`](Ledger::consume) would make, without
    /// recording anything: to check a quota before doing expensive work.
    pub fn peek(&self, request: &Request<'_>) -> Decision {
        let window = request.window();
        let key: RowKey = (request.tenant.to_owned(), request.metric, window.start);
        evaluate(self.rows.get(&key), request).0
    }

    /// Units used by `tenant` for `metric` in the window containing `now`
    /// (0 when nothing was admitted yet); for usage reports.
    pub fn used(&self, tenant: &str, metric: Metric, now: Timestamp) -> u64 {
        let window = Window::containing(metric.period(), now);
        self.rows
            .get(&(tenant.to_owned(), metric, window.start))
            .map_or(0, |c| c.used)
    }

    /// Drops every row whose window has ended at `now` (end ≤ floor(now)),
    /// with its idempotency keys; returns how many rows were removed.
    ///
    /// Pruning is garbage collection only, never the reset: a new window has
    /// its own row whether or not the old one was pruned. A request whose
    /// `now` falls in a pruned window would start that window from zero, so
    /// prune with the clock the decisions use.
    pub fn prune(&mut self, now: Timestamp) -> usize {
        let secs = now.unix_seconds();
        let before = self.rows.len();
        self.rows.retain(|(_, metric, start), _| {
            Window::containing(metric.period(), Timestamp::from_unix_seconds(*start)).end > secs
        });
        before - self.rows.len()
    }

    /// Number of counter rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The whole state as a versioned snapshot with rows and keys sorted, so
    /// that equal ledgers give byte-identical JSON.
    pub fn snapshot(&self) -> Snapshot {
        let rows = self
            .rows
            .iter()
            .map(|((tenant, metric, start), counter)| SnapshotRow {
                tenant: tenant.clone(),
                metric: *metric,
                window_start: *start,
                used: counter.used,
                idempotency_keys: counter.idempotency_keys.iter().cloned().collect(),
            })
            .collect();
        Snapshot {
            version: SNAPSHOT_VERSION,
            rows,
        }
    }

    /// Rebuilds a ledger from a snapshot, refusing one that this version
    /// cannot have written (wrong version, unsorted or duplicate rows or
    /// keys, misaligned windows) instead of guessing.
    pub fn restore(snapshot: Snapshot) -> Result<Ledger, QuotaError> {
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(QuotaError::SnapshotVersion {
                found: snapshot.version,
            });
        }
        let mut rows = BTreeMap::new();
        let mut previous: Option<RowKey> = None;
        for (index, row) in snapshot.rows.into_iter().enumerate() {
            let key: RowKey = (row.tenant, row.metric, row.window_start);
            if previous.as_ref().is_some_and(|p| *p >= key) {
                return Err(QuotaError::SnapshotUnsorted { row: index });
            }
            let window = Window::containing(
                row.metric.period(),
                Timestamp::from_unix_seconds(row.window_start),
            );
            if window.start != row.window_start {
                return Err(QuotaError::SnapshotMisaligned { row: index });
            }
            if row
                .idempotency_keys
                .windows(2)
                .any(|w| w.first() >= w.get(1))
            {
                return Err(QuotaError::SnapshotUnsorted { row: index });
            }
            let counter = Counter {
                window_start: row.window_start,
                used: row.used,
                idempotency_keys: row.idempotency_keys.into_iter().collect(),
            };
            previous = Some(key.clone());
            rows.insert(key, counter);
        }
        Ok(Ledger { rows })
    }
}
