//! What the caller looked up for step 2: plain records, so a C caller, an
//! async receiver and the in-memory [`Engine`](super::Engine) fill them the
//! same way.

use crate::pii::PiiPolicy;
use crate::quota::{Counter, Plan};
use crate::signature::Secret;
use crate::time::Timestamp;

/// One of a connector's secrets. During a rotation the connector has the
/// new secret and the previous one with an expiry.
#[derive(Debug, Clone)]
pub struct ConnectorSecret {
    /// The HMAC key.
    pub secret: Secret,
    /// The secret verifies nothing from this instant on; `None` = no expiry.
    pub expires_at: Option<Timestamp>,
}

impl ConnectorSecret {
    /// Whether the secret still verifies at `now` (`now < expires_at`).
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }
}

/// The connector record.
#[derive(Debug, Clone)]
pub struct ConnectorRecord {
    /// The tenant that owns it (and whose quota it uses).
    pub tenant_id: String,
    /// A disabled connector is refused with 403 `connector_disabled`.
    pub enabled: bool,
    /// Its secrets; expired ones are ignored at `now`.
    pub secrets: Vec<ConnectorSecret>,
}

/// The tenant record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantRecord {
    /// Its plan (read at each decision: a change applies at once).
    pub plan: Plan,
    /// What to do with personal data in events.
    pub pii_policy: PiiPolicy,
    /// A suspended tenant's connectors are refused with 403.
    pub suspended: bool,
}

impl TenantRecord {
    /// An active tenant on `plan` with the default PII policy (`redact`).
    pub fn new(plan: Plan) -> Self {
        TenantRecord {
            plan,
            pii_policy: PiiPolicy::default(),
            suspended: false,
        }
    }
}

/// The caller's lookups for one [`Authenticated`](super::Authenticated)
/// request, all keyed by what step 1 returned.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'c> {
    /// The connector named by the header; `None` if unknown.
    pub connector: Option<&'c ConnectorRecord>,
    /// The connector's tenant; `None` if unknown (answered like an unknown
    /// connector).
    pub tenant: Option<&'c TenantRecord>,
    /// When the remembered digest of this `event_id` expires, if the event
    /// was accepted before (inclusive: still a duplicate at that instant).
    /// An expired entry the caller has not pruned yet is ignored.
    pub replay_expires_at: Option<Timestamp>,
    /// The tenant's inbound-event counter row for the window of `now` (a row
    /// of another window counts as empty; `None` = nothing used yet).
    pub quota: Option<&'c Counter>,
}
