//! The in-memory reference receiver: registry, quota ledger, replay set,
//! event store and incident model, driving both steps and applying the
//! effects. Tests, the conformance vectors and bindings that want
//! everything in-process use it; the `erpops` binary does the same with
//! durable storage.

use core::fmt;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use uuid::Uuid;

use crate::alert::{AlertConfig, AlertEffect, AlertEngine};
use crate::event::Event;
use crate::incident::IncidentModel;
use crate::pii::PiiPolicy;
use crate::quota::{Counter, Ledger, Metric, Plan, Window};
use crate::signature::Secret;
use crate::time::Timestamp;

use super::authenticate::authenticate;
use super::config::ReceiveConfig;
use super::context::{ConnectorRecord, ConnectorSecret, Context, TenantRecord};
use super::decide::{decide, incident_id_of, Outcome};
use super::request::InboundRequest;
use super::response::{Effect, Response};

/// Why an admin call was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminError {
    /// A tenant with this id already exists.
    TenantExists(String),
    /// No tenant has this id.
    TenantNotFound(String),
    /// A connector with this id already exists.
    ConnectorExists(Uuid),
    /// No connector has this id.
    ConnectorNotFound(Uuid),
}

impl AdminError {
    /// Stable machine code.
    pub const fn code(&self) -> &'static str {
        match self {
            AdminError::TenantExists(_) => "tenant_exists",
            AdminError::TenantNotFound(_) => "tenant_not_found",
            AdminError::ConnectorExists(_) => "connector_exists",
            AdminError::ConnectorNotFound(_) => "connector_not_found",
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::TenantExists(t) => {
                write!(f, "tenant {t:?} already exists; pick another id")
            }
            AdminError::TenantNotFound(t) => {
                write!(f, "no tenant {t:?}; create it before adding connectors")
            }
            AdminError::ConnectorExists(c) => {
                write!(
                    f,
                    "connector {c} already exists; use rotate to change its secret"
                )
            }
            AdminError::ConnectorNotFound(c) => write!(f, "no connector {c}"),
        }
    }
}

impl std::error::Error for AdminError {}

/// An accepted event as the engine keeps it (until its digest expires).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The normalized event.
    pub event: Event,
    /// The signed bytes.
    pub raw_body: Vec<u8>,
    /// When it was accepted.
    pub received_at: Timestamp,
}

/// The in-memory receiver. See the module docs.
///
/// The alerting layer (issue #6) will sit where the bare
/// [`IncidentModel`] is now: `receive` feeds accepted events to it and
/// appends its effects to the response.
#[derive(Debug)]
pub struct Engine {
    config: ReceiveConfig,
    tenants: BTreeMap<String, TenantRecord>,
    connectors: BTreeMap<Uuid, ConnectorRecord>,
    ledger: Ledger,
    /// event id → (expiry of the digest, the stored event).
    replay: BTreeMap<String, (Timestamp, StoredEvent)>,
    /// The same entries ordered by expiry, so pruning only touches what
    /// expired (no scan of the whole set per request).
    expiries: BTreeSet<(Timestamp, String)>,
    /// Start of the quota window last pruned: the ledger is pruned once per
    /// new window, not per request.
    pruned_window: Option<i64>,
    alerts: AlertEngine,
}

impl Engine {
    /// An empty engine with `config` and the default incident and alerting
    /// configuration (no alert rules yet: add them through
    /// [`alerts_mut`](Self::alerts_mut)).
    pub fn new(config: ReceiveConfig) -> Self {
        Engine::with_alerts(config, AlertEngine::new(AlertConfig::default()))
    }

    /// An empty engine with its own alerting layer (configured or restored),
    /// which owns the incident model.
    pub fn with_alerts(config: ReceiveConfig, alerts: AlertEngine) -> Self {
        Engine {
            config,
            tenants: BTreeMap::new(),
            connectors: BTreeMap::new(),
            ledger: Ledger::new(),
            replay: BTreeMap::new(),
            expiries: BTreeSet::new(),
            pruned_window: None,
            alerts,
        }
    }

