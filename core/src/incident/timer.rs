//! A deadline queue: the timers behind `tick(now)` and `next_wakeup()`.
//!
//! Kept generic so the alerting layer (heartbeats, flapping quiet periods,
//! group waits, repeats) can hold its timers the same way and merge
//! `next()` values into one wake-up time.

use std::collections::{BTreeMap, BTreeSet};

use crate::time::Timestamp;

/// At most one deadline per key; ordered by (deadline, key) so due timers
/// fire in a deterministic order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineQueue<K: Ord + Clone> {
    by_time: BTreeSet<(Timestamp, K)>,
    by_key: BTreeMap<K, Timestamp>,
}

impl<K: Ord + Clone> Default for DeadlineQueue<K> {
    fn default() -> Self {
        DeadlineQueue {
            by_time: BTreeSet::new(),
            by_key: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone> DeadlineQueue<K> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or moves) the deadline of `key`.
    pub fn schedule(&mut self, key: K, at: Timestamp) {
        if let Some(old) = self.by_key.insert(key.clone(), at) {
            self.by_time.remove(&(old, key.clone()));
        }
        self.by_time.insert((at, key));
    }

    /// Removes the deadline of `key`, if any.
    pub fn cancel(&mut self, key: &K) {
        if let Some(old) = self.by_key.remove(key) {
            self.by_time.remove(&(old, key.clone()));
        }
    }

    /// The deadline of `key`, if any.
    pub fn deadline(&self, key: &K) -> Option<Timestamp> {
        self.by_key.get(key).copied()
    }

    /// The earliest deadline: when `pop_due` will next return something.
    pub fn next(&self) -> Option<Timestamp> {
        self.by_time.first().map(|(at, _)| *at)
    }

    /// Removes and returns every timer with deadline `<= now`, earliest
    /// first (ties by key). A deadline equal to `now` is due.
    pub fn pop_due(&mut self, now: Timestamp) -> Vec<(Timestamp, K)> {
        let mut due = Vec::new();
        while let Some((at, _)) = self.by_time.first() {
            if *at > now {
                break;
            }
            if let Some((at, key)) = self.by_time.pop_first() {
                self.by_key.remove(&key);
                due.push((at, key));
            }
        }
        due
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(s)
    }

    #[test]
    fn due_means_at_or_before_now_and_rescheduling_moves() {
        let mut q = DeadlineQueue::new();
        q.schedule("a", t(10));
        q.schedule("b", t(5));
        q.schedule("a", t(20));
        assert_eq!(q.next(), Some(t(5)));
        assert!(q.pop_due(t(4)).is_empty());
        assert_eq!(q.pop_due(t(5)), vec![(t(5), "b")]);
        assert!(q.pop_due(t(19)).is_empty());
        q.cancel(&"a");
        assert_eq!(q.next(), None);
        assert!(q.is_empty());
    }
}
