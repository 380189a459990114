//! The writer's part for one request of the open group: a receive
//! request through the state rungs of the core's decision (admitted again
//! when its records are older than the group's), and an operator command
//! (acknowledge, resolve) through the alert engine. Both change only the
//! engine and the open group; the group writes at its end.

use erpops_core::alert::AlertEffect;
use erpops_core::incident::{Command, CommandError, CorrelationKey};
use erpops_core::receive::{
    admit, incident_id_of, settle, Admitted, Authenticated, Context, Effect, Outcome, Response,
    State,
};
use erpops_core::Timestamp;
use tokio::sync::oneshot;

use super::group::PendingEvent;
use super::{CommandFailure, Job, Writer};
use crate::store::{StoreError, StoreResult};

impl Writer {
    /// One receive request of the open group: admitted again when its
    /// records are older than the group's `generation`, then settled.
    /// Returns where its answer goes and the answer (an error is a store
    /// failure: the group rolls back).
    pub(super) fn receive_one(
        &mut self,
        job: Job,
        generation: Option<i64>,
        now: Timestamp,
    ) -> (oneshot::Sender<Response>, StoreResult<Response>) {
        let Job {
            admitted,
            body,
            connector_id,
            signature,
            records_generation,
            request_id,
            reply,
        } = job;
        let admitted = if generation.is_some() && records_generation != generation {
            // Admitted with records older than this snapshot.
            let auth = Authenticated {
                connector_id,
                signature,
                event_id: admitted.event_id().to_owned(),
                body: &body,
            };
            match self.readmit(auth, &request_id, now) {
                Ok(a) => a,
                Err(e) => return (reply, Err(e)),
            }
        } else {
            Ok(admitted)
        };
        let response = match admitted {
            Err(refusal) => Ok(refusal),
            Ok(admitted) => self.settle_one(admitted, &body, &request_id, now),
        };
        (reply, response)
    }

    /// One operator command inside the open transaction. The outer error
    /// is a store failure (the group rolls back); the inner one is the
    /// command's refusal (nothing changed).
    pub(super) fn command_one(
        &mut self,
        tenant: &str,
        command: &Command,
        now: Timestamp,
    ) -> StoreResult<Result<serde_json::Value, CommandFailure>> {
        let id = command.incident_id();
        let not_found = || CommandFailure {
            status: 404,
            code: "incident_not_found".to_owned(),
            detail: format!("no incident {id} for this API key's tenant; list /v1/incidents"),
        };
        if self.store.incident_tenant(id)?.as_deref() != Some(tenant) {
            return Ok(Err(not_found()));
        }
        let effects = match self.alerts.command(command, now) {
            Ok(effects) => effects,
            Err(CommandError::IncidentNotFound { .. }) => return Ok(Err(not_found())),
            Err(e) => {
                let status = match e {
                    CommandError::InvalidActor | CommandError::InvalidNote => 422,
                    _ => 409,
                };
                return Ok(Err(CommandFailure {
                    status,
                    code: e.code().to_owned(),
                    detail: e.to_string(),
                }));
            }
        };
        // Written with the group's other effects, in order, so the latest
        // state of an incident wins; notifications are recorded now.
        self.apply_alert_effects(effects, now)?;
        let record = self
            .alerts
            .model()
            .get(id)
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(record.ok_or_else(not_found))
    }

    /// The record rungs again, with the records of the group's snapshot:
    /// for a request the HTTP task admitted with older ones (an admin
    /// change committed since). The outer error is a store failure.
    pub(super) fn readmit(
        &mut self,
        auth: Authenticated<'_>,
        request_id: &str,
        now: Timestamp,
    ) -> StoreResult<Result<Admitted, Response>> {
        let ((connector, tenant), _) = self.store.records_with_generation(&auth.connector_id)?;
        let context = Context {
            connector: connector.as_ref(),
            tenant: tenant.as_ref(),
            ..Context::default()
        };
        Ok(admit(auth, &context, &self.config, now, request_id))
    }

    /// One admitted request through the state rungs of the core's
    /// decision, applying the effects of an accepted event to the open
    /// transaction.
    pub(super) fn settle_one(
        &mut self,
        admitted: Admitted,
        body: &[u8],
        request_id: &str,
        now: Timestamp,
    ) -> StoreResult<Response> {
        let tenant = admitted.tenant_id();
        let replay_expires_at = match admitted.event() {
            Some(e) => {
                self.group
                    .replay_expiry(self.store.as_mut(), admitted.event_id(), e.timestamp)?
            }
            None => None,
        };
        // The quota effect is applied with the plan the decision used.
        let plan = admitted.plan();
        let quota = self.group.counter(self.store.as_mut(), tenant, plan, now)?;
        let state = State {
            replay_expires_at,
            quota: quota.as_ref(),
        };
        let accepted = match settle(admitted, body, &state, &self.config, now, request_id) {
            Outcome::Respond(response) => return Ok(response),
            Outcome::Accepted(accepted) => accepted,
        };
        // The key changes even when no incident effect comes out (a
        // recovery's time, a quiet key's retention).
        self.group.keys.insert(CorrelationKey::of(&accepted.event));
        // The alert engine ingests through the incident model: its incident
        // facts answer the request, its notifications are recorded below.
        let (incident_effects, alert_effects) =
            AlertEffect::split(self.alerts.ingest(&accepted.event, &accepted.event_id, now));
        // What moved in the engine's own state (flapping, throttling,
        // holds, a heartbeat's sign of life) is in its changes, saved per
        // key at the group's end (`save_engine`).
        // A heartbeat's sign of life may resolve its missed-run incident
        // first: the answer names the incident this event joined.
        let incident_id = incident_id_of(&incident_effects, &accepted.event_id).map(str::to_owned);
        let tenant_id = accepted.tenant_id.clone();
        let mut response = accepted.respond(incident_id.as_deref(), incident_effects);
        // The digest is remembered in the event's row (one write, no
        // random-key index): find its expiry before storing the event.
        let replay_expires_at = response.effects.iter().find_map(|e| match e {
            Effect::RememberDigest { expires_at, .. } => Some(*expires_at),
            _ => None,
        });
        // The event and its charge are written when the group closes
        // (`OpenGroup::write_events`); the next decision sees both now.
        let mut kept = Vec::new();
        for effect in std::mem::take(&mut response.effects) {
            match effect {
                Effect::StoreEvent {
                    event_id,
                    event,
                    raw_body,
                    redactions,
                } => self.group.accept_event(PendingEvent {
                    event_id,
                    tenant_id: tenant_id.clone(),
                    event,
                    raw_body: redactions.is_empty().then_some(raw_body),
                    incident_id: incident_id.clone(),
                    replay_expires_at,
                }),
                Effect::ConsumeQuota {
                    tenant_id, next, ..
                } => self.group.charge(&tenant_id, next, plan)?,
                other => kept.push(other),
            }
        }
        response.effects = kept;
        // The HTTP side needs status, headers and body only: the incident
        // effects move into the group (keys other than the event's may
        // change too: a sign of life resolving a heartbeat's missed-run
        // incident), and `updated` ones are dropped there, releasing the
        // shared records (see `OpenGroup::incident_keys`).
        let (incidents, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut response.effects)
            .into_iter()
            .partition(|e| matches!(e, Effect::Incident(_)));
        response.effects = rest;
        for effect in incidents {
            if let Effect::Incident(e) = effect {
                self.group.note_incident_effect(e);
            }
        }
        self.apply_alert_effects(alert_effects, now)?;
        Ok(response)
    }
}
