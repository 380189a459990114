//! The REST writes (issue #24): connectors (create, rotate, enable,
//! disable), API keys (list, create, revoke), alert rules, silences and
//! maintenance windows (list, get, put, delete), heartbeats (list, put,
//! delete), jobs (create, replace, delete) and the incident commands
//! (acknowledge, resolve, reopen) — every one scoped to the key's tenant:
//! another tenant's id answers 404 with the code of an unknown one.
//!
//! The rules of each change are the CLI's ([`crate::ops`]): a connector's
//! id and secret, a key, the core's validation of rules, silences,
//! heartbeats, jobs and windows. The API makes configuration changes on a
//! connection of its own, as an `erpops admin` command does: the running
//! writer notices them through the configuration generation (rules,
//! silences, windows, heartbeats, jobs) and the records generation
//! (connectors, secrets), within a second. Each change, its audit row and
//! its idempotent answer are one transaction ([`super::idempotency`]).
//! Incident commands go to the writer, which owns the incident model.

use std::time::Duration;

use erpops_core::alert::{AlertRule, Heartbeat, Job, MaintenanceWindow, Silence};
use erpops_core::incident::Command;
use erpops_core::receive::Response as CoreResponse;
use erpops_core::Timestamp;
use hyper::Method;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::audit::{self, Change};
use super::Via;
use super::{idempotency, leak_code, ok, page, query, Api, ApiRequest, Params, Principal, Refusal};
use crate::clock;
use crate::ops::{self, OpError};
use crate::store::{AnyStore, ConfigKind, StoreError, StoredAnswer};
use crate::writer::Message;

/// A write route, with the ids its path names (percent-decoded).
#[derive(Debug, Clone)]
pub(super) enum Write {
    CreateConnector,
    RotateConnector(String),
    SetConnectorEnabled(String, bool),
    CreateApiKey,
    RevokeApiKey(String),
    PutConfig(ConfigKind, String),
    DeleteConfig(ConfigKind, String),
    PutHeartbeat(String, String),
    DeleteHeartbeat(String, String),
    CreateJob,
    ReplaceJob(String),
    DeleteJob(String),
    Incident(String, &'static str),
}

/// A read of what the writes manage.
#[derive(Debug, Clone)]
pub(super) enum Read {
    ApiKeys,
    ConfigList(ConfigKind),
    ConfigOne(ConfigKind, String),
    Heartbeats,
    Audit,
}

/// A route this module answers.
#[derive(Debug, Clone)]
pub(super) enum Route {
    Write(Write),
    Read(Read),
}

fn kind_of(segment: &str) -> Option<ConfigKind> {
    match segment {
        "rules" => Some(ConfigKind::Rule),
        "silences" => Some(ConfigKind::Silence),
        "windows" => Some(ConfigKind::Window),
        _ => None,
    }
}

/// The code and names of a configuration kind.
const fn names(kind: ConfigKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ConfigKind::Rule => ("rule", "rule_not_found", "rule_id_taken"),
        ConfigKind::Silence => ("silence", "silence_not_found", "silence_id_taken"),
        ConfigKind::Window => ("window", "window_not_found", "window_id_taken"),
    }
}

/// The route of `method` on a `/v1` path's segments (after `/v1`), if
/// this module answers it.
pub(super) fn route(method: &Method, segments: &[&str]) -> Option<Route> {
    let d = |s: &str| query::percent_decode(s).unwrap_or_else(|| s.to_owned());
    let w = |w: Write| Some(Route::Write(w));
    match (method, segments) {
        (&Method::POST, ["connectors"]) => w(Write::CreateConnector),
        (&Method::POST, ["connectors", id, "rotate"]) => w(Write::RotateConnector(d(id))),
        (&Method::POST, ["connectors", id, a @ ("enable" | "disable")]) => {
            w(Write::SetConnectorEnabled(d(id), *a == "enable"))
        }
        (&Method::GET, ["api-keys"]) => Some(Route::Read(Read::ApiKeys)),
        (&Method::POST, ["api-keys"]) => w(Write::CreateApiKey),
        (&Method::POST, ["api-keys", id, "revoke"]) => w(Write::RevokeApiKey(d(id))),
        (&Method::GET, [k]) if kind_of(k).is_some() => {
            kind_of(k).map(|k| Route::Read(Read::ConfigList(k)))
        }
        (m, [k, id]) if kind_of(k).is_some() => {
            let kind = kind_of(k)?;
            match *m {
                Method::GET => Some(Route::Read(Read::ConfigOne(kind, d(id)))),
                Method::PUT => w(Write::PutConfig(kind, d(id))),
                Method::DELETE => w(Write::DeleteConfig(kind, d(id))),
                _ => None,
            }
        }
        (&Method::GET, ["heartbeats"]) => Some(Route::Read(Read::Heartbeats)),
        (&Method::PUT, ["heartbeats", c, s]) => w(Write::PutHeartbeat(d(c), d(s))),
        (&Method::DELETE, ["heartbeats", c, s]) => w(Write::DeleteHeartbeat(d(c), d(s))),
        (&Method::POST, ["jobs"]) => w(Write::CreateJob),
        (&Method::PUT, ["jobs", id]) => w(Write::ReplaceJob(d(id))),
        (&Method::DELETE, ["jobs", id]) => w(Write::DeleteJob(d(id))),
        (&Method::POST, ["incidents", id, "acknowledge"]) => {
            w(Write::Incident(d(id), "acknowledge"))
        }
        (&Method::POST, ["incidents", id, "resolve"]) => w(Write::Incident(d(id), "resolve")),
        (&Method::POST, ["incidents", id, "reopen"]) => w(Write::Incident(d(id), "reopen")),
        (&Method::GET, ["audit"]) => Some(Route::Read(Read::Audit)),
        _ => None,
    }
}

