//! The engine's own timers: what each one does when it is due, the
//! releases after a silence or flapping, and housekeeping.

use super::effect::{AlertEffect, NotifyReason};
use super::engine::{AlertEngine, Via, SWEEP_EVERY};
use super::rule::TransitionKind;
use super::state::{HeldBy, Timer};
use crate::incident::{CorrelationKey, IncidentStatus};
use crate::time::Timestamp;
use uuid::Uuid;

impl AlertEngine {
    /// Runs one due timer; each handler checks that its record still
    /// carries this deadline, so a moved or cancelled timer does nothing.
    pub(super) fn run_timer(
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
                    self.changes.global = true;
                    self.release_silence(&id, now, out);
                }
            }
            Timer::FlapQuiet(key) => self.flap_quiet(&key, at, now, out),
            Timer::GroupFlush(rule_id, connector) => {
                self.flush_group(&rule_id, connector, at, now, out)
            }
            Timer::JobDue(key) => self.job_due(&key, at, now, out),
            Timer::JobRun(key, seq) => self.job_run_due(&key, seq, at, now, out),
            Timer::JobDeadline(key) => self.deadlines_due(&key, now, out),
            Timer::WindowEnd(id) => {
                // Held notifications whose occurrence ended by now; a later
                // occurrence's holds keep the timer.
                let next = self
                    .held
                    .values()
                    .filter_map(|by| match by {
                        HeldBy::Window { window_id, until } if *window_id == id && *until > now => {
                            Some(*until)
                        }
                        _ => None,
                    })
                    .min();
                self.release_window_until(&id, now, out);
                if let Some(next) = next {
                    self.timers.schedule(Timer::WindowEnd(id), next);
                }
            }
            Timer::Repeat(rule_id, incident_id) => {
                // The repeat deadline is part of the key's saved state,
                // and it is gone now (or moved below).
                if let Some(incident) = self.model.get(&incident_id) {
                    self.changes.key(&incident.key);
                }
                self.repeat_due(&rule_id, &incident_id, now, out)
            }
        }
    }

    /// A flapping quiet period ended at `at`.
    fn flap_quiet(
        &mut self,
        key: &CorrelationKey,
        at: Timestamp,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        if self.flaps.get(key).and_then(|s| s.quiet_until) != Some(at) {
            return;
        }
        self.flaps.remove(key);
        self.changes.key(key);
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

    pub(super) fn release_silence(
        &mut self,
        silence_id: &str,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
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
    pub(super) fn release(
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
            self.changes.key(&incident.key);
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
        self.changes.global = true;
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
            self.changes.key(&incident.key);
        }
    }

    /// Drops bookkeeping of incidents the model no longer holds and flap
    /// histories that left their window (housekeeping; no effects).
    pub(super) fn sweep(&mut self, now: Timestamp) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now.saturating_add(SWEEP_EVERY);
        self.changes.global = true;
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
            let changes = &mut self.changes;
            self.flaps.retain(|key, s| {
                let before = s.transitions.len();
                s.prune(now, &cfg);
                if s.transitions.len() != before {
                    changes.key(key);
                }
                s.is_flapping() || !s.transitions.is_empty()
            });
        }
    }
}
