//! Why a quota operation could not be carried out. Quota *refusals* are not
//! errors (they are [`Decision`](super::Decision)s); these are bad inputs:
//! a corrupt snapshot or a store result that cannot come from the statement.

use core::fmt;

/// A quota input that cannot be used, with a stable machine
/// [`code`](QuotaError::code) and a message saying how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaError {
    /// The snapshot text is not the snapshot JSON format.
    SnapshotSyntax {
        /// The JSON parser's description, with line and column.
        detail: String,
    },
    /// The snapshot was written by an incompatible format version.
    SnapshotVersion {
        /// The version found in the snapshot.
        found: u32,
    },
    /// Rows are not strictly sorted by `(tenant, metric, window_start)`, or a
    /// row's idempotency keys are not strictly sorted (duplicates included).
    SnapshotUnsorted {
        /// 0-based index of the offending row.
        row: usize,
    },
    /// A row's `window_start` is not the first second of a window of its
    /// metric (a UTC midnight, or a first of the month for `ai_query`).
    SnapshotMisaligned {
        /// 0-based index of the offending row.
        row: usize,
    },
    /// A number does not fit the shared store's signed 64-bit (SQL `BIGINT`)
    /// columns.
    StoreOutOfRange {
        /// Which value: `cost`, `limit` or `used`.
        field: &'static str,
    },
    /// The store reported a result the statement cannot produce (for example
    /// a `used` above the limit, or a denial for an unlimited plan).
    StoreResultInvalid {
        /// What is inconsistent.
        detail: &'static str,
    },
}

impl QuotaError {
    /// Stable machine code shared by every language.
    pub const fn code(&self) -> &'static str {
        match self {
            QuotaError::SnapshotSyntax { .. } => "snapshot_syntax",
            QuotaError::SnapshotVersion { .. } => "snapshot_version",
            QuotaError::SnapshotUnsorted { .. } => "snapshot_unsorted",
            QuotaError::SnapshotMisaligned { .. } => "snapshot_misaligned",
            QuotaError::StoreOutOfRange { .. } => "store_out_of_range",
            QuotaError::StoreResultInvalid { .. } => "store_result_invalid",
        }
    }
}

impl fmt::Display for QuotaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuotaError::SnapshotSyntax { detail } => write!(
                f,
                "the quota snapshot is not valid snapshot JSON ({detail}); restore a file written \
                 by Ledger::snapshot"
            ),
            QuotaError::SnapshotVersion { found } => write!(
                f,
                "the quota snapshot has version {found}, this library reads version {}; \
                 upgrade the library or re-create the snapshot",
                super::snapshot::SNAPSHOT_VERSION
            ),
            QuotaError::SnapshotUnsorted { row } => write!(
                f,
                "quota snapshot row {row} is out of order or duplicated: rows must be strictly \
                 sorted by (tenant, metric, window_start) and each row's idempotency keys \
                 strictly sorted"
            ),
            QuotaError::SnapshotMisaligned { row } => write!(
                f,
                "quota snapshot row {row} has a window_start that does not begin a UTC window \
                 (00:00:00 for inbound_event, the 1st of a month at 00:00:00 for ai_query)"
            ),
            QuotaError::StoreOutOfRange { field } => write!(
                f,
                "the quota {field} does not fit a signed 64-bit SQL BIGINT; use a value up to \
                 9223372036854775807 (or Limit::Unlimited)"
            ),
            QuotaError::StoreResultInvalid { detail } => write!(
                f,
                "the shared quota store returned an impossible result ({detail}); check that \
                 the statement and the table are the ones documented in quota::shared_store"
            ),
        }
    }
}

impl std::error::Error for QuotaError {}