/// Who makes a write, through which request, with which key.
struct Ctx {
    principal: Principal,
    via: Via,
    request_id: String,
    /// The `Idempotency-Key`, checked.
    key: Option<idempotency::Key>,
    /// The request's fingerprint.
    fingerprint: String,
}

/// What a write did: its answer and the change to audit (`None`: nothing
/// changed).
struct Done {
    response: CoreResponse,
    change: Option<Change>,
}

enum Outcome {
    Fresh(CoreResponse),
    Replay(StoredAnswer),
}

fn unavailable(detail: &str) -> Refusal {
    (503, "store_unavailable", detail.to_owned())
}

/// A store failure the caller cannot fix (logged; never with a secret:
/// store errors name tables and ids, not values).
fn store_refusal(e: StoreError) -> Refusal {
    tracing::error!(code = e.code(), error = %e, "API write failed");
    unavailable("the store did not answer; retry later (with the same Idempotency-Key)")
}

/// An operation's refusal as a problem.
fn refusal_of(e: OpError) -> Refusal {
    match e {
        OpError::Alert(a) => (422, a.code(), a.to_string()),
        OpError::Invalid(code, message) => (422, code, message),
        OpError::Store(StoreError::NotFound { what, id }) => {
            let code = match what {
                "connector" => "connector_not_found",
                "api key" => "api_key_not_found",
                "rule" => "rule_not_found",
                "silence" => "silence_not_found",
                "window" => "window_not_found",
                "heartbeat" => "heartbeat_not_found",
                "job" => "job_not_found",
                _ => "not_found",
            };
            (
                404,
                code,
                format!("no {what} {id:?} for this API key's tenant"),
            )
        }
        OpError::Store(StoreError::Exists { what, id }) => {
            let code = match what {
                "rule" => "rule_id_taken",
                "silence" => "silence_id_taken",
                "window" => "window_id_taken",
                _ => "conflict",
            };
            (
                409,
                code,
                format!("the {what} id {id:?} is taken; pick another id"),
            )
        }
        OpError::Store(other) => store_refusal(other),
    }
}

fn store_err(e: StoreError) -> Refusal {
    refusal_of(OpError::Store(e))
}

/// The body as a JSON object (an empty body is `{}` where the body is
/// `optional`).
fn object(body: &[u8], optional: bool) -> Result<Map<String, Value>, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if optional {
            return Ok(Map::new());
        }
        return Err((
            400,
            "invalid_body",
            "this route takes a JSON object body (Content-Type: application/json)".to_owned(),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err((
            400,
            "invalid_body",
            "the body must be a JSON object".to_owned(),
        )),
        Err(e) => Err((400, "invalid_body", format!("the body is not JSON: {e}"))),
    }
}

