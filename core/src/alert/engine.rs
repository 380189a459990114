//! The alert engine: an [`IncidentModel`] plus rules, silences, flapping,
//! heartbeats and their timers, behind one `ingest` / `command` / `tick` /
//! `next_wakeup`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use uuid::Uuid;

use super::effect::AlertEffect;
use super::error::AlertError;
use super::flapping::{FlapState, FlappingConfig};
use super::heartbeat::{HeartbeatKey, HeartbeatState};
use super::job::{JobKey, JobState};
use super::rule::{AlertRule, TransitionKind};
use super::silence::Silence;
use super::state::{Group, HeldBy, SentRecord, Timer};
use super::window::MaintenanceWindow;
use crate::event::Event;
use crate::incident::{
    Command, CommandError, CorrelationKey, Effect, Incident, IncidentConfig, IncidentModel,
    IncidentStatus,
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

/// What changed in the engine's own state since the embedder last took
/// the changes ([`AlertEngine::take_changes`]): an embedder that persists
/// the state per correlation key ([`AlertEngine::key_alert_snapshot`]) and
/// engine-wide ([`AlertEngine::snapshot_global`]) writes only these, so the
/// work per commit follows what changed, not every key ever seen.
///
/// The incident model's own changes are not in it: they are the incident
/// effects (and the model forgets quiet keys by itself, see
/// [`KeyState::forget_at`](crate::incident::KeyState::forget_at)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertChanges {
    /// Keys whose alerting state changed: flapping, or the throttling
    /// record, repeat deadline or hold of a notification about the key's
    /// incident.
    pub keys: BTreeSet<CorrelationKey>,
    /// Whether the engine-wide state changed: rules, silences, heartbeats
    /// (a sign of life moves one), maintenance windows, `group_wait`
    /// batches, the housekeeping time.
    pub global: bool,
    /// Jobs whose state changed (set, removed, a signal, a timer): each
    /// is one row ([`AlertEngine::job`]; `None` when it was removed), so a
    /// run signal rewrites its job, not every job.
    pub jobs: BTreeSet<JobKey>,
}

