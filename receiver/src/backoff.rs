//! Exponential back-off with "equal jitter", the one retry schedule of the
//! receiver's outbound loops: `erpops send` posting an event and the alert
//! deliverer posting a notification.
//!
//! After `failed` failed attempts the delay is the exponential step
//! `initial · 2^(failed−1)`, capped at `max`, of which half is fixed and the
//! other half scaled by a jitter in `[0, 1]`: senders that failed together
//! do not come back together, and none waits less than half a step.

use std::time::Duration;

use crate::clock;

/// A back-off schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The step after the first failed attempt.
    pub initial: Duration,
    /// The longest step.
    pub max: Duration,
}

impl Backoff {
    /// The delay after `failed` failed attempts (≥ 1; 0 counts as 1) with
    /// `jitter` in `[0, 1]` (clamped): in `[step/2, step]`.
    pub fn delay(&self, failed: u32, jitter: f64) -> Duration {
        let exp = failed.saturating_sub(1).min(30);
        let step = self.initial.saturating_mul(1u32 << exp).min(self.max);
        let half = step / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// [`Backoff::delay`] with a jitter from the OS random source (the
    /// middle of the range if it fails: a retry is still scheduled).
    pub fn delay_jittered(&self, failed: u32) -> Duration {
        let jitter = clock::random_bytes::<4>()
            .map(|b| f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX))
            .unwrap_or(0.5);
        self.delay(failed, jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_jitters_within_half() {
        let b = Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(10),
        };
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(1, 1.0), Duration::from_secs(2));
        assert_eq!(b.delay(0, 1.0), Duration::from_secs(2));
        assert_eq!(b.delay(2, 1.0), Duration::from_secs(4));
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay(3, 7.0), Duration::from_secs(8));
        // Capped, also for absurd attempt counts.
        assert_eq!(b.delay(4, 1.0), Duration::from_secs(10));
        assert_eq!(b.delay(u32::MAX, 1.0), Duration::from_secs(10));
        for failed in 1..40 {
            let d = b.delay_jittered(failed);
            let full = b.delay(failed, 1.0);
            assert!(
                d >= full / 2 && d <= full,
                "{failed}: {d:?} outside [{:?}, {full:?}]",
                full / 2
            );
        }
    }
}
