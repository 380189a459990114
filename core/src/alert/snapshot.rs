//! Snapshot and restore of the whole alerting state (the incident model's
//! included), for embedders that persist it.
//!
//! Plain serde data in a fixed order (every list sorted by its key), so the
//! JSON re-encodes byte for byte after a restore. Timers are not stored:
//! they are rebuilt from the deadlines the records carry. The
//! [`AlertConfig`] is not stored either; the embedder passes it again.

use core::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::effect::NotifyReason;
use super::engine::{AlertConfig, AlertEngine};
use super::flapping::FlapState;
use super::heartbeat::HeartbeatState;
use super::job::JobState;
use super::rule::AlertRule;
use super::silence::Silence;
use super::state::{Group, HeldBy, SentRecord, Timer};
use super::window::MaintenanceWindow;
use crate::incident::{CorrelationKey, IncidentModel, IncidentSnapshot, SnapshotError};
use crate::time::Timestamp;

/// The snapshot format version written by this code.
pub const ALERT_SNAPSHOT_VERSION: u32 = 1;

/// Everything the engine holds except its configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSnapshot {
    /// Format version ([`ALERT_SNAPSHOT_VERSION`]).
    pub version: u32,
    /// The incident model.
    pub incidents: IncidentSnapshot,
    /// Rules in id order.
    pub rules: Vec<AlertRule>,
    /// Silences in id order.
    pub silences: Vec<Silence>,
    /// Heartbeats in (connector, source) order.
    pub heartbeats: Vec<HeartbeatState>,
    /// Jobs with their runs, in (connector, source) order (absent in
    /// snapshots written before jobs existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<JobState>,
    /// Maintenance windows in id order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<MaintenanceWindow>,
    /// Flap state of keys with recent transitions, in key order.
    pub flapping: Vec<FlapEntry>,
    /// Last notification per (rule, incident), in that order.
    pub sent: Vec<SentEntry>,
    /// Held notifications per (rule, incident), in that order.
    pub held: Vec<HeldEntry>,
    /// Pending groups per (rule, connector), in that order.
    pub groups: Vec<GroupEntry>,
    /// When the next housekeeping sweep may run.
    pub next_sweep: Timestamp,
}

/// One key's flap state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlapEntry {
    /// The key.
    pub key: CorrelationKey,
    /// Its state.
    #[serde(flatten)]
    pub state: FlapState,
}

/// The last notification of a rule for an incident, and its repeat timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentEntry {
    /// The rule.
    pub rule_id: String,
    /// The incident.
    pub incident_id: String,
    /// What was sent.
    #[serde(flatten)]
    pub record: SentRecord,
    /// When the next repeat is due, if one is scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_at: Option<Timestamp>,
}

/// A held notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldEntry {
    /// The rule.
    pub rule_id: String,
    /// The incident.
    pub incident_id: String,
    /// What holds it.
    #[serde(flatten)]
    pub by: HeldBy,
}

/// A pending `group_wait` batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    /// The rule.
    pub rule_id: String,
    /// The connector.
    pub connector_id: Uuid,
    /// When it is sent.
    pub flush_at: Timestamp,
    /// Incident id and held reason, in id order.
    pub pending: Vec<(String, NotifyReason)>,
}

/// One correlation key's alerting state: its flap state and, for the
/// key's incident (the model holds one per key), the last notification,
/// repeat deadline and hold of each rule. What an embedder stores per key
/// ([`AlertEngine::key_alert_snapshot`]); with the engine-wide part
/// ([`AlertEngine::snapshot_global`]) and the incident model's snapshot it
/// is the whole state ([`AlertEngine::restore_split`]).
///
/// Bookkeeping of incidents the model no longer holds (superseded or
/// forgotten) is in no key's snapshot: nothing reads it again, and the
/// engine drops it at its next housekeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAlertSnapshot {
    /// The key.
    pub key: CorrelationKey,
    /// Its flap state, while it has recent transitions or is flapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flapping: Option<FlapState>,
    /// Last notification per rule about the key's incident, in rule order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<SentEntry>,
    /// Held notifications per rule about the key's incident, in rule
    /// order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<HeldEntry>,
}

impl KeyAlertSnapshot {
    /// Whether the key has no alerting state (its row may go).
    pub fn is_empty(&self) -> bool {
        self.flapping.is_none() && self.sent.is_empty() && self.held.is_empty()
    }
}

