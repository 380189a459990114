//! Helpers shared by the alerting test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use erpops_core::alert::{AlertEffect, AlertRule, Matchers, NotifyReason, TransitionKind};
use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::Timestamp;
use uuid::Uuid;

/// 2026-04-20T02:00:00Z.
pub const T0: i64 = 1_776_650_400;
pub const CONNECTOR: Uuid = Uuid::from_u128(0x3f2b8c1e_9a4d_4e7b_8c21_5d6f7a8b9c0d);
pub const OTHER: Uuid = Uuid::from_u128(0x11111111_2222_4333_8444_555555555555);

/// `T0 + secs`.
pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + secs)
}

/// One nanosecond before `t`.
pub fn just_before(t: Timestamp) -> Timestamp {
    Timestamp::from_unix_nanos(t.unix_nanos() - 1).unwrap()
}

pub fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

pub fn event(
    connector: Uuid,
    source: &str,
    event_type: &str,
    sev: Severity,
    ts: Timestamp,
) -> Event {
    Event {
        connector_id: connector,
        event_type: event_type.into(),
        timestamp: ts,
        severity: sev,
        source: Some(source.into()),
        message: None,
        metadata: Metadata::new(),
    }
}

pub fn failed(source: &str, ts: Timestamp) -> Event {
    event(CONNECTOR, source, "integration.failed", Severity::Error, ts)
}

pub fn succeeded(source: &str, ts: Timestamp) -> Event {
    event(
        CONNECTOR,
        source,
        "integration.succeeded",
        Severity::Info,
        ts,
    )
}

/// A rule on every kind and incident, to channel `ops`.
pub fn rule(id: &str) -> AlertRule {
    AlertRule {
        id: id.into(),
        name: format!("rule {id}"),
        kinds: Default::default(),
        matchers: Matchers::default(),
        channel: "ops".into(),
        repeat_interval: None,
        group_wait: None,
    }
}

pub fn with_kinds(mut r: AlertRule, kinds: &[TransitionKind]) -> AlertRule {
    r.kinds = kinds.iter().copied().collect();
    r
}

/// The `kind` names of the effects, in order.
pub fn kinds(effects: &[AlertEffect]) -> Vec<&'static str> {
    effects.iter().map(AlertEffect::kind).collect()
}

/// (rule id, reason) of every `Notify`, in order.
pub fn notifies(effects: &[AlertEffect]) -> Vec<(String, NotifyReason)> {
    effects
        .iter()
        .filter_map(|e| match e {
            AlertEffect::Notify {
                rule_id, reason, ..
            } => Some((rule_id.clone(), *reason)),
            _ => None,
        })
        .collect()
}

/// (rule id, suppress reason name) of every `Suppressed`, in order.
pub fn suppressed(effects: &[AlertEffect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            AlertEffect::Suppressed {
                rule_id, reason, ..
            } => Some((
                rule_id.clone(),
                serde_json::to_value(reason)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )),
            _ => None,
        })
        .collect()
}

/// The id of the first incident effect.
pub fn incident_id(effects: &[AlertEffect]) -> String {
    effects
        .iter()
        .find_map(|e| match e {
            AlertEffect::Incident(e) => Some(e.incident().id.clone()),
            _ => None,
        })
        .expect("an incident effect")
}
