//! Step 1: everything that needs no lookup (405, 413, 415, 401 header
//! checks), and the event id.

use uuid::Uuid;

use crate::signature::{ParsedSignature, SignatureError};

use super::config::ReceiveConfig;
use super::event_id::event_id;
use super::problem::RefusalCode;
use super::request::{Body, InboundRequest};
use super::response::Response;

/// A request whose headers are in order: what the caller needs to look up
/// (connector, tenant, replay entry, quota row) in one transaction, and
/// what [`decide`](super::decide()) needs afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated<'a> {
    /// The connector named by the header (not yet known to exist).
    pub connector_id: Uuid,
    /// The signature the sender claims (not yet verified).
    pub signature: ParsedSignature,
    /// `evt_…` of this connector and these body bytes: the replay key.
    pub event_id: String,
    /// The raw body, within the size limit.
    pub body: &'a [u8],
}

/// Runs the lookup-free rungs of the ladder in contract order and returns
/// the refusal of the first that fails, or what the second step needs.
///
/// `request_id` is echoed in a refusal's problem body.
pub fn authenticate<'a>(
    request: &InboundRequest<'a>,
    config: &ReceiveConfig,
    request_id: &str,
) -> Result<Authenticated<'a>, Response> {
    if request.method != "POST" {
        return Err(Response::refuse(
            RefusalCode::MethodNotAllowed,
            &format!(
                "{} only accepts POST; send the event as the body of a POST request",
                crate::wire::RECEIVE_PATH
            ),
            request_id,
        ));
    }
    let body = match request.body {
        Body::Bytes(b) if b.len() <= config.max_body_bytes() => b,
        Body::Bytes(_) | Body::TooLarge { .. } => {
            return Err(Response::refuse(
                RefusalCode::BodyTooLarge,
                &format!(
                    "the body is larger than {} bytes; send smaller events (move bulk data out of \
                     metadata and message)",
                    config.max_body_bytes()
                ),
                request_id,
            ))
        }
    };
    if !is_json_media_type(request.content_type) {
        return Err(Response::refuse(
            RefusalCode::UnsupportedMediaType,
            "send the body with `Content-Type: application/json` (a charset parameter is allowed)",
            request_id,
        ));
    }
    let signature = ParsedSignature::parse_optional(request.signature).map_err(|e| {
        let code = match e {
            SignatureError::Missing => RefusalCode::SignatureMissing,
            SignatureError::Malformed(_) | SignatureError::Mismatch => {
                RefusalCode::SignatureMalformed
            }
        };
        Response::refuse(code, &e.to_string(), request_id)
    })?;
    let connector_id = parse_connector_header(request.connector_id, request_id)?;
    Ok(Authenticated {
        connector_id,
        signature,
        event_id: event_id(&connector_id, body),
        body,
    })
}

/// `application/json`, type and subtype case-insensitive, optional blanks
/// around it and any parameters after `;`. `application/problem+json` or
/// `text/json` are not accepted: the contract names one type.
fn is_json_media_type(value: Option<&[u8]>) -> bool {
    let Some(value) = value else {
        return false;
    };
    let essence = value
        .split(|&b| b == b';')
        .next()
        .map(crate::wire::trim_ows)
        .unwrap_or_default();
    essence.eq_ignore_ascii_case(crate::wire::JSON_MEDIA_TYPE.as_bytes())
}

/// The connector header: blank or absent is `connector_id_missing`; it must
/// be a hyphenated UUID in either case, the same spellings the body's
/// `connector_id` accepts.
fn parse_connector_header(value: Option<&[u8]>, request_id: &str) -> Result<Uuid, Response> {
    let value = value.map(crate::wire::trim_ows).unwrap_or_default();
    if value.is_empty() {
        return Err(Response::refuse(
            RefusalCode::ConnectorIdMissing,
            "the X-ERPOps-Connector-Id header is missing; send the connector's UUID (shown when \
             the connector was created)",
            request_id,
        ));
    }
    std::str::from_utf8(value)
        .ok()
        .and_then(crate::event::parse_connector_id)
        .ok_or_else(|| {
            Response::refuse(
                RefusalCode::ConnectorIdMalformed,
                "the X-ERPOps-Connector-Id header must be a UUID in hyphenated form such as \
                 123e4567-e89b-12d3-a456-426614174000",
                request_id,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_rules() {
        for ok in [
            &b"application/json"[..],
            b"Application/JSON",
            b"application/json; charset=utf-8",
            b"  application/json  ;charset=UTF-8",
        ] {
            assert!(is_json_media_type(Some(ok)), "{:?}", ok);
        }
        for bad in [
            &b""[..],
            b"text/json",
            b"application/problem+json",
            b"application/jsonx",
            b"application/x-www-form-urlencoded",
            b"\xff",
        ] {
            assert!(!is_json_media_type(Some(bad)), "{:?}", bad);
        }
        assert!(!is_json_media_type(None));
    }
}