/// A snapshot that cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlertSnapshotError {
    /// Written by an incompatible version.
    Version {
        /// The version found.
        found: u32,
    },
    /// The incident model part is inconsistent.
    Incidents(SnapshotError),
    /// A rule, silence or heartbeat in it is invalid (edited snapshot).
    Invalid(super::error::AlertError),
}

impl AlertSnapshotError {
    /// Stable machine code: `snapshot_version`, the incident snapshot's
    /// code, or the invalid item's code.
    pub const fn code(&self) -> &'static str {
        match self {
            AlertSnapshotError::Version { .. } => "snapshot_version",
            AlertSnapshotError::Incidents(e) => e.code(),
            AlertSnapshotError::Invalid(e) => e.code(),
        }
    }
}

impl fmt::Display for AlertSnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertSnapshotError::Version { found } => write!(
                f,
                "alert snapshot version {found} is not supported (expected \
                 {ALERT_SNAPSHOT_VERSION}); restore it with the SDK version that wrote it"
            ),
            AlertSnapshotError::Incidents(e) => e.fmt(f),
            AlertSnapshotError::Invalid(e) => write!(
                f,
                "the alert snapshot holds an invalid item ({e}); it was edited or corrupted, \
                 restore an intact copy"
            ),
        }
    }
}

impl std::error::Error for AlertSnapshotError {}

impl AlertEngine {
    /// The engine's state as serde data, in a fixed order.
    pub fn snapshot(&self) -> AlertSnapshot {
        self.snapshot_with(self.model.snapshot())
    }

    /// The engine's own state with an empty `incidents`: for embedders that
    /// persist the incident model separately (per correlation key, say)
    /// and must not copy every incident to save the alerting state. To
    /// restore, put the incident model's snapshot into `incidents` and call
    /// [`AlertEngine::restore`].
    pub fn snapshot_without_incidents(&self) -> AlertSnapshot {
        self.snapshot_with(IncidentModel::new(self.config.incident.clone()).snapshot())
    }

    /// The engine-wide state alone: rules, silences, heartbeats, windows,
    /// pending groups and the housekeeping time, with no incidents, no
    /// per-key state (`flapping`, `sent` and `held` empty: see
    /// [`key_alert_snapshot`](Self::key_alert_snapshot)) and no jobs (one
    /// row each: [`job`](Self::job), [`restore_jobs`](Self::restore_jobs)).
    /// Its size follows the configuration, not the number of keys.
    pub fn snapshot_global(&self) -> AlertSnapshot {
        AlertSnapshot {
            version: ALERT_SNAPSHOT_VERSION,
            incidents: IncidentModel::new(self.config.incident.clone()).snapshot(),
            rules: self.rules.values().cloned().collect(),
            silences: self.silences.values().cloned().collect(),
            heartbeats: self.heartbeats.values().cloned().collect(),
            jobs: Vec::new(),
            windows: self.windows.values().cloned().collect(),
            flapping: Vec::new(),
            sent: Vec::new(),
            held: Vec::new(),
            groups: self.group_entries(),
            next_sweep: self.next_sweep,
        }
    }

    /// The alerting state of one key (see [`KeyAlertSnapshot`]); empty
    /// when the key has none. Costs a lookup per rule, whatever the number
    /// of keys.
    pub fn key_alert_snapshot(&self, key: &CorrelationKey) -> KeyAlertSnapshot {
        let mut snapshot = KeyAlertSnapshot {
            key: key.clone(),
            flapping: self.flaps.get(key).cloned(),
            sent: Vec::new(),
            held: Vec::new(),
        };
        let Some(incident) = self.model.incident_for_key(key) else {
            return snapshot;
        };
        for rule_id in self.rules.keys() {
            let k = (rule_id.clone(), incident.id.clone());
            if let Some(record) = self.sent.get(&k) {
                snapshot.sent.push(SentEntry {
                    rule_id: k.0.clone(),
                    incident_id: k.1.clone(),
                    record: *record,
                    repeat_at: self
                        .timers
                        .deadline(&Timer::Repeat(k.0.clone(), k.1.clone())),
                });
            }
            if let Some(by) = self.held.get(&k) {
                snapshot.held.push(HeldEntry {
                    rule_id: k.0,
                    incident_id: k.1,
                    by: by.clone(),
                });
            }
        }
        snapshot
    }

