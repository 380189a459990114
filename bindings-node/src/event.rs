//! The event contract (contract §3.2–3.4): `validate`, `buildEvent`,
//! `signedRequest` and `redact`.
//!
//! `validate` itself is in [`crate::fast`] (a per-request call, outside the
//! generated glue); this module holds what it shares with the rest: the
//! options, the violations' JavaScript form and the builder. An accepted
//! event crosses as a packed string ([`crate::packed`]) that the JavaScript
//! layer turns into a plain object (`timestamp` a `Date`, metadata integers
//! beyond 2^53 exact `BigInt`s). A body that breaks the contract comes back
//! as `{ errors, message, syntax }` (the core's violations, every one of
//! them) for the JavaScript layer to throw as an `ErpopsError`.

use std::collections::BTreeMap;
use std::time::Duration;

use erpops_core::event::{BuildError, EventBuilder, MetadataValue, ParseOptions, Violations};
use erpops_core::pii::{self, PiiPolicy};
use erpops_core::signature::Secret;
use erpops_core::wire;
use napi::bindgen_prelude::{BigInt, Buffer, Either4, Null};
use napi::Either;
use napi_derive::napi;
use uuid::Uuid;

use crate::error::{self, from_core, Result};
use crate::input::{as_bytes, Bytes};
use crate::quota::timestamp;

/// HTTP status of a body that breaks the event contract (contract §4),
/// from the core's refusal table.
#[napi]
pub const INVALID_EVENT_STATUS: u32 =
    erpops_core::receive::RefusalCode::InvalidEvent.status() as u32;

/// Code of a body that breaks the event contract (contract §4), from the
/// core's refusal table.
#[napi]
pub const INVALID_EVENT_CODE: &str = erpops_core::receive::RefusalCode::InvalidEvent.code();

/// Largest body `validate` accepts and the builder emits by default, in
/// bytes (64 KiB).
#[napi]
pub const DEFAULT_MAX_BODY_BYTES: u32 = erpops_core::event::DEFAULT_MAX_BODY_BYTES as u32;

/// The most violations an error lists in `errors` (the first found); its
/// `errorCount` counts them all.
#[napi]
pub const MAX_LISTED_VIOLATIONS: u32 = erpops_core::event::MAX_LISTED_VIOLATIONS as u32;

/// How far in the future a timestamp may be by default, in seconds.
#[napi]
pub const DEFAULT_FUTURE_SKEW_SECONDS: u32 =
    erpops_core::event::DEFAULT_FUTURE_SKEW.as_secs() as u32;

/// How old a timestamp may be by default, in seconds.
#[napi]
pub const DEFAULT_MAX_AGE_SECONDS: u32 = erpops_core::event::DEFAULT_MAX_AGE.as_secs() as u32;

/// Largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: i64 = 9_007_199_254_740_991;

fn invalid_argument(message: String) -> napi::Error<error::Code> {
    from_core("invalid_argument", message)
}

