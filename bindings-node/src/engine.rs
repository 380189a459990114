//! `ReceiveEngine`: the core's in-memory receiver (`receive::Engine`, the
//! reference implementation of contract §4) for a Node service or a test
//! double: tenants, connectors with rotating secrets, the replay set, the
//! quota ledger and the incident model in one object. `receive` answers a
//! request exactly as an ERPOps receiver does. Every rung is the core's.

use std::time::Duration;

use erpops_core::pii::PiiPolicy;
use erpops_core::quota::{Limit, Plan};
use erpops_core::receive::{
    Body, ConfigOverrides, ConnectorRecord, ConnectorSecret, Effect, Engine, InboundRequest,
    ReceiveConfig, TenantRecord,
};
use erpops_core::signature::Secret;
use napi::bindgen_prelude::Buffer;
use napi::Either;
use napi_derive::napi;
use uuid::Uuid;

use crate::alert;
use crate::error::{self, from_core, Result};
use crate::incident::to_json;
use crate::input::{as_bytes, Bytes};
use crate::quota::timestamp;

fn invalid(message: String) -> napi::Error<error::Code> {
    from_core("invalid_argument", message)
}

fn admin(e: erpops_core::receive::AdminError) -> napi::Error<error::Code> {
    from_core(e.code(), &e)
}

/// Receiver limits (seconds and bytes); omitted ones take the defaults.
#[napi(object)]
pub struct EngineConfig {
    /// Largest body (default 65536).
    pub max_body_bytes: Option<f64>,
    /// How far ahead a timestamp may be (default 300).
    pub future_skew_secs: Option<f64>,
    /// How old a timestamp may be (default 86400).
    pub max_age_secs: Option<f64>,
    /// How long accepted digests are kept (at least age + skew).
    pub replay_window_secs: Option<f64>,
}

fn secs(v: Option<f64>, what: &str) -> Result<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(s) if s.is_finite() && (0.0..=1e12).contains(&s) => {
            Ok(Some(Duration::from_secs_f64(s)))
        }
        Some(s) => Err(invalid(format!(
            "{what} must be non-negative seconds, got {s}"
        ))),
    }
}

/// One secret of a connector; it verifies only while `now < expiresAtMs`.
#[napi(object)]
pub struct EngineSecret {
    /// The secret bytes.
    #[napi(ts_type = "Uint8Array | string")]
    pub secret: Either<Buffer, String>,
    /// Unix milliseconds after which it no longer verifies (`null`: never).
    pub expires_at_ms: Option<f64>,
}

/// One request as the receiver read it (header values raw, `null` absent).
#[napi(object)]
pub struct EngineRequest {
    /// The HTTP method.
    pub method: String,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `X-ERPOps-Signature`.
    pub signature: Option<String>,
    /// `X-ERPOps-Connector-Id`.
    pub connector_id: Option<String>,
    /// The body (ignored when `bodyTooLarge` is set).
    pub body: Option<Buffer>,
    /// Set when reading stopped past the limit: the length read or declared.
    pub body_too_large: Option<f64>,
}

/// The response to send.
#[napi(object)]
pub struct EngineResponse {
    /// HTTP status.
    pub status: u32,
    /// `[name, value]` headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (JSON).
    pub body: Buffer,
    /// The refusal code, `null` for 200/202.
    pub code: Option<String>,
    /// The alerting layer's effects of an accepted event (`notify`,
    /// `suppressed`, `flapping_*`), as JSON text of an array.
    pub alerts: String,
}

/// The core's in-memory receiver.
#[napi]
pub struct ReceiveEngine {
    engine: Engine,
}

#[napi]
impl ReceiveEngine {
    /// An empty receiver with `config` (each limit left out takes the
    /// core's default; a replay window left out follows the age and skew).
    #[napi(constructor, catch_unwind)]
    pub fn new(config: Option<EngineConfig>) -> Result<Self> {
        let c = config.unwrap_or(EngineConfig {
            max_body_bytes: None,
            future_skew_secs: None,
            max_age_secs: None,
            replay_window_secs: None,
        });
        let max_body_bytes = match c.max_body_bytes {
            None => None,
            Some(m) if m.is_finite() && m >= 0.0 && m.fract() == 0.0 && m <= 1e15 => {
                Some(m as usize)
            }
            Some(m) => {
                return Err(invalid(format!(
                    "maxBodyBytes must be a non-negative integer, got {m}"
                )))
            }
        };
        let config = ReceiveConfig::with(ConfigOverrides {
            max_body_bytes,
            future_skew: secs(c.future_skew_secs, "futureSkewSecs")?,
            max_age: secs(c.max_age_secs, "maxAgeSecs")?,
            replay_window: secs(c.replay_window_secs, "replayWindowSecs")?,
        })
        .map_err(|e| from_core(e.code(), e))?;
        Ok(ReceiveEngine {
            engine: Engine::new(config),
        })
    }

