//! The incident state machine: `ingest`, `command`, `tick`, `next_wakeup`.
//!
//! State is one [`KeyState`] per correlation key, in a hash map (see
//! `incident/index.rs`): an event finds its key's state in one probe,
//! without copying the key, however many keys are held; listings and
//! snapshots are sorted by key and timers fire in (deadline, key) order, so
//! every output is deterministic. A key holds only its
//! **latest** incident: when a newer incident replaces it, the old one was
//! already handed to the caller in an effect and is dropped here. Quiet keys
//! (no active incident) are forgotten `retain_resolved` after their last
//! activity, so memory is bounded by the keys active in that period, not by
//! history.
//!
//! Ordering is by **event time** within a key (contract §6). With distinct
//! timestamps and no commands, the status of a key after any arrival order
//! is that of the time-ordered replay: open exactly when its latest problem
//! is later than its latest recovery. Two rules make that hold:
//! - a recovery resolves only when it is not older than the incident's
//!   latest problem, and the key remembers its latest recovery time even
//!   when there is no incident to record it on;
//! - a problem that opens or reopens an incident older than that remembered
//!   recovery is resolved at once (`Opened`/`Reopened` then `Resolved`),
//!   exactly what the time-ordered replay would have produced.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::classify::OutcomeClass;
use super::command::{validate, Command, CommandError};
use super::config::IncidentConfig;
use super::effect::Effect;
use super::index::Keys;
use super::key::{CorrelationKey, EventKey};
use super::progress::Progress;
use super::record::{Incident, IncidentStatus, ResolutionReason};
use super::timer::DeadlineQueue;
use crate::event::Event;
use crate::time::Timestamp;

/// What the model remembers about one correlation key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KeyState {
    /// The latest incident of the key (active, or the last resolved one).
    /// Shared with the effects that reported it: a change copies it only
    /// while the caller still holds such an effect (copy on write).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::shared::option"
    )]
    pub incident: Option<Arc<Incident>>,
    /// Event time of the latest recovery seen for the key, even one that
    /// found no incident, so a late problem it follows is resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_recovery_at: Option<Timestamp>,
    /// When (caller's `now`) the key is forgotten, while it is quiet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forget_at: Option<Timestamp>,
}

/// The incident model: pure state plus the operations of contract §6.
///
/// Every operation takes the caller's `now`; nothing reads a clock.
#[derive(Debug, Clone)]
pub struct IncidentModel {
    pub(super) config: IncidentConfig,
    pub(super) keys: Keys,
    /// Incident id → key, for commands.
    pub(super) ids: BTreeMap<String, CorrelationKey>,
    /// Acknowledgement expiry, by incident id.
    pub(super) ack_timers: DeadlineQueue<String>,
    /// When quiet keys are forgotten. Lazy: a quiet key has a timer at or
    /// before its `forget_at`, moved forward only when it fires, so an event
    /// on a quiet key does not move it; an active key's stale timer lapses.
    pub(super) forget_timers: DeadlineQueue<CorrelationKey>,
    /// Number of open or acknowledged incidents, kept up to date by every
    /// change so [`active_count`](Self::active_count) does not walk every
    /// key (an embedder reads it after each commit).
    pub(super) active: usize,
}

/// Whether a key's latest incident is active.
fn is_active(state: &KeyState) -> bool {
    state.incident.as_deref().is_some_and(Incident::is_active)
}

/// `count` moved by one key's change from `was` to `is` active.
fn recount(count: &mut usize, was: bool, is: bool) {
    match (was, is) {
        (false, true) => *count = count.saturating_add(1),
        (true, false) => *count = count.saturating_sub(1),
        _ => {}
    }
}

impl Default for IncidentModel {
    fn default() -> Self {
        Self::new(IncidentConfig::default())
    }
}

