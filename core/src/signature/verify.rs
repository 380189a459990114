//! Constant-time verification against one or several candidate secrets.

use hmac::Mac;

use super::error::SignatureError;
use super::header::ParsedSignature;
use super::secret::Secret;

/// Which candidate secret produced the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchedSecret {
    /// Index of the matching secret in the slice given to [`verify`]. A
    /// receiver uses it to see whether a sender still signs with a secret
    /// that is being rotated out.
    pub index: usize,
}

/// Verifies that `header` is the signature of exactly these `body` bytes
/// under one of `secrets`.
///
/// `header` is the raw value of the `X-ERPOps-Signature` header, `None` when
/// the request has none. The value is parsed strictly (see
/// [`ParsedSignature::parse`]) before any MAC is computed.
///
/// Several secrets support rotation (the new secret plus the previous one
/// until it expires). Every candidate is checked, each comparison in constant
/// time on the 32 decoded bytes, and the loop does not stop at the first
/// match, so the time taken does not tell which secret matched. An empty
/// `secrets` slice verifies nothing: [`SignatureError::Mismatch`].
pub fn verify(
    secrets: &[Secret],
    body: &[u8],
    header: Option<&[u8]>,
) -> Result<MatchedSecret, SignatureError> {
    let parsed = ParsedSignature::parse_optional(header)?;
    verify_parsed(secrets, body, &parsed)
}

/// [`verify`] for a header that was already parsed (the receive decision
/// parses it first, to answer a malformed header before looking up the
/// connector).
pub fn verify_parsed(
    secrets: &[Secret],
    body: &[u8],
    signature: &ParsedSignature,
) -> Result<MatchedSecret, SignatureError> {
    let mut matched: Option<usize> = None;
    for (index, secret) in secrets.iter().enumerate() {
        let mut mac = secret.keyed();
        mac.update(body);
        // `verify_slice` compares in constant time (subtle::ConstantTimeEq).
        let ok = mac.verify_slice(signature.mac()).is_ok();
        if ok && matched.is_none() {
            matched = Some(index);
        }
    }
    matched
        .map(|index| MatchedSecret { index })
        .ok_or(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::super::sign;
    use super::*;

    fn secret(s: &str) -> Secret {
        Secret::new(s).unwrap()
    }

    #[test]
    fn rotation_reports_the_matching_candidate() {
        let old = secret("old-secret");
        let new = secret("new-secret");
        let body = b"{}";
        let h = sign(&old, body);
        let got = verify(&[new.clone(), old.clone()], body, Some(h.as_bytes())).unwrap();
        assert_eq!(got.index, 1);
        let got = verify(&[old, new], body, Some(h.as_bytes())).unwrap();
        assert_eq!(got.index, 0);
    }

    #[test]
    fn no_candidates_is_a_mismatch() {
        let h = sign(&secret("x"), b"body");
        assert_eq!(
            verify(&[], b"body", Some(h.as_bytes())),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_header_is_reported_before_any_mac() {
        let err = verify(&[secret("x")], b"body", Some(b"sha256=zz")).unwrap_err();
        assert_eq!(err.code(), "signature_malformed");
        assert_eq!(
            verify(&[secret("x")], b"body", None),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn mismatch_message_explains_byte_for_byte_signing() {
        let msg = SignatureError::Mismatch.to_string();
        assert!(msg.contains("exactly as sent"), "{msg}");
        assert!(msg.contains("re-serialized"), "{msg}");
    }
}
