//! Refusal codes and their RFC 9457 `application/problem+json` bodies.

use serde::Serialize;

use crate::event::Violations;
#[cfg(doc)]
use crate::event::MAX_LISTED_VIOLATIONS;

/// Media type of every refusal body.
pub const PROBLEM_MEDIA_TYPE: &str = "application/problem+json";

/// Prefix of the problem `type` URI. A URN, not a web address: the code is
/// the identifier, and no page has to exist for it.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:erpops:problem:";

/// Every way the decision refuses a request, with its status and stable
/// machine code (the `code` member of the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalCode {
    /// 405: the endpoint only accepts `POST`.
    MethodNotAllowed,
    /// 413: the body is larger than the limit.
    BodyTooLarge,
    /// 415: `Content-Type` is not `application/json`.
    UnsupportedMediaType,
    /// 401: no signature header.
    SignatureMissing,
    /// 401: the signature header is not `sha256=` + 64 hex digits.
    SignatureMalformed,
    /// 401: no connector header.
    ConnectorIdMissing,
    /// 401: the connector header is not a hyphenated UUID.
    ConnectorIdMalformed,
    /// 403: no such connector.
    ConnectorNotFound,
    /// 403: the connector is disabled.
    ConnectorDisabled,
    /// 403: the connector's tenant is suspended.
    TenantSuspended,
    /// 401: no active secret produces the signature.
    SignatureMismatch,
    /// 422: the body breaks the event contract.
    InvalidEvent,
    /// 429: the tenant's quota for the window is used up.
    QuotaExceeded,
}

impl RefusalCode {
    /// Every code, in ladder order.
    pub const ALL: [RefusalCode; 13] = [
        RefusalCode::MethodNotAllowed,
        RefusalCode::BodyTooLarge,
        RefusalCode::UnsupportedMediaType,
        RefusalCode::SignatureMissing,
        RefusalCode::SignatureMalformed,
        RefusalCode::ConnectorIdMissing,
        RefusalCode::ConnectorIdMalformed,
        RefusalCode::ConnectorNotFound,
        RefusalCode::ConnectorDisabled,
        RefusalCode::TenantSuspended,
        RefusalCode::SignatureMismatch,
        RefusalCode::InvalidEvent,
        RefusalCode::QuotaExceeded,
    ];

    /// Stable machine code, e.g. `signature_mismatch`.
    pub const fn code(&self) -> &'static str {
        match self {
            RefusalCode::MethodNotAllowed => "method_not_allowed",
            RefusalCode::BodyTooLarge => "body_too_large",
            RefusalCode::UnsupportedMediaType => "unsupported_media_type",
            RefusalCode::SignatureMissing => "signature_missing",
            RefusalCode::SignatureMalformed => "signature_malformed",
            RefusalCode::ConnectorIdMissing => "connector_id_missing",
            RefusalCode::ConnectorIdMalformed => "connector_id_malformed",
            RefusalCode::ConnectorNotFound => "connector_not_found",
            RefusalCode::ConnectorDisabled => "connector_disabled",
            RefusalCode::TenantSuspended => "tenant_suspended",
            RefusalCode::SignatureMismatch => "signature_mismatch",
            RefusalCode::InvalidEvent => "invalid_event",
            RefusalCode::QuotaExceeded => "quota_exceeded",
        }
    }

    /// The HTTP status.
    pub const fn status(&self) -> u16 {
        match self {
            RefusalCode::MethodNotAllowed => 405,
            RefusalCode::BodyTooLarge => 413,
            RefusalCode::UnsupportedMediaType => 415,
            RefusalCode::SignatureMissing
            | RefusalCode::SignatureMalformed
            | RefusalCode::ConnectorIdMissing
            | RefusalCode::ConnectorIdMalformed
            | RefusalCode::SignatureMismatch => 401,
            RefusalCode::ConnectorNotFound
            | RefusalCode::ConnectorDisabled
            | RefusalCode::TenantSuspended => 403,
            RefusalCode::InvalidEvent => 422,
            RefusalCode::QuotaExceeded => 429,
        }
    }

    /// The short, fixed `title` of the problem type.
    pub const fn title(&self) -> &'static str {
        match self {
            RefusalCode::MethodNotAllowed => "Method not allowed",
            RefusalCode::BodyTooLarge => "Body too large",
            RefusalCode::UnsupportedMediaType => "Unsupported media type",
            RefusalCode::SignatureMissing => "Signature missing",
            RefusalCode::SignatureMalformed => "Signature malformed",
            RefusalCode::ConnectorIdMissing => "Connector id missing",
            RefusalCode::ConnectorIdMalformed => "Connector id malformed",
            RefusalCode::ConnectorNotFound => "Connector not found",
            RefusalCode::ConnectorDisabled => "Connector disabled",
            RefusalCode::TenantSuspended => "Tenant suspended",
            RefusalCode::SignatureMismatch => "Signature mismatch",
            RefusalCode::InvalidEvent => "Invalid event",
            RefusalCode::QuotaExceeded => "Quota exceeded",
        }
    }

    /// The problem `type`: `urn:erpops:problem:<code>`.
    pub fn type_uri(&self) -> String {
        format!("{PROBLEM_TYPE_PREFIX}{}", self.code())
    }
}

/// An RFC 9457 problem body. Members in this order: `type`, `title`,
/// `status`, `detail`, `code`, `errors` and `error_count` (422 only),
/// `request_id`.
///
/// `errors` lists at most [`MAX_LISTED_VIOLATIONS`] violations (the first
/// found, in order); `error_count` is how many the body has in all, so a
/// body with thousands of problems gets a bounded answer that still says
/// how many there are.
#[derive(Debug, Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a Violations>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_count: Option<usize>,
    request_id: &'a str,
}

impl ProblemBody<'_> {
    fn to_vec(&self) -> Vec<u8> {
        // Serializing plain strings, integers and violations cannot fail;
        // the fallback keeps the path panic-free.
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }
}

/// The body bytes of a refusal. `detail` tells the sender how to fix the
/// request; it never contains a secret or an expected signature.
pub(crate) fn problem_body(
    code: RefusalCode,
    detail: &str,
    errors: Option<&Violations>,
    request_id: &str,
) -> Vec<u8> {
    ProblemBody {
        type_uri: code.type_uri(),
        title: code.title(),
        status: code.status(),
        detail,
        code: code.code(),
        errors,
        error_count: errors.map(Violations::total),
        request_id,
    }
    .to_vec()
}

/// The body bytes of a problem outside the receive decision (a receiver's
/// own 404, 503, …): the same members, order and `type` scheme as every
/// refusal, with the receiver's own machine `code`.
pub(crate) fn other_problem_body(
    status: u16,
    code: &str,
    title: &str,
    detail: &str,
    request_id: &str,
) -> Vec<u8> {
    ProblemBody {
        type_uri: format!("{PROBLEM_TYPE_PREFIX}{code}"),
        title,
        status,
        detail,
        code,
        errors: None,
        error_count: None,
        request_id,
    }
    .to_vec()
}