    /// Every key with alerting state, in key order: flapping keys and the
    /// keys of incidents with a notification record or hold (for an
    /// embedder converting a whole snapshot into rows per key).
    pub fn alert_keys(&self) -> Vec<CorrelationKey> {
        let mut keys: std::collections::BTreeSet<&CorrelationKey> = self.flaps.keys().collect();
        for (_, incident_id) in self.sent.keys().chain(self.held.keys()) {
            if let Some(incident) = self.model.get(incident_id) {
                keys.insert(&incident.key);
            }
        }
        keys.into_iter().cloned().collect()
    }

    /// Puts rows another writer saved into this engine, in place: each
    /// key's incident model entry (`None`: the key was forgotten) and each
    /// key's alerting state, as [`IncidentModel::key_snapshot`] and
    /// [`key_alert_snapshot`](Self::key_alert_snapshot) gave them. The
    /// engine is the one [`restore_split`](Self::restore_split) would make
    /// of its own state with these rows replaced, at the cost of the rows
    /// (the engine-wide state is not among them: restore that whole).
    /// Nothing is reported by [`take_changes`](Self::take_changes): the
    /// rows are saved already.
    pub fn restore_rows(
        &mut self,
        keys: impl IntoIterator<Item = (CorrelationKey, Option<crate::incident::KeyState>)>,
        alert_keys: impl IntoIterator<Item = KeyAlertSnapshot>,
    ) -> Result<(), AlertSnapshotError> {
        for (key, row) in keys {
            self.model
                .restore_key(&key, row)
                .map_err(AlertSnapshotError::Incidents)?;
            self.refresh_key_activity(&key);
        }
        for row in alert_keys {
            self.restore_key_alerts(row);
        }
        Ok(())
    }

    /// One key's alerting state replaced by `row` (see
    /// [`restore_rows`](Self::restore_rows)): its flap state, and the sent
    /// and held entries of its incidents under every rule.
    fn restore_key_alerts(&mut self, row: KeyAlertSnapshot) {
        let KeyAlertSnapshot {
            key,
            flapping,
            sent,
            held,
        } = row;
        self.timers.cancel(&Timer::FlapQuiet(key.clone()));
        match flapping {
            Some(state) => {
                if let Some(at) = state.quiet_until {
                    self.timers.schedule(Timer::FlapQuiet(key.clone()), at);
                }
                self.flaps.insert(key.clone(), state);
            }
            None => {
                self.flaps.remove(&key);
            }
        }
        // The entries the engine holds of this key's incident (as the row
        // was made: one per rule), and of any incident the row names.
        let mut incidents: std::collections::BTreeSet<String> = sent
            .iter()
            .map(|e| e.incident_id.clone())
            .chain(held.iter().map(|e| e.incident_id.clone()))
            .collect();
        if let Some(incident) = self.model.incident_for_key(&key) {
            incidents.insert(incident.id.clone());
        }
        let mut windows = std::collections::BTreeSet::new();
        for incident_id in &incidents {
            for rule_id in self.rules.keys() {
                let k = (rule_id.clone(), incident_id.clone());
                self.timers.cancel(&Timer::Repeat(k.0.clone(), k.1.clone()));
                self.sent.remove(&k);
                if let Some(HeldBy::Window { window_id, .. }) = self.held.remove(&k) {
                    windows.insert(window_id);
                }
            }
        }
        for e in sent {
            if let Some(at) = e.repeat_at {
                self.timers
                    .schedule(Timer::Repeat(e.rule_id.clone(), e.incident_id.clone()), at);
            }
            self.sent.insert((e.rule_id, e.incident_id), e.record);
        }
        for e in held {
            if let HeldBy::Window { window_id, .. } = &e.by {
                windows.insert(window_id.clone());
            }
            self.held.insert((e.rule_id, e.incident_id), e.by);
        }
        for window_id in windows {
            self.rearm_window_end(&window_id);
        }
        self.refresh_key_activity(&key);
    }

    /// The end timer of a window: the earliest end of the occurrences
    /// that hold something, or none.
    pub(super) fn rearm_window_end(&mut self, window_id: &str) {
        let timer = Timer::WindowEnd(window_id.to_owned());
        let next = self
            .held
            .values()
            .filter_map(|by| match by {
                HeldBy::Window {
                    window_id: w,
                    until,
                } if w == window_id => Some(*until),
                _ => None,
            })
            .min();
        match next {
            Some(at) => self.timers.schedule(timer, at),
            None => self.timers.cancel(&timer),
        }
    }

