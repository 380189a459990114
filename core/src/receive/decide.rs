//! Step 2: the rungs that need the caller's lookups, in contract order:
//! 403 → 401 mismatch (MAC before parsing) → 422 → 200 duplicate → 429 →
//! 202.

use serde::Serialize;

use crate::event::{parse_event, Event, ParseOptions, ParsedEvent, Redaction, Violations};
use crate::incident;
use crate::quota::{self, Counter, Decision, Metric, Plan};
use crate::signature::{verify_parsed, SignatureError};
use crate::time::Timestamp;

use super::authenticate::Authenticated;
use super::config::ReceiveConfig;
use super::context::Context;
use super::problem::RefusalCode;
use super::response::{Effect, Response};

/// The result of step 2.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// Answer now; nothing to do (refusals and duplicates change nothing).
    Respond(Response),
    /// The event is accepted; ingest it into the incident model, then call
    /// [`Accepted::respond`] with the incident id to get the 202. Boxed:
    /// it carries the whole event.
    Accepted(Box<Accepted<'a>>),
}

/// An admitted event that still needs its incident id for the 202 body.
///
/// Split from the response because the incident id comes from ingesting
/// the event after the decision, and the decision stays free of the
/// incident model (an external receiver may run it elsewhere).
#[derive(Debug, Clone)]
pub struct Accepted<'a> {
    /// `evt_…`.
    pub event_id: String,
    /// The normalized event, to ingest into the incident model.
    pub event: Event,
    /// What the PII policy redacted (reported in the 202 body).
    pub redactions: Vec<Redaction>,
    /// The raw body as received.
    pub raw_body: &'a [u8],
    /// The connector that sent it.
    pub connector_id: uuid::Uuid,
    /// The tenant charged.
    pub tenant_id: String,
    /// The quota decision (allowed) for the headers.
    pub quota: Decision,
    /// The counter row after this event.
    pub next_counter: quota::Counter,
    /// Until when the digest is remembered.
    pub remember_until: Timestamp,
}

#[derive(Serialize)]
struct AcceptedBody<'b> {
    status: &'static str,
    event_id: &'b str,
    incident_id: Option<&'b str>,
    redactions: &'b [Redaction],
}

#[derive(Serialize)]
struct DuplicateBody<'b> {
    status: &'static str,
    event_id: &'b str,
}

impl Accepted<'_> {
    /// The 202 response with its effects (`StoreEvent`, `ConsumeQuota`,
    /// `RememberDigest`, then `incident_effects`). `incident_id` is the
    /// incident the event was attached to, if any (see
    /// [`incident_id_of`]); the body is
    /// `{"status":"accepted","event_id":…,"incident_id":…|null,"redactions":[…]}`.
    pub fn respond(
        self: Box<Self>,
        incident_id: Option<&str>,
        incident_effects: Vec<incident::Effect>,
    ) -> Response {
        let body = serde_json::to_vec(&AcceptedBody {
            status: "accepted",
            event_id: &self.event_id,
            incident_id,
            redactions: &self.redactions,
        })
        .unwrap_or_default();
        let mut response = Response::success(202, body, &self.quota);
        response.effects.reserve(3 + incident_effects.len());
        response.effects.push(Effect::StoreEvent {
            event_id: self.event_id.clone(),
            event: self.event,
            raw_body: self.raw_body.to_vec(),
            redactions: self.redactions,
        });
        response.effects.push(Effect::ConsumeQuota {
            tenant_id: self.tenant_id,
            metric: Metric::InboundEvent,
            next: self.next_counter,
        });
        response.effects.push(Effect::RememberDigest {
            event_id: self.event_id,
            connector_id: self.connector_id,
            expires_at: self.remember_until,
        });
        response
            .effects
            .extend(incident_effects.into_iter().map(Effect::Incident));
        response
    }
}

/// The incident an ingested event joined: the one whose recent events
/// include `event_id` (a sign of life may first resolve a heartbeat's
/// missed-run incident, whose effect then comes first), else that of the
/// first effect; `None` when the event touched no incident.
pub fn incident_id_of<'e>(effects: &'e [incident::Effect], event_id: &str) -> Option<&'e str> {
    effects
        .iter()
        .map(|e| e.incident())
        .find(|i| i.recent_event_ids.iter().any(|id| id == event_id))
        .or_else(|| effects.first().map(|e| e.incident()))
        .map(|i| i.id.as_str())
}