impl IncidentModel {
    /// An empty model.
    pub fn new(config: IncidentConfig) -> Self {
        IncidentModel {
            config,
            keys: Keys::default(),
            ids: BTreeMap::new(),
            ack_timers: DeadlineQueue::new(),
            forget_timers: DeadlineQueue::new(),
            active: 0,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &IncidentConfig {
        &self.config
    }

    /// The incident with this id, if the model holds it.
    pub fn get(&self, incident_id: &str) -> Option<&Incident> {
        let key = self.ids.get(incident_id)?;
        self.keys.get(key)?.incident.as_deref()
    }

    /// The latest incident of a key, if any.
    pub fn incident_for_key(&self, key: &CorrelationKey) -> Option<&Incident> {
        self.keys.get(key)?.incident.as_deref()
    }

    /// The latest incident of a key as the shared record the effects carry
    /// (cheap to clone: a reference count). The alerting layer attaches it
    /// to notifications that are not tied to an incident effect (flapping
    /// notices, repeats).
    pub fn incident_arc_for_key(&self, key: &CorrelationKey) -> Option<&Arc<Incident>> {
        self.keys.get(key)?.incident.as_ref()
    }

    /// The incident with this id as the shared record (see
    /// [`incident_arc_for_key`](Self::incident_arc_for_key)).
    pub fn get_arc(&self, incident_id: &str) -> Option<&Arc<Incident>> {
        let key = self.ids.get(incident_id)?;
        self.keys.get(key)?.incident.as_ref()
    }

    /// Every incident held, in key order.
    pub fn incidents(&self) -> impl Iterator<Item = &Incident> {
        self.keys
            .sorted()
            .into_iter()
            .filter_map(|(_, s)| s.incident.as_deref())
    }

    /// Number of open or acknowledged incidents (kept as a count: no walk
    /// over the keys).
    pub fn active_count(&self) -> usize {
        self.active
    }

    /// Number of keys remembered (with or without an incident).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Applies one valid event. `event_id` is the id the receive decision
    /// gave it (`evt_` + 32 hex digits); `now` is the caller's clock, used
    /// only for retention. Returns what changed, in order.
    ///
    /// Duplicate deliveries must be filtered before (the receive decision
    /// does): ingesting the same event twice counts it twice.
    pub fn ingest(&mut self, event: &Event, event_id: &str, now: Timestamp) -> Vec<Effect> {
        self.forget_due(now);
        let mut effects = Vec::new();
        let class = self.config.classifier.classify(event);
        let retention = self.config.effective_retention();
        let IncidentModel {
            config,
            keys,
            ids,
            ack_timers,
            forget_timers,
            active,
        } = self;
        // The one lookup of the event: its key, borrowed from the event.
        let event_key = EventKey::of(event);
        let (key, state) = match class {
            OutcomeClass::Problem | OutcomeClass::Recovery => keys.find_or_insert(&event_key),
            // Starts and infos only update an incident: a key without
            // state stays unknown.
            OutcomeClass::Start | OutcomeClass::Info => match keys.find(&event_key) {
                Some(found) => found,
                None => return effects,
            },
        };
        let mut books = Books {
            config,
            ids,
            ack_timers,
        };
        let was_active = is_active(state);
        match class {
            OutcomeClass::Problem => {
                ingest_problem(&mut books, key, state, event, event_id, &mut effects)
            }
            OutcomeClass::Recovery => {
                ingest_recovery(&mut books, state, event, event_id, &mut effects)
            }
            OutcomeClass::Start | OutcomeClass::Info => {
                ingest_other(books.config, state, event, event_id, &mut effects)
            }
        }
        recount(active, was_active, is_active(state));
        keep_or_forget(key, state, forget_timers, retention, now);
        effects
    }

    /// Applies an operator command at `now`. On error nothing changes.
    pub fn command(
        &mut self,
        command: &Command,
        now: Timestamp,
    ) -> Result<Vec<Effect>, CommandError> {
        validate(command)?;
        let id = command.incident_id();
        let not_found = || CommandError::IncidentNotFound {
            incident_id: id.to_owned(),
        };
        let key = self.ids.get(id).cloned().ok_or_else(not_found)?;
        let ack_timeout = self.config.ack_timeout;
        let state = self.keys.get_mut(&key).ok_or_else(not_found)?;
        let slot = state.incident.as_mut().ok_or_else(not_found)?;
        // Check first, so an error changes nothing (not even a copy).
        match (command, slot.status) {
            (Command::Acknowledge { .. } | Command::Resolve { .. }, IncidentStatus::Resolved) => {
                return Err(CommandError::AlreadyResolved {
                    incident_id: id.to_owned(),
                })
            }
            (Command::Acknowledge { .. }, IncidentStatus::Acknowledged) => {
                return Err(CommandError::AlreadyAcknowledged {
                    incident_id: id.to_owned(),
                    by: slot.acknowledged_by.clone().unwrap_or_default(),
                })
            }
            (Command::Reopen { .. }, IncidentStatus::Open | IncidentStatus::Acknowledged) => {
                return Err(CommandError::NotResolved {
                    incident_id: id.to_owned(),
                })
            }
            _ => {}
        }
        let was_active = slot.is_active();
        let inc = Arc::make_mut(slot);
        let actor = command.actor().to_owned();
        let fact = match command {
            Command::Acknowledge { .. } => {
                inc.status = IncidentStatus::Acknowledged;
                inc.acknowledged_by = Some(actor);
                inc.acknowledged_at = Some(now);
                inc.ack_expires_at = if ack_timeout.is_zero() {
                    None
                } else {
                    now.checked_add(ack_timeout)
                };
                if let Some(at) = inc.ack_expires_at {
                    self.ack_timers.schedule(inc.id.clone(), at);
                }
                Fact::Acknowledged
            }
            Command::Resolve { .. } => {
                self.ack_timers.cancel(&inc.id);
                resolve(inc, ResolutionReason::Manual, now, Some(actor));
                Fact::Resolved(ResolutionReason::Manual)
            }
            Command::Reopen { .. } => {
                reopen(inc);
                Fact::Reopened
            }
        };
        if let Some(n) = command.note() {
            inc.last_note = Some(n.to_owned());
        }
        let effect = fact.effect(slot);
        recount(&mut self.active, was_active, slot.is_active());
        self.after_change(&key, now);
        Ok(vec![effect])
    }

    /// Runs the timers due at `now`: acknowledgements that expired fall
    /// back to open (`AckExpired`), and quiet keys past their retention are
    /// forgotten (no effect). Call it at [`next_wakeup`](Self::next_wakeup)
    /// or later; calling it more often is harmless.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Effect> {
        self.forget_due(now);
        let mut effects = Vec::new();
        for (at, id) in self.ack_timers.pop_due(now) {
            let Some(key) = self.ids.get(&id) else {
                continue;
            };
            let Some(slot) = self.keys.get_mut(key).and_then(|s| s.incident.as_mut()) else {
                continue;
            };
            if slot.status == IncidentStatus::Acknowledged && slot.ack_expires_at == Some(at) {
                let inc = Arc::make_mut(slot);
                clear_ack(inc);
                inc.status = IncidentStatus::Open;
                effects.push(Fact::AckExpired.effect(slot));
            }
        }
        effects
    }

    /// When `tick` next has an effect to produce: the earliest ack expiry,
    /// or `None` when nothing is pending. `tick(next_wakeup)` fires it;
    /// `tick` one nanosecond earlier does not. Forgetting quiet keys is
    /// housekeeping that happens on any `ingest` or `tick` and does not
    /// wake the caller.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        self.ack_timers.next()
    }

