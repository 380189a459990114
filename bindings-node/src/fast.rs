//! The per-request calls, `verify` and `validate`, outside napi-rs's
//! generated glue.
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

use erpops_core::event::parse_event;
use erpops_core::signature::{self, Secret};
use napi::bindgen_prelude::{
    Either3, External, FromNapiValue, FunctionCallContext, JsObjectValue, Object, Unknown,
};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::error::{self, Result};
use crate::event::{parse_options, Invalid};
use crate::input::{as_bytes, Bytes};
use crate::packed::event_packed;

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
fn verify_keyed(ctx: FunctionCallContext) -> napi::Result<bool> {
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

/// An argument the core cannot use (an option out of range, a connector id
/// that is not a UUID): `{ code, message }` for the JavaScript layer to
/// throw. A closure-made function cannot throw a custom `code` itself.
#[napi(object)]
pub struct ArgumentError {
    /// Stable code (`invalid_argument`).
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Argument `i`, or `None` when it is missing, `undefined` or `null`.
fn optional<T: FromNapiValue>(ctx: &FunctionCallContext, i: usize) -> napi::Result<Option<T>> {
    if i >= ctx.length() {
        return Ok(None);
    }
    let value: Unknown = ctx.get(i)?;
    match value.get_type()? {
        ValueType::Null | ValueType::Undefined => Ok(None),
        _ => ctx.get(i).map(Some),
    }
}

/// `validate(body, nowMs, connectorId?, futureSkewSeconds?, maxAgeSeconds?,
/// maxBodyBytes?, piiPolicy?)`: the accepted event packed
/// ([`crate::packed`]), every violation as `{ errors, message, syntax }`,
/// or an [`ArgumentError`]. The body is borrowed in place. Options are
/// positional: reading named properties through napi costs more than the
/// validation.
fn validate(ctx: FunctionCallContext) -> napi::Result<Either3<String, Invalid, ArgumentError>> {
    let body: &[u8] = ctx.get(0)?;
    let now_ms: f64 = ctx.get(1)?;
    let connector_id: Option<String> = optional(&ctx, 2)?;
    let pii_policy: Option<String> = optional(&ctx, 6)?;
    let options = parse_options(
        now_ms,
        connector_id.as_deref(),
        optional(&ctx, 3)?,
        optional(&ctx, 4)?,
        optional(&ctx, 5)?,
        pii_policy.as_deref(),
    );
    let options = match options {
        Ok(o) => o,
        Err(e) => {
            return Ok(Either3::C(ArgumentError {
                code: e.status.as_ref().to_owned(),
                message: e.reason,
            }))
        }
    };
    Ok(match parse_event(body, &options) {
        Ok(parsed) => match event_packed(&parsed.event, &parsed.redactions) {
            Ok(packed) => Either3::A(packed),
            Err(e) => Either3::C(ArgumentError {
                code: e.status.as_ref().to_owned(),
                message: e.reason,
            }),
        },
        Err(violations) => Either3::B(violations.into()),
    })
}

/// Adds the closure-made exports (`verifyKeyed`, `validate`) to the module.
#[napi(module_exports, catch_unwind)]
pub fn fast_exports(mut exports: Object, env: Env) -> napi::Result<()> {
    let verify = env.create_function_from_closure::<(), _, _>("verifyKeyed", verify_keyed)?;
    exports.set_named_property("verifyKeyed", verify)?;
    let validate = env.create_function_from_closure::<(), _, _>("validate", validate)?;
    exports.set_named_property("validate", validate)?;
    Ok(())
}