    /// Adds a tenant: `plan` is a plan name or a daily inbound-event limit
    /// (`null` = unlimited).
    #[napi(catch_unwind)]
    pub fn add_tenant(
        &mut self,
        id: String,
        #[napi(ts_arg_type = "string | number | null")] plan: Either<String, Option<f64>>,
        pii_policy: Option<String>,
        suspended: Option<bool>,
    ) -> Result<()> {
        let plan = match plan {
            Either::A(name) => {
                Plan::from_name(&name).ok_or_else(|| invalid(format!("unknown plan {name:?}")))?
            }
            Either::B(limit) => Plan::Custom {
                inbound_events: match limit {
                    None => Limit::Unlimited,
                    Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 => {
                        Limit::Finite(n as u64)
                    }
                    Some(n) => {
                        return Err(invalid(format!(
                            "a limit must be a non-negative integer, got {n}"
                        )))
                    }
                },
                ai_queries: Limit::Unlimited,
            },
        };
        let mut tenant = TenantRecord::new(plan);
        if let Some(p) = pii_policy.as_deref() {
            tenant.pii_policy = PiiPolicy::from_wire(p)
                .ok_or_else(|| invalid(format!("unknown piiPolicy {p:?}")))?;
        }
        tenant.suspended = suspended.unwrap_or(false);
        self.engine.add_tenant(&id, tenant).map_err(admin)
    }

    /// Adds a connector of `tenant_id` with its secrets (newest first).
    #[napi(catch_unwind)]
    pub fn add_connector(
        &mut self,
        id: String,
        tenant_id: String,
        secrets: Vec<EngineSecret>,
        enabled: Option<bool>,
    ) -> Result<()> {
        let uuid = Uuid::try_parse(&id)
            .map_err(|_| invalid(format!("connector id {id:?} is not a UUID")))?;
        let secrets = secrets
            .iter()
            .map(|s| {
                let bytes: &[u8] = match &s.secret {
                    Either::A(b) => b,
                    Either::B(t) => t.as_bytes(),
                };
                Ok(ConnectorSecret {
                    secret: Secret::new(bytes).map_err(error::secret)?,
                    expires_at: s.expires_at_ms.map(timestamp).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.engine
            .insert_connector(
                uuid,
                ConnectorRecord {
                    tenant_id,
                    enabled: enabled.unwrap_or(true),
                    secrets,
                },
            )
            .map_err(admin)
    }

    /// Decides one request at `now_ms`, applies its effects (replay set,
    /// quota, incidents) and returns the response to send.
    #[napi(catch_unwind)]
    pub fn receive(
        &mut self,
        request: EngineRequest,
        now_ms: f64,
        request_id: String,
    ) -> Result<EngineResponse> {
        let now = timestamp(now_ms)?;
        let empty = Bytes::A(&[]);
        let body_ref = request.body.as_deref().unwrap_or(as_bytes(&empty));
        let body = match request.body_too_large {
            Some(n) => Body::TooLarge {
                length: if n.is_finite() && n > 0.0 {
                    n as u64
                } else {
                    0
                },
            },
            None => Body::Bytes(body_ref),
        };
        let inbound = InboundRequest {
            method: &request.method,
            content_type: request.content_type.as_deref().map(str::as_bytes),
            signature: request.signature.as_deref().map(str::as_bytes),
            connector_id: request.connector_id.as_deref().map(str::as_bytes),
            body,
        };
        let r = self.engine.receive(&inbound, now, &request_id);
        let alerts: Vec<_> = r
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Alert(a) => Some(a),
                _ => None,
            })
            .collect();
        let alerts = to_json(&alerts)?;
        Ok(EngineResponse {
            alerts,
            status: u32::from(r.status),
            headers: r
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            code: r.code.map(|c| c.code().to_owned()),
            body: r.body.into(),
        })
    }

    // ----- the alerting layer (`Engine::alerts_mut`) ---------------------
    // Same operations, names and JSON forms as `AlertEngine`; the JavaScript
    // layer exposes them as `engine.alerts`.

    /// Adds or replaces an alert rule (JSON); throws with the core's code.
    #[napi(catch_unwind)]
    pub fn set_rule(&mut self, rule_json: String) -> Result<()> {
        alert::set_rule(self.engine.alerts_mut(), &rule_json)
    }

    /// Removes an alert rule; its JSON, or `null`.
    #[napi(catch_unwind)]
    pub fn remove_rule(&mut self, rule_id: String) -> Result<Option<String>> {
        alert::remove_rule(self.engine.alerts_mut(), &rule_id)
    }

    /// The alert rules (JSON array).
    #[napi(catch_unwind)]
    pub fn rules(&self) -> Result<String> {
        alert::rules(self.engine.alerts())
    }

    /// Adds or replaces a silence (JSON); throws with the core's code.
    #[napi(catch_unwind)]
    pub fn set_silence(&mut self, silence_json: String) -> Result<()> {
        alert::set_silence(self.engine.alerts_mut(), &silence_json)
    }

    /// Ends a silence now; the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn expire_silence(&mut self, silence_id: String, now_ms: f64) -> Result<String> {
        alert::expire_silence(self.engine.alerts_mut(), &silence_id, now_ms)
    }

    /// The silences (JSON array).
    #[napi(catch_unwind)]
    pub fn silences(&self) -> Result<String> {
        alert::silences(self.engine.alerts())
    }

    /// Sets or changes a heartbeat (JSON) at `now_ms`.
    #[napi(catch_unwind)]
    pub fn set_heartbeat(&mut self, heartbeat_json: String, now_ms: f64) -> Result<()> {
        alert::set_heartbeat(self.engine.alerts_mut(), &heartbeat_json, now_ms)
    }

    /// Pauses or resumes a heartbeat at `now_ms`.
    #[napi(catch_unwind)]
    pub fn set_heartbeat_paused(
        &mut self,
        connector_id: String,
        source: String,
        paused: bool,
        now_ms: f64,
    ) -> Result<()> {
        alert::set_heartbeat_paused(
            self.engine.alerts_mut(),
            &connector_id,
            &source,
            paused,
            now_ms,
        )
    }

    /// Removes a heartbeat; its JSON, or `null`.
    #[napi(catch_unwind)]
    pub fn remove_heartbeat(
        &mut self,
        connector_id: String,
        source: String,
    ) -> Result<Option<String>> {
        alert::remove_heartbeat(self.engine.alerts_mut(), &connector_id, &source)
    }

    /// The heartbeats and their state (JSON array).
    #[napi(catch_unwind)]
    pub fn heartbeats(&self) -> Result<String> {
        alert::heartbeats(self.engine.alerts())
    }

    /// Sets or changes a job (JSON) at `now_ms`; throws with the core's
    /// code.
    #[napi(catch_unwind)]
    pub fn set_job(&mut self, job_json: String, now_ms: f64) -> Result<()> {
        alert::set_job(self.engine.alerts_mut(), &job_json, now_ms)
    }

    /// Pauses or resumes a job at `now_ms`.
    #[napi(catch_unwind)]
    pub fn set_job_paused(
        &mut self,
        connector_id: String,
        source: String,
        paused: bool,
        now_ms: f64,
    ) -> Result<()> {
        alert::set_job_paused(
            self.engine.alerts_mut(),
            &connector_id,
            &source,
            paused,
            now_ms,
        )
    }

    /// Removes a job; its JSON, or `null`.
    #[napi(catch_unwind)]
    pub fn remove_job(&mut self, connector_id: String, source: String) -> Result<Option<String>> {
        alert::remove_job(self.engine.alerts_mut(), &connector_id, &source)
    }

    /// One job's state (JSON, with `status` and `median_duration_ms`), or
    /// `null`.
    #[napi(catch_unwind)]
    pub fn job(&self, connector_id: String, source: String) -> Result<Option<String>> {
        alert::job(self.engine.alerts(), &connector_id, &source)
    }

    /// The jobs and their state (JSON array).
    #[napi(catch_unwind)]
    pub fn jobs(&self) -> Result<String> {
        alert::jobs(self.engine.alerts())
    }

    /// Adds or replaces a maintenance window (JSON); throws with the core's
    /// code.
    #[napi(catch_unwind)]
    pub fn set_window(&mut self, window_json: String) -> Result<()> {
        alert::set_window(self.engine.alerts_mut(), &window_json)
    }

    /// Removes a maintenance window at `now_ms`; the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn remove_window(&mut self, window_id: String, now_ms: f64) -> Result<String> {
        alert::remove_window(self.engine.alerts_mut(), &window_id, now_ms)
    }