    /// Puts jobs saved one row each ([`AlertChanges::jobs`](super::AlertChanges),
    /// [`job`](Self::job)) into an engine made by
    /// [`restore_split`](Self::restore_split), replacing any job of the same
    /// key, with their timers. Nothing is reported by
    /// [`take_changes`](Self::take_changes): the rows are saved already.
    pub fn restore_jobs(
        &mut self,
        rows: impl IntoIterator<Item = JobState>,
    ) -> Result<(), AlertSnapshotError> {
        for state in rows {
            self.insert_job_state(state)?;
        }
        self.refresh_tracked();
        Ok(())
    }

    /// One job's state with its timers (replacing the job of its key).
    fn insert_job_state(&mut self, state: JobState) -> Result<(), AlertSnapshotError> {
        state.job.validate().map_err(AlertSnapshotError::Invalid)?;
        let key = state.job.key();
        if let Some(old) = self.jobs.remove(&key) {
            self.timers.cancel(&Timer::JobDue(key.clone()));
            self.timers.cancel(&Timer::JobDeadline(key.clone()));
            for run in &old.open_runs {
                self.timers.cancel(&Timer::JobRun(key.clone(), run.seq));
            }
        }
        if let Some(at) = state.miss_at {
            self.timers.schedule(Timer::JobDue(key.clone()), at);
        }
        if let Some(d) = state.deadlines.first() {
            self.timers.schedule(Timer::JobDeadline(key.clone()), d.at);
        }
        for run in &state.open_runs {
            if let Some(at) = run.too_long_at {
                self.timers
                    .schedule(Timer::JobRun(key.clone(), run.seq), at);
            }
        }
        self.jobs.insert(key, state);
        Ok(())
    }

    /// The window-end timer a held notification needs (the earliest end
    /// of the occurrences holding something).
    fn arm_window_end(&mut self, by: &HeldBy) {
        if let HeldBy::Window { window_id, until } = by {
            let timer = Timer::WindowEnd(window_id.clone());
            let at = self
                .timers
                .deadline(&timer)
                .map_or(*until, |t| t.min(*until));
            self.timers.schedule(timer, at);
        }
    }

    /// An engine from the parts an embedder stores apart: the engine-wide
    /// state (any per-key entries it still holds, as an older whole
    /// snapshot does, are kept unless `keys` has the same entry), the
    /// incident model's snapshot, and the keys' alerting state. The same
    /// as [`restore`](Self::restore) of the whole snapshot.
    pub fn restore_split(
        config: AlertConfig,
        mut global: AlertSnapshot,
        incidents: IncidentSnapshot,
        keys: impl IntoIterator<Item = KeyAlertSnapshot>,
    ) -> Result<AlertEngine, AlertSnapshotError> {
        use std::collections::BTreeMap;
        global.incidents = incidents;
        // A key's row replaces what the engine-wide part says of it.
        let mut flapping: BTreeMap<CorrelationKey, FlapState> =
            std::mem::take(&mut global.flapping)
                .into_iter()
                .map(|e| (e.key, e.state))
                .collect();
        let mut sent: BTreeMap<(String, String), SentEntry> = std::mem::take(&mut global.sent)
            .into_iter()
            .map(|e| ((e.rule_id.clone(), e.incident_id.clone()), e))
            .collect();
        let mut held: BTreeMap<(String, String), HeldEntry> = std::mem::take(&mut global.held)
            .into_iter()
            .map(|e| ((e.rule_id.clone(), e.incident_id.clone()), e))
            .collect();
        for k in keys {
            match k.flapping {
                Some(state) => flapping.insert(k.key, state),
                None => flapping.remove(&k.key),
            };
            for e in k.sent {
                sent.insert((e.rule_id.clone(), e.incident_id.clone()), e);
            }
            for e in k.held {
                held.insert((e.rule_id.clone(), e.incident_id.clone()), e);
            }
        }
        global.flapping = flapping
            .into_iter()
            .map(|(key, state)| FlapEntry { key, state })
            .collect();
        global.sent = sent.into_values().collect();
        global.held = held.into_values().collect();
        AlertEngine::restore(config, global)
    }

    fn group_entries(&self) -> Vec<GroupEntry> {
        self.groups
            .iter()
            .map(|((rule_id, connector_id), g)| GroupEntry {
                rule_id: rule_id.clone(),
                connector_id: *connector_id,
                flush_at: g.flush_at,
                pending: g.pending.iter().map(|(id, r)| (id.clone(), *r)).collect(),
            })
            .collect()
    }