    /// Keeps the key's retention in line with its state after a command.
    fn after_change(&mut self, key: &CorrelationKey, now: Timestamp) {
        let retention = self.config.effective_retention();
        if let Some(state) = self.keys.get_mut(key) {
            keep_or_forget(key, state, &mut self.forget_timers, retention, now);
        }
    }

    /// Forgets the quiet keys whose `forget_at` has come. A timer that fires
    /// early (the key had events since it was set) moves to `forget_at`; one
    /// of a key that is active again lapses.
    fn forget_due(&mut self, now: Timestamp) {
        for (_, key) in self.forget_timers.pop_due(now) {
            match self.keys.get(&key).and_then(|state| state.forget_at) {
                Some(at) if at <= now => {
                    if let Some(inc) = self.keys.remove(&key).and_then(|state| state.incident) {
                        // Quiet keys only: never active, but counted right.
                        recount(&mut self.active, inc.is_active(), false);
                        self.ids.remove(&inc.id);
                        self.ack_timers.cancel(&inc.id);
                    }
                }
                Some(at) => self.forget_timers.schedule(key, at),
                None => {}
            }
        }
    }
}

/// What an ingest changes besides the key's own state: the id index and
/// the acknowledgement timers, with the configuration in force.
struct Books<'m> {
    config: &'m IncidentConfig,
    ids: &'m mut BTreeMap<String, CorrelationKey>,
    ack_timers: &'m mut DeadlineQueue<String>,
}

/// Keeps a key's retention in line with its state: an active incident keeps
/// the key (`forget_at` cleared); a quiet key is forgotten `retention` after
/// its last activity. The timer is lazy (see `IncidentModel::forget_timers`):
/// it is set only when the key has none at or before the new `forget_at`, so
/// the events of a known key do not copy it into the timer queue.
fn keep_or_forget(
    key: &CorrelationKey,
    state: &mut KeyState,
    forget_timers: &mut DeadlineQueue<CorrelationKey>,
    retention: std::time::Duration,
    now: Timestamp,
) {
    if state.incident.as_deref().is_some_and(Incident::is_active) {
        state.forget_at = None;
        return;
    }
    let at = now.saturating_add(retention);
    state.forget_at = Some(at);
    if forget_timers.deadline(key).is_none_or(|due| due > at) {
        forget_timers.schedule(key.clone(), at);
    }
}

