//! The writer's alerting part: loading the alert engine with its saved
//! state, catching up with what other receivers wrote to a shared store,
//! applying the operator's configuration when its generation moves,
//! recording the engine's notifications in the open transaction, and
//! saving the engine's state with the commit.

use erpops_core::alert::{AlertConfig, AlertEffect, AlertEngine, AlertSnapshot};
use erpops_core::incident::snapshot::SNAPSHOT_VERSION;
use erpops_core::incident::{IncidentConfig, IncidentModel, IncidentSnapshot};
use erpops_core::Timestamp;

use super::Writer;
use crate::store::{EngineChanges, EngineScope, StoreError, StoreResult, WriterStore};

/// Key of the saved alert state holding the configuration generation the
/// engine's rules, silences and heartbeats were loaded at (ignored by the
/// core's snapshot), so a receiver that reloads the state knows whether
/// its own configuration matches it.
const CONFIG_GENERATION: &str = "receiver_config_generation";

/// The alert engine from what the store holds: the incident model's key
/// rows, the engine-wide alert state (rules, silences, heartbeats, groups)
/// and the alerting state of each key (flapping, throttling, held
/// notifications: `alert_key_state`, migration 8). An engine-wide row
/// written before migration 8 still holds every key's state: it is
/// converted into key rows here, once (the key rows are written first, so
/// a crash in between converts again; the rows win over the old row).
pub fn load_engine(store: &mut dyn WriterStore) -> StoreResult<AlertEngine> {
    let incidents = store
        .load_incident_model()?
        .unwrap_or_else(|| IncidentModel::new(IncidentConfig::default()).snapshot());
    let global = match store.load_alert_state()? {
        Some(state) => global_of(state)?.0,
        None => AlertEngine::new(alert_config()).snapshot_global(),
    };
    let whole = !(global.flapping.is_empty() && global.sent.is_empty() && global.held.is_empty());
    let keys = store.load_alert_keys()?;
    let mut engine = AlertEngine::restore_split(alert_config(), global, incidents, keys)
        .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))?;
    // The jobs, one row each, with their timers (due time, runs in
    // progress, pending deadlines): a restart keeps them.
    engine
        .restore_jobs(store.load_job_states()?)
        .map_err(|e| StoreError::Corrupt(format!("job row: {e}")))?;
    if whole {
        let rows: Vec<_> = engine
            .alert_keys()
            .into_iter()
            .map(|k| {
                let row = engine.key_alert_snapshot(&k);
                (k, Some(row))
            })
            .collect();
        store.write_alert_keys(&rows)?;
        // The generation is not known here: the writer loads the
        // configuration at its first group and saves the row again.
        store.save_alert_state(&state_json(&engine, -1)?)?;
        tracing::info!(
            keys = rows.len(),
            "alert state converted into one row per correlation key"
        );
    }
    Ok(engine)
}

/// A saved engine-wide alert state as the core's snapshot (its incidents
/// empty) and the configuration generation it was saved with.
fn global_of(mut state: serde_json::Value) -> StoreResult<(AlertSnapshot, Option<i64>)> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("alert state: {e}"));
    let generation = state
        .get(CONFIG_GENERATION)
        .and_then(serde_json::Value::as_i64);
    if let Some(map) = state.as_object_mut() {
        map.remove(CONFIG_GENERATION);
        map.insert(
            "incidents".to_owned(),
            serde_json::to_value(IncidentSnapshot {
                version: SNAPSHOT_VERSION,
                keys: Vec::new(),
            })
            .map_err(corrupt)?,
        );
    }
    let snapshot = serde_json::from_value::<AlertSnapshot>(state).map_err(corrupt)?;
    Ok((snapshot, generation))
}

/// The engine-wide state as saved: the core's [`AlertEngine::snapshot_global`]
/// with the configuration generation it was loaded at.
fn state_json(engine: &AlertEngine, generation: i64) -> StoreResult<serde_json::Value> {
    let mut state = serde_json::to_value(engine.snapshot_global())
        .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))?;
    if let Some(map) = state.as_object_mut() {
        map.insert(CONFIG_GENERATION.to_owned(), generation.into());
    }
    Ok(state)
}

/// The engine's settings: the incident model's defaults and the default
/// flap detection.
fn alert_config() -> AlertConfig {
    AlertConfig {
        incident: IncidentConfig::default(),
        ..AlertConfig::with_defaults()
    }
}

