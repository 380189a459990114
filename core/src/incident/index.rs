//! The keys the incident model holds, and what it remembers about each.
//!
//! A hash map, so finding the state of an event's key is one probe whatever
//! the number of keys (an ordered map pays a cache miss per tree level once
//! the state outgrows the caches), looked up by the event's borrowed strings
//! ([`EventKey`]) so an event of a known key copies nothing. Hash order is
//! never shown: every listing and snapshot goes through [`Keys::sorted`], in
//! key order, and the timers that act on keys are ordered queues. The
//! hasher is std's `RandomState` (seeded per process, so senders cannot
//! choose keys that collide); its seed changes only the table's layout,
//! never an output.

use core::fmt;
use std::hash::RandomState;

use hashbrown::hash_map::RawEntryMut;

use super::key::{CorrelationKey, EventKey};
use super::model::KeyState;

/// Correlation key → state.
#[derive(Clone, Default)]
pub(crate) struct Keys {
    map: hashbrown::HashMap<CorrelationKey, KeyState, RandomState>,
}

impl Keys {
    /// The state of `key`, if held.
    pub(crate) fn get(&self, key: &CorrelationKey) -> Option<&KeyState> {
        self.map.get(key)
    }

    /// The state of `key`, if held, for a change.
    pub(crate) fn get_mut(&mut self, key: &CorrelationKey) -> Option<&mut KeyState> {
        self.map.get_mut(key)
    }

    /// The stored key and state of an event's key, if held.
    pub(crate) fn find(&mut self, key: &EventKey<'_>) -> Option<(&CorrelationKey, &mut KeyState)> {
        self.map.get_key_value_mut(key)
    }

    /// The stored key and state of an event's key, stored (empty) first when
    /// new: one probe either way, and the only case that copies the key's
    /// strings.
    pub(crate) fn find_or_insert(
        &mut self,
        key: &EventKey<'_>,
    ) -> (&CorrelationKey, &mut KeyState) {
        match self.map.raw_entry_mut().from_key(key) {
            RawEntryMut::Occupied(held) => {
                let (key, state) = held.into_key_value();
                (key, state)
            }
            RawEntryMut::Vacant(new) => {
                let (key, state) = new.insert(key.to_key(), KeyState::default());
                (key, state)
            }
        }
    }

    /// Whether `key` is held.
    pub(crate) fn contains(&self, key: &CorrelationKey) -> bool {
        self.map.contains_key(key)
    }

    /// Stores `state` under `key`.
    pub(crate) fn insert(&mut self, key: CorrelationKey, state: KeyState) {
        self.map.insert(key, state);
    }

    /// Forgets `key`, returning its state.
    pub(crate) fn remove(&mut self, key: &CorrelationKey) -> Option<KeyState> {
        self.map.remove(key)
    }

    /// Number of keys held.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Every key and state, in key order: for anything shown or persisted.
    pub(crate) fn sorted(&self) -> Vec<(&CorrelationKey, &KeyState)> {
        let mut all: Vec<_> = self.map.iter().collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        all
    }
}

/// In key order, like every other view of the model.
impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.sorted()).finish()
    }
}
