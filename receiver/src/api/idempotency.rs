//! `Idempotency-Key` on the REST writes (issue #24): a retry with the same
//! key and the same method, path and body within [`TTL`] gets the first
//! answer again (same status, same body, `Idempotent-Replayed: true`) and
//! changes nothing; the same key with another request is 422
//! `idempotency_key_reused`. Keys are per tenant.
//!
//! Where the answer is stored (`idempotency_keys`, migration 13): a write
//! the API makes on its own connection stores it in the transaction that
//! makes the change, with its audit row ([`super::writes`]), so a change
//! and its answer are committed together or not at all, and a second
//! request with the key (on PostgreSQL from another receiver at the same
//! time) either finds the answer or fails to insert its own and is rolled
//! back — never both applied. Incident commands are applied by the serving
//! writer in its own transaction: for them the key is first claimed (a row
//! without an answer, answered 409 `idempotency_key_in_use` to another
//! request meanwhile, and expiring after [`CLAIM_TTL`] should the process
//! die), then answered.
//!
//! Only successful answers are stored: a refused write changed nothing,
//! and its retry is judged again (and refused again while nothing changed).

use std::time::Duration;

use erpops_core::receive::Response as CoreResponse;
use sha2::{Digest, Sha256};

use super::Refusal;
use crate::store::StoredAnswer;

/// How long an answer is kept and replayed.
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a claim without an answer holds its key.
pub const CLAIM_TTL: Duration = Duration::from_secs(120);
/// The longest key.
pub const MAX_KEY_LEN: usize = 255;

/// Checks an `Idempotency-Key` value: 1 to 255 printable ASCII characters.
pub fn check_key(key: &str) -> Result<(), Refusal> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| (0x20..=0x7e).contains(&b))
    {
        return Err((
            400,
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
        ));
    }
    Ok(())
}

/// The fingerprint of a request: SHA-256 (hex) of its method, path and
/// body, each ended by a newline (so no two requests run together).
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

/// An answer as stored (its `Content-Type`, the only header a write's
/// answer has, and its body).
pub fn stored(response: &CoreResponse, fingerprint: &str) -> StoredAnswer {
    StoredAnswer {
        fingerprint: fingerprint.to_owned(),
        status: Some(response.status),
        headers: response
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect(),
        body: String::from_utf8_lossy(&response.body).into_owned(),
    }
}

/// What a request with a key that already has a stored row gets: the
/// first answer again, 422 for another request, 409 while the first is
/// still being answered.
pub fn replay(answer: &StoredAnswer, fingerprint: &str) -> Result<CoreResponse, Refusal> {
    if answer.fingerprint != fingerprint {
        return Err((
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with another request (method, path or body) in the \
             last 24 hours; use a new key for a new request"
                .to_owned(),
        ));
    }
    let Some(status) = answer.status else {
        return Err(in_use());
    };
    let mut headers: Vec<(&'static str, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| ("Content-Type", value.clone()))
        .collect();
    headers.push(("Idempotent-Replayed", "true".to_owned()));
    Ok(CoreResponse {
        status,
        headers,
        body: answer.body.clone().into_bytes(),
        code: None,
        effects: Vec::new(),
    })
}

/// 409 while another request with the key is being answered.
pub fn in_use() -> Refusal {
    (
        409,
        "idempotency_key_in_use",
        "a request with this Idempotency-Key is still being answered; retry it shortly".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_printable_ascii_up_to_255() {
        assert!(check_key("a").is_ok());
        assert!(check_key(&"k".repeat(255)).is_ok());
        assert!(check_key("").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
        assert!(check_key("tab\there").is_err());
        assert!(check_key("é").is_err());
    }

    #[test]
    fn a_replay_is_the_stored_answer_and_another_request_is_refused() {
        let fp = fingerprint("POST", "/v1/connectors", b"{}");
        assert_ne!(fp, fingerprint("POST", "/v1/connectors", b"{} "));
        let a = StoredAnswer {
            fingerprint: fp.clone(),
            status: Some(201),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: "{\"id\":1}".into(),
        };
        let r = replay(&a, &fp).unwrap();
        assert_eq!((r.status, r.body.as_slice()), (201, &b"{\"id\":1}"[..]));
        assert!(r
            .headers
            .contains(&("Idempotent-Replayed", "true".to_owned())));
        assert_eq!(replay(&a, "other").unwrap_err().1, "idempotency_key_reused");
        let pending = StoredAnswer { status: None, ..a };
        assert_eq!(
            replay(&pending, &fp).unwrap_err().1,
            "idempotency_key_in_use"
        );
    }
}
