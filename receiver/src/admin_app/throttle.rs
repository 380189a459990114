//! Sign-in throttling: after [`MAX_FAILURES`] failed sign-ins from one
//! client address within [`WINDOW`], sign-ins from it are answered 429
//! with `Retry-After` until the oldest of those failures is older than the
//! window.
//!
//! Kept in memory, per process: each receiver counts its own failures (a
//! guesser spread over N receivers gets N × 5 tries per window; a key has
//! 256 random bits, so this slows a guesser down rather than being what
//! stops one). IPv6 addresses count per /64, as one client usually holds
//! a whole /64.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

/// Failed sign-ins allowed per address within the window.
pub const MAX_FAILURES: usize = 5;
/// The window, in seconds.
pub const WINDOW: i64 = 15 * 60;
/// Addresses tracked at most (a flood of addresses cannot grow memory
/// without bound; the oldest are dropped first).
const MAX_ADDRESSES: usize = 10_000;
const NANOS: i64 = 1_000_000_000;

/// Failure times (Unix ns) per client address.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, VecDeque<i64>>>,
}

/// The address a throttle counts: IPv6 cut to its /64.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::from([a, b, c, d, 0, 0, 0, 0])
        }
    }
}

impl Throttle {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<IpAddr, VecDeque<i64>>) -> T) -> T {
        let mut guard = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Seconds to wait before `ip` may try again, or `None` when it may
    /// try now.
    pub fn retry_after(&self, ip: IpAddr, now: i64) -> Option<u64> {
        let cutoff = now - WINDOW * NANOS;
        self.with(|map| {
            let times = map.get_mut(&bucket(ip))?;
            while times.front().is_some_and(|t| *t <= cutoff) {
                times.pop_front();
            }
            if times.len() < MAX_FAILURES {
                return None;
            }
            let oldest = *times.front()?;
            let wait = (oldest - cutoff + NANOS - 1) / NANOS;
            Some(u64::try_from(wait.max(1)).unwrap_or(1))
        })
    }

    /// Records a failed sign-in from `ip` at `now`.
    pub fn failed(&self, ip: IpAddr, now: i64) {
        let cutoff = now - WINDOW * NANOS;
        self.with(|map| {
            if map.len() >= MAX_ADDRESSES && !map.contains_key(&bucket(ip)) {
                map.retain(|_, times| times.back().is_some_and(|t| *t > cutoff));
                if map.len() >= MAX_ADDRESSES {
                    let oldest = map
                        .iter()
                        .min_by_key(|(_, times)| times.back().copied().unwrap_or(i64::MIN))
                        .map(|(ip, _)| *ip);
                    if let Some(oldest) = oldest {
                        map.remove(&oldest);
                    }
                }
            }
            let times = map.entry(bucket(ip)).or_default();
            times.push_back(now);
            while times.len() > MAX_FAILURES {
                times.pop_front();
            }
        });
    }

    /// A successful sign-in from `ip` clears its failures.
    pub fn succeeded(&self, ip: IpAddr) {
        self.with(|map| map.remove(&bucket(ip)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_then_wait_out_the_window() {
        let t = Throttle::default();
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        for i in 0..5 {
            assert_eq!(t.retry_after(ip, i * NANOS), None);
            t.failed(ip, i * NANOS);
        }
        assert_eq!(t.retry_after(ip, 5 * NANOS), Some(895));
        assert_eq!(t.retry_after(other, 5 * NANOS), None);
        assert_eq!(t.retry_after(ip, 901 * NANOS), None);
        t.succeeded(ip);
        assert_eq!(t.retry_after(ip, 6 * NANOS), None);
        let a: IpAddr = "2001:db8::1".parse().unwrap_or(ip);
        let b: IpAddr = "2001:db8::2".parse().unwrap_or(ip);
        for i in 0..5 {
            t.failed(a, i);
        }
        assert!(t.retry_after(b, 10).is_some());
    }
}
