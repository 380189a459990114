//! The alert engine: an [`IncidentModel`] plus rules, silences, flapping,
//! heartbeats and their timers, behind one `ingest` / `command` / `tick` /
//! `next_wakeup`.

use std::collections::BTreeMap;
use std::sync::Arc;

use uuid::Uuid;

use super::effect::{AlertEffect, NotifyReason};
use super::error::AlertError;
use super::flapping::{FlapState, FlappingConfig};
use super::heartbeat::{
    missed_event, ok_event, synthetic_event_id, Heartbeat, HeartbeatKey, HeartbeatState,
};
use super::rule::{AlertRule, TransitionKind};
use super::silence::Silence;
use super::state::{Group, HeldBy, SentRecord, Timer};
use crate::event::Event;
use crate::incident::{
    Command, CommandError, Effect, Incident, IncidentConfig, IncidentModel, IncidentStatus,
};
use crate::time::Timestamp;

/// Settings of the engine: the incident model's and flap detection's.
/// Rules, silences and heartbeats are state (set at run time, kept in
/// snapshots); this is configuration the embedder supplies again on
/// restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertConfig {
    /// The incident model's windows and outcome lists.
    pub incident: IncidentConfig,
    /// Flap detection; `None` turns it off.
    pub flapping: Option<FlappingConfig>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self::with_defaults()
    }
}

impl AlertConfig {
    /// The contract's defaults with flap detection on (4 in 1 h).
    pub fn with_defaults() -> Self {
        AlertConfig {
            incident: IncidentConfig::default(),
            flapping: Some(FlappingConfig::default()),
        }
    }
}

/// Where a notification candidate comes from; decides which pipeline
/// stages apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    /// A transition of the incident (all stages).
    Transition,
    /// A flapping notice (no flapping hold, no throttle, no group).
    FlapNotice,
    /// A repeat timer (no throttle, no group).
    Repeat,
    /// A release after a silence or flapping, or a group flush (no group).
    Release,
}

/// The alerting layer (contract §6, issue #6).
///
/// Owns the incident model; every event, command and tick goes through
/// here. Outputs are [`AlertEffect`]s in a deterministic order: for each
/// incident fact, the fact, then any `FlappingStarted`, then one `Notify`
/// or `Suppressed` per matching rule in rule-id order.
#[derive(Debug, Clone)]
pub struct AlertEngine {
    pub(super) config: AlertConfig,
    pub(super) model: IncidentModel,
    pub(super) rules: BTreeMap<String, AlertRule>,
    pub(super) silences: BTreeMap<String, Silence>,
    pub(super) heartbeats: BTreeMap<HeartbeatKey, HeartbeatState>,
    pub(super) flaps: BTreeMap<crate::incident::CorrelationKey, FlapState>,
    /// (rule id, incident id) → last notification sent.
    pub(super) sent: BTreeMap<(String, String), SentRecord>,
    /// (rule id, incident id) → what holds it.
    pub(super) held: BTreeMap<(String, String), HeldBy>,
    /// (rule id, connector) → its pending group.
    pub(super) groups: BTreeMap<(String, Uuid), Group>,
    pub(super) timers: crate::incident::DeadlineQueue<Timer>,
    /// When the next housekeeping sweep may run (at most once per
    /// [`SWEEP_EVERY`] of the caller's time, so a tick stays cheap).
    pub(super) next_sweep: Timestamp,
}

/// How often (caller's time) bookkeeping of incidents the model no longer
/// holds is dropped: an O(entries) pass, amortized over an hour.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

impl Default for AlertEngine {
    fn default() -> Self {
        Self::new(AlertConfig::with_defaults())
    }
}