fn ingest_problem(
    books: &mut Books<'_>,
    key: &CorrelationKey,
    state: &mut KeyState,
    event: &Event,
    event_id: &str,
    effects: &mut Vec<Effect>,
) {
    let t = event.timestamp;
    let window = books.config.reopen_window;
    let cap = books.config.recent_event_ids;
    let last_recovery_at = state.last_recovery_at;

    // What the problem does to the key's latest incident.
    let replace = match state.incident.as_deref() {
        None => true,
        Some(inc) if inc.is_active() => false,
        Some(inc) => match inc.resolved_at {
            Some(r) if t < r => false,
            Some(r) => r.checked_add(window).is_some_and(|end| t > end),
            None => true,
        },
    };

    let slot = if replace {
        if let Some(old) = state.incident.take() {
            books.ids.remove(&old.id);
            books.ack_timers.cancel(&old.id);
        }
        let inc = open_incident(key.clone(), event, event_id, cap);
        books.ids.insert(inc.id.clone(), key.clone());
        let slot = state.incident.insert(Arc::new(inc));
        effects.push(Effect::Opened {
            incident: Arc::clone(slot),
        });
        slot
    } else {
        let Some(slot) = state.incident.as_mut() else {
            return;
        };
        let inc = Arc::make_mut(slot);
        let fact = if inc.is_active() {
            attach(inc, event, event_id, true, cap);
            let previous = inc.severity;
            if event.severity > previous {
                inc.severity = event.severity;
                if inc.status == IncidentStatus::Acknowledged {
                    books.ack_timers.cancel(&inc.id);
                    clear_ack(inc);
                    inc.status = IncidentStatus::Open;
                }
                Fact::Escalated(previous)
            } else {
                Fact::Updated
            }
        } else if inc.resolved_at.is_some_and(|r| t < r) {
            // Older than the resolution: it happened while the incident
            // was open, so it counts (severity included) but does not
            // reopen.
            attach(inc, event, event_id, true, cap);
            inc.severity = inc.severity.max(event.severity);
            Fact::Updated
        } else {
            reopen(inc);
            attach(inc, event, event_id, true, cap);
            inc.severity = inc.severity.max(event.severity);
            Fact::Reopened
        };
        effects.push(fact.effect(slot));
        if fact != Fact::Reopened {
            return;
        }
        slot
    };

    // A recovery already seen that is not older than the latest problem
    // ends what this problem opened (time-ordered replay).
    if let Some(r) = last_recovery_at {
        let inc = Arc::make_mut(slot);
        if inc.is_active() && r >= inc.last_problem_at {
            resolve(inc, ResolutionReason::Recovery, r, None);
            effects.push(Fact::Resolved(ResolutionReason::Recovery).effect(slot));
        }
    }
}

fn ingest_recovery(
    books: &mut Books<'_>,
    state: &mut KeyState,
    event: &Event,
    event_id: &str,
    effects: &mut Vec<Effect>,
) {
    let t = event.timestamp;
    let cap = books.config.recent_event_ids;
    state.last_recovery_at = Some(state.last_recovery_at.map_or(t, |r| r.max(t)));
    let Some(slot) = state.incident.as_mut() else {
        return;
    };
    let inc = Arc::make_mut(slot);
    attach(inc, event, event_id, false, cap);
    let fact = if inc.is_active() && t >= inc.last_problem_at {
        books.ack_timers.cancel(&inc.id);
        resolve(inc, ResolutionReason::Recovery, t, None);
        Fact::Resolved(ResolutionReason::Recovery)
    } else {
        Fact::Updated
    };
    effects.push(fact.effect(slot));
}

fn ingest_other(
    config: &IncidentConfig,
    state: &mut KeyState,
    event: &Event,
    event_id: &str,
    effects: &mut Vec<Effect>,
) {
    let cap = config.recent_event_ids;
    let Some(slot) = state.incident.as_mut() else {
        return;
    };
    if slot.is_active() {
        attach(Arc::make_mut(slot), event, event_id, false, cap);
        effects.push(Fact::Updated.effect(slot));
    }
}

