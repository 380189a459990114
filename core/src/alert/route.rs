//! The notification pipeline: for one rule and incident, hold or send.
//!
//! Stages, in order (Alertmanager's mute → dedup → group, plus flapping):
//! 1. **flapping** — the incident's key is flapping: held (`flapping`),
//!    released when it stops. Flapping notices themselves skip this.
//! 2. **inhibition** — a job the incident's job depends on has an active
//!    incident: held (`inhibited`, naming that incident), released when
//!    the dependency has none. Never holds an all-clear the channel is
//!    owed (it was told the incident is firing).
//! 3. **silence** — an active matching silence: held (`silenced`, with its
//!    id), released when it ends.
//! 4. **maintenance** — an active occurrence of a matching window: held
//!    (`maintenance`, with its id), released when it ends. Never holds an
//!    owed all-clear either.
//! 5. **throttle** — the channel was told the same phase (active or
//!    resolved) less than `repeat_interval` ago: `throttled`, dropped.
//!    Escalations, ack expiries, repeats and flapping notices skip this.
//! 6. **group_wait** — the rule batches a connector's first burst: held
//!    (`group_wait`) until the group is sent. Transitions only.
//! 7. **notify** — `Notify`; remembered for throttling, and a repeat is
//!    scheduled while the incident stays open.

use std::sync::Arc;

use super::effect::{AlertEffect, NotifyReason, SuppressReason};
use super::engine::{AlertEngine, Via};
use super::rule::TransitionKind;
use super::state::{Group, HeldBy, SentRecord, Timer};
use crate::incident::{Incident, IncidentStatus};
use crate::time::Timestamp;

impl AlertEngine {
    /// Every rule that wants `kind` and matches `incident`, in id order.
    pub(super) fn notify_rules(
        &mut self,
        incident: &Arc<Incident>,
        kind: TransitionKind,
        via: Via,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let ids: Vec<String> = self
            .rules
            .values()
            .filter(|r| r.wants(kind) && r.matchers.matches(incident))
            .map(|r| r.id.clone())
            .collect();
        for id in ids {
            self.route(&id, incident, NotifyReason::of(kind), via, now, out);
        }
    }

    /// Runs one candidate notification through the stages.
    pub(super) fn route(
        &mut self,
        rule_id: &str,
        incident: &Arc<Incident>,
        reason: NotifyReason,
        via: Via,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(rule) = self.rules.get(rule_id) else {
            return;
        };
        let channel = rule.channel.clone();
        let repeat = rule.repeat_interval;
        let group_wait = rule.group_wait;
        let k = (rule_id.to_owned(), incident.id.clone());
        let suppressed = |reason_held: SuppressReason, by: Option<String>| {
            let (mut silence_id, mut inhibited_by, mut window_id) = (None, None, None);
            match reason_held {
                SuppressReason::Silenced => silence_id = by,
                SuppressReason::Inhibited => inhibited_by = by,
                SuppressReason::Maintenance => window_id = by,
                _ => {}
            }
            AlertEffect::Suppressed {
                rule_id: rule_id.to_owned(),
                channel: channel.clone(),
                incident: Arc::clone(incident),
                would_notify: reason,
                reason: reason_held,
                silence_id,
                inhibited_by,
                window_id,
            }
        };
        // Inhibition and maintenance never hold the all-clear of an
        // incident the channel was told is firing (Alertmanager #226,
        // #2754: downstream pages must not be orphaned).
        let all_clear = !incident.is_active() && self.sent.get(&k).is_some_and(|s| s.firing);

        // 1. flapping
        if via != Via::FlapNotice
            && self
                .flaps
                .get(&incident.key)
                .is_some_and(|f| f.is_flapping())
        {
            self.held.insert(k, HeldBy::Flapping);
            self.changes.key(&incident.key);
            out.push(suppressed(SuppressReason::Flapping, None));
            return;
        }

        // 2. inhibition by a dependency's active incident
        if !all_clear && via != Via::FlapNotice {
            if let Some(by) = self.inhibitor(incident) {
                out.push(suppressed(SuppressReason::Inhibited, Some(by.0.clone())));
                self.held.insert(
                    k,
                    HeldBy::Inhibited {
                        incident_id: by.0,
                        connector_id: by.1.connector_id,
                        source: by.1.source,
                    },
                );
                self.changes.key(&incident.key);
                return;
            }
        }

        // 3. silence (the first active match in id order is reported)
        if let Some(silence) = self
            .silences
            .values()
            .find(|s| s.is_active(now) && s.matchers.matches(incident))
        {
            let silence_id = silence.id.clone();
            self.held.insert(
                k,
                HeldBy::Silence {
                    silence_id: silence_id.clone(),
                },
            );
            self.changes.key(&incident.key);
            out.push(suppressed(SuppressReason::Silenced, Some(silence_id)));
            return;
        }

        // 4. maintenance window (the first active match in id order)
        if !all_clear {
            if let Some((window_id, ends)) = self.windows.values().find_map(|w| {
                w.matchers
                    .matches(incident)
                    .then(|| w.active_end(now))
                    .flatten()
                    .map(|end| (w.id.clone(), end))
            }) {
                self.timers
                    .schedule(Timer::WindowEnd(window_id.clone()), ends);
                self.held.insert(
                    k,
                    HeldBy::Window {
                        window_id: window_id.clone(),
                        until: ends,
                    },
                );
                self.changes.key(&incident.key);
                self.changes.global = true;
                out.push(suppressed(SuppressReason::Maintenance, Some(window_id)));
                return;
            }
        }

        // 5. throttle
        let firing = incident.is_active();
        let always = matches!(reason, NotifyReason::Escalated | NotifyReason::AckExpired)
            || matches!(via, Via::Repeat | Via::FlapNotice);
        if !always {
            if let (Some(interval), Some(last)) = (repeat, self.sent.get(&k)) {
                if last.firing == firing && now < last.at.saturating_add(interval) {
                    out.push(suppressed(SuppressReason::Throttled, None));
                    return;
                }
            }
        }

        // 6. group_wait
        if let (Some(wait), Via::Transition) = (group_wait, via) {
            self.changes.global = true;
            let gk = (rule_id.to_owned(), incident.connector_id);
            let group = self.groups.entry(gk.clone()).or_insert_with(|| {
                let flush_at = now.saturating_add(wait);
                self.timers
                    .schedule(Timer::GroupFlush(gk.0.clone(), gk.1), flush_at);
                Group {
                    flush_at,
                    pending: Default::default(),
                }
            });
            group.pending.insert(incident.id.clone(), reason);
            out.push(suppressed(SuppressReason::GroupWait, None));
            return;
        }

        // 7. notify
        self.changes.key(&incident.key);
        self.held.remove(&k);
        self.sent.insert(k.clone(), SentRecord { at: now, firing });
        let timer = Timer::Repeat(k.0, k.1);
        match repeat {
            Some(interval) if incident.status == IncidentStatus::Open => {
                self.timers.schedule(timer, now.saturating_add(interval));
            }
            _ => self.timers.cancel(&timer),
        }
        out.push(AlertEffect::Notify {
            rule_id: rule_id.to_owned(),
            channel,
            incident: Arc::clone(incident),
            reason,
        });
    }
}
