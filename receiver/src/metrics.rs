//! `GET /metrics` in the Prometheus text format: requests by status,
//! accepted events, quota denials, open incidents and group-commit latency.
//! Plain atomics: recording costs a few relaxed increments per request.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::health::WriteHealth;
use crate::store::{Prunable, StoreSize};

/// Statuses counted individually; anything else counts as `other`.
const STATUSES: [u16; 16] = [
    200, 202, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500, 503, 0,
];

/// Upper bounds (seconds) of the commit-latency histogram buckets.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0];

/// Which slots a connection holds (issue #22, slow senders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionPool {
    /// One of the `max_connections`.
    General,
    /// One of the `reserved_connections` kept for `/healthz` and `/metrics`.
    Reserve,
}

/// Which deadline closed a connection that sent no complete request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadDeadline {
    /// The header timeout (10 s by default), slots or not.
    Normal,
    /// The busy header timeout (1 s by default), while more than 75% of the
    /// general slots were in use.
    Busy,
    /// A reserved connection's deadline (the busy header timeout, always).
    Reserve,
}

/// The receiver's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    by_status: [AtomicU64; STATUSES.len()],
    accepted: AtomicU64,
    quota_denied: AtomicU64,
    open_incidents: AtomicU64,
    commit_buckets: [AtomicU64; BUCKETS.len()],
    commit_count: AtomicU64,
    commit_micros: AtomicU64,
    group_requests: AtomicU64,
    record_reads: AtomicU64,
    record_pool_busy: AtomicU64,
    /// Rows deleted by retention, by [`Prunable::ALL`] position.
    pruned: [AtomicU64; Prunable::ALL.len()],
    store_bytes: AtomicU64,
    store_free_bytes: AtomicU64,
    /// Connections open, by [`ConnectionPool`].
    connections_open: [AtomicU64; 2],
    /// Connections ever given a reserved slot.
    connections_reserved: AtomicU64,
    /// Connections answered 503 and closed at once: their client address
    /// already held `max_connections_per_ip`.
    connections_refused_per_address: AtomicU64,
    /// Connections closed because no request head arrived in time, by
    /// [`HeadDeadline`].
    connections_shed: [AtomicU64; 3],
    /// Write failures and whether the latest write failed (`/healthz`).
    pub health: WriteHealth,
}

