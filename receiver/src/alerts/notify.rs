//! What a notification looks like on the wire: its id and its JSON body.
//! The body is built once, when the notification is recorded, and stored,
//! so every delivery attempt sends the same bytes (receivers can dedupe on
//! `id`).

use erpops_core::alert::NotifyReason;
use erpops_core::incident::Incident;
use erpops_core::Timestamp;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `type` of every notification body; lets a webhook endpoint that also
/// receives other payloads tell them apart.
pub const PAYLOAD_TYPE: &str = "erpops.alert.notification";

/// The reason as its wire name (`first`, `missed_run`, …).
pub fn reason_name(reason: NotifyReason) -> String {
    serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A notification id: `ntf_` + 24 hex digits of SHA-256 over what makes it
/// unique (rule, incident, reason, time, and the writer's sequence number
/// for two alike in one nanosecond). Deterministic, so the writer needs no
/// random source inside a transaction.
pub fn notification_id(
    rule_id: &str,
    incident_id: &str,
    reason: &str,
    at: Timestamp,
    seq: u64,
) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, incident_id, reason] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.update(at.unix_nanos().to_be_bytes());
    h.update(seq.to_be_bytes());
    let digest = hex::encode(h.finalize());
    format!("ntf_{}", digest.get(..24).unwrap_or(&digest))
}

/// The JSON body sent to the channel.
pub fn payload(
    id: &str,
    tenant_id: &str,
    rule_id: &str,
    channel: &str,
    reason: &str,
    incident: &Incident,
    created_at: Timestamp,
) -> Value {
    json!({
        "id": id,
        "type": PAYLOAD_TYPE,
        "tenant_id": tenant_id,
        "rule_id": rule_id,
        "channel": channel,
        "reason": reason,
        "created_at": created_at,
        "incident": incident,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let t = Timestamp::from_unix_seconds(1_700_000_000);
        let a = notification_id("r", "inc_1", "first", t, 0);
        assert_eq!(a, notification_id("r", "inc_1", "first", t, 0));
        assert_eq!(a.len(), 4 + 24);
        assert_ne!(a, notification_id("r", "inc_1", "first", t, 1));
        assert_ne!(a, notification_id("r", "inc_1", "resolved", t, 0));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(
            notification_id("ab", "c", "first", t, 0),
            notification_id("a", "bc", "first", t, 0)
        );
        assert_eq!(reason_name(NotifyReason::MissedRun), "missed_run");
    }
}
