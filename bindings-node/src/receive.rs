//! `checkRequest`: the core's receive decision (contract §4) for an
//! existing Node receiver that keeps its own connectors and has no replay
//! or quota store: the request's headers and raw body plus the connector's
//! secrets give the event, or the exact refusal (status, code, RFC 9457
//! problem body, headers) an ERPOps receiver would send.
//!
//! It runs `receive::authenticate` and `receive::decide` with a context of
//! one enabled connector (the secrets given, or none: `connector_not_found`)
//! on an unlimited plan, no replay entry and no quota row. Every rung of the
//! ladder is the core's.

use erpops_core::pii::PiiPolicy;
use erpops_core::quota::Plan;
use erpops_core::receive::{
    authenticate, decide, Body, ConfigOverrides, ConnectorRecord, ConnectorSecret, Context,
    InboundRequest, Outcome, ReceiveConfig, Response, TenantRecord,
};
use erpops_core::signature::Secret;
use napi::Either;
use napi_derive::napi;

use crate::error::{self, from_core, Result};
use crate::input::{as_bytes, Bytes};
use crate::packed::event_packed;
use crate::quota::timestamp;

/// A refusal exactly as an ERPOps receiver answers it.
#[napi(object)]
pub struct Refusal {
    /// HTTP status (401, 403, 413, 415, 422, …).
    pub status: u32,
    /// Stable snake_case code (`signature_mismatch`, `invalid_event`, …).
    pub code: String,
    /// The RFC 9457 `application/problem+json` body, as JSON text.
    pub problem: String,
    /// `[name, value]` response headers, in order.
    pub headers: Vec<(String, String)>,
}

fn refusal(r: Response) -> Refusal {
    Refusal {
        status: u32::from(r.status),
        code: r.code.map(|c| c.code()).unwrap_or_default().to_owned(),
        problem: String::from_utf8_lossy(&r.body).into_owned(),
        headers: r
            .headers
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .collect(),
    }
}

/// Decides one request with the core's receive ladder. Header values are
/// the raw values (`null` when absent); `too_large_length` is set when the
/// caller stopped reading past the limit. Returns the accepted event packed
/// (like `validate`, see [`crate::packed`]), or the refusal.
#[napi(catch_unwind, ts_return_type = "string | Refusal")]
#[allow(clippy::too_many_arguments)]
pub fn check_request(
    method: String,
    #[napi(ts_arg_type = "Uint8Array | string | null | undefined")] content_type: Option<Bytes>,
    #[napi(ts_arg_type = "Uint8Array | string | null | undefined")] signature: Option<Bytes>,
    #[napi(ts_arg_type = "Uint8Array | string | null | undefined")] connector_id: Option<Bytes>,
    #[napi(ts_arg_type = "Uint8Array | string")] body: Bytes,
    too_large_length: Option<f64>,
    #[napi(ts_arg_type = "Array<Uint8Array | string> | null | undefined")] secrets: Option<
        Vec<Bytes>,
    >,
    now_ms: f64,
    request_id: String,
    max_body_bytes: Option<f64>,
    pii_policy: Option<String>,
) -> Result<Either<String, Refusal>> {
    let now = timestamp(now_ms)?;
    let max_body_bytes = match max_body_bytes {
        None => None,
        Some(max) if max.is_finite() && max >= 0.0 && max.fract() == 0.0 && max <= 1e15 => {
            Some(max as usize)
        }
        Some(max) => {
            return Err(from_core(
                "invalid_argument",
                format!("maxBodyBytes must be a non-negative integer, got {max}"),
            ))
        }
    };
    let config = ReceiveConfig::with(ConfigOverrides {
        max_body_bytes,
        ..ConfigOverrides::default()
    })
    .map_err(|e| from_core("invalid_argument", e))?;
    let mut tenant = TenantRecord::new(Plan::Enterprise);
    if let Some(policy) = pii_policy.as_deref() {
        tenant.pii_policy = PiiPolicy::from_wire(policy).ok_or_else(|| {
            from_core(
                "invalid_argument",
                format!("piiPolicy {policy:?} is unknown; use \"redact\", \"reject\" or \"allow\""),
            )
        })?;
    }
    let body = match too_large_length {
        Some(length) => Body::TooLarge {
            length: if length.is_finite() && length > 0.0 {
                length as u64
            } else {
                0
            },
        },
        None => Body::Bytes(as_bytes(&body)),
    };
    let request = InboundRequest {
        method: &method,
        content_type: content_type.as_ref().map(as_bytes),
        signature: signature.as_ref().map(as_bytes),
        connector_id: connector_id.as_ref().map(as_bytes),
        body,
    };
    let auth = match authenticate(&request, &config, &request_id) {
        Ok(auth) => auth,
        Err(response) => return Ok(Either::B(refusal(response))),
    };
    let connector = match &secrets {
        None => None,
        Some(list) => Some(ConnectorRecord {
            tenant_id: String::new(),
            enabled: true,
            secrets: list
                .iter()
                .map(|s| {
                    Secret::new(as_bytes(s))
                        .map(|secret| ConnectorSecret {
                            secret,
                            expires_at: None,
                        })
                        .map_err(error::secret)
                })
                .collect::<Result<Vec<_>>>()?,
        }),
    };
    let context = Context {
        connector: connector.as_ref(),
        tenant: Some(&tenant),
        ..Context::default()
    };
    match decide(auth, &context, &config, now, &request_id) {
        Outcome::Respond(response) => Ok(Either::B(refusal(response))),
        Outcome::Accepted(accepted) => Ok(Either::A(event_packed(
            &accepted.event,
            &accepted.redactions,
        )?)),
    }
}
