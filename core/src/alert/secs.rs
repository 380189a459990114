//! Durations on the wire as whole seconds (`"repeat_interval": 14400`).
//!
//! Alerting periods are minutes to days; whole seconds keep snapshots and
//! vectors readable and exact. Sub-second durations are rejected when a
//! rule, silence or heartbeat is set (`invalid_duration`), so nothing is
//! lost in a round trip.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `Duration` as whole seconds.
pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    d.as_secs().serialize(s)
}

/// Whole seconds as a `Duration`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_secs)
}

/// `Option<Duration>` as optional whole seconds.
pub(crate) mod option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(|d| d.as_secs()).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
    }
}