    fn snapshot_with(&self, incidents: IncidentSnapshot) -> AlertSnapshot {
        AlertSnapshot {
            version: ALERT_SNAPSHOT_VERSION,
            incidents,
            rules: self.rules.values().cloned().collect(),
            silences: self.silences.values().cloned().collect(),
            heartbeats: self.heartbeats.values().cloned().collect(),
            jobs: self.jobs.values().cloned().collect(),
            windows: self.windows.values().cloned().collect(),
            flapping: self
                .flaps
                .iter()
                .map(|(key, state)| FlapEntry {
                    key: key.clone(),
                    state: state.clone(),
                })
                .collect(),
            sent: self
                .sent
                .iter()
                .map(|((rule_id, incident_id), record)| SentEntry {
                    rule_id: rule_id.clone(),
                    incident_id: incident_id.clone(),
                    record: *record,
                    repeat_at: self
                        .timers
                        .deadline(&Timer::Repeat(rule_id.clone(), incident_id.clone())),
                })
                .collect(),
            held: self
                .held
                .iter()
                .map(|((rule_id, incident_id), by)| HeldEntry {
                    rule_id: rule_id.clone(),
                    incident_id: incident_id.clone(),
                    by: by.clone(),
                })
                .collect(),
            groups: self.group_entries(),
            next_sweep: self.next_sweep,
        }
    }

    /// An engine with `config` and the state of `snapshot`, its timers
    /// rebuilt from the records.
    pub fn restore(
        config: AlertConfig,
        snapshot: AlertSnapshot,
    ) -> Result<AlertEngine, AlertSnapshotError> {
        if snapshot.version != ALERT_SNAPSHOT_VERSION {
            return Err(AlertSnapshotError::Version {
                found: snapshot.version,
            });
        }
        let model = IncidentModel::restore(config.incident.clone(), snapshot.incidents)
            .map_err(AlertSnapshotError::Incidents)?;
        let mut engine = AlertEngine::new(config);
        engine.model = model;
        engine.next_sweep = snapshot.next_sweep;
        for rule in snapshot.rules {
            rule.validate().map_err(AlertSnapshotError::Invalid)?;
            engine.rules.insert(rule.id.clone(), rule);
        }
        for silence in snapshot.silences {
            silence.validate().map_err(AlertSnapshotError::Invalid)?;
            engine
                .timers
                .schedule(Timer::SilenceEnd(silence.id.clone()), silence.ends_at);
            engine.silences.insert(silence.id.clone(), silence);
        }
        for state in snapshot.heartbeats {
            state
                .heartbeat
                .validate()
                .map_err(AlertSnapshotError::Invalid)?;
            let key = state.heartbeat.key();
            if let Some(at) = state.deadline {
                engine.timers.schedule(Timer::Heartbeat(key.clone()), at);
            }
            engine.heartbeats.insert(key, state);
        }
        for FlapEntry { key, state } in snapshot.flapping {
            if let Some(at) = state.quiet_until {
                engine.timers.schedule(Timer::FlapQuiet(key.clone()), at);
            }
            engine.flaps.insert(key, state);
        }
        for e in snapshot.sent {
            if let Some(at) = e.repeat_at {
                engine
                    .timers
                    .schedule(Timer::Repeat(e.rule_id.clone(), e.incident_id.clone()), at);
            }
            engine.sent.insert((e.rule_id, e.incident_id), e.record);
        }
        for window in snapshot.windows {
            window.validate().map_err(AlertSnapshotError::Invalid)?;
            engine.windows.insert(window.id.clone(), window);
        }
        for state in snapshot.jobs {
            engine.insert_job_state(state)?;
        }
        for e in snapshot.held {
            engine.arm_window_end(&e.by);
            engine.held.insert((e.rule_id, e.incident_id), e.by);
        }
        engine.refresh_tracked();
        for g in snapshot.groups {
            engine.timers.schedule(
                Timer::GroupFlush(g.rule_id.clone(), g.connector_id),
                g.flush_at,
            );
            engine.groups.insert(
                (g.rule_id, g.connector_id),
                Group {
                    flush_at: g.flush_at,
                    pending: g.pending.into_iter().collect(),
                },
            );
        }
        Ok(engine)
    }
}
