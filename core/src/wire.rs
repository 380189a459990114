//! Names and fixed values of the inbound wire protocol (contract §3).
//!
//! Kept in one place so that every binding exports the same spelling.

/// Header that carries `sha256=<64 hex digits>`, the HMAC-SHA256 of the raw body.
pub const SIGNATURE_HEADER: &str = "X-ERPOps-Signature";

/// Header that carries the connector's UUID.
pub const CONNECTOR_ID_HEADER: &str = "X-ERPOps-Connector-Id";

/// Path of the inbound endpoint.
pub const RECEIVE_PATH: &str = "/functions/v1/receive-event";

/// The only accepted media type of an inbound body (parameters such as
/// `charset` are allowed after it).
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// Removes the optional whitespace HTTP allows around a field value
/// (leading and trailing spaces and horizontal tabs) and nothing else.
pub(crate) fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}