impl Metrics {
    /// Counts one HTTP response.
    pub fn response(&self, status: u16) {
        let i = STATUSES
            .iter()
            .position(|&s| s == status)
            .unwrap_or(STATUSES.len() - 1);
        if let Some(c) = self.by_status.get(i) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        match status {
            202 => {
                self.accepted.fetch_add(1, Ordering::Relaxed);
            }
            429 => {
                self.quota_denied.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    /// Records one group commit of `requests` requests that took `elapsed`.
    pub fn commit(&self, elapsed: Duration, requests: usize) {
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.commit_buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.commit_count.fetch_add(1, Ordering::Relaxed);
        self.commit_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.group_requests
            .fetch_add(u64::try_from(requests).unwrap_or(0), Ordering::Relaxed);
    }

    /// Counts one read of connector and tenant records (a cache miss or a
    /// refusal's re-check) on the record readers' pool.
    pub fn record_read(&self) {
        self.record_reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one request answered 503 because every record-reader
    /// connection stayed in use for the whole wait.
    pub fn record_pool_busy(&self) {
        self.record_pool_busy.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `rows` of `kind` deleted by retention.
    pub fn pruned(&self, kind: Prunable, rows: usize) {
        if let Some(c) = Prunable::ALL
            .iter()
            .position(|k| *k == kind)
            .and_then(|i| self.pruned.get(i))
        {
            c.fetch_add(u64::try_from(rows).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
    }

    /// Sets the store's latest measured size.
    pub fn set_store_size(&self, size: StoreSize) {
        self.store_bytes.store(size.bytes, Ordering::Relaxed);
        self.store_free_bytes
            .store(size.free_bytes, Ordering::Relaxed);
    }

    /// A connection took a slot of `pool`.
    pub fn connection_opened(&self, pool: ConnectionPool) {
        if let Some(c) = self.connections_open.get(pool as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        if pool == ConnectionPool::Reserve {
            self.connections_reserved.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A connection gave its slot of `pool` back.
    pub fn connection_closed(&self, pool: ConnectionPool) {
        if let Some(c) = self.connections_open.get(pool as usize) {
            let _ = c.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
    }

    /// A connection was refused because its address held the most allowed.
    pub fn connection_refused_per_address(&self) {
        self.connections_refused_per_address
            .fetch_add(1, Ordering::Relaxed);
    }

    /// A connection was closed because its request head did not arrive
    /// within `deadline`.
    pub fn connection_shed(&self, deadline: HeadDeadline) {
        if let Some(c) = self.connections_shed.get(deadline as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sets the number of incidents not resolved.
    pub fn set_open_incidents(&self, n: usize) {
        self.open_incidents
            .store(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The Prometheus exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push_str("# HELP erpops_http_responses_total HTTP responses by status.\n");
        out.push_str("# TYPE erpops_http_responses_total counter\n");
        for (status, c) in STATUSES.iter().zip(&self.by_status) {
            let label = if *status == 0 {
                "other".to_owned()
            } else {
                status.to_string()
            };
            let _ = writeln!(
                out,
                "erpops_http_responses_total{{status=\"{label}\"}} {}",
                get(c)
            );
        }
        let _ = writeln!(
            out,
            "# HELP erpops_events_accepted_total Events acknowledged with 202.\n# TYPE erpops_events_accepted_total counter\nerpops_events_accepted_total {}",
            get(&self.accepted)
        );
        let _ = writeln!(
            out,
            "# HELP erpops_quota_denied_total Requests refused with 429.\n# TYPE erpops_quota_denied_total counter\nerpops_quota_denied_total {}",
            get(&self.quota_denied)
        );
        let _ = writeln!(
            out,
            "# HELP erpops_open_incidents Incidents open or acknowledged.\n# TYPE erpops_open_incidents gauge\nerpops_open_incidents {}",
            get(&self.open_incidents)
        );
        out.push_str(
            "# HELP erpops_commit_seconds Time from a group's first decision until it is durable and answered (settle + write + commit + fsync).\n",
        );
        out.push_str("# TYPE erpops_commit_seconds histogram\n");
        for (bound, c) in BUCKETS.iter().zip(&self.commit_buckets) {
            let _ = writeln!(
                out,
                "erpops_commit_seconds_bucket{{le=\"{bound}\"}} {}",
                get(c)
            );
        }
        let count = get(&self.commit_count);
        let _ = writeln!(out, "erpops_commit_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "erpops_commit_seconds_sum {}",
            Duration::from_micros(get(&self.commit_micros)).as_secs_f64()
        );
        let _ = writeln!(out, "erpops_commit_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP erpops_commit_requests_total Requests decided in group commits.\n# TYPE erpops_commit_requests_total counter\nerpops_commit_requests_total {}",
            get(&self.group_requests)
        );
        let _ = writeln!(
            out,
            "# HELP erpops_record_reads_total Connector and tenant record reads (cache misses and refusals' re-checks).\n# TYPE erpops_record_reads_total counter\nerpops_record_reads_total {}",
            get(&self.record_reads)
        );
        let _ = writeln!(
            out,
            "# HELP erpops_record_pool_busy_total Requests answered 503 because every record-reader connection stayed in use.\n# TYPE erpops_record_pool_busy_total counter\nerpops_record_pool_busy_total {}",
            get(&self.record_pool_busy)
        );
        out.push_str(
            "# HELP erpops_pruned_rows_total Rows deleted by retention (settings [retention]), by kind.\n# TYPE erpops_pruned_rows_total counter\n",
        );
        for (kind, c) in Prunable::ALL.iter().zip(&self.pruned) {
            let _ = writeln!(
                out,
                "erpops_pruned_rows_total{{kind=\"{}\"}} {}",
                kind.as_str(),
                get(c)
            );
        }
        let _ = writeln!(
            out,
            "# HELP erpops_store_bytes Size of the store (SQLite: the database file's pages; PostgreSQL: pg_database_size), measured after each retention pass.\n# TYPE erpops_store_bytes gauge\nerpops_store_bytes {}",
            get(&self.store_bytes)
        );
        let _ = writeln!(
            out,
            "# HELP erpops_store_free_bytes Of erpops_store_bytes, free pages kept for reuse (SQLite; 0 on PostgreSQL).\n# TYPE erpops_store_free_bytes gauge\nerpops_store_free_bytes {}",
            get(&self.store_free_bytes)
        );
        out.push_str(
            "# HELP erpops_connections_open Connections open, by the slots they hold (general: max_connections; reserve: reserved_connections, for /healthz and /metrics).\n# TYPE erpops_connections_open gauge\n",
        );
        for (label, pool) in [
            ("general", ConnectionPool::General),
            ("reserve", ConnectionPool::Reserve),
        ] {
            if let Some(c) = self.connections_open.get(pool as usize) {
                let _ = writeln!(
                    out,
                    "erpops_connections_open{{pool=\"{label}\"}} {}",
                    get(c)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP erpops_connections_reserved_total Connections given a reserved slot because every general slot was in use.\n# TYPE erpops_connections_reserved_total counter\nerpops_connections_reserved_total {}",
            get(&self.connections_reserved)
        );
        let _ = writeln!(
            out,
            "# HELP erpops_connections_refused_per_address_total Connections answered 503 and closed at once because their client address held max_connections_per_ip.\n# TYPE erpops_connections_refused_per_address_total counter\nerpops_connections_refused_per_address_total {}",
            get(&self.connections_refused_per_address)
        );
        out.push_str(
            "# HELP erpops_connections_shed_total Connections closed because no complete request head arrived in time, by deadline (normal: header_timeout_secs; busy: busy_header_timeout_ms while slots ran short; reserve: a reserved slot's).\n# TYPE erpops_connections_shed_total counter\n",
        );
        for (label, deadline) in [
            ("normal", HeadDeadline::Normal),
            ("busy", HeadDeadline::Busy),
            ("reserve", HeadDeadline::Reserve),
        ] {
            if let Some(c) = self.connections_shed.get(deadline as usize) {
                let _ = writeln!(
                    out,
                    "erpops_connections_shed_total{{deadline=\"{label}\"}} {}",
                    get(c)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP erpops_store_write_failures_total Group and tick transactions and log syncs that failed (nothing of them was acknowledged).\n# TYPE erpops_store_write_failures_total counter\nerpops_store_write_failures_total {}",
            self.health.failures()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.response(202);
        m.response(202);
        m.response(429);
        m.response(418);
        m.commit(Duration::from_micros(1500), 3);
        m.set_open_incidents(4);
        let text = m.render();
        assert!(
            text.contains("erpops_http_responses_total{status=\"202\"} 2"),
            "{text}"
        );
        assert!(text.contains("erpops_http_responses_total{status=\"other\"} 1"));
        assert!(text.contains("erpops_events_accepted_total 2"));
        assert!(text.contains("erpops_quota_denied_total 1"));
        assert!(text.contains("erpops_open_incidents 4"));
        assert!(text.contains("erpops_commit_seconds_bucket{le=\"0.001\"} 0"));
        assert!(text.contains("erpops_commit_seconds_bucket{le=\"0.002\"} 1"));
        assert!(text.contains("erpops_commit_seconds_count 1"));
        assert!(text.contains("erpops_commit_requests_total 3"));
        assert!(text.contains("erpops_store_write_failures_total 0"));
        assert!(text.contains("erpops_record_reads_total 0"));
        assert!(text.contains("erpops_record_pool_busy_total 0"));
        m.pruned(Prunable::Events, 5);
        m.pruned(Prunable::Events, 2);
        m.set_store_size(StoreSize {
            bytes: 4096,
            free_bytes: 1024,
        });
        let text = m.render();
        assert!(
            text.contains("erpops_pruned_rows_total{kind=\"events\"} 7"),
            "{text}"
        );
        assert!(text.contains("erpops_pruned_rows_total{kind=\"incidents\"} 0"));
        assert!(text.contains("erpops_store_bytes 4096"));
        assert!(text.contains("erpops_store_free_bytes 1024"));
        m.connection_opened(ConnectionPool::General);
        m.connection_opened(ConnectionPool::Reserve);
        m.connection_opened(ConnectionPool::Reserve);
        m.connection_closed(ConnectionPool::Reserve);
        m.connection_refused_per_address();
        m.connection_shed(HeadDeadline::Busy);
        m.connection_shed(HeadDeadline::Busy);
        let text = m.render();
        assert!(
            text.contains("erpops_connections_open{pool=\"general\"} 1"),
            "{text}"
        );
        assert!(text.contains("erpops_connections_open{pool=\"reserve\"} 1"));
        assert!(text.contains("erpops_connections_reserved_total 2"));
        assert!(text.contains("erpops_connections_refused_per_address_total 1"));
        assert!(text.contains("erpops_connections_shed_total{deadline=\"busy\"} 2"));
        assert!(text.contains("erpops_connections_shed_total{deadline=\"normal\"} 0"));
        m.health.failed("x".into(), std::time::Instant::now());
        assert!(m.render().contains("erpops_store_write_failures_total 1"));
    }
}