/// Runs the lookup-dependent rungs of the ladder. `now` is the receiver's
/// clock; `request_id` is echoed in problem bodies.
///
/// Exactly [`admit`] then [`settle`] with the same `context` and `now`: a
/// receiver that wants the stateless work (MAC, parsing) out of its store
/// transaction calls the two halves itself.
pub fn decide<'a>(
    auth: Authenticated<'a>,
    context: &Context<'_>,
    config: &ReceiveConfig,
    now: Timestamp,
    request_id: &str,
) -> Outcome<'a> {
    let body = auth.body;
    match admit(auth, context, config, now, request_id) {
        Ok(admitted) => settle(admitted, body, &State::of(context), config, now, request_id),
        Err(response) => Outcome::Respond(response),
    }
}

/// The stateful part of a [`Context`]: what changes with every accepted
/// event (replay entries, quota counters), as opposed to the connector and
/// tenant records an operator changes now and then.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<'c> {
    /// See [`Context::replay_expires_at`].
    pub replay_expires_at: Option<Timestamp>,
    /// See [`Context::quota`].
    pub quota: Option<&'c Counter>,
}

impl<'c> State<'c> {
    /// The state fields of a full context.
    pub fn of(context: &Context<'c>) -> Self {
        State {
            replay_expires_at: context.replay_expires_at,
            quota: context.quota,
        }
    }
}

/// A request that passed the record-dependent rungs (403, 401 mismatch) and
/// was parsed: the result of [`admit`], input of [`settle`].
///
/// It owns everything it holds (no borrow of the body), so a receiver can
/// compute it on any thread and hand it to the one that owns the state.
#[derive(Debug, Clone)]
pub struct Admitted {
    event_id: String,
    connector_id: uuid::Uuid,
    tenant_id: String,
    plan: Plan,
    parsed: Result<ParsedEvent, Violations>,
}

impl Admitted {
    /// `evt_…`: the replay key to look up for [`settle`].
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The tenant whose quota row to look up for [`settle`].
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The tenant's plan as read by [`admit`]; the quota effect of an
    /// accepted event must be applied with this plan's limit.
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// The normalized event, when the body parsed and validated. A store
    /// can key its replay entries by the event's own time as well as its id
    /// (a duplicate has the same bytes, hence the same time), which keeps
    /// its index appending instead of writing at random places.
    pub fn event(&self) -> Option<&Event> {
        self.parsed.as_ref().ok().map(|p| &p.event)
    }

    /// Whether the body parsed and validated (otherwise [`settle`] answers
    /// 422 without looking at the replay entry).
    pub fn is_valid(&self) -> bool {
        self.parsed.is_ok()
    }
}

/// The record-dependent rungs: 403 (unknown or disabled connector,
/// suspended tenant) → 401 `signature_mismatch` (MAC before the body is
/// parsed) → parse and validate. Reads only `context.connector` and
/// `context.tenant`; needs no state that accepted events change, so it can
/// run outside the store transaction. A parse failure is not answered here:
/// the 422 carries quota headers, which [`settle`] computes.
pub fn admit(
    auth: Authenticated<'_>,
    context: &Context<'_>,
    config: &ReceiveConfig,
    now: Timestamp,
    request_id: &str,
) -> Result<Admitted, Response> {
    let refuse = |code: RefusalCode, detail: &str| Response::refuse(code, detail, request_id);
    let Some(connector) = context.connector else {
        return Err(refuse(
            RefusalCode::ConnectorNotFound,
            "no connector has this X-ERPOps-Connector-Id; check the id shown when the connector \
             was created",
        ));
    };
    if !connector.enabled {
        return Err(refuse(
            RefusalCode::ConnectorDisabled,
            "this connector is disabled; ask the ERPOps administrator to enable it or use an \
             active connector",
        ));
    }
    let Some(tenant) = context.tenant else {
        return Err(refuse(
            RefusalCode::ConnectorNotFound,
            "no connector has this X-ERPOps-Connector-Id; check the id shown when the connector \
             was created",
        ));
    };
    if tenant.suspended {
        return Err(refuse(
            RefusalCode::TenantSuspended,
            "the account that owns this connector is suspended; contact the ERPOps administrator",
        ));
    }

    // Every active secret is tried, each in constant time, without stopping
    // at the first match (as `verify_parsed` does over a slice); expired
    // secrets are skipped.
    let mut matched = false;
    for s in connector.secrets.iter().filter(|s| s.is_active(now)) {
        let ok = verify_parsed(core::slice::from_ref(&s.secret), auth.body, &auth.signature);
        matched |= ok.is_ok();
    }
    if !matched {
        return Err(refuse(
            RefusalCode::SignatureMismatch,
            &SignatureError::Mismatch.to_string(),
        ));
    }

    let opts = ParseOptions::new(now)
        .with_header_connector_id(auth.connector_id)
        .with_window(config.future_skew(), config.max_age())
        .with_max_body_bytes(config.max_body_bytes())
        .with_pii_policy(tenant.pii_policy);
    Ok(Admitted {
        event_id: auth.event_id,
        connector_id: auth.connector_id,
        tenant_id: connector.tenant_id.clone(),
        plan: tenant.plan,
        parsed: parse_event(auth.body, &opts),
    })
}

