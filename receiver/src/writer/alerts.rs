//! The writer's alerting part: loading the alert engine with its saved
//! state, catching up with what other receivers wrote to a shared store,
//! applying the operator's configuration when its generation moves,
//! recording the engine's notifications in the open transaction, and
//! saving the engine's state with the commit.

use erpops_core::alert::{AlertConfig, AlertEffect, AlertEngine, AlertSnapshot};
use erpops_core::incident::snapshot::SNAPSHOT_VERSION;
use erpops_core::incident::{IncidentConfig, IncidentSnapshot};
use erpops_core::Timestamp;

use super::{load_model, Writer};
use crate::store::{EngineChanges, StoreError, StoreResult, WriterStore};

/// Key of the saved alert state holding the configuration generation the
/// engine's rules, silences and heartbeats were loaded at (ignored by the
/// core's snapshot), so a receiver that reloads the state knows whether
/// its own configuration matches it.
const CONFIG_GENERATION: &str = "receiver_config_generation";

/// The alert engine around the saved incident model, with its saved alert
/// state (rules, throttling, flapping, held notifications). Saved apart
/// from the incidents so the incident model keeps its own persistence.
pub(super) fn load_engine(store: &mut dyn WriterStore) -> StoreResult<AlertEngine> {
    let model = load_model(store)?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("alert state: {e}"));
    let mut state = match store.load_alert_state()? {
        Some(v) => v,
        None => {
            serde_json::to_value(AlertEngine::new(alert_config()).snapshot()).map_err(corrupt)?
        }
    };
    let incidents = serde_json::to_value(model.snapshot()).map_err(corrupt)?;
    if let Some(map) = state.as_object_mut() {
        map.insert("incidents".to_owned(), incidents);
    }
    let snapshot: AlertSnapshot = serde_json::from_value(state).map_err(corrupt)?;
    AlertEngine::restore(alert_config(), snapshot)
        .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))
}

/// The engine's settings: the incident model's (as [`load_model`] restores
/// it) and the default flap detection.
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

    /// Saves the alert state when it changed, without the incidents: the
    /// writer persists those as one row per correlation key.
    pub(super) fn save_engine(&mut self) -> StoreResult<()> {
        if !self.alerts_dirty {
            return Ok(());
        }
        let mut state = serde_json::to_value(self.alerts.snapshot_without_incidents())
            .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))?;
        if let Some(map) = state.as_object_mut() {
            map.insert(CONFIG_GENERATION.to_owned(), self.alert_generation.into());
        }
        self.store.save_alert_state(&state)
    }

    /// Start of every transaction that may change the engine (a group, a
    /// tick): takes the store's engine lock and catches up with what other
    /// receivers wrote since this writer last did ([`WriterStore::lock_engine`];
    /// nothing on SQLite), then loads a changed alert configuration. A
    /// failure fails the transaction: settling on a stale engine could
    /// open a second incident or notify twice.
    pub(super) fn sync_shared_engine(&mut self, now: Timestamp) -> StoreResult<()> {
        if let Some(changes) = self.store.lock_engine()? {
            if !changes.is_empty() {
                self.apply_engine_changes(changes)?;
            }
        }
        self.reload_alert_config_or_log(now);
        Ok(())
    }

    /// Puts rows written by another receiver into the engine: its key rows
    /// replace this model's, its alert state (when it changed) replaces
    /// this engine's own state. The core restores an engine from one
    /// snapshot, so this costs a pass over the keys held (in memory, no
    /// query), paid only when another receiver wrote in between.
    fn apply_engine_changes(&mut self, changes: EngineChanges) -> StoreResult<()> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("alert state: {e}"));
        let mut snapshot = match changes.alert_state {
            Some(mut state) => {
                let generation = state
                    .get(CONFIG_GENERATION)
                    .and_then(serde_json::Value::as_i64);
                if generation != Some(self.alert_generation) {
                    // Rules and heartbeats of another generation: reload
                    // the configuration (and the rule → tenant map).
                    self.alert_generation = -1;
                }
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
                serde_json::from_value::<AlertSnapshot>(state).map_err(corrupt)?
            }
            None => self.alerts.snapshot_without_incidents(),
        };
        let mut keys: std::collections::BTreeMap<_, _> = self
            .alerts
            .model()
            .snapshot()
            .keys
            .into_iter()
            .map(|k| (k.key.clone(), k))
            .collect();
        let reloaded = changes.keys.len();
        for row in changes.keys {
            keys.insert(row.key.clone(), row);
        }
        snapshot.incidents = IncidentSnapshot {
            version: SNAPSHOT_VERSION,
            keys: keys.into_values().collect(),
        };
        self.alerts = AlertEngine::restore(alert_config(), snapshot)
            .map_err(|e| StoreError::Corrupt(format!("alert state: {e}")))?;
        tracing::debug!(
            keys = reloaded,
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

    /// Loads rules, silences and heartbeats into the engine when the
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
        for heartbeat in &config.heartbeats {
            if self.alerts.heartbeats().any(|s| &s.heartbeat == heartbeat) {
                continue;
            }
            if let Err(e) = self.alerts.set_heartbeat(heartbeat.clone(), now) {
                tracing::warn!(source = %heartbeat.source, error = %e, "heartbeat skipped");
            }
        }
        self.alert_generation = config.generation;
        self.alerts_dirty = true;
        tracing::info!(
            generation = config.generation,
            rules = config.rules.len(),
            silences = config.silences.len(),
            heartbeats = config.heartbeats.len(),
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
                    // A tick's incident effects come from engine state
                    // (a heartbeat's deadline and miss count, an expired
                    // acknowledgement) that must be saved with them:
                    // another receiver on a shared store, or this one
                    // after a restart, would fire the same timer again.
                    self.alerts_dirty = true;
                    self.note_incident_effect(e);
                }
                AlertEffect::Notify {
                    rule_id,
                    channel,
                    incident,
                    reason,
                } => {
                    self.alerts_dirty = true;
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
                _ => self.alerts_dirty = true,
            }
        }
        Ok(())
    }
}
