//! The serialized form of a [`Ledger`](super::Ledger): plain rows
//! `(tenant, metric, window_start, used)` plus the window's idempotency keys,
//! the same shape as the shared store's tables, so moving from embedded to
//! shared is a data copy.
//!
//! The JSON is canonical: fields in a fixed order, rows sorted by
//! `(tenant, metric, window_start)`, keys sorted, only integers and strings.
//! Serialize → deserialize → serialize gives the same bytes.

use serde::{Deserialize, Serialize};

use super::error::QuotaError;
use super::plan::Metric;

/// The format version this library writes and reads. Bumped on any
/// incompatible change; [`Ledger::restore`](super::Ledger::restore) refuses
/// other versions.
pub const SNAPSHOT_VERSION: u32 = 1;

/// A versioned, sorted dump of every counter row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_VERSION`] when written by this library.
    pub version: u32,
    /// Counter rows, strictly sorted by `(tenant, metric, window_start)`.
    pub rows: Vec<SnapshotRow>,
}

/// One counter row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRow {
    /// The tenant charged.
    pub tenant: String,
    /// `inbound_event` or `ai_query`.
    pub metric: Metric,
    /// First second of the window (Unix seconds).
    pub window_start: i64,
    /// Units admitted in the window.
    pub used: u64,
    /// Idempotency keys admitted in the window, strictly sorted.
    pub idempotency_keys: Vec<String>,
}

impl Snapshot {
    /// Compact canonical JSON.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes; the fallback
        // only keeps this function total.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses snapshot JSON (structure only; [`Ledger::restore`] checks the
    /// version, order and alignment).
    ///
    /// [`Ledger::restore`]: super::Ledger::restore
    pub fn from_json(text: &str) -> Result<Snapshot, QuotaError> {
        serde_json::from_str(text).map_err(|e| QuotaError::SnapshotSyntax {
            detail: e.to_string(),
        })
    }
}