impl AlertEngine {
    /// An engine with no rules, silences or heartbeats.
    pub fn new(config: AlertConfig) -> Self {
        AlertEngine {
            model: IncidentModel::new(config.incident.clone()),
            config,
            rules: BTreeMap::new(),
            silences: BTreeMap::new(),
            heartbeats: BTreeMap::new(),
            flaps: BTreeMap::new(),
            sent: BTreeMap::new(),
            held: BTreeMap::new(),
            groups: BTreeMap::new(),
            timers: crate::incident::DeadlineQueue::new(),
            next_sweep: Timestamp::UNIX_EPOCH,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    /// The incident model, for reading incidents.
    pub fn model(&self) -> &IncidentModel {
        &self.model
    }

    // ----- rules -------------------------------------------------------

    /// Adds a rule, or replaces the rule with the same id (its throttling
    /// history is kept, so a rule edit does not re-page everyone).
    pub fn set_rule(&mut self, rule: AlertRule) -> Result<(), AlertError> {
        rule.validate()?;
        self.rules.insert(rule.id.clone(), rule);
        Ok(())
    }

    /// Removes a rule with its throttling history, held notifications,
    /// pending group and timers.
    pub fn remove_rule(&mut self, rule_id: &str) -> Option<AlertRule> {
        let rule = self.rules.remove(rule_id)?;
        let sent: Vec<_> = self
            .sent
            .keys()
            .filter(|(r, _)| r == rule_id)
            .cloned()
            .collect();
        for k in sent {
            self.sent.remove(&k);
            self.timers.cancel(&Timer::Repeat(k.0, k.1));
        }
        self.held.retain(|(r, _), _| r != rule_id);
        let groups: Vec<_> = self
            .groups
            .keys()
            .filter(|(r, _)| r == rule_id)
            .cloned()
            .collect();
        for k in groups {
            self.groups.remove(&k);
            self.timers.cancel(&Timer::GroupFlush(k.0, k.1));
        }
        Some(rule)
    }

    /// The rules, in id order.
    pub fn rules(&self) -> impl Iterator<Item = &AlertRule> {
        self.rules.values()
    }

    // ----- silences ----------------------------------------------------

    /// Adds a silence, or replaces the one with the same id (e.g. to
    /// extend it). It takes effect for notifications decided from its
    /// `starts_at` on.
    pub fn set_silence(&mut self, silence: Silence) -> Result<(), AlertError> {
        silence.validate()?;
        self.timers
            .schedule(Timer::SilenceEnd(silence.id.clone()), silence.ends_at);
        self.silences.insert(silence.id.clone(), silence);
        Ok(())
    }

    /// Ends a silence at `now` (deletes it): what it held is released as
    /// when it ends by itself. Unknown ids produce no effects.
    pub fn expire_silence(&mut self, silence_id: &str, now: Timestamp) -> Vec<AlertEffect> {
        let mut out = Vec::new();
        if self.silences.remove(silence_id).is_some() {
            self.timers
                .cancel(&Timer::SilenceEnd(silence_id.to_owned()));
            self.release_silence(silence_id, now, &mut out);
        }
        out
    }

    /// The silences (pending, active or not yet swept), in id order.
    pub fn silences(&self) -> impl Iterator<Item = &Silence> {
        self.silences.values()
    }

    // ----- heartbeats --------------------------------------------------

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
        self.heartbeats.remove(&key).map(|s| s.heartbeat)
    }

    /// The heartbeats and their state, in (connector, source) order.
    pub fn heartbeats(&self) -> impl Iterator<Item = &HeartbeatState> {
        self.heartbeats.values()
    }

    /// Sets the deadline and timer of a heartbeat from its state.
    fn arm(
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

    // ----- operations --------------------------------------------------

    /// Applies one valid event (see [`IncidentModel::ingest`]). An event
    /// from a watched (connector, source) is first a sign of life: it moves
    /// the heartbeat deadline and resolves its missed-run incident.
    pub fn ingest(&mut self, event: &Event, event_id: &str, now: Timestamp) -> Vec<AlertEffect> {
        let mut out = Vec::new();
        if let Some(source) = &event.source {
            let key = HeartbeatKey {
                connector_id: event.connector_id,
                source: source.clone(),
            };
            if self.heartbeats.contains_key(&key) {
                self.sign_of_life(&key, now, &mut out);
            }
        }
        let effects = self.model.ingest(event, event_id, now);
        self.process(effects, false, now, &mut out);
        out
    }

    /// Applies an operator command (see [`IncidentModel::command`]). On
    /// error nothing changes.
    pub fn command(
        &mut self,
        command: &Command,
        now: Timestamp,
    ) -> Result<Vec<AlertEffect>, CommandError> {
        let effects = self.model.command(command, now)?;
        let mut out = Vec::new();
        self.process(effects, false, now, &mut out);
        Ok(out)
    }

    /// Runs every timer due at `now`: the model's acknowledgement expiries
    /// first, then the engine's in (deadline, timer) order — heartbeats,
    /// silence ends, flapping quiet periods, group flushes, repeats. Call it
    /// at [`next_wakeup`](Self::next_wakeup) or later; calling it more often
    /// is harmless.
    pub fn tick(&mut self, now: Timestamp) -> Vec<AlertEffect> {
        let mut out = Vec::new();
        let effects = self.model.tick(now);
        self.process(effects, false, now, &mut out);
        // Handlers only schedule timers after `now`, except a repeat resumed
        // at `now` by a transition above: run rounds until none is due. Two
        // rounds suffice; the bound only guards against instants so close
        // to the end of time that `now + interval` saturates to `now`.
        for _ in 0..4 {
            let due = self.timers.pop_due(now);
            if due.is_empty() {
                break;
            }
            for (at, timer) in due {
                self.run_timer(at, timer, now, &mut out);
            }
        }
        self.sweep(now);
        out
    }

    /// Runs one due timer; each handler checks that its record still
    /// carries this deadline, so a moved or cancelled timer does nothing.
    fn run_timer(
        &mut self,
        at: Timestamp,
        timer: Timer,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        match timer {
            Timer::Heartbeat(key) => self.heartbeat_due(&key, at, now, out),
            Timer::SilenceEnd(id) => {
                if self.silences.get(&id).is_some_and(|s| s.ends_at == at) {
                    self.silences.remove(&id);
                    self.release_silence(&id, now, out);
                }
            }
            Timer::FlapQuiet(key) => self.flap_quiet(&key, at, now, out),
            Timer::GroupFlush(rule_id, connector) => {
                self.flush_group(&rule_id, connector, at, now, out)
            }
            Timer::Repeat(rule_id, incident_id) => {
                self.repeat_due(&rule_id, &incident_id, now, out)
            }
        }
    }

    /// When `tick` is next due: the earliest of the model's and the
    /// engine's timers, or `None`. `tick` at this instant runs it; one
    /// nanosecond earlier it does not.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        match (self.model.next_wakeup(), self.timers.next()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- internals ---------------------------------------------------

    /// Turns incident facts into alert effects: each fact passes through,
    /// feeds flap detection, and notifies the matching rules.
    pub(super) fn process(
        &mut self,
        effects: Vec<Effect>,
        from_heartbeat: bool,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        for effect in effects {
            let kind = match &effect {
                Effect::Opened { .. } if from_heartbeat => Some(TransitionKind::MissedRun),
                Effect::Reopened { .. } if from_heartbeat => Some(TransitionKind::MissedRun),
                Effect::Opened { .. } => Some(TransitionKind::Opened),
                Effect::Reopened { .. } => Some(TransitionKind::Reopened),
                Effect::Escalated { .. } => Some(TransitionKind::Escalated),
                Effect::Resolved { .. } => Some(TransitionKind::Resolved),
                Effect::AckExpired { .. } => Some(TransitionKind::AckExpired),
                _ => None,
            };
            let incident = Arc::clone(effect.incident_arc());
            let transition = effect.is_open_resolve_transition();
            out.push(AlertEffect::Incident(effect));
            if incident.status == IncidentStatus::Open {
                self.resume_repeats(&incident, now);
            } else {
                self.cancel_repeats(&incident.id);
            }
            if transition {
                if let Some(cfg) = self.config.flapping {
                    let state = self.flaps.entry(incident.key.clone()).or_default();
                    let started = state.record(now, &cfg);
                    if let Some(at) = state.quiet_until {
                        self.timers
                            .schedule(Timer::FlapQuiet(incident.key.clone()), at);
                    }
                    if started {
                        out.push(AlertEffect::FlappingStarted {
                            key: incident.key.clone(),
                        });
                        self.notify_rules(
                            &incident,
                            TransitionKind::FlappingStarted,
                            Via::FlapNotice,
                            now,
                            out,
                        );
                    }
                }
            }
            if let Some(kind) = kind {
                self.notify_rules(&incident, kind, Via::Transition, now, out);
            }
        }
    }

    /// An incident that is open again (reopened, ack expired, escalated
    /// out of acknowledged) repeats where it left off: for each rule that
    /// last told its channel "firing", the next repeat is one interval
    /// after that notification, or now if that has passed. A rule that
    /// notifies for this transition moves it on anyway.
    fn resume_repeats(&mut self, incident: &Incident, now: Timestamp) {
        for rule in self.rules.values() {
            let Some(interval) = rule.repeat_interval else {
                continue;
            };
            let k = (rule.id.clone(), incident.id.clone());
            let Some(last) = self.sent.get(&k).filter(|s| s.firing) else {
                continue;
            };
            let timer = Timer::Repeat(k.0, k.1);
            if self.timers.deadline(&timer).is_none() {
                let at = last.at.saturating_add(interval).max(now);
                self.timers.schedule(timer, at);
            }
        }
    }

    fn cancel_repeats(&mut self, incident_id: &str) {
        for rule in self.rules.values() {
            if rule.repeat_interval.is_some() {
                self.timers
                    .cancel(&Timer::Repeat(rule.id.clone(), incident_id.to_owned()));
            }
        }
    }

    /// A sign of life from a watched source at `now`.
    fn sign_of_life(&mut self, key: &HeartbeatKey, now: Timestamp, out: &mut Vec<AlertEffect>) {
        let Some(state) = self.heartbeats.get_mut(key) else {
            return;
        };
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
        self.process(effects, true, now, out);
    }

    /// A heartbeat deadline `at` passed (tick at `now >= at`).
    fn heartbeat_due(
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
        self.process(effects, true, now, out);
    }

    /// A flapping quiet period ended at `at`.
    fn flap_quiet(
        &mut self,
        key: &crate::incident::CorrelationKey,
        at: Timestamp,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        if self.flaps.get(key).and_then(|s| s.quiet_until) != Some(at) {
            return;
        }
        self.flaps.remove(key);
        out.push(AlertEffect::FlappingStopped { key: key.clone() });
        let Some(incident) = self.model.incident_arc_for_key(key).cloned() else {
            return;
        };
        self.notify_rules(
            &incident,
            TransitionKind::FlappingStopped,
            Via::FlapNotice,
            now,
            out,
        );
        // Only the key's current incident can be held for flapping and
        // still be held by the model (older ones were superseded): look up
        // its entry per rule instead of scanning every held notification.
        let held: Vec<_> = self
            .rules
            .keys()
            .map(|rule_id| (rule_id.clone(), incident.id.clone()))
            .filter(|k| self.held.get(k) == Some(&HeldBy::Flapping))
            .collect();
        self.release(held, NotifyReason::FlappingStopped, now, out);
    }

    fn release_silence(&mut self, silence_id: &str, now: Timestamp, out: &mut Vec<AlertEffect>) {
        let held: Vec<_> = self
            .held
            .iter()
            .filter(|(_, by)| matches!(by, HeldBy::Silence { silence_id: s } if s == silence_id))
            .map(|(k, _)| k.clone())
            .collect();
        self.release(held, NotifyReason::SilenceEnded, now, out);
    }

    /// Releases held notifications: each one whose incident is now in a
    /// state the channel was not told (active vs resolved) is notified
    /// again through the pipeline; the others are dropped.
    fn release(
        &mut self,
        held: Vec<(String, String)>,
        reason: NotifyReason,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        for k in held {
            self.held.remove(&k);
            let Some(incident) = self.model.get_arc(&k.1).cloned() else {
                continue;
            };
            if !self
                .rules
                .get(&k.0)
                .is_some_and(|r| r.matchers.matches(&incident))
            {
                continue;
            }
            let told_firing = self.sent.get(&k).is_some_and(|s| s.firing);
            if incident.is_active() != told_firing {
                self.route(&k.0, &incident, reason, Via::Release, now, out);
            }
        }
    }

    fn flush_group(
        &mut self,
        rule_id: &str,
        connector: Uuid,
        at: Timestamp,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let gk = (rule_id.to_owned(), connector);
        if self.groups.get(&gk).map(|g| g.flush_at) != Some(at) {
            return;
        }
        let Some(group) = self.groups.remove(&gk) else {
            return;
        };
        for (incident_id, reason) in group.pending {
            let Some(incident) = self.model.get_arc(&incident_id).cloned() else {
                continue;
            };
            let k = (rule_id.to_owned(), incident_id);
            let told_firing = self.sent.get(&k).is_some_and(|s| s.firing);
            let news = incident.is_active() != told_firing
                || (incident.is_active()
                    && matches!(reason, NotifyReason::Escalated | NotifyReason::AckExpired));
            if news {
                self.route(rule_id, &incident, reason, Via::Release, now, out);
            }
        }
    }

    fn repeat_due(
        &mut self,
        rule_id: &str,
        incident_id: &str,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(interval) = self.rules.get(rule_id).and_then(|r| r.repeat_interval) else {
            return;
        };
        let Some(incident) = self.model.get_arc(incident_id).cloned() else {
            return;
        };
        let k = (rule_id.to_owned(), incident_id.to_owned());
        let due = self
            .sent
            .get(&k)
            .is_some_and(|s| s.firing && s.at.saturating_add(interval) <= now);
        if incident.status != IncidentStatus::Open || !due {
            return;
        }
        if !self
            .rules
            .get(rule_id)
            .is_some_and(|r| r.matchers.matches(&incident))
        {
            return;
        }
        self.route(
            rule_id,
            &incident,
            NotifyReason::RepeatElapsed,
            Via::Repeat,
            now,
            out,
        );
        // Held (silence, flapping): try again one interval later.
        let timer = Timer::Repeat(k.0, k.1);
        if self.timers.deadline(&timer).is_none() {
            self.timers.schedule(timer, now.saturating_add(interval));
        }
    }

    /// Drops bookkeeping of incidents the model no longer holds and flap
    /// histories that left their window (housekeeping; no effects).
    fn sweep(&mut self, now: Timestamp) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now.saturating_add(SWEEP_EVERY);
        let gone: Vec<_> = self
            .sent
            .keys()
            .filter(|(_, inc)| self.model.get(inc).is_none())
            .cloned()
            .collect();
        for k in gone {
            self.sent.remove(&k);
            self.timers.cancel(&Timer::Repeat(k.0, k.1));
        }
        let model = &self.model;
        self.held.retain(|(_, inc), _| model.get(inc).is_some());
        if let Some(cfg) = self.config.flapping {
            self.flaps.retain(|_, s| {
                s.prune(now, &cfg);
                s.is_flapping() || !s.transitions.is_empty()
            });
        }
    }

    /// Whether `incident`'s key is flapping now (for the REST API's
    /// incident view: notifications of a flapping key are held).
    pub fn is_flapping(&self, incident: &Incident) -> bool {
        self.flaps
            .get(&incident.key)
            .is_some_and(FlapState::is_flapping)
    }
}