/// A new open incident for `key`, opened by `event`.
fn open_incident(key: CorrelationKey, event: &Event, event_id: &str, cap: usize) -> Incident {
    let t = event.timestamp;
    let mut inc = Incident {
        id: key.incident_id(event_id),
        connector_id: event.connector_id,
        source: event.source.clone(),
        family: event.family().to_owned(),
        key,
        status: IncidentStatus::Open,
        severity: event.severity,
        title: Incident::title_for(event.source.as_deref(), &event.event_type),
        opened_by_event: event_id.to_owned(),
        event_type: event.event_type.clone(),
        first_seen: t,
        last_seen: t,
        last_problem_at: t,
        event_count: 0,
        recent_event_ids: Default::default(),
        last_message: None,
        last_metadata: Default::default(),
        progress: None,
        progress_at: None,
        acknowledged_by: None,
        acknowledged_at: None,
        ack_expires_at: None,
        resolved_by: None,
        resolved_at: None,
        resolution_reason: None,
        reopen_count: 0,
        last_note: None,
    };
    attach(&mut inc, event, event_id, true, cap);
    inc
}

/// Records `event` on `inc`: counts, seen times, the bounded id list, and
/// message/metadata/progress when the event is the latest by event time.
fn attach(inc: &mut Incident, event: &Event, event_id: &str, problem: bool, cap: usize) {
    let t = event.timestamp;
    inc.event_count = inc.event_count.saturating_add(1);
    if cap > 0 {
        // The ring is full after the first `cap` events: reuse the oldest
        // id's buffer (ids are all the same length) instead of freeing it
        // and allocating a new one.
        let mut oldest = None;
        while inc.recent_event_ids.len() >= cap {
            oldest = inc.recent_event_ids.pop_front();
        }
        let mut id = oldest.unwrap_or_default();
        id.clear();
        id.push_str(event_id);
        inc.recent_event_ids.push_back(id);
    }
    inc.first_seen = inc.first_seen.min(t);
    if t >= inc.last_seen {
        inc.last_seen = t;
        // Repeats usually carry the same text: compare before copying.
        if let Some(m) = &event.message {
            if inc.last_message.as_ref() != Some(m) {
                inc.last_message = Some(m.clone());
            }
        }
        if !event.metadata.is_empty() && inc.last_metadata != event.metadata {
            inc.last_metadata = event.metadata.clone();
        }
    }
    if problem {
        inc.last_problem_at = inc.last_problem_at.max(t);
    }
    if inc.progress_at.is_none_or(|at| t >= at) {
        if let Some((processed, total)) = Progress::counts(event) {
            let same = inc
                .progress
                .as_ref()
                .is_some_and(|p| p.same_as(event, processed, total));
            if !same {
                inc.progress = Progress::of(event);
            }
            inc.progress_at = Some(t);
        }
    }
}

fn clear_ack(inc: &mut Incident) {
    inc.acknowledged_by = None;
    inc.acknowledged_at = None;
    inc.ack_expires_at = None;
}

fn resolve(inc: &mut Incident, reason: ResolutionReason, at: Timestamp, by: Option<String>) {
    clear_ack(inc);
    inc.status = IncidentStatus::Resolved;
    inc.resolved_at = Some(at);
    inc.resolution_reason = Some(reason);
    inc.resolved_by = by;
}

fn reopen(inc: &mut Incident) {
    inc.status = IncidentStatus::Open;
    inc.resolved_at = None;
    inc.resolution_reason = None;
    inc.resolved_by = None;
    inc.reopen_count = inc.reopen_count.saturating_add(1);
}

/// What happened to an incident, before it is paired with the incident's
/// snapshot to make an [`Effect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fact {
    Updated,
    Escalated(crate::event::Severity),
    Reopened,
    Resolved(ResolutionReason),
    Acknowledged,
    AckExpired,
}

impl Fact {
    fn effect(self, incident: &Arc<Incident>) -> Effect {
        let incident = Arc::clone(incident);
        match self {
            Fact::Updated => Effect::Updated { incident },
            Fact::Escalated(previous_severity) => Effect::Escalated {
                incident,
                previous_severity,
            },
            Fact::Reopened => Effect::Reopened { incident },
            Fact::Resolved(reason) => Effect::Resolved { incident, reason },
            Fact::Acknowledged => Effect::Acknowledged { incident },
            Fact::AckExpired => Effect::AckExpired { incident },
        }
    }
}
