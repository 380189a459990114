//! What the receive decision needs from an HTTP request: raw header bytes
//! and the raw body, never a parsed form.

/// The body as the receiver read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// Every byte of the body (the receiver read to the end within the limit).
    Bytes(&'a [u8]),
    /// The receiver stopped reading because the body exceeds the limit
    /// (`Content-Length` too big, or the limit was crossed while reading a
    /// chunked body); `length` is the declared or read length so far.
    TooLarge {
        /// Bytes declared or read before the receiver stopped.
        length: u64,
    },
}

/// One inbound request, borrowed from the caller's buffers.
///
/// Header values are raw bytes (`None` when absent) because a header may
/// hold anything, including bytes that are not UTF-8; the decision
/// interprets them. When a header appears several times the caller passes
/// the first value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundRequest<'a> {
    /// The HTTP method; only `POST` (case-sensitive, as in HTTP) is served.
    pub method: &'a str,
    /// `Content-Type`.
    pub content_type: Option<&'a [u8]>,
    /// `X-ERPOps-Signature`.
    pub signature: Option<&'a [u8]>,
    /// `X-ERPOps-Connector-Id`.
    pub connector_id: Option<&'a [u8]>,
    /// The body.
    pub body: Body<'a>,
}

impl<'a> InboundRequest<'a> {
    /// A `POST` with `Content-Type: application/json`, the two ERPOps
    /// headers and the complete body: the common, well-formed case.
    pub fn post_json(signature: &'a [u8], connector_id: &'a [u8], body: &'a [u8]) -> Self {
        InboundRequest {
            method: "POST",
            content_type: Some(crate::wire::JSON_MEDIA_TYPE.as_bytes()),
            signature: Some(signature),
            connector_id: Some(connector_id),
            body: Body::Bytes(body),
        }
    }
}