    /// Decides one request at `now` and applies its effects; returns the
    /// response to send (its `effects` list what was applied).
    pub fn receive(
        &mut self,
        request: &InboundRequest<'_>,
        now: Timestamp,
        request_id: &str,
    ) -> Response {
        self.prune(now);
        let auth = match authenticate(request, &self.config, request_id) {
            Ok(a) => a,
            Err(response) => return response,
        };
        let connector = self.connectors.get(&auth.connector_id);
        let tenant = connector.and_then(|c| self.tenants.get(&c.tenant_id));
        let counter = connector.map(|c| self.counter(&c.tenant_id, now));
        let context = Context {
            connector,
            tenant,
            replay_expires_at: self.replay.get(&auth.event_id).map(|(end, _)| *end),
            quota: counter.as_ref(),
        };
        let accepted = match decide(auth, &context, &self.config, now, request_id) {
            Outcome::Respond(response) => return response,
            Outcome::Accepted(accepted) => accepted,
        };
        // The alerting layer ingests through the incident model: its
        // incident facts answer the request, its notifications ride along.
        let (incident_effects, alert_effects) =
            AlertEffect::split(self.alerts.ingest(&accepted.event, &accepted.event_id, now));
        let incident_id = incident_id_of(&incident_effects, &accepted.event_id).map(str::to_owned);
        let mut response = accepted.respond(incident_id.as_deref(), incident_effects);
        response
            .effects
            .extend(alert_effects.into_iter().map(Effect::Alert));
        for effect in &response.effects {
            self.apply(effect, now);
        }
        response
    }

    fn apply(&mut self, effect: &Effect, now: Timestamp) {
        match effect {
            Effect::ConsumeQuota {
                tenant_id,
                metric,
                next: _,
            } => {
                // The ledger runs the same pure rule on the same row, so it
                // reaches the `next` state the decision computed.
                let limit = self
                    .tenants
                    .get(tenant_id)
                    .map_or(crate::quota::Limit::Unlimited, |t| t.plan.limit(*metric));
                self.ledger
                    .consume(&crate::quota::Request::new(tenant_id, *metric, limit, now));
            }
            Effect::StoreEvent {
                event_id,
                event,
                raw_body,
                ..
            } => {
                let stored = StoredEvent {
                    event: event.clone(),
                    raw_body: raw_body.clone(),
                    received_at: now,
                };
                // Kept until its digest expires (set by `RememberDigest`).
                self.replay.insert(event_id.clone(), (now, stored));
            }
            Effect::RememberDigest {
                event_id,
                expires_at,
                ..
            } => {
                if let Some(entry) = self.replay.get_mut(event_id) {
                    self.expiries.remove(&(entry.0, event_id.clone()));
                    entry.0 = *expires_at;
                    self.expiries.insert((*expires_at, event_id.clone()));
                }
            }
            Effect::Incident(_) | Effect::Alert(_) => {}
        }
    }

    /// The tenant's inbound-event row for the window of `now`, as the
    /// context wants it (the replay set, not idempotency keys, finds
    /// duplicates).
    fn counter(&self, tenant_id: &str, now: Timestamp) -> Counter {
        Counter {
            window_start: Window::containing(Metric::InboundEvent.period(), now).start,
            used: self.ledger.used(tenant_id, Metric::InboundEvent, now),
            idempotency_keys: Default::default(),
        }
    }

    /// Drops digests (and their stored events) that expired before `now`,
    /// and quota rows of ended windows. `receive` calls it; the cost is
    /// proportional to what expired.
    pub fn prune(&mut self, now: Timestamp) {
        while let Some((end, id)) = self.expiries.first().cloned() {
            if now <= end {
                break;
            }
            self.expiries.pop_first();
            self.replay.remove(&id);
        }
        let window = Window::containing(Metric::InboundEvent.period(), now).start;
        if self.pruned_window != Some(window) {
            self.ledger.prune(now);
            self.pruned_window = Some(window);
        }
    }

    // --- admin -----------------------------------------------------------

    /// Adds a tenant.
    pub fn add_tenant(&mut self, id: &str, tenant: TenantRecord) -> Result<(), AdminError> {
        if self.tenants.contains_key(id) {
            return Err(AdminError::TenantExists(id.to_owned()));
        }
        self.tenants.insert(id.to_owned(), tenant);
        Ok(())
    }

    /// Adds an enabled connector of `tenant_id` with one secret.
    pub fn add_connector(
        &mut self,
        id: Uuid,
        tenant_id: &str,
        secret: Secret,
    ) -> Result<(), AdminError> {
        self.insert_connector(
            id,
            ConnectorRecord {
                tenant_id: tenant_id.to_owned(),
                enabled: true,
                secrets: vec![ConnectorSecret {
                    secret,
                    expires_at: None,
                }],
            },
        )
    }