/// One violation of the contract: `{ pointer, code, message }`.
#[napi(object)]
pub struct Violation {
    /// RFC 6901 JSON Pointer of the offending value (`""`: the whole body).
    pub pointer: String,
    /// Stable machine code (`missing`, `type`, `format`, …).
    pub code: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Where a JSON syntax error is.
#[napi(object)]
pub struct SyntaxPosition {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// 0-based byte offset.
    pub offset: u32,
}

/// Why a body or builder fields were refused.
#[napi(object)]
pub struct Invalid {
    /// `invalid_event`, or `body_too_large` for a built body over the
    /// builder's limit.
    pub code: String,
    /// The HTTP status a receiver answers with (422 or 413).
    pub status: u32,
    /// The violations, in the core's order: the first
    /// `MAX_LISTED_VIOLATIONS` found.
    pub errors: Vec<Violation>,
    /// How many violations were found in all (at least `errors.length`).
    pub error_count: u32,
    /// One line summing them up (the core's `Display`).
    pub message: String,
    /// The position of a JSON syntax error, when there is one.
    pub syntax: Option<SyntaxPosition>,
    /// `body_too_large`: the body's length in bytes.
    pub size: Option<f64>,
    /// `body_too_large`: the builder's limit in bytes.
    pub limit: Option<f64>,
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<Violations> for Invalid {
    fn from(v: Violations) -> Self {
        Invalid {
            code: INVALID_EVENT_CODE.to_owned(),
            status: INVALID_EVENT_STATUS,
            error_count: clamp(v.total()),
            size: None,
            limit: None,
            message: v.to_string(),
            syntax: v.syntax().map(|p| SyntaxPosition {
                line: clamp(p.line),
                column: clamp(p.column),
                offset: clamp(p.offset),
            }),
            errors: v
                .into_vec()
                .into_iter()
                .map(|x| Violation {
                    pointer: x.pointer,
                    code: x.code.as_str().to_owned(),
                    message: x.message,
                })
                .collect(),
        }
    }
}

impl From<BuildError> for Invalid {
    fn from(e: BuildError) -> Self {
        let too_large = e.as_body_too_large().copied();
        let mut out = Invalid::from(e.violations());
        out.code = e.code().to_owned();
        out.status = u32::from(e.status());
        out.message = e.to_string();
        out.size = too_large.map(|t| t.size as f64);
        out.limit = too_large.map(|t| t.limit as f64);
        out
    }
}

/// A byte count argument (`maxBodyBytes`): a non-negative whole number.
fn byte_count(value: f64, what: &str) -> Result<usize> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 1e15 {
        Ok(value as usize)
    } else {
        Err(invalid_argument(format!(
            "{what} must be a non-negative integer, got {value}"
        )))
    }
}

fn seconds(value: Option<f64>, default: Duration, what: &str) -> Result<Duration> {
    match value {
        None => Ok(default),
        Some(s) if s.is_finite() && (0.0..=1e12).contains(&s) => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(invalid_argument(format!(
            "{what} must be a non-negative number of seconds, got {s}"
        ))),
    }
}

/// The core's parse options from `validate`'s positional arguments.
pub(crate) fn parse_options(
    now_ms: f64,
    connector_id: Option<&str>,
    future_skew_seconds: Option<f64>,
    max_age_seconds: Option<f64>,
    max_body_bytes: Option<f64>,
    pii_policy: Option<&str>,
) -> Result<ParseOptions> {
    let mut opts = ParseOptions::new(timestamp(now_ms)?);
    if let Some(id) = connector_id {
        let uuid = Uuid::try_parse(id).map_err(|_| {
            invalid_argument(format!(
                "connectorId {id:?} is not a UUID; pass the X-ERPOps-Connector-Id header value"
            ))
        })?;
        opts = opts.with_header_connector_id(uuid);
    }
    let skew = seconds(future_skew_seconds, opts.future_skew, "futureSkewSeconds")?;
    let age = seconds(max_age_seconds, opts.max_age, "maxAgeSeconds")?;
    opts = opts.with_window(skew, age);
    if let Some(max) = max_body_bytes {
        opts = opts.with_max_body_bytes(byte_count(max, "maxBodyBytes")?);
    }
    if let Some(policy) = pii_policy {
        let policy = PiiPolicy::from_wire(policy).ok_or_else(|| {
            invalid_argument(format!(
                "piiPolicy {policy:?} is unknown; use \"redact\", \"reject\" or \"allow\""
            ))
        })?;
        opts = opts.with_pii_policy(policy);
    }
    Ok(opts)
}

/// A field where the `redact` policy replaced personal data.
#[napi(object)]
pub struct Redaction {
    /// JSON pointer of the field (`/message`, `/metadata/note`).
    pub pointer: String,
    /// The kinds replaced: `email`, `ssn`, `card`, `iban`, `phone`.
    pub kinds: Vec<String>,
}

/// Fields of an event to build, with the wire's names. Unset fields are
/// left out of the body (required ones are reported as `missing`).
#[napi(object)]
pub struct EventFields {
    /// The connector's UUID.
    #[napi(js_name = "connector_id")]
    pub connector_id: Option<String>,
    /// `family.outcome`, e.g. `integration.failed`.
    #[napi(js_name = "event_type")]
    pub event_type: Option<String>,
    /// RFC 3339 text, or Unix milliseconds (a `Date`'s time).
    #[napi(ts_type = "string | number")]
    pub timestamp: Option<Either<String, f64>>,
    /// `info`, `warn`, `error` or `critical`.
    pub severity: Option<String>,
    /// Where the event comes from, e.g. `PSFT_PAYROLL_BATCH`.
    pub source: Option<String>,
    /// Human text (run it through `redact` first if it may carry PII).
    pub message: Option<String>,
    /// `[key, value]` pairs in order (the JavaScript layer passes an
    /// object's entries).
    #[napi(ts_type = "Array<[string, string | number | bigint | boolean | null]>")]
    pub metadata: Option<Vec<(String, JsMetaIn)>>,
}

/// A metadata value given by JavaScript.
pub type JsMetaIn = Either4<String, f64, BigInt, Either<bool, Null>>;

fn meta_value(key: &str, value: &JsMetaIn) -> Result<MetadataValue> {
    Ok(match value {
        Either4::A(s) => MetadataValue::String(s.clone()),
        // A whole number is an integer on the wire; other numbers are floats.
        Either4::B(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE as f64 => {
            MetadataValue::Int(*n as i64)
        }
        Either4::B(n) => MetadataValue::Float(*n),
        Either4::C(big) => {
            let (value, lossless) = big.get_i128();
            if let (true, Ok(i)) = (lossless, i64::try_from(value)) {
                MetadataValue::Int(i)
            } else if let (true, Ok(u)) = (lossless, u64::try_from(value)) {
                MetadataValue::UInt(u)
            } else {
                return Err(invalid_argument(format!(
                    "metadata.{key} is a BigInt outside -2^63..2^64-1, which an event cannot carry"
                )));
            }
        }
        Either4::D(Either::A(b)) => MetadataValue::Bool(*b),
        Either4::D(Either::B(_)) => MetadataValue::Null,
    })
}

fn builder(fields: &EventFields, max_body_bytes: Option<f64>) -> Result<EventBuilder> {
    let mut b = EventBuilder::new();
    if let Some(max) = max_body_bytes {
        b.max_body_bytes(byte_count(max, "options.maxBodyBytes")?);
    }
    if let Some(id) = fields.connector_id.as_deref() {
        b.connector_id_str(id);
    }
    if let Some(t) = fields.event_type.as_deref() {
        b.event_type(t);
    }
    match &fields.timestamp {
        Some(Either::A(text)) => {
            b.timestamp_str(text);
        }
        Some(Either::B(ms)) => {
            b.timestamp(timestamp(*ms)?);
        }
        None => {}
    }
    if let Some(s) = fields.severity.as_deref() {
        b.severity_str(s);
    }
    if let Some(s) = fields.source.as_deref() {
        b.source(s);
    }
    if let Some(m) = fields.message.as_deref() {
        b.message(m);
    }
    if let Some(entries) = &fields.metadata {
        let mut metadata = erpops_core::event::Metadata::new();
        for (key, value) in entries {
            metadata.insert(key.as_str(), meta_value(key, value)?);
        }
        b.metadata_map(metadata);
    }
    Ok(b)
}

/// The compact JSON body of an event (fixed field order), or every
/// violation of the fields, or `body_too_large` when the body would be
/// longer than `maxBodyBytes` (default 64 KiB). The builder checks every
/// rule except the time window.
#[napi(catch_unwind)]
pub fn build_event(
    fields: EventFields,
    max_body_bytes: Option<f64>,
) -> Result<Either<Buffer, Invalid>> {
    Ok(match builder(&fields, max_body_bytes)?.build() {
        Ok(body) => Either::A(body.into()),
        Err(e) => Either::B(e.into()),
    })
}

/// A built, signed request: the exact body bytes and the headers to send.
#[napi(object)]
pub struct SignedRequest {
    /// The exact bytes to send.
    pub body: Buffer,
    /// `Content-Type`, `X-ERPOps-Connector-Id` and `X-ERPOps-Signature`.
    #[napi(ts_type = "Record<string, string>")]
    pub headers: BTreeMap<String, String>,
}

/// Builds the body like `build_event` and signs exactly those bytes (a
/// refused body is never signed).
#[napi(catch_unwind)]
pub fn signed_request(
    fields: EventFields,
    #[napi(ts_arg_type = "Uint8Array | string")] secret: Bytes,
    max_body_bytes: Option<f64>,
) -> Result<Either<SignedRequest, Invalid>> {
    let secret = Secret::new(as_bytes(&secret)).map_err(error::secret)?;
    let signed = match builder(&fields, max_body_bytes)?.build_signed(&secret) {
        Ok(s) => s,
        Err(e) => return Ok(Either::B(e.into())),
    };
    // The builder accepted the id, so it parses; the header carries its
    // canonical (lowercase hyphenated) form.
    let connector = fields
        .connector_id
        .as_deref()
        .and_then(|id| Uuid::try_parse(id).ok())
        .map(|u| u.hyphenated().to_string())
        .unwrap_or_default();
    let mut headers = BTreeMap::new();
    headers.insert("Content-Type".to_owned(), wire::JSON_MEDIA_TYPE.to_owned());
    headers.insert(wire::CONNECTOR_ID_HEADER.to_owned(), connector);
    headers.insert(
        wire::SIGNATURE_HEADER.to_owned(),
        signed.signature.as_str().to_owned(),
    );
    Ok(Either::A(SignedRequest {
        body: signed.body.into(),
        headers,
    }))
}

/// One piece of personal data found by `redact`.
#[napi(object)]
pub struct PiiFinding {
    /// `email`, `ssn`, `card`, `iban` or `phone`.
    pub kind: String,
    /// Byte offset in the UTF-8 text where it starts.
    pub start: u32,
    /// Byte offset where it ends (exclusive).
    pub end: u32,
}

/// The redacted text and what was found.
#[napi(object)]
pub struct Redacted {
    /// The text with each finding replaced by `[REDACTED:<kind>]`.
    pub text: String,
    /// The findings, in order, with byte offsets into the UTF-8 input.
    pub findings: Vec<PiiFinding>,
}

/// Replaces personal data (e-mail, SSN, card, IBAN, phone) with
/// `[REDACTED:<kind>]`, as the receiver's `redact` policy does.
#[napi(catch_unwind)]
pub fn redact(text: String) -> Redacted {
    let (redacted, findings) = pii::redact(&text);
    Redacted {
        text: redacted,
        findings: findings
            .into_iter()
            .map(|f| PiiFinding {
                kind: f.kind.as_str().to_owned(),
                start: clamp(f.start),
                end: clamp(f.end),
            })
            .collect(),
    }
}
