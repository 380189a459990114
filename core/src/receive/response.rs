//! What the caller sends back and what it must do: status, headers, body
//! bytes and effects.

use uuid::Uuid;

use crate::event::{Event, Redaction, Violations};
use crate::incident;
use crate::quota::{http as quota_http, Counter, Decision, Metric};
use crate::time::Timestamp;

use super::problem::{other_problem_body, problem_body, RefusalCode, PROBLEM_MEDIA_TYPE};

/// `Content-Type` header name.
pub const CONTENT_TYPE: &str = "Content-Type";
/// `Allow` header name (sent with 405).
pub const ALLOW: &str = "Allow";

/// Something the caller must do (persist, count, remember) for the response
/// to be true. Only an accepted event has effects; refusals and duplicates
/// change nothing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Effect {
    /// Store the event durably before sending the response.
    StoreEvent {
        /// Its id (`evt_…`).
        event_id: String,
        /// The normalized event (PII redacted under `redact`).
        event: Event,
        /// The body exactly as received (the signed bytes).
        raw_body: Vec<u8>,
        /// What the PII policy redacted.
        redactions: Vec<Redaction>,
    },
    /// Write the tenant's counter row: the state after admitting this event
    /// (with a shared SQL store, run the conditional upsert instead).
    ConsumeQuota {
        /// The tenant charged.
        tenant_id: String,
        /// Always [`Metric::InboundEvent`] here.
        metric: Metric,
        /// The row after this event.
        next: Counter,
    },
    /// Remember the digest so a retry of the same bytes is answered
    /// `duplicate` until `expires_at` (inclusive).
    RememberDigest {
        /// The event id, which is the digest.
        event_id: String,
        /// The connector that sent it.
        connector_id: Uuid,
        /// `now` + the replay window.
        expires_at: Timestamp,
    },
    /// A fact from the incident model, added by whoever ingested the event
    /// (the [`Engine`](super::Engine) does).
    Incident(incident::Effect),
    /// A fact from the alerting layer on top of the incident model (a
    /// notification to deliver, one held back, flapping started or
    /// stopped), added by the [`Engine`](super::Engine).
    Alert(crate::alert::AlertEffect),
}

/// The complete answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Header fields in the order to send them.
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes (JSON).
    pub body: Vec<u8>,
    /// The refusal code, `None` for 200 and 202.
    pub code: Option<RefusalCode>,
    /// What the caller must do (empty unless accepted).
    pub effects: Vec<Effect>,
}

impl Response {
    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// An RFC 9457 problem response for a refusal outside the receive
    /// decision, made by a receiver around it (an unknown route, a store
    /// that cannot take writes): the body has the members, order and `type`
    /// scheme of every refusal, so a sender parses one shape. `code` is the
    /// receiver's own machine code (`store_unavailable`, `not_found`, …);
    /// `code()` of the response stays `None`, as no [`RefusalCode`] applies.
    pub fn problem(status: u16, code: &str, title: &str, detail: &str, request_id: &str) -> Self {
        Response {
            status,
            headers: vec![(CONTENT_TYPE, PROBLEM_MEDIA_TYPE.to_owned())],
            body: other_problem_body(status, code, title, detail, request_id),
            code: None,
            effects: Vec::new(),
        }
    }

    /// A refusal before the tenant is known: no RateLimit fields.
    pub(crate) fn refuse(code: RefusalCode, detail: &str, request_id: &str) -> Response {
        let mut headers = vec![(CONTENT_TYPE, PROBLEM_MEDIA_TYPE.to_owned())];
        if code == RefusalCode::MethodNotAllowed {
            headers.push((ALLOW, "POST".to_owned()));
        }
        Response {
            status: code.status(),
            headers,
            body: problem_body(code, detail, None, request_id),
            code: Some(code),
            effects: Vec::new(),
        }
    }

    /// A refusal once the tenant is known (422, 429): with the quota fields.
    pub(crate) fn refuse_with_quota(
        code: RefusalCode,
        detail: &str,
        errors: Option<&Violations>,
        quota: &Decision,
        request_id: &str,
    ) -> Response {
        let mut headers = vec![(CONTENT_TYPE, PROBLEM_MEDIA_TYPE.to_owned())];
        headers.extend(quota_headers(quota, code == RefusalCode::QuotaExceeded));
        Response {
            status: code.status(),
            headers,
            body: problem_body(code, detail, errors, request_id),
            code: Some(code),
            effects: Vec::new(),
        }
    }

    /// A success (200, 202) with a JSON body and the quota fields.
    pub(crate) fn success(status: u16, body: Vec<u8>, quota: &Decision) -> Response {
        let mut headers = vec![(CONTENT_TYPE, crate::wire::JSON_MEDIA_TYPE.to_owned())];
        headers.extend(quota_headers(quota, false));
        Response {
            status,
            headers,
            body,
            code: None,
            effects: Vec::new(),
        }
    }
}

/// The quota fields from the one module that spells them; `Retry-After`
/// only on a 429 (a 422 or duplicate after a plan downgrade must not tell
/// the sender to wait).
fn quota_headers(decision: &Decision, with_retry_after: bool) -> Vec<(&'static str, String)> {
    quota_http::headers(Metric::InboundEvent, decision)
        .into_iter()
        .filter(|(name, _)| with_retry_after || *name != quota_http::RETRY_AFTER)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receivers_own_problem_has_the_refusal_shape() {
        let own = Response::problem(
            503,
            "store_unavailable",
            "Store unavailable",
            "retry",
            "req_1",
        );
        let refusal = Response::refuse(RefusalCode::SignatureMissing, "sign it", "req_1");
        let members = |r: &Response| -> Vec<String> {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            v.as_object().unwrap().keys().cloned().collect()
        };
        // The member order is the refusals' (checked on the raw bytes).
        assert_eq!(
            String::from_utf8(own.body.clone()).unwrap(),
            r#"{"type":"urn:erpops:problem:store_unavailable","title":"Store unavailable","status":503,"detail":"retry","code":"store_unavailable","request_id":"req_1"}"#
        );
        assert_eq!(members(&own), members(&refusal));
        assert_eq!(own.status, 503);
        assert_eq!(own.header("content-type"), Some(PROBLEM_MEDIA_TYPE));
        assert_eq!(own.code, None);
    }
}
