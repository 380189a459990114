//! Heartbeat operations of the engine: setting, pausing and removing
//! expectations, signs of life, and missed deadlines.

use uuid::Uuid;

use super::effect::AlertEffect;
use super::engine::AlertEngine;
use super::error::AlertError;
use super::heartbeat::{
    missed_event, ok_event, synthetic_event_id, Heartbeat, HeartbeatKey, HeartbeatState,
};
use super::state::Timer;
use crate::time::Timestamp;

impl AlertEngine {
    /// Sets the expectation for (connector, source), or changes it. A new
    /// heartbeat starts counting at `now` (so a job that never runs at all
    /// is noticed); a changed one keeps its last sign of life and open
    /// missed-run incident and recomputes its deadline.
    pub fn set_heartbeat(
        &mut self,
        heartbeat: Heartbeat,
        now: Timestamp,
    ) -> Result<(), AlertError> {
        heartbeat.validate()?;
        let key = heartbeat.key();
        let state = self
            .heartbeats
            .entry(key.clone())
            .or_insert_with(|| HeartbeatState {
                heartbeat: heartbeat.clone(),
                last_seen: now,
                deadline: None,
                missed_incident: None,
                missed_count: 0,
            });
        if state.heartbeat.paused && !heartbeat.paused {
            // Resumed by a full update: time spent paused is no missed run.
            state.last_seen = state.last_seen.max(now);
        }
        state.heartbeat = heartbeat;
        Self::arm(&mut self.timers, &key, state);
        self.changes.global = true;
        Ok(())
    }

    /// Pauses (no deadline) or resumes a heartbeat. Resuming counts from
    /// `now` at the earliest, so time spent paused is never a missed run.
    pub fn set_heartbeat_paused(
        &mut self,
        connector_id: Uuid,
        source: &str,
        paused: bool,
        now: Timestamp,
    ) -> Result<(), AlertError> {
        let key = HeartbeatKey {
            connector_id,
            source: source.to_owned(),
        };
        let state = self
            .heartbeats
            .get_mut(&key)
            .ok_or(AlertError::UnknownHeartbeat)?;
        if state.heartbeat.paused && !paused {
            state.last_seen = state.last_seen.max(now);
        }
        state.heartbeat.paused = paused;
        Self::arm(&mut self.timers, &key, state);
        self.changes.global = true;
        Ok(())
    }

    /// Removes a heartbeat; its open missed-run incident stays in the model
    /// (resolve it by command).
    pub fn remove_heartbeat(&mut self, connector_id: Uuid, source: &str) -> Option<Heartbeat> {
        let key = HeartbeatKey {
            connector_id,
            source: source.to_owned(),
        };
        self.timers.cancel(&Timer::Heartbeat(key.clone()));
        let removed = self.heartbeats.remove(&key).map(|s| s.heartbeat);
        self.changes.global |= removed.is_some();
        removed
    }

    /// The heartbeats and their state, in (connector, source) order.
    pub fn heartbeats(&self) -> impl Iterator<Item = &HeartbeatState> {
        self.heartbeats.values()
    }

    /// Sets the deadline and timer of a heartbeat from its state.
    pub(super) fn arm(
        timers: &mut crate::incident::DeadlineQueue<Timer>,
        key: &HeartbeatKey,
        state: &mut HeartbeatState,
    ) {
        let timer = Timer::Heartbeat(key.clone());
        if state.heartbeat.paused {
            state.deadline = None;
            timers.cancel(&timer);
        } else {
            let at = state.heartbeat.deadline_after(state.last_seen);
            state.deadline = Some(at);
            timers.schedule(timer, at);
        }
    }

    /// A sign of life from a watched source at `now`.
    pub(super) fn sign_of_life(
        &mut self,
        key: &HeartbeatKey,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.heartbeats.get_mut(key) else {
            return;
        };
        self.changes.global = true;
        state.last_seen = state.last_seen.max(now);
        state.missed_count = 0;
        Self::arm(&mut self.timers, key, state);
        let Some(id) = state.missed_incident.take() else {
            return;
        };
        let heartbeat = state.heartbeat.clone();
        let Some(inc) = self.model.get(&id).filter(|i| i.is_active()) else {
            return;
        };
        // Not older than the missed problem, so the model resolves it even
        // if the caller's clock stepped back.
        let at = now.max(inc.last_problem_at);
        let event = ok_event(&heartbeat, at);
        let event_id = synthetic_event_id("ok", key, at);
        let effects = self.model.ingest(&event, &event_id, now);
        self.process(
            effects,
            Some(super::rule::TransitionKind::MissedRun),
            now,
            out,
        );
    }

    /// A heartbeat deadline `at` passed (tick at `now >= at`).
    pub(super) fn heartbeat_due(
        &mut self,
        key: &HeartbeatKey,
        at: Timestamp,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.heartbeats.get_mut(key) else {
            return;
        };
        if state.heartbeat.paused || state.deadline != Some(at) {
            return;
        }
        self.changes.global = true;
        state.missed_count = state.missed_count.saturating_add(1);
        let event = missed_event(state, at);
        let event_id = synthetic_event_id("missed", key, at);
        // The next miss: the first `at + k·period` after `now`, so a tick
        // that comes late counts one miss, not a burst.
        let period = state.heartbeat.period.as_nanos().max(1);
        let late = now.duration_since(at).map_or(0, |d| d.as_nanos());
        let steps = late / period + 1;
        let ahead = u64::try_from(steps.saturating_mul(period)).unwrap_or(u64::MAX);
        let next = at.saturating_add(std::time::Duration::from_nanos(ahead));
        state.deadline = Some(next);
        self.timers.schedule(Timer::Heartbeat(key.clone()), next);
        let effects = self.model.ingest(&event, &event_id, now);
        if let Some(first) = effects.first() {
            let id = first.incident().id.clone();
            if let Some(state) = self.heartbeats.get_mut(key) {
                state.missed_incident = Some(id);
            }
        }
        self.process(
            effects,
            Some(super::rule::TransitionKind::MissedRun),
            now,
            out,
        );
    }
}