/// Refuses fields other than `allowed` (the schemas say
/// `additionalProperties: false`: a misspelt field is an error, not a
/// silently ignored setting).
fn only(m: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), Refusal> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err((
            422,
            "invalid_field",
            format!("unknown field {at}{k:?}; allowed: {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Checks the fields of a `matchers` object, if any.
fn matcher_fields(m: &Map<String, Value>) -> Result<(), Refusal> {
    match m.get("matchers") {
        None => Ok(()),
        Some(Value::Object(inner)) => only(
            inner,
            &["connector_id", "source", "event_type", "min_severity"],
            "matchers.",
        ),
        Some(_) => Err((
            422,
            "invalid_field",
            "matchers must be an object".to_owned(),
        )),
    }
}

/// A value of the core's type, or 422 naming what is wrong.
fn decode<T: serde::de::DeserializeOwned>(m: Map<String, Value>) -> Result<T, Refusal> {
    serde_json::from_value(Value::Object(m)).map_err(|e| (422, "invalid_field", e.to_string()))
}

/// `id` of a path must match the body's (when the body names one).
fn same_id(m: &mut Map<String, Value>, field: &str, id: &str) -> Result<(), Refusal> {
    match m.get(field) {
        None => {}
        Some(Value::String(s)) if s.eq_ignore_ascii_case(id) => {}
        Some(_) => {
            return Err((
                422,
                "invalid_field",
                format!("{field} must be the one the path names ({id:?}), or be left out"),
            ))
        }
    }
    m.insert(field.to_owned(), Value::String(id.to_owned()));
    Ok(())
}

fn connector_not_found() -> Refusal {
    (
        404,
        "connector_not_found",
        "no connector with this id for this API key's tenant; list /v1/connectors".to_owned(),
    )
}

/// A connector of `tenant` by its id (another tenant's, or no UUID, is
/// "not found").
fn own_connector(store: &mut dyn AnyStore, tenant: &str, id: &str) -> Result<Uuid, Refusal> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| connector_not_found())?;
    match store.connector_tenant(&id).map_err(store_refusal)? {
        Some(t) if t == tenant => Ok(id),
        _ => Err(connector_not_found()),
    }
}

/// A connector of `tenant` as `GET /v1/connectors/{id}` shows it.
fn connector_json(
    store: &mut dyn AnyStore,
    tenant: &str,
    id: &Uuid,
    now: Timestamp,
) -> Result<Value, Refusal> {
    store
        .connectors(Some(tenant), now)
        .map_err(store_refusal)?
        .into_iter()
        .find(|c| c.id == *id)
        .map(|c| json!(c))
        .ok_or_else(connector_not_found)
}

fn no_content() -> CoreResponse {
    CoreResponse {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
        code: None,
        effects: Vec::new(),
    }
}

fn change(
    action: &'static str,
    resource_type: &'static str,
    id: &str,
    detail: Value,
) -> Option<Change> {
    Some(Change {
        action,
        resource_type,
        resource_id: id.to_owned(),
        detail,
    })
}

const RULE_FIELDS: &[&str] = &[
    "id",
    "name",
    "kinds",
    "matchers",
    "channel",
    "repeat_interval",
    "group_wait",
];
const SILENCE_FIELDS: &[&str] = &["id", "matchers", "starts_at", "ends_at", "comment"];
const WINDOW_FIELDS: &[&str] = &["id", "matchers", "schedule", "duration", "comment"];
const HEARTBEAT_FIELDS: &[&str] = &[
    "connector_id",
    "source",
    "period",
    "grace",
    "severity",
    "paused",
];

/// A silence's or window's matchers must name one of the tenant's
/// connectors: a tenant can only ever mute its own incidents.
fn tenant_matchers(
    store: &mut dyn AnyStore,
    tenant: &str,
    connector: Option<Uuid>,
) -> Result<(), Refusal> {
    let Some(c) = connector else {
        return Err((
            422,
            "connector_required",
            "matchers.connector_id is required: a silence or window made over the API covers \
             incidents of one of this tenant's connectors"
                .to_owned(),
        ));
    };
    own_connector(store, tenant, &c.to_string()).map(|_| ())
}

/// Applies one write (inside the transaction [`transact_on`] opened).
fn apply(
    store: &mut dyn AnyStore,
    tenant: &str,
    write: Write,
    body: &[u8],
    now: Timestamp,
) -> Result<Done, Refusal> {
    match write {
        Write::CreateConnector => {
            let m = object(body, false)?;
            only(&m, &["name"], "")?;
            let name = m.get("name").and_then(Value::as_str).ok_or((
                422,
                "invalid_field",
                "name (a string) is required".to_owned(),
            ))?;
            let new = ops::create_connector(store, tenant, name, now).map_err(refusal_of)?;
            let mut view = connector_json(store, tenant, &new.id, now)?;
            if let Value::Object(fields) = &mut view {
                fields.insert("secret".to_owned(), json!(new.secret));
            }
            Ok(Done {
                response: ok(201, &view),
                change: change(
                    "connector.create",
                    "connector",
                    &new.id.to_string(),
                    json!({ "name": name }),
                ),
            })
        }
        Write::RotateConnector(id) => {
            let id = own_connector(store, tenant, &id)?;
            let m = object(body, true)?;
            only(&m, &["overlap_seconds"], "")?;
            let max = ops::MAX_OVERLAP.as_secs();
            let overlap = match m.get("overlap_seconds") {
                None => 86_400,
                Some(v) => v.as_u64().filter(|n| *n <= max).ok_or((
                    422,
                    "invalid_field",
                    format!("overlap_seconds must be a whole number from 0 to {max} (30 days)"),
                ))?,
            };
            let (secret, until) = ops::rotate_secret(store, &id, Duration::from_secs(overlap), now)
                .map_err(refusal_of)?;
            Ok(Done {
                response: ok(
                    200,
                    &json!({"id": id, "secret": secret, "previous_secrets_valid_until": until}),
                ),
                change: change(
                    "connector.rotate",
                    "connector",
                    &id.to_string(),
                    json!({"overlap_seconds": overlap, "previous_secrets_valid_until": until}),
                ),
            })
        }
        Write::SetConnectorEnabled(id, enabled) => {
            let id = own_connector(store, tenant, &id)?;
            only(&object(body, true)?, &[], "")?;
            let before = connector_json(store, tenant, &id, now)?;
            let changed = before.get("enabled").and_then(Value::as_bool) != Some(enabled);
            if changed {
                store
                    .set_connector_enabled(&id, enabled)
                    .map_err(store_err)?;
            }
            let after = connector_json(store, tenant, &id, now)?;
            let action = if enabled {
                "connector.enable"
            } else {
                "connector.disable"
            };
            Ok(Done {
                response: ok(200, &after),
                change: if changed {
                    change(
                        action,
                        "connector",
                        &id.to_string(),
                        json!({"enabled": enabled}),
                    )
                } else {
                    None
                },
            })
        }
        Write::CreateApiKey => {
            let m = object(body, false)?;
            only(&m, &["label"], "")?;
            let label = m.get("label").and_then(Value::as_str).ok_or((
                422,
                "invalid_field",
                "label (a string) is required".to_owned(),
            ))?;
            let (id, key) = ops::create_api_key(store, tenant, label, now).map_err(refusal_of)?;
            let mut view = store
                .api_key_of(tenant, &id)
                .map_err(store_refusal)?
                .ok_or_else(|| unavailable("the new key was not found"))?;
            if let Value::Object(fields) = &mut view {
                fields.remove("revoked_at");
                fields.insert("api_key".to_owned(), json!(key));
            }
            Ok(Done {
                response: ok(201, &view),
                change: change("api_key.create", "api_key", &id, json!({ "label": label })),
            })
        }
        Write::RevokeApiKey(id) => {
            only(&object(body, true)?, &[], "")?;
            let not_found = || {
                (
                    404,
                    "api_key_not_found",
                    "no API key with this id for this API key's tenant; list /v1/api-keys"
                        .to_owned(),
                )
            };
            let before = store
                .api_key_of(tenant, &id)
                .map_err(store_refusal)?
                .ok_or_else(not_found)?;
            let changed = before.get("revoked_at").is_none_or(Value::is_null);
            if changed {
                store.revoke_api_key(&id, now).map_err(store_err)?;
            }
            let after = store
                .api_key_of(tenant, &id)
                .map_err(store_refusal)?
                .ok_or_else(not_found)?;
            Ok(Done {
                response: ok(200, &after),
                change: if changed {
                    change("api_key.revoke", "api_key", &id, json!({}))
                } else {
                    None
                },
            })
        }
        Write::PutConfig(kind, id) => put_config(store, tenant, kind, &id, body, now),
        Write::DeleteConfig(kind, id) => {
            let (name, _, _) = names(kind);
            store
                .delete_config_of(kind, tenant, &id)
                .map_err(store_err)?;
            let action = match kind {
                ConfigKind::Rule => "rule.delete",
                ConfigKind::Silence => "silence.delete",
                ConfigKind::Window => "window.delete",
            };
            Ok(Done {
                response: no_content(),
                change: change(action, name, &id, json!({})),
            })
        }
        Write::PutHeartbeat(connector, source) => {
            let cid = own_connector(store, tenant, &connector)?;
            let mut m = object(body, false)?;
            only(&m, HEARTBEAT_FIELDS, "")?;
            same_id(&mut m, "connector_id", &cid.to_string())?;
            match m.get("source") {
                Some(Value::String(s)) if *s == source => {}
                None => {}
                Some(_) => {
                    return Err((
                        422,
                        "invalid_field",
                        "source must be the one the path names, or be left out".to_owned(),
                    ))
                }
            }
            m.insert("source".to_owned(), Value::String(source.clone()));
            m.entry("grace").or_insert(json!(0));
            let heartbeat: Heartbeat = decode(m)?;
            ops::check_heartbeat(store, &heartbeat).map_err(refusal_of)?;
            let stored = store
                .alert_config()
                .map_err(store_refusal)?
                .heartbeats
                .into_iter()
                .find(|h| h.key() == heartbeat.key());
            let unchanged = stored.as_ref() == Some(&heartbeat);
            if !unchanged {
                store.put_heartbeat(&heartbeat, now).map_err(store_err)?;
            }
            let view = json!(heartbeat);
            let existed = stored.is_some();
            Ok(Done {
                response: ok(if existed { 200 } else { 201 }, &view),
                change: if unchanged {
                    None
                } else {
                    change(
                        "heartbeat.put",
                        "heartbeat",
                        &format!("{cid}/{source}"),
                        json!({"created": !existed, "heartbeat": view}),
                    )
                },
            })
        }
        Write::DeleteHeartbeat(connector, source) => {
            let cid = own_connector(store, tenant, &connector)?;
            store.delete_heartbeat(&cid, &source).map_err(store_err)?;
            Ok(Done {
                response: no_content(),
                change: change(
                    "heartbeat.delete",
                    "heartbeat",
                    &format!("{cid}/{source}"),
                    json!({}),
                ),
            })
        }
        Write::CreateJob => put_job(store, tenant, None, body, now),
        Write::ReplaceJob(id) => put_job(store, tenant, Some(&id), body, now),
        Write::DeleteJob(id) => {
            let (job, _) = store
                .job(tenant, &id)
                .map_err(store_refusal)?
                .ok_or_else(|| super::not_found(super::Resource::Job))?;
            store
                .delete_job(&job.connector_id, &job.source)
                .map_err(store_err)?;
            Ok(Done {
                response: no_content(),
                change: change(
                    "job.delete",
                    "job",
                    &id,
                    json!({"connector_id": job.connector_id, "source": job.source}),
                ),
            })
        }
        Write::Incident(..) => Err(unavailable("incident commands go to the writer")),
    }
}

/// `PUT /v1/rules|silences|windows/{id}`.
fn put_config(
    store: &mut dyn AnyStore,
    tenant: &str,
    kind: ConfigKind,
    id: &str,
    body: &[u8],
    now: Timestamp,
) -> Result<Done, Refusal> {
    let (name, _, taken) = names(kind);
    let mut m = object(body, false)?;
    let fields = match kind {
        ConfigKind::Rule => RULE_FIELDS,
        ConfigKind::Silence => SILENCE_FIELDS,
        ConfigKind::Window => WINDOW_FIELDS,
    };
    only(&m, fields, "")?;
    matcher_fields(&m)?;
    match m.get("id") {
        None => {}
        Some(Value::String(s)) if s == id => {}
        Some(_) => {
            return Err((
                422,
                "invalid_field",
                format!("id must be the one the path names ({id:?}), or be left out"),
            ))
        }
    }
    m.insert("id".to_owned(), Value::String(id.to_owned()));
    let created = match store.config_owner(kind, id).map_err(store_refusal)? {
        None => true,
        Some(Some(owner)) if owner == tenant => false,
        // Ids are global (the engine keys its state by them): another
        // tenant's or an operator-wide one cannot be taken over.
        Some(_) => {
            return Err((
                409,
                taken,
                format!("the {name} id {id:?} is taken; pick another id"),
            ))
        }
    };
    let previous = if created {
        None
    } else {
        store.config_one(kind, tenant, id).map_err(store_refusal)?
    };
    // Checked, then stored unless it is what is stored already (a retry
    // without a key changes nothing: no generation bump, no audit row).
    let (view, text) = match kind {
        ConfigKind::Rule => {
            if !m.contains_key("name") {
                m.insert("name".to_owned(), Value::String(id.to_owned()));
            }
            let rule: AlertRule = decode(m)?;
            if let Some(c) = rule.matchers.connector_id {
                own_connector(store, tenant, &c.to_string())?;
            }
            ops::check_rule(store, tenant, &rule).map_err(refusal_of)?;
            (json!(rule), None)
        }
        ConfigKind::Silence => {
            let silence: Silence = decode(m)?;
            tenant_matchers(store, tenant, silence.matchers.connector_id)?;
            ops::check_silence(&silence).map_err(refusal_of)?;
            (json!(silence), Some(serde_json::to_string(&silence)))
        }
        ConfigKind::Window => {
            let window: MaintenanceWindow = decode(m)?;
            tenant_matchers(store, tenant, window.matchers.connector_id)?;
            ops::check_window(&window).map_err(refusal_of)?;
            (json!(window), Some(serde_json::to_string(&window)))
        }
    };
    let unchanged = previous.as_ref() == Some(&view);
    if !unchanged {
        let corrupt = |e: serde_json::Error| store_refusal(StoreError::Corrupt(e.to_string()));
        match text {
            None => {
                let rule: AlertRule = serde_json::from_value(view.clone()).map_err(corrupt)?;
                store.put_rule(tenant, &rule, now).map_err(store_err)?;
            }
            Some(text) => {
                let text = text.map_err(corrupt)?;
                store
                    .put_config_of(kind, tenant, id, &text, now)
                    .map_err(store_err)?;
            }
        }
    }
    let action = match kind {
        ConfigKind::Rule => "rule.put",
        ConfigKind::Silence => "silence.put",
        ConfigKind::Window => "window.put",
    };
    Ok(Done {
        response: ok(if created { 201 } else { 200 }, &view),
        change: if unchanged {
            None
        } else {
            change(action, name, id, json!({"created": created, name: view}))
        },
    })
}

/// `POST /v1/jobs` (`path_id: None`) and `PUT /v1/jobs/{id}`.
fn put_job(
    store: &mut dyn AnyStore,
    tenant: &str,
    path_id: Option<&str>,
    body: &[u8],
    now: Timestamp,
) -> Result<Done, Refusal> {
    if let Some(id) = path_id {
        store
            .job(tenant, id)
            .map_err(store_refusal)?
            .ok_or_else(|| super::not_found(super::Resource::Job))?;
    }
    let mut m = object(body, false)?;
    m.entry("grace").or_insert(json!(0));
    let job: Job = decode(m)?;
    let owner = store
        .connector_tenant(&job.connector_id)
        .map_err(store_refusal)?;
    if owner.as_deref() != Some(tenant) {
        return Err(connector_not_found());
    }
    let job_id = job.key().job_id();
    if let Some(id) = path_id {
        if id != job_id {
            return Err((
                422,
                "job_id_mismatch",
                format!(
                    "the body's connector_id and source name job {job_id}, not {id}; a job's \
                     connector and source are its identity (POST /v1/jobs sets another job)"
                ),
            ));
        }
    }
    let existed = ops::check_job(store, tenant, &job, now).map_err(refusal_of)?;
    // Not stored again when it is what is stored (no generation bump, no
    // audit row).
    let unchanged = store
        .job(tenant, &job_id)
        .map_err(store_refusal)?
        .is_some_and(|(stored, _)| stored == job);
    if !unchanged {
        store.put_job(&job, now).map_err(store_err)?;
    }
    let (stored, state) = store
        .job(tenant, &job_id)
        .map_err(store_refusal)?
        .ok_or_else(|| unavailable("the job just set was not found"))?;
    let view = crate::alerts::jobs::job_view(&stored, state.as_ref());
    let (status, action) = if existed.is_some() {
        (200, "job.replace")
    } else {
        (201, "job.create")
    };
    Ok(Done {
        response: ok(status, &view),
        change: if unchanged {
            None
        } else {
            change(action, "job", &job_id, json!({ "job": job }))
        },
    })
}

/// Runs `apply` in a transaction with its audit row and idempotent answer.
fn transact_on(
    store: &mut dyn AnyStore,
    ctx: &Ctx,
    f: impl FnOnce(&mut dyn AnyStore, Timestamp) -> Result<Done, Refusal>,
) -> Result<CoreResponse, Refusal> {
    let now = clock::now();
    let tenant = ctx.principal.tenant.as_str();
    store.tx_begin().map_err(store_refusal)?;
    let result: Result<Outcome, Refusal> = (|| {
        if let Some(key) = &ctx.key {
            if let Some(a) = store
                .idempotent_answer(tenant, &key.id, now)
                .map_err(store_refusal)?
            {
                return Ok(Outcome::Replay(a));
            }
        }
        let done = f(store, now)?;
        if let Some(c) = done.change {
            let row = audit::row(c, &ctx.principal, ctx.via, &ctx.request_id, now)
                .map_err(|e| unavailable(&e))?;
            store.insert_audit(&row).map_err(store_refusal)?;
        }
        if let Some(key) = &ctx.key {
            let answer = key.seal(&done.response, &ctx.fingerprint);
            store
                .put_idempotent_answer(
                    tenant,
                    &key.id,
                    &answer,
                    now,
                    now.saturating_add(idempotency::TTL),
                )
                .map_err(|e| match e {
                    StoreError::Exists { .. } => idempotency::in_use(),
                    other => store_refusal(other),
                })?;
        }
        Ok(Outcome::Fresh(done.response))
    })();
    match result {
        Ok(Outcome::Fresh(response)) => {
            store.tx_end(true).map_err(store_refusal)?;
            Ok(response)
        }
        Ok(Outcome::Replay(answer)) => {
            let _ = store.tx_end(false);
            match &ctx.key {
                Some(key) => key.open(&answer, &ctx.fingerprint),
                None => Err(unavailable("a replay without a key")),
            }
        }
        Err(refusal) => {
            let _ = store.tx_end(false);
            // Another receiver answered the same key meanwhile (its insert
            // won): its answer, now committed, is the one to give.
            if refusal.1 == "idempotency_key_in_use" {
                if let Some(key) = &ctx.key {
                    if let Ok(Some(a)) = store.idempotent_answer(tenant, &key.id, clock::now()) {
                        return key.open(&a, &ctx.fingerprint);
                    }
                }
            }
            Err(refusal)
        }
    }
}

impl Api {
    /// Runs `f` on the API's write connection off the async threads.
    async fn on_write_connection<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn AnyStore) -> Result<T, Refusal> + Send + 'static,
    ) -> Result<T, Refusal> {
        crate::store::shared::blocking(&self.writes, move |s| f(s))
            .await
            .unwrap_or_else(|| Err(unavailable("the write was interrupted; retry")))
    }

    /// Answers a route of this module.
    pub(super) async fn answer_route(
        &self,
        principal: &Principal,
        req: ApiRequest,
        route: Route,
        request_id: &str,
    ) -> Result<CoreResponse, Refusal> {
        let params = Params {
            pairs: query::parse(req.query.as_deref()).map_err(|e| (400, "invalid_parameter", e))?,
        };
        let tenant = principal.tenant.clone();
        let write = match route {
            Route::Read(read) => return self.read_route(tenant, read, &params).await,
            Route::Write(w) => w,
        };
        params.only(&[])?;
        let key = req
            .idempotency_key
            .as_deref()
            .map(idempotency::Key::parse)
            .transpose()?;
        let ctx = Ctx {
            principal: principal.clone(),
            via: req.via,
            request_id: request_id.to_owned(),
            key,
            fingerprint: idempotency::fingerprint(req.method.as_str(), &req.path, &req.body),
        };
        if let Write::Incident(id, action) = write {
            return self.incident_command(ctx, id, action, &req.body).await;
        }
        let body = req.body;
        self.on_write_connection(move |store| {
            transact_on(store, &ctx, |store, now| {
                apply(store, &ctx.principal.tenant, write, &body, now)
            })
        })
        .await
    }

    async fn read_route(
        &self,
        tenant: String,
        read: Read,
        params: &Params,
    ) -> Result<CoreResponse, Refusal> {
        let page_params = |allowed: &[&str]| -> Result<_, Refusal> {
            params.only(allowed)?;
            Ok((params.limit()?, params.cursor()?))
        };
        match read {
            Read::ApiKeys => {
                let (limit, cursor) = page_params(&["limit", "cursor"])?;
                let rows = self
                    .read_any(move |s| s.list_api_keys(&tenant, cursor.as_ref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            Read::ConfigList(kind) => {
                let (limit, cursor) = page_params(&["limit", "cursor"])?;
                let after = cursor.map(|c| c.id);
                let rows = self
                    .read_any(move |s| s.config_of(kind, &tenant, after.as_deref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            Read::ConfigOne(kind, id) => {
                params.only(&[])?;
                let (name, code, _) = names(kind);
                let found = self
                    .read_any(move |s| s.config_one(kind, &tenant, &id))
                    .await?;
                found.map(|v| ok(200, &v)).ok_or_else(|| {
                    (
                        404,
                        code,
                        format!("no {name} with this id for this API key's tenant"),
                    )
                })
            }
            Read::Heartbeats => {
                let (limit, cursor) = page_params(&["limit", "cursor"])?;
                let after = cursor.map(|c| c.id);
                let rows = self
                    .read_any(move |s| s.heartbeats_of(&tenant, after.as_deref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            Read::Audit => {
                let (limit, cursor) = page_params(&["since", "limit", "cursor"])?;
                let since = params.since()?;
                let rows = self
                    .read_any(move |s| s.list_audit(&tenant, since, cursor.as_ref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
        }
    }

    /// `POST /v1/incidents/{id}/acknowledge|resolve|reopen`: applied by the
    /// writer; the key is claimed before and answered after (two
    /// transactions of the API's connection around the writer's).
    async fn incident_command(
        &self,
        ctx: Ctx,
        incident_id: String,
        action: &'static str,
        body: &[u8],
    ) -> Result<CoreResponse, Refusal> {
        // `{"actor"?: string, "note"?: string}` and nothing else: a
        // misspelt field or a number would otherwise be dropped and the
        // command applied without it.
        let m = object(body, true)?;
        only(&m, &["actor", "note"], "")?;
        let text = |name: &str| match m.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err((422, "invalid_field", format!("{name} must be a string"))),
        };
        let actor = text("actor")?.unwrap_or_else(|| audit::actor(ctx.via, &ctx.principal));
        let note = text("note")?;
        let tenant = ctx.principal.tenant.clone();
        if let Some(key) = ctx.key.clone() {
            let (t, fp) = (tenant.clone(), ctx.fingerprint.clone());
            let replayed = self
                .on_write_connection(move |store| claim(store, &t, &key, &fp))
                .await?;
            if let Some(response) = replayed {
                return Ok(response);
            }
        }
        let detail = json!({"actor": actor, "note": note});
        let command = match action {
            "acknowledge" => Command::Acknowledge {
                incident_id: incident_id.clone(),
                actor,
                note,
            },
            "resolve" => Command::Resolve {
                incident_id: incident_id.clone(),
                actor,
                note,
            },
            _ => Command::Reopen {
                incident_id: incident_id.clone(),
                actor,
                note,
            },
        };
        let (tx, rx) = oneshot::channel();
        let sent = self.writer.send(Message::IncidentCommand {
            tenant,
            command,
            reply: tx,
        });
        let result = match sent {
            Err(_) => Err(unavailable("the writer stopped")),
            Ok(()) => match rx.await {
                Ok(Ok(v)) => Ok(ok(200, &v)),
                Ok(Err(f)) => Err((f.status, leak_code(&f.code), f.detail)),
                Err(_) => Err(unavailable("the writer stopped")),
            },
        };
        let response = match result {
            Ok(r) => r,
            Err(refusal) => {
                if let Some(key) = ctx.key.clone() {
                    let t = ctx.principal.tenant.clone();
                    let _ = self
                        .on_write_connection(move |store| {
                            store
                                .finish_idempotency_claim(&t, &key.id, None, clock::now())
                                .map_err(store_refusal)
                        })
                        .await;
                }
                return Err(refusal);
            }
        };
        let answer = ctx
            .key
            .as_ref()
            .map(|key| key.seal(&response, &ctx.fingerprint));
        let action_name = match action {
            "acknowledge" => "incident.acknowledge",
            "resolve" => "incident.resolve",
            _ => "incident.reopen",
        };
        let recorded = self
            .on_write_connection(move |store| {
                let now = clock::now();
                let row = audit::row(
                    Change {
                        action: action_name,
                        resource_type: "incident",
                        resource_id: incident_id,
                        detail,
                    },
                    &ctx.principal,
                    ctx.via,
                    &ctx.request_id,
                    now,
                )
                .map_err(|e| unavailable(&e))?;
                store.tx_begin().map_err(store_refusal)?;
                let done = store
                    .insert_audit(&row)
                    .and_then(|()| match (&ctx.key, &answer) {
                        (Some(key), Some(answer)) => store.finish_idempotency_claim(
                            &ctx.principal.tenant,
                            &key.id,
                            Some(answer),
                            now.saturating_add(idempotency::TTL),
                        ),
                        _ => Ok(()),
                    });
                let _ = store.tx_end(done.is_ok());
                done.map_err(store_refusal)
            })
            .await;
        if recorded.is_err() {
            // The writer applied the command: its answer stands, though
            // its audit row (and idempotent answer) could not be written.
            tracing::error!("an incident command was applied but not audited");
        }
        Ok(response)
    }
}

/// Claims `key` for an incident command: `Some(answer)` when the key
/// already has one (a replay, or a refusal), `None` when claimed.
fn claim(
    store: &mut dyn AnyStore,
    tenant: &str,
    key: &idempotency::Key,
    fingerprint: &str,
) -> Result<Option<CoreResponse>, Refusal> {
    let now = clock::now();
    if let Some(a) = store
        .idempotent_answer(tenant, &key.id, now)
        .map_err(store_refusal)?
    {
        return key.open(&a, fingerprint).map(Some);
    }
    let pending = StoredAnswer {
        fingerprint: fingerprint.to_owned(),
        status: None,
        headers: Vec::new(),
        body: String::new(),
    };
    match store.put_idempotent_answer(
        tenant,
        &key.id,
        &pending,
        now,
        now.saturating_add(idempotency::CLAIM_TTL),
    ) {
        Ok(()) => Ok(None),
        Err(StoreError::Exists { .. }) => match store.idempotent_answer(tenant, &key.id, now) {
            Ok(Some(a)) => key.open(&a, fingerprint).map(Some),
            _ => Err(idempotency::in_use()),
        },
        Err(e) => Err(store_refusal(e)),
    }
}
