//! State snapshot and restore, for embedders that persist the model.
//!
//! A snapshot is plain serde data in key order; its JSON re-encodes byte
//! for byte after a restore, so stores can compare or hash it.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::config::IncidentConfig;
use super::key::CorrelationKey;
use super::model::{IncidentModel, KeyState};

/// The snapshot format version written by this code.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Everything the model holds except its configuration (which the embedder
/// supplies again on restore, so a config change applies to old state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSnapshot {
    /// Format version ([`SNAPSHOT_VERSION`]).
    pub version: u32,
    /// One entry per remembered key, in key order.
    pub keys: Vec<KeySnapshot>,
}

/// One key and what is remembered about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySnapshot {
    /// The correlation key.
    pub key: CorrelationKey,
    /// Its state.
    #[serde(flatten)]
    pub state: KeyState,
}

/// A snapshot that cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Written by an incompatible version.
    Version {
        /// The version found.
        found: u32,
    },
    /// The same key appears twice.
    DuplicateKey {
        /// The key, as text.
        key: String,
    },
    /// An incident is filed under a key other than its own.
    KeyMismatch {
        /// The incident id.
        incident_id: String,
    },
    /// Two incidents share an id.
    DuplicateIncident {
        /// The incident id.
        incident_id: String,
    },
}

impl SnapshotError {
    /// Stable machine code: `snapshot_version`, `snapshot_duplicate_key`,
    /// `snapshot_key_mismatch`, `snapshot_duplicate_incident`.
    pub const fn code(&self) -> &'static str {
        match self {
            SnapshotError::Version { .. } => "snapshot_version",
            SnapshotError::DuplicateKey { .. } => "snapshot_duplicate_key",
            SnapshotError::KeyMismatch { .. } => "snapshot_key_mismatch",
            SnapshotError::DuplicateIncident { .. } => "snapshot_duplicate_incident",
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Version { found } => write!(
                f,
                "incident snapshot version {found} is not supported (expected \
                 {SNAPSHOT_VERSION}); restore it with the SDK version that wrote it"
            ),
            SnapshotError::DuplicateKey { key } => write!(
                f,
                "key {key} appears twice in the incident snapshot; the snapshot was edited or \
                 corrupted, restore an intact copy"
            ),
            SnapshotError::KeyMismatch { incident_id } => write!(
                f,
                "incident {incident_id} is filed under a key other than its own; the snapshot \
                 was edited or corrupted, restore an intact copy"
            ),
            SnapshotError::DuplicateIncident { incident_id } => write!(
                f,
                "incident id {incident_id} appears twice in the snapshot; the snapshot was \
                 edited or corrupted, restore an intact copy"
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl IncidentModel {
    /// The model's state as serde data, in key order.
    pub fn snapshot(&self) -> IncidentSnapshot {
        IncidentSnapshot {
            version: SNAPSHOT_VERSION,
            keys: self
                .keys
                .sorted()
                .into_iter()
                .map(|(key, state)| KeySnapshot {
                    key: key.clone(),
                    state: state.clone(),
                })
                .collect(),
        }
    }

    /// What the model remembers about one key, as the entry
    /// [`snapshot`](Self::snapshot) would hold for it; `None` when the key is
    /// not (or no longer) remembered. A store that keeps one row per key
    /// writes the keys an operation touched instead of the whole snapshot;
    /// the rows together restore like the snapshot.
    pub fn key_snapshot(&self, key: &CorrelationKey) -> Option<KeySnapshot> {
        self.keys.get(key).map(|state| KeySnapshot {
            key: key.clone(),
            state: state.clone(),
        })
    }

    /// Replaces what the model remembers about `key` with `row` (`None`:
    /// forgets the key), its timers and counts kept as
    /// [`restore`](Self::restore) makes them: the model is the one a
    /// restore of the whole snapshot with this key's entry replaced would
    /// give, at the cost of one key. An embedder whose rows another writer
    /// changed (several receivers sharing one store) catches up with the
    /// rows that changed instead of restoring every key.
    pub fn restore_key(
        &mut self,
        key: &CorrelationKey,
        row: Option<KeyState>,
    ) -> Result<(), SnapshotError> {
        if let Some(inc) = row.as_ref().and_then(|r| r.incident.as_deref()) {
            if inc.key != *key {
                return Err(SnapshotError::KeyMismatch {
                    incident_id: inc.id.clone(),
                });
            }
            if self.ids.get(&inc.id).is_some_and(|held| held != key) {
                return Err(SnapshotError::DuplicateIncident {
                    incident_id: inc.id.clone(),
                });
            }
        }
        if let Some(old) = self.keys.remove(key) {
            if let Some(inc) = old.incident.as_deref() {
                if self.ids.get(&inc.id) == Some(key) {
                    self.ids.remove(&inc.id);
                }
                self.ack_timers.cancel(&inc.id);
                if inc.is_active() {
                    self.active = self.active.saturating_sub(1);
                }
            }
            self.forget_timers.cancel(key);
        }
        let Some(state) = row else {
            return Ok(());
        };
        if let Some(inc) = state.incident.as_deref() {
            self.ids.insert(inc.id.clone(), key.clone());
            if let (true, Some(at)) = (
                inc.status == super::record::IncidentStatus::Acknowledged,
                inc.ack_expires_at,
            ) {
                self.ack_timers.schedule(inc.id.clone(), at);
            }
            if inc.is_active() {
                self.active = self.active.saturating_add(1);
            }
        }
        if let Some(at) = state.forget_at {
            self.forget_timers.schedule(key.clone(), at);
        }
        self.keys.insert(key.clone(), state);
        Ok(())
    }

    /// A model with `config` and the state of `snapshot`, its timers
    /// rebuilt from the records (`ack_expires_at`, `forget_at`).
    pub fn restore(
        config: IncidentConfig,
        snapshot: IncidentSnapshot,
    ) -> Result<IncidentModel, SnapshotError> {
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version {
                found: snapshot.version,
            });
        }
        let mut model = IncidentModel::new(config);
        for KeySnapshot { key, state } in snapshot.keys {
            if model.keys.contains(&key) {
                return Err(SnapshotError::DuplicateKey {
                    key: key.to_string(),
                });
            }
            if let Some(inc) = &state.incident {
                if inc.key != key {
                    return Err(SnapshotError::KeyMismatch {
                        incident_id: inc.id.clone(),
                    });
                }
                if model.ids.insert(inc.id.clone(), key.clone()).is_some() {
                    return Err(SnapshotError::DuplicateIncident {
                        incident_id: inc.id.clone(),
                    });
                }
                if let (true, Some(at)) = (
                    inc.status == super::record::IncidentStatus::Acknowledged,
                    inc.ack_expires_at,
                ) {
                    model.ack_timers.schedule(inc.id.clone(), at);
                }
            }
            if let Some(at) = state.forget_at {
                model.forget_timers.schedule(key.clone(), at);
            }
            if state.incident.as_deref().is_some_and(|i| i.is_active()) {
                model.active = model.active.saturating_add(1);
            }
            model.keys.insert(key, state);
        }
        Ok(model)
    }
}
