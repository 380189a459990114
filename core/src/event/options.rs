//! What a receiver tells the parser about the request around the body.
//!
//! The core reads no clock and no configuration: `now`, the header's
//! connector id, the time window, the size limit and the tenant's PII policy
//! all come in here, so the same bytes and options always give the same
//! answer.

use std::time::Duration;

use uuid::Uuid;

use crate::pii::PiiPolicy;
use crate::time::Timestamp;

/// Default allowed clock skew into the future: 5 minutes.
pub const DEFAULT_FUTURE_SKEW: Duration = Duration::from_secs(5 * 60);

/// Default maximum age of an event: 24 hours.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Default maximum body size: 64 KiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// Options for [`parse_event`](super::parse_event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// The receiver's current time; the timestamp window is relative to it.
    pub now: Timestamp,
    /// The `X-ERPOps-Connector-Id` header's UUID, when there is one: the
    /// body's `connector_id` must equal it (`mismatch` otherwise).
    pub header_connector_id: Option<Uuid>,
    /// How far in the future a timestamp may be (clocks drift).
    pub future_skew: Duration,
    /// How old a timestamp may be.
    pub max_age: Duration,
    /// Largest accepted body, in bytes.
    pub max_body_bytes: usize,
    /// What to do with personal data in `source`, `message` and metadata
    /// strings.
    pub pii_policy: PiiPolicy,
}

impl ParseOptions {
    /// The contract's defaults at `now`: 5 min skew, 24 h age, 64 KiB,
    /// `redact`, no header connector id.
    pub fn new(now: Timestamp) -> Self {
        ParseOptions {
            now,
            header_connector_id: None,
            future_skew: DEFAULT_FUTURE_SKEW,
            max_age: DEFAULT_MAX_AGE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            pii_policy: PiiPolicy::default(),
        }
    }

    /// The same options with the header's connector id set.
    pub fn with_header_connector_id(mut self, id: Uuid) -> Self {
        self.header_connector_id = Some(id);
        self
    }

    /// The same options with another PII policy.
    pub fn with_pii_policy(mut self, policy: PiiPolicy) -> Self {
        self.pii_policy = policy;
        self
    }

    /// The same options with another size limit.
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// The same options with another time window.
    pub fn with_window(mut self, future_skew: Duration, max_age: Duration) -> Self {
        self.future_skew = future_skew;
        self.max_age = max_age;
        self
    }
}
