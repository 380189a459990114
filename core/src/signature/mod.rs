//! Signing and verification of raw request bodies (contract §3.1).
//!
//! The signature of a body is `sha256=` followed by the 64 lowercase hex
//! digits of HMAC-SHA256(secret, body). The body is MAC'd exactly as it is on
//! the wire: it is never decoded, parsed or re-serialized first, so non-UTF-8
//! bytes sign like any other and two encodings of "the same" JSON have
//! different signatures.
//!
//! ```
//! use erpops_core::signature::{sign, verify, Secret};
//!
//! let secret = Secret::new(b"connector-secret".to_vec())?;
//! let body = br#"{"event_type":"integration.failed"}"#;
//! let header = sign(&secret, body);
//! assert_eq!(header.as_str().len(), 71);
//!
//! let matched = verify(&[secret], body, Some(header.as_bytes()))?;
//! assert_eq!(matched.index, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Layout: [`secret`] holds the key type, [`header`] the strict text form of
//! a signature, [`signer`] one-shot and incremental signing, [`verify`](mod@verify)
//! constant-time verification against one or several candidate secrets, and
//! [`error`] the error type whose codes are part of the HTTP contract.

pub mod error;
pub mod header;
pub mod secret;
pub mod signer;
pub mod verify;

pub use error::{MalformedReason, SignatureError};
pub use header::{ParsedSignature, SignatureHeader, HEADER_LEN, LABEL};
pub use secret::{Secret, SecretError};
pub use signer::{mac, sign, Signer};
pub use verify::{verify, verify_parsed, MatchedSecret};