impl Writer {
    /// After a commit: wake the delivery task if notifications were
    /// recorded.
    pub(super) fn after_commit(&mut self) {
        self.alerts_dirty = false;
        if std::mem::take(&mut self.notified) > 0 {
            if let Some(wake) = &self.delivery_wake {
                wake.notify_one();
            }
        }
    }

    /// Saves what the open transaction changed in the alert engine's own
    /// state (the incidents are saved as key rows apart): the rows of the
    /// keys whose alerting state changed ([`AlertEngine::take_changes`]),
    /// the rows of the jobs that changed, and the engine-wide row only
    /// when it changed. Nothing here grows
    /// with the number of keys the engine holds.
    pub(super) fn save_engine(&mut self) -> StoreResult<()> {
        let changes = self.alerts.take_changes();
        if !changes.keys.is_empty() {
            let rows: Vec<_> = changes
                .keys
                .into_iter()
                .map(|k| {
                    // A key the model no longer holds has no state to keep.
                    let row = self
                        .alerts
                        .model()
                        .incident_for_key(&k)
                        .is_some()
                        .then(|| self.alerts.key_alert_snapshot(&k));
                    (k, row)
                })
                .collect();
            self.store.write_alert_keys(&rows)?;
        }
        if !changes.jobs.is_empty() {
            // One row per changed job (`None`: removed).
            let rows: Vec<_> = changes
                .jobs
                .into_iter()
                .map(|k| {
                    let row = self.alerts.job(k.connector_id, &k.source).cloned();
                    (k, row)
                })
                .collect();
            self.store.write_job_states(&rows)?;
        }
        if changes.global || self.alerts_dirty {
            let state = state_json(&self.alerts, self.alert_generation)?;
            self.store.save_alert_state(&state)?;
        }
        Ok(())
    }

    /// Start of every transaction that may change the engine (a group, a
    /// tick): takes the store's engine locks and catches up with what other
    /// receivers wrote since this writer last did ([`WriterStore::lock_engine`];
    /// nothing on SQLite), then loads a changed alert configuration. A
    /// failure fails the transaction: settling on a stale engine could
    /// open a second incident or notify twice.
    pub(super) fn sync_shared_engine(
        &mut self,
        now: Timestamp,
        scope: EngineScope,
    ) -> StoreResult<()> {
        if let Some(changes) = self.store.lock_engine(scope)? {
            if !changes.is_empty() {
                self.apply_engine_changes(changes)?;
            }
            if scope == EngineScope::Tenants {
                // A shared engine's group that did not lock the
                // engine-wide state must not change it: a configuration
                // that moved since the group looked is loaded by the next.
                return Ok(());
            }
        }
        self.reload_alert_config_or_log(now);
        Ok(())
    }

