//! One-shot and incremental signing.

use hmac::Mac;

use super::header::SignatureHeader;
use super::secret::{HmacSha256, Secret};

/// The raw HMAC-SHA256 of `body` under `secret`.
pub fn mac(secret: &Secret, body: &[u8]) -> [u8; 32] {
    let mut m = secret.keyed();
    m.update(body);
    m.finalize().into_bytes().into()
}

/// Signs `body` exactly as given: returns `sha256=<64 lowercase hex>`.
///
/// The bytes are never decoded; any byte sequence, including an empty or
/// non-UTF-8 one, has a signature.
pub fn sign(secret: &Secret, body: &[u8]) -> SignatureHeader {
    SignatureHeader::from_mac(&mac(secret, body))
}

/// Incremental signer for bodies produced piece by piece (record-by-record
/// batch output, streamed uploads).
///
/// Feeding the body in any split gives the same header as [`sign`] on the
/// whole body.
///
/// ```
/// use erpops_core::signature::{sign, Secret, Signer};
/// let secret = Secret::new("s3cret")?;
/// let mut s = Signer::new(&secret);
/// s.update(b"{\"a\":");
/// s.update(b"1}");
/// assert_eq!(s.finalize(), sign(&secret, b"{\"a\":1}"));
/// # Ok::<(), erpops_core::signature::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    mac: HmacSha256,
    len: u64,
}

impl core::fmt::Debug for Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signer")
            .field("bytes_fed", &self.len)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Starts a signature with `secret`.
    pub fn new(secret: &Secret) -> Self {
        Signer {
            mac: secret.keyed(),
            len: 0,
        }
    }

    /// Feeds the next bytes of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.mac.update(chunk);
        self.len = self.len.saturating_add(chunk.len() as u64);
    }

    /// Number of body bytes fed so far.
    pub fn bytes_fed(&self) -> u64 {
        self.len
    }

    /// The raw 32-byte MAC of everything fed.
    pub fn finalize_mac(self) -> [u8; 32] {
        self.mac.finalize().into_bytes().into()
    }

    /// The header value for everything fed.
    pub fn finalize(self) -> SignatureHeader {
        SignatureHeader::from_mac(&self.finalize_mac())
    }
}