    /// The maintenance windows (JSON array).
    #[napi(catch_unwind)]
    pub fn windows(&self) -> Result<String> {
        alert::windows(self.engine.alerts())
    }

    /// Applies an operator command (JSON) to an incident; the effects.
    #[napi(catch_unwind)]
    pub fn command(&mut self, command_json: String, now_ms: f64) -> Result<String> {
        alert::command(self.engine.alerts_mut(), &command_json, now_ms)
    }

    /// Runs every timer due at `now_ms` (heartbeats, ack expiry, flapping,
    /// group_wait, repeats); the effects (JSON array).
    #[napi(catch_unwind)]
    pub fn tick(&mut self, now_ms: f64) -> Result<String> {
        to_json(&self.engine.tick(timestamp(now_ms)?))
    }

    /// When to call `tick` next (Unix milliseconds), or `null`.
    #[napi(catch_unwind)]
    pub fn next_wakeup_ms(&self) -> Option<f64> {
        alert::next_wakeup_ms(self.engine.alerts())
    }

    /// Every incident (JSON array).
    #[napi(catch_unwind)]
    pub fn incidents(&self) -> Result<String> {
        alert::incidents(self.engine.alerts())
    }

    /// The incident with `incident_id` (JSON), or `null`.
    #[napi(catch_unwind)]
    pub fn get(&self, incident_id: String) -> Result<Option<String>> {
        alert::get(self.engine.alerts(), &incident_id)
    }
}
