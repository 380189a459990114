//! Batch progress: how far a run got before it failed (contract §6).
//!
//! No incident tool models this; for ERP batches it is the first thing an
//! operator asks ("did it die at the start or near the end?").

use serde::{Deserialize, Serialize};

use crate::event::Event;

/// Metadata entry with the number of records done.
pub const RECORDS_PROCESSED_FIELD: &str = "records_processed";
/// Metadata entry with the number of records in the run.
pub const RECORDS_TOTAL_FIELD: &str = "records_total";

/// Progress reached by a run, from the event's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The outcome token of the event that reported it (`failed`).
    pub outcome: String,
    /// Records done; never more than `records_total`.
    pub records_processed: u64,
    /// Records in the run; never zero.
    pub records_total: u64,
    /// Human summary, e.g. `failed at record 18,441 of 40,000 (46.1%)`.
    pub summary: String,
}

impl Progress {
    /// Progress from `records_processed`/`records_total` of `event`, when
    /// both are integers with `0 <= processed <= total` and `total > 0`.
    /// Anything else (floats, strings, negatives, a zero total, more done
    /// than there are) is not progress and yields `None`, so a bad sender
    /// never produces "150%" or a division by zero.
    pub fn of(event: &Event) -> Option<Progress> {
        let (processed, total) = Self::counts(event)?;
        let outcome = event.outcome().to_owned();
        let summary = format!(
            "{outcome} at record {} of {} ({})",
            thousands(processed),
            thousands(total),
            percent_tenths(processed, total)
        );
        Some(Progress {
            outcome,
            records_processed: processed,
            records_total: total,
            summary,
        })
    }
}

impl Progress {
    /// The valid `(records_processed, records_total)` of `event`, by the
    /// rules of [`Progress::of`], without formatting anything.
    pub fn counts(event: &Event) -> Option<(u64, u64)> {
        let int = |field| {
            event
                .metadata
                .get(field)
                .and_then(|v| v.as_i128())
                .and_then(|v| u64::try_from(v).ok())
        };
        let processed = int(RECORDS_PROCESSED_FIELD)?;
        let total = int(RECORDS_TOTAL_FIELD)?;
        (total > 0 && processed <= total).then_some((processed, total))
    }

    /// Whether this progress says the same as `event` would.
    pub fn same_as(&self, event: &Event, processed: u64, total: u64) -> bool {
        self.records_processed == processed
            && self.records_total == total
            && self.outcome == event.outcome()
    }
}

/// `18441` → `18,441`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `processed / total` as a percentage with one decimal, rounded **down**
/// in integer arithmetic (no floats: identical in every language), so a run
/// that is not finished never shows `100.0%`. `total` must be non-zero.
pub fn percent_tenths(processed: u64, total: u64) -> String {
    let tenths = u128::from(processed) * 1000 / u128::from(total.max(1));
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_from_the_right() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(18_441), "18,441");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn percent_rounds_down_to_tenths() {
        assert_eq!(percent_tenths(18_441, 40_000), "46.1%");
        assert_eq!(percent_tenths(39_999, 40_000), "99.9%");
        assert_eq!(percent_tenths(40_000, 40_000), "100.0%");
        assert_eq!(percent_tenths(0, 7), "0.0%");
        assert_eq!(percent_tenths(u64::MAX, u64::MAX), "100.0%");
    }
}