/// The state-dependent rungs: 422 `invalid_event` → 200 `duplicate` → 429
/// `quota_exceeded` → [`Accepted`]. `state` must be read for
/// [`Admitted::event_id`] and [`Admitted::tenant_id`] in the transaction
/// that applies the effects; `raw_body` is the body `admit` saw.
pub fn settle<'a>(
    admitted: Admitted,
    raw_body: &'a [u8],
    state: &State<'_>,
    config: &ReceiveConfig,
    now: Timestamp,
    request_id: &str,
) -> Outcome<'a> {
    let Admitted {
        event_id,
        connector_id,
        tenant_id,
        plan,
        parsed,
    } = admitted;
    let limit = plan.limit(Metric::InboundEvent);
    let unchanged = quota::Request::new(&tenant_id, Metric::InboundEvent, limit, now).with_cost(0);
    let parsed = match parsed {
        Ok(p) => p,
        Err(violations) => {
            let (quota_state, _) = quota::decide(state.quota, &unchanged);
            let detail = invalid_event_detail(&violations);
            return Outcome::Respond(Response::refuse_with_quota(
                RefusalCode::InvalidEvent,
                &detail,
                Some(&violations),
                &quota_state,
                request_id,
            ));
        }
    };

    if state.replay_expires_at.is_some_and(|end| now <= end) {
        let (quota_state, _) = quota::decide(state.quota, &unchanged);
        let body = serde_json::to_vec(&DuplicateBody {
            status: "duplicate",
            event_id: &event_id,
        })
        .unwrap_or_default();
        return Outcome::Respond(Response::success(200, body, &quota_state));
    }

    let request = quota::Request::new(&tenant_id, Metric::InboundEvent, limit, now);
    let (decision, next) = quota::decide(state.quota, &request);
    let Some(next_counter) = next.filter(|_| matches!(decision, Decision::Allowed { .. })) else {
        // `Denied` waits for the next window; `Impossible` only happens
        // for a plan whose limit is 0, where waiting does not help (no
        // `Retry-After`, see `quota::http`).
        let detail = match decision {
            Decision::Denied { retry_after, .. } => format!(
                "the daily quota of inbound events for this account is used up; retry after \
                 {retry_after} s (Retry-After) or upgrade the plan"
            ),
            _ => "the account's plan allows no inbound events; upgrade the plan".to_owned(),
        };
        return Outcome::Respond(Response::refuse_with_quota(
            RefusalCode::QuotaExceeded,
            &detail,
            None,
            &decision,
            request_id,
        ));
    };

    Outcome::Accepted(Box::new(Accepted {
        event_id,
        event: parsed.event,
        redactions: parsed.redactions,
        raw_body,
        connector_id,
        tenant_id,
        quota: decision,
        next_counter,
        remember_until: now.saturating_add(config.replay_window()),
    }))
}

/// The `detail` of a 422: how many problems, and where the list is (only
/// the first [`MAX_LISTED_VIOLATIONS`](crate::event::MAX_LISTED_VIOLATIONS)
/// are in `errors` when there are more).
fn invalid_event_detail(violations: &Violations) -> String {
    let total = violations.total();
    if violations.is_truncated() {
        format!(
            "the event breaks the contract in {total} places; `errors` lists the first {} \
             (each with a JSON pointer, a code and how to fix it) and `error_count` says how \
             many there are",
            violations.len()
        )
    } else {
        format!(
            "the event breaks the contract in {total} place(s); see `errors` (each with a JSON \
             pointer, a code and how to fix it)"
        )
    }
}