impl AlertChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && !self.global && self.jobs.is_empty()
    }

    /// Notes a change of a job's state.
    pub(super) fn job(&mut self, key: &JobKey) {
        if !self.jobs.contains(key) {
            self.jobs.insert(key.clone());
        }
    }

    /// Notes a change of `key`'s state (copies the key only the first
    /// time).
    pub(super) fn key(&mut self, key: &CorrelationKey) {
        if !self.keys.contains(key) {
            self.keys.insert(key.clone());
        }
    }
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
    pub(super) jobs: BTreeMap<JobKey, JobState>,
    pub(super) windows: BTreeMap<String, MaintenanceWindow>,
    /// For each (connector, source) some job depends on: its active
    /// incidents by key (derived from the model, never stored).
    pub(super) job_active: BTreeMap<JobKey, BTreeMap<CorrelationKey, String>>,
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
    /// What changed since the embedder last took it.
    pub(super) changes: AlertChanges,
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
            jobs: BTreeMap::new(),
            windows: BTreeMap::new(),
            job_active: BTreeMap::new(),
            flaps: BTreeMap::new(),
            sent: BTreeMap::new(),
            held: BTreeMap::new(),
            groups: BTreeMap::new(),
            timers: crate::incident::DeadlineQueue::new(),
            next_sweep: Timestamp::UNIX_EPOCH,
            changes: AlertChanges::default(),
        }
    }

    /// What changed in the engine's own state since the last call (or
    /// since it was made or restored), and starts over: the keys whose
    /// [`key_alert_snapshot`](Self::key_alert_snapshot) an embedder must
    /// write again, and whether the [`snapshot_global`](Self::snapshot_global)
    /// changed.
    pub fn take_changes(&mut self) -> AlertChanges {
        std::mem::take(&mut self.changes)
    }

    /// The configuration in force.
    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    /// The incident model, for reading incidents.
    pub fn model(&self) -> &IncidentModel {
        &self.model
    }

    /// Whether ingesting an event of `connector_id` with `source` may
    /// change the engine-wide state ([`AlertChanges::global`]) or a job's
    /// row ([`AlertChanges::jobs`]) rather than only the state of its
    /// keys: when the pair is a heartbeat (its sign of life) or a job, or
    /// when a rule batches notifications (`group_wait`).
    /// An embedder that shares the engine between writers locks the
    /// engine-wide state only for the events that need it.
    pub fn ingest_may_change_global(&self, connector_id: Uuid, source: Option<&str>) -> bool {
        let beats = source.is_some_and(|source| {
            let key = HeartbeatKey {
                connector_id,
                source: source.to_owned(),
            };
            self.heartbeats.contains_key(&key) || self.jobs.contains_key(&key)
        });
        beats || self.rules.values().any(|r| r.group_wait.is_some())
    }

    // ----- rules -------------------------------------------------------

    /// Adds a rule, or replaces the rule with the same id (its throttling
    /// history is kept, so a rule edit does not re-page everyone).
    pub fn set_rule(&mut self, rule: AlertRule) -> Result<(), AlertError> {
        rule.validate()?;
        self.rules.insert(rule.id.clone(), rule);
        self.changes.global = true;
        Ok(())
    }

    /// Removes a rule with its throttling history, held notifications,
    /// pending group and timers.
    pub fn remove_rule(&mut self, rule_id: &str) -> Option<AlertRule> {
        let rule = self.rules.remove(rule_id)?;
        self.changes.global = true;
        let sent: Vec<_> = self
            .sent
            .keys()
            .filter(|(r, _)| r == rule_id)
            .cloned()
            .collect();
        let held: Vec<_> = self
            .held
            .keys()
            .filter(|(r, _)| r == rule_id)
            .cloned()
            .collect();
        for k in &held {
            self.unhold(k);
        }
        for k in sent.iter().chain(&held) {
            if let Some(incident) = self.model.get(&k.1) {
                self.changes.key(&incident.key);
            }
        }
        for k in sent {
            self.sent.remove(&k);
            self.timers.cancel(&Timer::Repeat(k.0, k.1));
        }
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
        self.changes.global = true;
        Ok(())
    }

    /// Ends a silence at `now` (deletes it): what it held is released as
    /// when it ends by itself. Unknown ids produce no effects.
    pub fn expire_silence(&mut self, silence_id: &str, now: Timestamp) -> Vec<AlertEffect> {
        let mut out = Vec::new();
        if self.silences.remove(silence_id).is_some() {
            self.changes.global = true;
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
            } else if self.jobs.contains_key(&key) {
                self.job_signal(&key, event, now, &mut out);
            }
        }
        let effects = self.model.ingest(event, event_id, now);
        self.process(effects, None, now, &mut out);
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
        self.process(effects, None, now, &mut out);
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
        self.process(effects, None, now, &mut out);
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
    /// feeds flap detection, and notifies the matching rules. `origin` is
    /// the transition kind an opening or reopening reports when the facts
    /// come from a heartbeat or a job's expectation (`missed_run`, ...).
    pub(super) fn process(
        &mut self,
        effects: Vec<Effect>,
        origin: Option<TransitionKind>,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        for effect in effects {
            let kind = match (&effect, origin) {
                (Effect::Opened { .. } | Effect::Reopened { .. }, Some(kind)) => Some(kind),
                _ => None,
            };
            let kind = kind.or(match &effect {
                Effect::Opened { .. } => Some(TransitionKind::Opened),
                Effect::Reopened { .. } => Some(TransitionKind::Reopened),
                Effect::Escalated { .. } => Some(TransitionKind::Escalated),
                Effect::Resolved { .. } => Some(TransitionKind::Resolved),
                Effect::AckExpired { .. } => Some(TransitionKind::AckExpired),
                _ => None,
            });
            let incident = Arc::clone(effect.incident_arc());
            let freed = if self.job_active.is_empty() {
                None
            } else {
                self.track_activity(&incident)
            };
            let transition = effect.is_open_resolve_transition();
            out.push(AlertEffect::Incident(effect));
            if incident.status == IncidentStatus::Open {
                self.resume_repeats(&incident, now);
            } else {
                self.cancel_repeats(&incident);
            }
            if transition {
                if let Some(cfg) = self.config.flapping {
                    self.changes.key(&incident.key);
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
            if let Some(dependency) = freed {
                self.release_inhibited(&dependency, now, out);
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
                self.changes.key(&incident.key);
            }
        }
    }

    fn cancel_repeats(&mut self, incident: &Incident) {
        for rule in self.rules.values() {
            if rule.repeat_interval.is_some() {
                let timer = Timer::Repeat(rule.id.clone(), incident.id.clone());
                if self.timers.deadline(&timer).is_some() {
                    self.timers.cancel(&timer);
                    self.changes.key(&incident.key);
                }
            }
        }
    }

    /// Holds a notification; a window's end timer follows its holds.
    pub(super) fn set_held(&mut self, k: (String, String), by: HeldBy) {
        let window = match &by {
            HeldBy::Window { window_id, .. } => Some(window_id.clone()),
            _ => None,
        };
        let old = self.held.insert(k, by);
        for w in [window, old.and_then(window_of)].into_iter().flatten() {
            self.rearm_window_end(&w);
        }
    }

    /// Drops a hold; a window's end timer follows its holds.
    pub(super) fn unhold(&mut self, k: &(String, String)) -> Option<HeldBy> {
        let old = self.held.remove(k)?;
        if let HeldBy::Window { window_id, .. } = &old {
            self.rearm_window_end(window_id);
        }
        Some(old)
    }

    /// Whether `incident`'s key is flapping now (for the REST API's
    /// incident view: notifications of a flapping key are held).
    pub fn is_flapping(&self, incident: &Incident) -> bool {
        self.flaps
            .get(&incident.key)
            .is_some_and(FlapState::is_flapping)
    }
}

/// The window of a window hold.
fn window_of(by: HeldBy) -> Option<String> {
    match by {
        HeldBy::Window { window_id, .. } => Some(window_id),
        _ => None,
    }
}
