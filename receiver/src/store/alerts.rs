//! The alerting rows of the store: the operator's alert configuration
//! (rules, silences, heartbeats, jobs, maintenance windows, webhook
//! destinations, custom plans), the
//! alert engine's saved state, and the notifications with their delivery
//! state; the configuration reads the writer, the deliverer and the admin
//! commands share ([`ConfigStore`]) and the deliverer's own trait
//! ([`DeliveryStore`]).

use erpops_core::alert::{AlertRule, Heartbeat, Job, MaintenanceWindow, Silence};
use erpops_core::quota::Limit;
use erpops_core::Timestamp;
use uuid::Uuid;

use super::StoreResult;

/// An alert rule and the tenant it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRow {
    /// The tenant whose incidents it may notify about (and whose webhook
    /// its `webhook` channel posts to).
    pub tenant_id: String,
    /// The core's rule.
    pub rule: AlertRule,
}

/// Everything the writer loads into the alert engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertConfigRows {
    /// The generation these rows were read at.
    pub generation: i64,
    /// Rules with their tenants.
    pub rules: Vec<RuleRow>,
    /// Silences (operator-wide).
    pub silences: Vec<Silence>,
    /// Heartbeat expectations.
    pub heartbeats: Vec<Heartbeat>,
    /// Batch jobs (issue #23), in (connector, source) order.
    pub jobs: Vec<Job>,
    /// Maintenance windows, in id order.
    pub windows: Vec<MaintenanceWindow>,
}

/// A tenant's outbound webhook destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRow {
    /// The tenant.
    pub tenant_id: String,
    /// `https://host[:port]/path` (or `http://`).
    pub url: String,
    /// The HMAC key notifications are signed with.
    pub secret: String,
}

/// A negotiated plan as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomPlan {
    /// Inbound events per UTC day.
    pub inbound_events: Limit,
    /// AI queries per UTC month.
    pub ai_queries: Limit,
}

/// A notification to record (in the transaction that produced it).
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// `ntf_…`, also the idempotency key receivers see on every attempt.
    pub id: &'a str,
    /// The tenant of the rule and of the incident.
    pub tenant_id: &'a str,
    /// The rule that matched.
    pub rule_id: &'a str,
    /// `log` or `webhook`.
    pub channel: &'a str,
    /// The incident it is about.
    pub incident_id: &'a str,
    /// Why now (`first`, `missed_run`, …).
    pub reason: &'a str,
    /// The exact JSON body deliverers send (kept so retries send the same
    /// bytes).
    pub payload: &'a str,
    /// The receiver's clock.
    pub created_at: Timestamp,
}

/// A notification due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNotification {
    /// `ntf_…`.
    pub id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// `log` or `webhook`.
    pub channel: String,
    /// The body to send.
    pub payload: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The destination took it.
    Delivered,
    /// It failed; try again at this time.
    Retry {
        /// Why it failed (never a secret or a body).
        error: String,
        /// When to try again.
        at: Timestamp,
    },
    /// It failed and no attempt is left.
    Failed {
        /// Why the last attempt failed.
        error: String,
    },
}

/// Filters of `GET /v1/alerts` (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// `pending`, `delivered` or `failed`.
    pub state: Option<String>,
    /// The incident.
    pub incident: Option<String>,
    /// The rule.
    pub rule: Option<String>,
    /// Why (`first`, `missed_run`, …).
    pub reason: Option<String>,
    /// Only notifications created at or after this instant.
    pub since: Option<Timestamp>,
}

/// The operator's configuration as the writer, the deliverer and the
/// admin commands read it.
pub trait ConfigStore: Send {
    /// The configuration generation (bumped by every admin change).
    fn config_generation(&mut self) -> StoreResult<i64>;
    /// Rules, silences, heartbeats, jobs and windows with their generation.
    fn alert_config(&mut self) -> StoreResult<AlertConfigRows>;
    /// The tenant of a connector, if the connector is known.
    fn connector_tenant(&mut self, connector: &Uuid) -> StoreResult<Option<String>>;
    /// A tenant's webhook destination.
    fn webhook(&mut self, tenant: &str) -> StoreResult<Option<WebhookRow>>;
    /// Custom plans, by name.
    fn plans(&mut self) -> StoreResult<Vec<(String, CustomPlan)>>;
}

/// What the notification deliverer touches.
pub trait DeliveryStore: ConfigStore {
    /// Pending notifications due at `now`, oldest first (at most `limit`).
    /// A store shared by several receivers claims them for the caller
    /// until [`DeliveryStore::record_attempt`] or a lease ends, so another
    /// receiver's deliverer does not send them at the same time.
    fn due_notifications(
        &mut self,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DueNotification>>;
    /// When the next pending notification is due, if any is pending.
    fn next_due(&mut self) -> StoreResult<Option<Timestamp>>;
    /// Gives back claims the caller took with
    /// [`DeliveryStore::due_notifications`] and will not record (a stopping
    /// receiver), so another receiver, or this one restarted, delivers
    /// them now instead of after the lease. Nothing to do for a store that
    /// does not claim.
    fn release_claims(&mut self, ids: &[String]) -> StoreResult<()>;
    /// Records one delivery attempt's outcome.
    fn record_attempt(&mut self, id: &str, outcome: &Attempt, now: Timestamp) -> StoreResult<()>;
}
