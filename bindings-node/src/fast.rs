//! The hot path of `verify`, outside napi-rs's generated glue.
//!
//! For every `#[napi]` function with arguments, napi-rs 3.16 sets up a
//! native-borrow scope per call (an `Arc<Mutex<…>>` allocation, thread-local
//! pushes and pops, a deferred release): about 100–150 ns on this machine,
//! a quarter of a whole `verify` of a small event, measured with `perf`. A
//! function made with `Env::create_function_from_closure` goes through
//! napi's plain trampoline instead (one `napi_get_cb_info`, and still
//! `catch_unwind`: a panic becomes a thrown error). Only the calls a
//! receiver makes per request live here; everything else keeps the
//! generated glue and its generated typings.
//!
//! The secret crosses as a keyed handle (`keySecret`, an `External`) so the
//! JavaScript layer can key a secret once and reuse it (the plain `verify`
//! keeps a small cache of string secrets; a `Signer` keeps its own), which
//! saves two of the eight SHA-256 blocks of a small body. The signature
//! header crosses as bytes plus a length, so the JavaScript layer can encode
//! a string header into one reused buffer (`TextEncoder.encodeInto`) instead
//! of napi transcoding and allocating a `String` per call. The rules stay
//! the core's: this module only moves bytes to `signature::verify`.

use erpops_core::signature::{self, Secret};
use napi::bindgen_prelude::{External, JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::error::{self, Result};
use crate::input::{as_bytes, Bytes};

/// A secret keyed for HMAC-SHA256, held by JavaScript as an opaque handle
/// and passed back to `verifyKeyed`. Throws `code: 'secret_empty'` for an
/// empty secret.
#[napi(catch_unwind, ts_return_type = "ExternalObject<'KeyedSecret'>")]
pub fn key_secret(
    #[napi(ts_arg_type = "Uint8Array | string")] secret: Bytes,
) -> Result<External<Secret>> {
    let secret = Secret::new(as_bytes(&secret)).map_err(error::secret)?;
    Ok(External::new(secret))
}

/// `verifyKeyed(body, header, headerLen, keyed)`: whether the first
/// `headerLen` bytes of `header` (`null`/`undefined`: no header) sign
/// `body` under the keyed secret. `false`, never a throw, for a wrong,
/// malformed or missing signature; a wrong argument type throws.
fn verify_keyed(ctx: napi::bindgen_prelude::FunctionCallContext) -> napi::Result<bool> {
    let body: &[u8] = ctx.get(0)?;
    let header_arg: Unknown = ctx.get(1)?;
    let header: Option<&[u8]> = match header_arg.get_type()? {
        ValueType::Null | ValueType::Undefined => None,
        _ => {
            let bytes: &[u8] = ctx.get(1)?;
            let len: f64 = ctx.get(2)?;
            // A length past the end (or not a whole number) reads the
            // whole buffer: the core then judges those bytes.
            let len = if len.is_finite() && len >= 0.0 && len.fract() == 0.0 {
                len as usize
            } else {
                bytes.len()
            };
            Some(bytes.get(..len).unwrap_or(bytes))
        }
    };
    let keyed: &External<Secret> = ctx.get(3)?;
    Ok(signature::verify(std::slice::from_ref(&**keyed), body, header).is_ok())
}

/// Adds the closure-made exports (`verifyKeyed`) to the module.
#[napi(module_exports, catch_unwind)]
pub fn fast_exports(mut exports: Object, env: Env) -> napi::Result<()> {
    let verify = env.create_function_from_closure::<(), _, _>("verifyKeyed", verify_keyed)?;
    exports.set_named_property("verifyKeyed", verify)?;
    Ok(())
}
