//! The audit log of the REST writes (issue #24): every write that changed
//! something adds one row (who: `api_key:<key_id>` or
//! `admin_app:<key_id>`; what: action and resource; which request; what
//! changed), in the transaction that made the change where the API makes
//! it itself. `GET /v1/audit` lists a tenant's rows, newest first. Rows
//! are kept as long as events (retention's `events_days`, or
//! [`FOREVER_EVENTS_DAYS`] when events are kept forever). No secret or
//! API key is ever put in a row.

use erpops_core::Timestamp;
use serde_json::Value;

use super::{Principal, Via};
use crate::clock;
use crate::store::AuditRow;

/// Days audit rows are kept when events are kept forever.
pub const FOREVER_EVENTS_DAYS: u32 = 365;

/// Who a request acts as, as the audit log and incident commands name it.
pub fn actor(via: Via, principal: &Principal) -> String {
    match via {
        Via::Api => format!("api_key:{}", principal.key_id),
        Via::AdminApp => format!("admin_app:{}", principal.key_id),
    }
}

/// What a write changed, before it becomes a row.
#[derive(Debug, Clone)]
pub struct Change {
    /// `connector.create`, `rule.put`, …
    pub action: &'static str,
    /// `connector`, `rule`, …
    pub resource_type: &'static str,
    /// The resource's id.
    pub resource_id: String,
    /// What changed (never a secret or key).
    pub detail: Value,
}

/// The row of `change`, made by `principal` through `via` in request
/// `request_id` at `now`.
pub fn row(
    change: Change,
    principal: &Principal,
    via: Via,
    request_id: &str,
    now: Timestamp,
) -> Result<AuditRow, String> {
    Ok(AuditRow {
        id: format!("aud_{}", hex::encode(clock::random_bytes::<16>()?)),
        tenant_id: principal.tenant.clone(),
        at: now,
        actor: actor(via, principal),
        key_id: principal.key_id.clone(),
        action: change.action.to_owned(),
        resource_type: change.resource_type.to_owned(),
        resource_id: change.resource_id,
        request_id: request_id.to_owned(),
        detail: change.detail,
    })
}