    /// Puts rows written by another receiver into the engine: its key rows
    /// replace this model's, its alerting rows per key replace this
    /// engine's state of those keys, and its engine-wide state (when it
    /// changed) replaces this engine's. Key rows alone are put in place
    /// ([`AlertEngine::restore_rows`]): the cost is the rows read, not the
    /// keys held. A changed engine-wide state (rules, silences,
    /// heartbeats, groups) restores the engine from one snapshot, a pass
    /// over the keys held (in memory, no query).
    fn apply_engine_changes(&mut self, changes: EngineChanges) -> StoreResult<()> {
        if changes.alert_state.is_none() {
            let reloaded = changes.keys.len() + changes.alert_keys.len() + changes.jobs.len();
            self.alerts
                .restore_rows(
                    changes.keys.into_iter().map(|k| (k.key, Some(k.state))),
                    changes.alert_keys,
                )
                .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))?;
            self.alerts
                .restore_jobs(changes.jobs)
                .map_err(|e| StoreError::Corrupt(format!("job row: {e}")))?;
            tracing::debug!(
                rows = reloaded,
                "caught up in place with another receiver's key rows"
            );
            return Ok(());
        }
        let global = match changes.alert_state {
            Some(state) => {
                let (global, generation) = global_of(state)?;
                if generation != Some(self.alert_generation) {
                    // Rules and heartbeats of another generation: reload
                    // the configuration (and the rule → tenant map).
                    self.alert_generation = -1;
                }
                global
            }
            None => self.alerts.snapshot_global(),
        };
        let mut keys: std::collections::BTreeMap<_, _> = self
            .alerts
            .model()
            .snapshot()
            .keys
            .into_iter()
            .map(|k| (k.key.clone(), k))
            .collect();
        let reloaded = changes.keys.len() + changes.alert_keys.len();
        for row in changes.keys {
            keys.insert(row.key.clone(), row);
        }
        let mut alert_keys: std::collections::BTreeMap<_, _> = self
            .alerts
            .alert_keys()
            .into_iter()
            .map(|k| {
                let row = self.alerts.key_alert_snapshot(&k);
                (k, row)
            })
            .collect();
        for row in changes.alert_keys {
            alert_keys.insert(row.key.clone(), row);
        }
        let incidents = IncidentSnapshot {
            version: SNAPSHOT_VERSION,
            keys: keys.into_values().collect(),
        };
        // The jobs this engine holds, with the rows written since.
        let mut jobs: std::collections::BTreeMap<_, _> = self
            .alerts
            .jobs()
            .map(|s| (s.job.key(), s.clone()))
            .collect();
        for row in changes.jobs {
            jobs.insert(row.job.key(), row);
        }
        let mut engine =
            AlertEngine::restore_split(alert_config(), global, incidents, alert_keys.into_values())
                .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))?;
        engine
            .restore_jobs(jobs.into_values())
            .map_err(|e| StoreError::Corrupt(format!("job row: {e}")))?;
        self.alerts = engine;
        tracing::debug!(
            rows = reloaded,
            "caught up with another receiver's engine changes"
        );
        Ok(())
    }

    /// [`Self::reload_alert_config`], logging a failure instead of failing
    /// the group: a configuration that cannot be read must not stop events
    /// from being accepted (the generation is not recorded, so the next
    /// group or tick tries again).
    pub(super) fn reload_alert_config_or_log(&mut self, now: Timestamp) {
        if let Err(e) = self.reload_alert_config(now) {
            tracing::error!(code = e.code(), error = %e, "alert configuration not loaded; will retry");
        }
    }

    /// Loads rules, silences, heartbeats, jobs and maintenance windows
    /// into the engine when the
    /// store's configuration generation moved (inside the open
    /// transaction; ending a silence may release held notifications).
    pub(super) fn reload_alert_config(&mut self, now: Timestamp) -> StoreResult<()> {
        if self.store.config_generation()? == self.alert_generation {
            return Ok(());
        }
        let config = self.store.alert_config()?;
        let mut effects = Vec::new();
        let keep: std::collections::HashSet<&str> =
            config.rules.iter().map(|r| r.rule.id.as_str()).collect();
        let gone: Vec<String> = self
            .alerts
            .rules()
            .filter(|r| !keep.contains(r.id.as_str()))
            .map(|r| r.id.clone())
            .collect();
        for id in gone {
            self.alerts.remove_rule(&id);
        }
        self.rule_tenants.clear();
        for row in &config.rules {
            if self.alerts.rules().any(|r| r == &row.rule) {
                self.rule_tenants
                    .insert(row.rule.id.clone(), row.tenant_id.clone());
                continue;
            }
            match self.alerts.set_rule(row.rule.clone()) {
                Ok(()) => {
                    self.rule_tenants
                        .insert(row.rule.id.clone(), row.tenant_id.clone());
                }
                Err(e) => tracing::warn!(rule = %row.rule.id, error = %e, "alert rule skipped"),
            }
        }
        let keep: std::collections::HashSet<&str> =
            config.silences.iter().map(|s| s.id.as_str()).collect();
        let gone: Vec<String> = self
            .alerts
            .silences()
            .filter(|s| !keep.contains(s.id.as_str()))
            .map(|s| s.id.clone())
            .collect();
        for id in gone {
            effects.extend(self.alerts.expire_silence(&id, now));
        }
        for silence in &config.silences {
            if self.alerts.silences().any(|s| s == silence) {
                continue;
            }
            if let Err(e) = self.alerts.set_silence(silence.clone()) {
                tracing::warn!(silence = %silence.id, error = %e, "silence skipped");
            }
        }
        let keep: std::collections::HashSet<(uuid::Uuid, &str)> = config
            .heartbeats
            .iter()
            .map(|h| (h.connector_id, h.source.as_str()))
            .collect();
        let gone: Vec<(uuid::Uuid, String)> = self
            .alerts
            .heartbeats()
            .map(|s| &s.heartbeat)
            .filter(|h| !keep.contains(&(h.connector_id, h.source.as_str())))
            .map(|h| (h.connector_id, h.source.clone()))
            .collect();
        for (connector, source) in gone {
            self.alerts.remove_heartbeat(connector, &source);
        }
        // Jobs removed before any is set, so a source moved from a job to
        // a heartbeat (or back) is not refused as watched twice.
        let keep: std::collections::HashSet<(uuid::Uuid, &str)> = config
            .jobs
            .iter()
            .map(|j| (j.connector_id, j.source.as_str()))
            .collect();
        let gone: Vec<(uuid::Uuid, String)> = self
            .alerts
            .jobs()
            .map(|s| &s.job)
            .filter(|j| !keep.contains(&(j.connector_id, j.source.as_str())))
            .map(|j| (j.connector_id, j.source.clone()))
            .collect();
        for (connector, source) in gone {
            self.alerts.remove_job(connector, &source);
        }
        for heartbeat in &config.heartbeats {
            if self.alerts.heartbeats().any(|s| &s.heartbeat == heartbeat) {
                continue;
            }
            if let Err(e) = self.alerts.set_heartbeat(heartbeat.clone(), now) {
                tracing::warn!(source = %heartbeat.source, error = %e, "heartbeat skipped");
            }
        }
        // A job whose configuration is unchanged keeps its state (its
        // restored timers above all); a changed one is set again (the core
        // keeps its runs and incidents).
        for job in &config.jobs {
            if self
                .alerts
                .job(job.connector_id, &job.source)
                .is_some_and(|s| &s.job == job)
            {
                continue;
            }
            if let Err(e) = self.alerts.set_job(job.clone(), now) {
                tracing::warn!(source = %job.source, code = e.code(), error = %e, "job skipped");
            }
        }
        let keep: std::collections::HashSet<&str> =
            config.windows.iter().map(|w| w.id.as_str()).collect();
        let gone: Vec<String> = self
            .alerts
            .windows()
            .filter(|w| !keep.contains(w.id.as_str()))
            .map(|w| w.id.clone())
            .collect();
        for id in gone {
            effects.extend(self.alerts.remove_window(&id, now));
        }
        for window in &config.windows {
            if self.alerts.windows().any(|w| w == window) {
                continue;
            }
            if let Err(e) = self.alerts.set_window(window.clone()) {
                tracing::warn!(window = %window.id, error = %e, "maintenance window skipped");
            }
        }
        self.alert_generation = config.generation;
        self.alerts_dirty = true;
        tracing::info!(
            generation = config.generation,
            rules = config.rules.len(),
            silences = config.silences.len(),
            heartbeats = config.heartbeats.len(),
            jobs = config.jobs.len(),
            windows = config.windows.len(),
            "alert configuration loaded"
        );
        self.apply_alert_effects(effects, now)
    }

    /// Takes the alert engine's output into the open transaction: incident
    /// facts join the group's incident effects; each `Notify` whose rule
    /// belongs to the incident's tenant becomes a pending notification.
    pub(super) fn apply_alert_effects(
        &mut self,
        effects: Vec<AlertEffect>,
        now: Timestamp,
    ) -> StoreResult<()> {
        for effect in effects {
            match effect {
                AlertEffect::Incident(e) => {
                    // The engine state behind a tick's incident effects (a
                    // heartbeat's deadline and miss count) is in the
                    // engine's own changes, saved by `save_engine`.
                    self.group.note_incident_effect(e);
                }
                AlertEffect::Notify {
                    rule_id,
                    channel,
                    incident,
                    reason,
                } => {
                    let Some(rule_tenant) = self.rule_tenants.get(&rule_id).cloned() else {
                        continue;
                    };
                    let tenant = match self.connector_tenants.get(&incident.connector_id) {
                        Some(t) => Some(t.clone()),
                        None => {
                            let t = self.store.connector_tenant(&incident.connector_id)?;
                            if let Some(t) = &t {
                                self.connector_tenants
                                    .insert(incident.connector_id, t.clone());
                            }
                            t
                        }
                    };
                    if tenant.as_deref() != Some(rule_tenant.as_str()) {
                        // Another tenant's rule: its matchers are not
                        // scoped to tenants, the receiver is.
                        continue;
                    }
                    let reason = crate::alerts::notify::reason_name(reason);
                    self.notify_seq = self.notify_seq.wrapping_add(1);
                    let id = crate::alerts::notify::notification_id(
                        &rule_id,
                        &incident.id,
                        &reason,
                        now,
                        self.notify_seq,
                    );
                    let payload = crate::alerts::notify::payload(
                        &id,
                        &rule_tenant,
                        &rule_id,
                        &channel,
                        &reason,
                        &incident,
                        now,
                    );
                    let payload = serde_json::to_string(&payload)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    self.store
                        .insert_notification(&crate::store::alerts::NewNotification {
                            id: &id,
                            tenant_id: &rule_tenant,
                            rule_id: &rule_id,
                            channel: &channel,
                            incident_id: &incident.id,
                            reason: &reason,
                            payload: &payload,
                            created_at: now,
                        })?;
                    self.notified += 1;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
