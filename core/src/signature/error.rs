//! Why a signature did not verify. The codes are part of the HTTP contract.

use core::fmt;

/// The HTTP status every signature failure maps to.
pub const SIGNATURE_ERROR_STATUS: u16 = 401;

/// A signature that cannot be accepted.
///
/// Each variant has a stable machine [`code`](SignatureError::code) shared by
/// every language and a [`Display`](fmt::Display) message that tells the
/// sender how to fix the request. Messages never contain a secret or the
/// expected signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `X-ERPOps-Signature` header, or one that is blank.
    Missing,
    /// The header is present but is not `sha256=` followed by exactly 64 hex
    /// digits.
    Malformed(MalformedReason),
    /// Well-formed, but no candidate secret produces it for these bytes.
    Mismatch,
}

/// What exactly is wrong with a malformed signature header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedReason {
    /// The value does not start with the `sha256=` label.
    Label,
    /// After the label there are not exactly 64 characters (the count found).
    Length {
        /// Number of bytes found after `sha256=`, surrounding blanks removed.
        found: usize,
    },
    /// A character after the label is not a hex digit (its 0-based offset
    /// within the digest part).
    NotHex {
        /// Offset of the first offending byte after `sha256=`.
        at: usize,
    },
}

impl SignatureError {
    /// Stable machine code: `signature_missing`, `signature_malformed` or
    /// `signature_mismatch`.
    pub const fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "signature_missing",
            SignatureError::Malformed(_) => "signature_malformed",
            SignatureError::Mismatch => "signature_mismatch",
        }
    }

    /// The HTTP status of the receive decision for this error (always 401).
    pub const fn status(&self) -> u16 {
        SIGNATURE_ERROR_STATUS
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Missing => f.write_str(
                "the X-ERPOps-Signature header is missing; send `sha256=` followed by the hex \
                 HMAC-SHA256 of the raw body computed with the connector's secret",
            ),
            SignatureError::Malformed(reason) => {
                f.write_str("the X-ERPOps-Signature header is malformed: ")?;
                match reason {
                    MalformedReason::Label => f.write_str(
                        "it must start with `sha256=` (for example `sha256=` followed by 64 hex digits)",
                    ),
                    MalformedReason::Length { found } => write!(
                        f,
                        "expected exactly 64 hex digits after `sha256=`, found {found} characters"
                    ),
                    MalformedReason::NotHex { at } => write!(
                        f,
                        "character {} after `sha256=` is not a hex digit (0-9, a-f); \
                         no spaces or other characters are allowed inside the digest",
                        at + 1
                    ),
                }
            }
            SignatureError::Mismatch => f.write_str(
                "the signature does not match the body; the body must be signed exactly as sent, \
                 byte for byte, with the connector's current secret: a parsed and re-serialized \
                 body, a changed encoding or an added newline will not match",
            ),
        }
    }
}

impl std::error::Error for SignatureError {}
