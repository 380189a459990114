//! Signing and verification of raw body bytes (contract §3.1).
//!
//! `sign` and `verify` take the body exactly as it travels: a `Buffer` from
//! the socket, never a parsed and re-serialized object. `verify` answers
//! `false` for every wrong, malformed or missing signature (a receiver
//! answers 401 for all of them) and throws only for a configuration error
//! such as an empty secret.

use erpops_core::signature::{self, Secret};
use napi::Either;
use napi_derive::napi;

use crate::error::{self, Result};
use crate::input::{as_bytes, Bytes};

/// Name of the request header that carries the `sha256=` signature.
#[napi]
pub const SIGNATURE_HEADER: &str = erpops_core::wire::SIGNATURE_HEADER;

/// Name of the request header that carries the connector's UUID.
#[napi]
pub const CONNECTOR_ID_HEADER: &str = erpops_core::wire::CONNECTOR_ID_HEADER;

/// Path of the inbound endpoint on an ERPOps receiver.
#[napi]
pub const RECEIVE_PATH: &str = erpops_core::wire::RECEIVE_PATH;

/// Media type every event body is sent with.
#[napi]
pub const JSON_MEDIA_TYPE: &str = erpops_core::wire::JSON_MEDIA_TYPE;

/// The `X-ERPOps-Signature` value (`sha256=` + 64 lowercase hex digits) of
/// `body` under `secret`. Sign the exact bytes you send.
#[napi(catch_unwind)]
pub fn sign(
    #[napi(ts_arg_type = "Uint8Array | string")] body: Bytes,
    #[napi(ts_arg_type = "Uint8Array | string")] secret: Bytes,
) -> Result<String> {
    let secret = Secret::new(as_bytes(&secret)).map_err(error::secret)?;
    Ok(signature::sign(&secret, as_bytes(&body))
        .as_str()
        .to_owned())
}

/// Whether `signature` (the raw header value, or `null`/`undefined` when the
/// header is absent) is a valid signature of `body` under any of the
/// secrets (several during a rotation). Constant-time per secret. Returns
/// `false`, never throws, for a wrong, malformed or missing signature.
#[napi(catch_unwind)]
pub fn verify(
    #[napi(ts_arg_type = "Uint8Array | string")] body: Bytes,
    #[napi(ts_arg_type = "Uint8Array | string | null | undefined")] signature: Option<Bytes>,
    #[napi(ts_arg_type = "Uint8Array | string | Array<Uint8Array | string>")]
    secret_or_secrets: Either<Bytes, Vec<Bytes>>,
) -> Result<bool> {
    let header = signature.as_ref().map(as_bytes);
    let body = as_bytes(&body);
    Ok(match &secret_or_secrets {
        // One secret (the common case): no list to allocate.
        Either::A(one) => {
            let secret = Secret::new(as_bytes(one)).map_err(error::secret)?;
            signature::verify(std::slice::from_ref(&secret), body, header).is_ok()
        }
        Either::B(_) => signature::verify(&secrets(&secret_or_secrets)?, body, header).is_ok(),
    })
}

/// Keys every candidate secret; an empty one is a configuration error.
pub(crate) fn secrets(value: &Either<Bytes, Vec<Bytes>>) -> Result<Vec<Secret>> {
    match value {
        Either::A(one) => Ok(vec![Secret::new(as_bytes(one)).map_err(error::secret)?]),
        Either::B(many) => many
            .iter()
            .map(|s| Secret::new(as_bytes(s)).map_err(error::secret))
            .collect(),
    }
}

/// A secret keyed once, for signing many bodies (`sign`) or one body fed in
/// pieces (`update` … `finish`), e.g. records streamed from a batch file.
#[napi]
pub struct Signer {
    secret: Secret,
    stream: signature::Signer,
}

#[napi]
impl Signer {
    /// Keys a signer with `secret` (copied). Throws `code: 'secret_empty'`
    /// for an empty secret.
    #[napi(constructor, catch_unwind)]
    pub fn new(#[napi(ts_arg_type = "Uint8Array | string")] secret: Bytes) -> Result<Self> {
        let secret = Secret::new(as_bytes(&secret)).map_err(error::secret)?;
        let stream = signature::Signer::new(&secret);
        Ok(Signer { secret, stream })
    }

    /// The signature of one whole body; the incremental state is untouched.
    #[napi(catch_unwind)]
    pub fn sign(&self, #[napi(ts_arg_type = "Uint8Array | string")] body: Bytes) -> String {
        signature::sign(&self.secret, as_bytes(&body))
            .as_str()
            .to_owned()
    }

    /// Whether `signature` signs `body` under this signer's secret (the
    /// keyed state is reused, so this is cheaper than `verify` with the raw
    /// secret). Same answers as `verify`: `false`, never a throw, for a
    /// wrong, malformed or missing signature.
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        #[napi(ts_arg_type = "Uint8Array | string")] body: Bytes,
        #[napi(ts_arg_type = "Uint8Array | string | null | undefined")] signature: Option<Bytes>,
    ) -> bool {
        let header = signature.as_ref().map(as_bytes);
        signature::verify(std::slice::from_ref(&self.secret), as_bytes(&body), header).is_ok()
    }

    /// Feeds the next piece of the body. Pieces are concatenated exactly.
    #[napi(catch_unwind)]
    pub fn update(&mut self, #[napi(ts_arg_type = "Uint8Array | string")] chunk: Bytes) {
        self.stream.update(as_bytes(&chunk));
    }

    /// The signature of everything fed since the last `finish`/`reset`, then
    /// starts a new, empty body with the same secret.
    #[napi(catch_unwind)]
    pub fn finish(&mut self) -> String {
        let fresh = signature::Signer::new(&self.secret);
        let done = std::mem::replace(&mut self.stream, fresh);
        done.finalize().as_str().to_owned()
    }

    /// Discards the body fed so far.
    #[napi(catch_unwind)]
    pub fn reset(&mut self) {
        self.stream = signature::Signer::new(&self.secret);
    }

    /// Number of body bytes fed since the last `finish`/`reset`.
    #[napi(getter, catch_unwind)]
    pub fn bytes_fed(&self) -> f64 {
        self.stream.bytes_fed() as f64
    }
}
