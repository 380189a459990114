//! The event id: the same bytes from the same connector get the same id on
//! every receiver and in every language (contract §4).

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Prefix of every event id.
pub const EVENT_ID_PREFIX: &str = "evt_";

/// `evt_` + the first 32 lowercase hex digits of SHA-256(the connector's
/// UUID in lowercase hyphenated form ‖ `\n` ‖ raw body).
///
/// The id doubles as the replay digest: a retry of the same bytes is
/// recognized without storing the body, and the connector id in the hash
/// keeps two connectors that send identical bytes apart. 128 bits keep
/// accidental collisions out of reach for any realistic volume.
pub fn event_id(connector_id: &Uuid, body: &[u8]) -> String {
    let mut h = Sha256::new();
    let mut buf = Uuid::encode_buffer();
    h.update(connector_id.hyphenated().encode_lower(&mut buf).as_bytes());
    h.update(b"\n");
    h.update(body);
    let digest = h.finalize();
    let mut out = String::with_capacity(EVENT_ID_PREFIX.len() + 32);
    out.push_str(EVENT_ID_PREFIX);
    out.push_str(&hex::encode(digest.get(..16).unwrap_or_default()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_sha256() {
        let id = Uuid::parse_str("3F2B8C1E-9A4D-4E7B-8C21-5D6F7A8B9C0D").unwrap();
        // printf '3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\n{}' | sha256sum
        let expected = {
            let d = Sha256::digest(b"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d\n{}");
            format!("evt_{}", &hex::encode(d)[..32])
        };
        assert_eq!(event_id(&id, b"{}"), expected);
        assert_eq!(event_id(&id, b"{}").len(), 36);
        assert_ne!(event_id(&id, b"{}"), event_id(&Uuid::nil(), b"{}"));
    }
}
