//! Whether the store is taking writes, for `GET /healthz` and `/metrics`.
//!
//! A full disk (or a lost database server) leaves the store readable: the
//! ping `/healthz` always made still answers, while every event gets 503.
//! So the writer and the sync thread report each write that failed (a
//! group's or a tick's transaction, a log sync) and each group that made
//! events or commands durable; `/healthz` answers 503 while the latest of
//! those failed. A failure counts for [`FAILURE_HOLD`] only: a load
//! balancer that stops sending to a failing receiver must let it try again,
//! or nothing would ever show that the disk has room again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a write failure, with no success since, keeps `/healthz` at 503.
pub const FAILURE_HOLD: Duration = Duration::from_secs(30);

/// See the module docs. Shared by the writer, the sync thread and the HTTP
/// tasks; a success costs one relaxed load unless a failure is pending.
#[derive(Debug, Default)]
pub struct WriteHealth {
    failures: AtomicU64,
    /// Whether `last_failure` is set (checked without the lock).
    failing: AtomicBool,
    last_failure: Mutex<Option<(Instant, String)>>,
}

impl WriteHealth {
    /// A write failed at `at`: `reason` is what `/healthz` (which answers
    /// without a key) says, so an error code, not the database's message.
    pub fn failed(&self, reason: String, at: Instant) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_failure.lock() {
            *last = Some((at, reason));
            self.failing.store(true, Ordering::Release);
        }
    }

    /// A group made something durable: the store takes writes again.
    pub fn succeeded(&self) {
        if self.failing.load(Ordering::Acquire) {
            if let Ok(mut last) = self.last_failure.lock() {
                *last = None;
                self.failing.store(false, Ordering::Release);
            }
        }
    }

    /// The reason to answer 503 at `now`: the latest write failed, less
    /// than [`FAILURE_HOLD`] ago.
    pub fn failure(&self, now: Instant) -> Option<String> {
        if !self.failing.load(Ordering::Acquire) {
            return None;
        }
        let last = self.last_failure.lock().ok()?;
        last.as_ref()
            .filter(|(at, _)| now.saturating_duration_since(*at) < FAILURE_HOLD)
            .map(|(_, reason)| reason.clone())
    }

    /// Write failures since the start (`erpops_store_write_failures_total`).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_holds_until_a_success_or_for_the_hold() {
        let h = WriteHealth::default();
        let t = Instant::now();
        assert_eq!(h.failure(t), None);
        h.failed("store_error".into(), t);
        assert_eq!(
            h.failure(t + Duration::from_secs(1)).as_deref(),
            Some("store_error")
        );
        // Past the hold it no longer counts (a balancer may send again).
        assert_eq!(h.failure(t + FAILURE_HOLD), None);
        h.failed("again".into(), t);
        h.succeeded();
        assert_eq!(h.failure(t), None);
        assert_eq!(h.failures(), 2);
    }
}
