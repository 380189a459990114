//! The connector secret: the HMAC key.

use core::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// An HMAC key. Never empty, never printed.
///
/// The key is absorbed once when the secret is created: the value keeps the
/// HMAC state after the inner and outer pads, so every signature made with
/// it skips the two key blocks (a batch job signs thousands of bodies with one
/// secret). The raw key bytes are not kept.
///
/// `Debug` shows only the key length, so a secret cannot leak through logs or
/// error messages.
#[derive(Clone)]
pub struct Secret {
    keyed: HmacSha256,
    len: usize,
}

/// Why bytes cannot be used as a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretError {
    /// The secret has no bytes. An empty HMAC key is predictable, so it is
    /// refused rather than silently accepted.
    Empty,
}

impl SecretError {
    /// Stable machine code.
    pub const fn code(&self) -> &'static str {
        match self {
            SecretError::Empty => "secret_empty",
        }
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Empty => f.write_str(
                "the connector secret is empty; use the secret shown when the connector was created",
            ),
        }
    }
}

impl std::error::Error for SecretError {}

impl Secret {
    /// Makes a secret from its raw bytes (the exact bytes of the key, for a
    /// text secret its UTF-8 bytes). Empty input is refused.
    pub fn new(bytes: impl AsRef<[u8]>) -> Result<Self, SecretError> {
        let bytes = bytes.as_ref();
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        // HMAC accepts keys of any length (long keys are hashed first), so
        // this cannot fail; the error arm keeps the input path panic-free.
        let keyed = HmacSha256::new_from_slice(bytes).map_err(|_| SecretError::Empty)?;
        Ok(Secret {
            keyed,
            len: bytes.len(),
        })
    }

    /// Length of the key in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: an empty secret cannot be built. Present for API
    /// symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A fresh MAC state already keyed with this secret.
    pub(crate) fn keyed(&self) -> HmacSha256 {
        self.keyed.clone()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.len)
    }
}

impl TryFrom<&[u8]> for Secret {
    type Error = SecretError;
    fn try_from(value: &[u8]) -> Result<Self, Self::Error> {
        Secret::new(value)
    }
}

impl TryFrom<&str> for Secret {
    type Error = SecretError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Secret::new(value.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_secret_is_refused() {
        assert_eq!(Secret::new(b"").err(), Some(SecretError::Empty));
        assert_eq!(Secret::try_from("").err(), Some(SecretError::Empty));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s = Secret::new(b"hunter2-very-secret").unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("19 bytes"), "{shown}");
    }
}
