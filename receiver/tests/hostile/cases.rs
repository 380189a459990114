//! The shape of a hostile case: what is sent, what must come back, and
//! the helpers the corpus builds bodies with.

use std::time::Duration;

use crate::common::raw::{self, Step};
use crate::common::{now_rfc3339, signature, RECEIVE};

/// What a case must get back.
#[derive(Debug, Clone)]
pub enum Expect {
    /// One response with this status and, when given, this problem code.
    Status(u16, Option<&'static str>),
    /// One response with one of these statuses.
    OneOf(&'static [u16]),
    /// One response with one of these statuses, or the connection closed
    /// without one (the server may drop garbage framing).
    OrClose(&'static [u16]),
    /// Exactly these responses in order (pipelining).
    Sequence(Vec<u16>),
    /// Any 4xx, or closed without a response (bytes that are not HTTP).
    AnyClientErrorOrClose,
    /// Exactly these responses, then the server closes the connection
    /// (the client keeps it open and idle).
    ThenClosed(Vec<u16>),
}

pub struct Case {
    pub kind: &'static str,
    pub name: String,
    pub steps: Vec<Step>,
    pub expect: Expect,
    pub limit: Duration,
}

/// Time a fast case may take; slow-sender cases get their own limits.
pub const FAST: Duration = Duration::from_secs(8);

pub struct Corpus {
    pub cases: Vec<Case>,
    pub connector: String,
    pub secret: String,
}

impl Corpus {
    pub fn add(
        &mut self,
        kind: &'static str,
        name: impl Into<String>,
        steps: Vec<Step>,
        e: Expect,
    ) {
        self.cases.push(Case {
            kind,
            name: name.into(),
            steps,
            expect: e,
            limit: FAST,
        });
    }

    pub fn raw(&mut self, kind: &'static str, name: impl Into<String>, bytes: &[u8], e: Expect) {
        self.add(kind, name, vec![Step::Send(bytes.to_vec())], e);
    }

    /// A POST to the receive path with these headers and body.
    pub fn post(
        &mut self,
        kind: &'static str,
        name: impl Into<String>,
        headers: &[String],
        body: &[u8],
        e: Expect,
    ) {
        let bytes = raw::request("POST", RECEIVE, headers, body);
        self.raw(kind, name, &bytes, e);
    }

    /// A correctly signed POST of `body` for the test connector.
    pub fn signed(&mut self, kind: &'static str, name: impl Into<String>, body: &[u8], e: Expect) {
        let h = raw::signed_headers(&self.connector, &self.secret, body);
        self.post(kind, name, &h, body, e);
    }

    pub fn sig(&self, body: &[u8]) -> String {
        signature(&self.secret, body)
    }
}

pub const INVALID: Expect = Expect::Status(422, Some("invalid_event"));

pub fn hex64(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

/// A valid event body with `field` replaced by `raw_json` (or added).
pub fn with_field(connector: &str, field: &str, raw_json: &str) -> Vec<u8> {
    let mut fields: Vec<(String, String)> = vec![
        ("connector_id".into(), format!("\"{connector}\"")),
        ("event_type".into(), "\"integration.failed\"".into()),
        ("timestamp".into(), format!("\"{}\"", now_rfc3339())),
        ("severity".into(), "\"error\"".into()),
        ("source".into(), "\"PSFT_PAYROLL_BATCH\"".into()),
    ];
    match fields.iter_mut().find(|(k, _)| k == field) {
        Some(slot) => slot.1 = raw_json.to_owned(),
        None => fields.push((field.to_owned(), raw_json.to_owned())),
    }
    let inner: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", inner.join(",")).into_bytes()
}

/// A deterministic byte generator for the random-garbage cases.
pub struct SplitMix(pub u64);
impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
