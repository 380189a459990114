//! The notification pipeline: for one rule and incident, hold or send.
//!
//! Stages, in order (Alertmanager's mute → dedup → group, plus flapping):
//! 1. **flapping** — the incident's key is flapping: held (`flapping`),
//!    released when it stops. Flapping notices themselves skip this.
//! 2. **silence** — an active matching silence: held (`silenced`, with its
//!    id), released when it ends.
//! 3. **throttle** — the channel was told the same phase (active or
//!    resolved) less than `repeat_interval` ago: `throttled`, dropped.
//!    Escalations, ack expiries, repeats and flapping notices skip this.
//! 4. **group_wait** — the rule batches a connector's first burst: held
//!    (`group_wait`) until the group is sent. Transitions only.
//! 5. **notify** — `Notify`; remembered for throttling, and a repeat is
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
        let suppressed =
            |reason_held: SuppressReason, silence_id: Option<String>| AlertEffect::Suppressed {
                rule_id: rule_id.to_owned(),
                channel: channel.clone(),
                incident: Arc::clone(incident),
                would_notify: reason,
                reason: reason_held,
                silence_id,
            };

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

        // 2. silence (the first active match in id order is reported)
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

        // 3. throttle
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

        // 4. group_wait
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

        // 5. notify
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