    /// Adds a connector with a complete record (several secrets, expiries,
    /// disabled): for restoring state and for the conformance vectors.
    pub fn insert_connector(
        &mut self,
        id: Uuid,
        record: ConnectorRecord,
    ) -> Result<(), AdminError> {
        if !self.tenants.contains_key(&record.tenant_id) {
            return Err(AdminError::TenantNotFound(record.tenant_id));
        }
        if self.connectors.contains_key(&id) {
            return Err(AdminError::ConnectorExists(id));
        }
        self.connectors.insert(id, record);
        Ok(())
    }

    /// Rotates a connector's secret: `new` becomes the secret, every older
    /// secret keeps working until `now + overlap` (or its own earlier
    /// expiry). Secrets already expired at `now` are dropped.
    pub fn rotate_secret(
        &mut self,
        id: Uuid,
        new: Secret,
        now: Timestamp,
        overlap: Duration,
    ) -> Result<(), AdminError> {
        let connector = self.connector_mut(id)?;
        let end = now.saturating_add(overlap);
        connector.secrets.retain(|s| s.is_active(now));
        for s in &mut connector.secrets {
            s.expires_at = Some(s.expires_at.map_or(end, |e| e.min(end)));
        }
        connector.secrets.insert(
            0,
            ConnectorSecret {
                secret: new,
                expires_at: None,
            },
        );
        Ok(())
    }

    /// Adds one more secret to a connector, verifying while
    /// `now < expires_at` (`None`: no expiry). This restores a rotation that
    /// was started elsewhere (a C or Python receiver rebuilding its engine
    /// from its own records); [`rotate_secret`](Engine::rotate_secret) is
    /// the way to start one.
    pub fn add_secret(
        &mut self,
        id: Uuid,
        secret: Secret,
        expires_at: Option<Timestamp>,
    ) -> Result<(), AdminError> {
        self.connector_mut(id)?
            .secrets
            .push(ConnectorSecret { secret, expires_at });
        Ok(())
    }

    /// Enables or disables a connector.
    pub fn set_connector_enabled(&mut self, id: Uuid, enabled: bool) -> Result<(), AdminError> {
        self.connector_mut(id)?.enabled = enabled;
        Ok(())
    }

    /// Suspends or reinstates a tenant.
    pub fn set_tenant_suspended(&mut self, id: &str, suspended: bool) -> Result<(), AdminError> {
        self.tenant_mut(id)?.suspended = suspended;
        Ok(())
    }

    /// Changes a tenant's plan (effective for the next request).
    pub fn set_plan(&mut self, id: &str, plan: Plan) -> Result<(), AdminError> {
        self.tenant_mut(id)?.plan = plan;
        Ok(())
    }

    /// Changes a tenant's PII policy.
    pub fn set_pii_policy(&mut self, id: &str, policy: PiiPolicy) -> Result<(), AdminError> {
        self.tenant_mut(id)?.pii_policy = policy;
        Ok(())
    }

    // --- read access -------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &ReceiveConfig {
        &self.config
    }

    /// The incident model (owned by the alerting layer).
    pub fn incidents(&self) -> &IncidentModel {
        self.alerts.model()
    }

    /// The alerting layer: rules, silences, heartbeats.
    pub fn alerts(&self) -> &AlertEngine {
        &self.alerts
    }

    /// The alerting layer, to add rules, silences and heartbeats or to run
    /// incident commands (acknowledge, resolve) through it.
    pub fn alerts_mut(&mut self) -> &mut AlertEngine {
        &mut self.alerts
    }

    /// Runs every due timer (heartbeats, acknowledgement expiry, flapping,
    /// group_wait, repeats) at `now`; call it at [`next_wakeup`](Self::next_wakeup).
    pub fn tick(&mut self, now: Timestamp) -> Vec<AlertEffect> {
        self.alerts.tick(now)
    }

    /// When [`tick`](Self::tick) is next due, if ever.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        self.alerts.next_wakeup()
    }

    /// The quota ledger (usage reports, snapshots).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// An accepted event still inside the replay window.
    pub fn stored_event(&self, event_id: &str) -> Option<&StoredEvent> {
        self.replay.get(event_id).map(|(_, e)| e)
    }

    fn connector_mut(&mut self, id: Uuid) -> Result<&mut ConnectorRecord, AdminError> {
        self.connectors
            .get_mut(&id)
            .ok_or(AdminError::ConnectorNotFound(id))
    }

    fn tenant_mut(&mut self, id: &str) -> Result<&mut TenantRecord, AdminError> {
        self.tenants
            .get_mut(id)
            .ok_or_else(|| AdminError::TenantNotFound(id.to_owned()))
    }
}
