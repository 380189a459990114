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
//!
//! Some answers hold a secret shown once (a new connector's secret, a new
//! API key, of which only the hash is stored otherwise). So the store
//! never holds a key or an answer in the clear: a row is found by the
//! SHA-256 of the key ([`Key::id`]), and the answer's body is sealed with
//! a keystream derived from the key itself and the request's fingerprint
//! (SHA-256 in counter mode, [`Key::seal`]): only a client that sends the
//! key again can read it back. (A client should use random keys, e.g.
//! UUIDs, as the IETF draft says; a guessable key protects nothing.)

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

/// A checked `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Key {
    raw: String,
    /// What the store finds the key's row by: SHA-256 (hex) of the key.
    pub id: String,
}

impl Key {
    /// A header value as a key, or 400 `invalid_idempotency_key`.
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        check_key(raw)?;
        let mut h = Sha256::new();
        h.update(b"erpops idempotency key\n");
        h.update(raw.as_bytes());
        Ok(Key {
            raw: raw.to_owned(),
            id: hex::encode(h.finalize()),
        })
    }

    /// XORs `data` with the keystream of this key and `fingerprint`.
    fn xor(&self, fingerprint: &str, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        for (i, chunk) in data.chunks(32).enumerate() {
            let mut h = Sha256::new();
            h.update(b"erpops idempotent answer\n");
            h.update(self.raw.as_bytes());
            h.update(b"\n");
            h.update(fingerprint.as_bytes());
            h.update((i as u64).to_be_bytes());
            let block = h.finalize();
            out.extend(chunk.iter().zip(block.iter()).map(|(a, b)| a ^ b));
        }
        out
    }

    /// An answer as stored: its status, its `Content-Type` (the only
    /// header a write's answer has) and its body sealed (hex).
    pub fn seal(&self, response: &CoreResponse, fingerprint: &str) -> StoredAnswer {
        let mut answer = stored(response, fingerprint);
        answer.body = hex::encode(self.xor(fingerprint, &response.body));
        answer
    }

    /// What a request with this key gets when the key already has a row:
    /// the first answer again, 422 for another request, 409 while the first
    /// is still being answered.
    pub fn open(&self, answer: &StoredAnswer, fingerprint: &str) -> Result<CoreResponse, Refusal> {
        let mut response = replay(answer, fingerprint)?;
        let sealed = hex::decode(answer.body.as_bytes()).map_err(|_| {
            (
                503,
                "store_unavailable",
                "a stored answer cannot be read; retry with a new Idempotency-Key".to_owned(),
            )
        })?;
        response.body = self.xor(fingerprint, &sealed);
        Ok(response)
    }
}

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

/// An answer as it is (its `Content-Type` and its body in the clear;
/// [`Key::seal`] seals the body).
fn stored(response: &CoreResponse, fingerprint: &str) -> StoredAnswer {
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

/// The stored answer as a response (body as stored), or the refusal.
fn replay(answer: &StoredAnswer, fingerprint: &str) -> Result<CoreResponse, Refusal> {
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

    #[test]
    fn a_sealed_answer_opens_only_with_its_key_and_holds_no_secret() {
        let key = Key::parse("7f1c0a4e-retry").unwrap();
        assert!(!key.id.contains("retry"));
        let fp = fingerprint("POST", "/v1/api-keys", b"{\"label\":\"x\"}");
        let body = format!("{{\"api_key\":\"erpk_{}\"}}", "ab".repeat(32));
        let response = CoreResponse {
            status: 201,
            headers: vec![("Content-Type", "application/json".to_owned())],
            body: body.clone().into_bytes(),
            code: None,
            effects: Vec::new(),
        };
        let sealed = key.seal(&response, &fp);
        assert!(!sealed.body.contains("erpk_") && !sealed.body.contains(&"ab".repeat(8)));
        let opened = key.open(&sealed, &fp).unwrap();
        assert_eq!(opened.body, body.into_bytes());
        assert!(opened
            .headers
            .contains(&("Idempotent-Replayed", "true".to_owned())));
        let other = Key::parse("another").unwrap();
        assert_ne!(other.open(&sealed, &fp).unwrap().body, opened.body);
    }
}
