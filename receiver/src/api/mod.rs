//! The REST API under `/v1`: `Authorization: Bearer <api key>`, JSON,
//! cursor pagination, RFC 9457 problems. Every query is scoped to the key's
//! tenant, so another tenant's ids answer 404 exactly like unknown ones.
//!
//! Reads use their own SQLite connection (WAL lets them run beside the
//! writer); acknowledge and resolve go to the writer, which owns the
//! incident model.
//!
//! Routes: `GET /v1/incidents` (status, severity, connector, source,
//! since, limit, cursor), `GET /v1/incidents/{id}`,
//! `POST /v1/incidents/{id}/acknowledge|resolve` (optional JSON body
//! `{"actor":…, "note":…}`), `GET /v1/connectors` (limit, cursor),
//! `GET /v1/connectors/{id}`,
//! `GET /v1/events` (connector, event_type, severity, source, since, limit,
//! cursor), `GET /v1/alerts` (state, incident, rule, reason, since, limit,
//! cursor: notifications with their delivery state), `GET /v1/usage`,
//! `GET /v1/jobs` (limit, cursor: batch jobs with their schedule, next
//! expected run, last runs, median duration and status),
//! `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/runs`.
//!
//! The writes of issue #24 (connectors, API keys, rules, silences,
//! windows, heartbeats, jobs, incident reopen, the audit log) are in
//! [`writes`], with [`idempotency`] and [`audit`]; docs/openapi.yaml lists
//! every route.

pub mod audit;
pub mod idempotency;
pub mod query;
pub mod usage;
pub mod writes;

use bytes::Bytes;
use erpops_core::quota::Metric;
use erpops_core::receive::Response as CoreResponse;
use hyper::Method;
use serde_json::{json, Value};

use crate::clock;
use crate::store::shared::{blocking, shared, SharedConn};
use crate::store::{AnyStore, Cursor, EventFilter, IncidentFilter, Listed, Location, ReadStore};

use crate::writer::WriterHandle;

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size.
pub const MAX_LIMIT: usize = 200;

/// The API's shared state.
pub struct Api {
    reader: SharedConn<dyn AnyStore>,
    /// The REST writes' own connection (as an `erpops admin` command's:
    /// the serving writer notices what it changes through the store's
    /// generations).
    writes: SharedConn<dyn AnyStore>,
    writer: WriterHandle,
}

/// Through which channel a request came: it names the actor of the audit
/// log and of incident commands (`api_key:<key_id>` or
/// `admin_app:<key_id>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Via {
    /// The REST API (`Authorization: Bearer`).
    #[default]
    Api,
    /// The admin app, acting with its session's key.
    AdminApp,
}

/// A parsed API request (method, path, query, auth header, body).
#[derive(Debug)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Path starting with `/v1`.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// `Authorization` header value.
    pub authorization: Option<String>,
    /// `Idempotency-Key` header value (writes answer a retry with the first
    /// answer).
    pub idempotency_key: Option<String>,
    /// Body (small; only commands have one).
    pub body: Bytes,
    /// The channel it came through (the server sets [`Via::Api`]).
    pub via: Via,
}

/// Who a request acts as: an API key that was found and not revoked, and
/// its tenant. The REST API finds it from `Authorization: Bearer`; the
/// admin app from its session ([`Api::execute`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The API key's id (`key_…`), never the key.
    pub key_id: String,
    /// The key's tenant: every query is scoped to it.
    pub tenant: String,
}

/// The methods a `/v1` path takes, as an `Allow` value; `None` for a path
/// that is no route (answered 404 once the key is checked). A known path
/// with another method is answered 405 with this `Allow`.
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(2).collect();
    match segments.as_slice() {
        ["incidents" | "events" | "alerts" | "usage" | "audit"]
        | ["usage", "daily"]
        | ["rules" | "silences" | "windows" | "heartbeats"]
        | ["incidents" | "connectors", _]
        | ["jobs", _, "runs"] => Some("GET"),
        ["connectors" | "jobs" | "api-keys"] => Some("GET, POST"),
        ["jobs" | "rules" | "silences" | "windows", _] => Some("GET, PUT, DELETE"),
        ["heartbeats", _, _] => Some("PUT, DELETE"),
        ["incidents", _, "acknowledge" | "resolve" | "reopen"]
        | ["connectors", _, "rotate" | "enable" | "disable"]
        | ["api-keys", _, "revoke"]
        | ["usage", "ai-queries"] => Some("POST"),
        _ => None,
    }
}

/// A refusal as (status, code, detail).
pub type Refusal = (u16, &'static str, String);

/// The problem+json answer to a refusal (401 adds `WWW-Authenticate`).
fn refused((status, code, detail): Refusal, request_id: &str) -> CoreResponse {
    let mut r = crate::server::problem(status, code, &detail, request_id);
    if status == 401 {
        r.headers.push(("WWW-Authenticate", "Bearer".to_owned()));
    }
    r
}

pub(crate) fn ok(status: u16, value: &Value) -> CoreResponse {
    CoreResponse {
        status,
        headers: vec![("Content-Type", "application/json".to_owned())],
        body: serde_json::to_vec(value).unwrap_or_default(),
        code: None,
        effects: Vec::new(),
    }
}

/// 404 for a resource id this API key's tenant does not own (another
/// tenant's id answers exactly like one that exists nowhere). The code
/// names the resource, and is the same whichever route named it: a GET and
/// an acknowledge of a missing incident both answer `incident_not_found`.
fn not_found(what: Resource) -> Refusal {
    let (code, name, list) = match what {
        Resource::Incident => ("incident_not_found", "incident", "/v1/incidents"),
        Resource::Connector => ("connector_not_found", "connector", "/v1/connectors"),
        Resource::Job => ("job_not_found", "job", "/v1/jobs"),
    };
    (
        404,
        code,
        format!("no {name} with this id for this API key's tenant; list {list}"),
    )
}

/// The resources a path can name by id.
#[derive(Debug, Clone, Copy)]
enum Resource {
    Incident,
    Connector,
    Job,
}

fn page(rows: Vec<Listed>, limit: usize) -> Value {
    let next = if rows.len() == limit {
        rows.last().map(|r| {
            query::encode_cursor(&Cursor {
                at: r.at,
                id: r.id.clone(),
            })
        })
    } else {
        None
    };
    json!({
        "data": rows.into_iter().map(|r| r.json).collect::<Vec<_>>(),
        "next_cursor": next,
    })
}

struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// The value of `key`. An empty value (`?since=`) is the same as an
    /// absent one: an HTML form or a script sends an unset filter that way,
    /// and means "no filter", not "match the empty string".
    fn get(&self, key: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    /// The value of `key` if it is one of `allowed` (docs/openapi.yaml
    /// declares these filters as enums: a misspelt status must not quietly
    /// match nothing).
    fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, Refusal> {
        match self.get(key) {
            Some(v) if !allowed.contains(&v.as_str()) => Err((
                400,
                "invalid_parameter",
                format!("{key} must be one of: {}", allowed.join(", ")),
            )),
            v => Ok(v),
        }
    }

    /// The value of `key` if it is a UUID (a connector id), as given.
    fn uuid(&self, key: &str) -> Result<Option<String>, Refusal> {
        match self.get(key) {
            Some(v) if uuid::Uuid::parse_str(&v).is_err() => Err((
                400,
                "invalid_parameter",
                format!("{key} must be a connector id (a UUID); list /v1/connectors"),
            )),
            v => Ok(v),
        }
    }

    fn only(&self, allowed: &[&str]) -> Result<(), Refusal> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err((
                400,
                "unknown_parameter",
                format!(
                    "unknown query parameter {k:?}; allowed: {}",
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    fn limit(&self) -> Result<usize, Refusal> {
        match self.get("limit") {
            None => Ok(DEFAULT_LIMIT),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err((
                    400,
                    "invalid_parameter",
                    format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                )),
            },
        }
    }

    fn cursor(&self) -> Result<Option<Cursor>, Refusal> {
        self.get("cursor")
            .map(|c| {
                query::decode_cursor(&c).ok_or((
                    400,
                    "invalid_parameter",
                    "cursor must be a next_cursor value returned by the previous page".to_owned(),
                ))
            })
            .transpose()
    }

    fn since(&self) -> Result<Option<erpops_core::Timestamp>, Refusal> {
        self.get("since")
            .map(|s| {
                query::parse_since(&s).ok_or((
                    400,
                    "invalid_parameter",
                    "since must be an RFC 3339 date-time or Unix seconds".to_owned(),
                ))
            })
            .transpose()
    }
}

impl Api {
    /// An API reading from its own connection to `data`.
    pub fn open(location: &Location, writer: WriterHandle) -> Result<Self, String> {
        let reader = location.open().map_err(|e| e.to_string())?;
        let writes = location.open_more().map_err(|e| e.to_string())?;
        Ok(Api {
            reader: shared(reader),
            writes: shared(writes),
            writer,
        })
    }

    /// Runs `f` on the read connection off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn ReadStore) -> crate::store::StoreResult<T> + Send + 'static,
    ) -> Result<T, Refusal> {
        self.read_any(move |s| f(s)).await
    }

    /// Runs `f` on the read connection with every part of the store
    /// (the writes' listings read [`crate::store::WritesStore`]).
    async fn read_any<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn AnyStore) -> crate::store::StoreResult<T> + Send + 'static,
    ) -> Result<T, Refusal> {
        match blocking(&self.reader, move |s| f(s)).await {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => {
                tracing::error!(code = e.code(), error = %e, "API read failed");
                Err((
                    503,
                    "store_unavailable",
                    "the store did not answer; retry later".to_owned(),
                ))
            }
            None => Err((
                503,
                "store_unavailable",
                "the read was interrupted; retry".to_owned(),
            )),
        }
    }

    /// Answers one `/v1` request.
    pub async fn handle(&self, req: ApiRequest, request_id: &str) -> CoreResponse {
        match self.authenticate(req.authorization.as_deref()).await {
            Ok(principal) => self.execute(&principal, req, request_id).await,
            Err(refusal) => refused(refusal, request_id),
        }
    }

    /// Answers one `/v1` request as `principal`, whose key was already
    /// checked (the admin app calls this with its session's key; the
    /// request's `authorization` is not read).
    pub async fn execute(
        &self,
        principal: &Principal,
        req: ApiRequest,
        request_id: &str,
    ) -> CoreResponse {
        match self.dispatch(principal, req, request_id).await {
            Ok(r) => r,
            Err(refusal) => refused(refusal, request_id),
        }
    }

    /// The principal of an `Authorization: Bearer <api key>` header, or
    /// the 401 refusal.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, Refusal> {
        let key = authorization
            .and_then(|h| {
                let (scheme, token) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
            })
            .filter(|t| !t.is_empty())
            .ok_or((
                401,
                "unauthorized",
                "send `Authorization: Bearer <api key>`; create a key with `erpops admin api-keys create`"
                    .to_owned(),
            ))?;
        self.principal_of_key(&key).await?.ok_or((
            401,
            "unauthorized",
            "this API key is unknown or revoked".to_owned(),
        ))
    }

    /// The principal of an API key, `None` when it is unknown or revoked.
    pub async fn principal_of_key(&self, key: &str) -> Result<Option<Principal>, Refusal> {
        // Looked up by digest, never by the key: the lookup's timing depends
        // only on SHA-256(key), which a caller cannot steer towards a stored
        // digest without a preimage (docs/security.md, "Enumeration").
        let hash = clock::hash_api_key(key);
        Ok(self
            .read(move |s| s.api_key(&hash))
            .await?
            .map(|(key_id, tenant)| Principal { key_id, tenant }))
    }

    async fn dispatch(
        &self,
        principal: &Principal,
        req: ApiRequest,
        request_id: &str,
    ) -> Result<CoreResponse, Refusal> {
        let segments: Vec<&str> = req.path.trim_end_matches('/').split('/').skip(2).collect();
        if let Some(route) = writes::route(&req.method, &segments) {
            return self.answer_route(principal, req, route, request_id).await;
        }
        let tenant = principal.tenant.clone();
        let params = Params {
            pairs: query::parse(req.query.as_deref()).map_err(|e| (400, "invalid_parameter", e))?,
        };
        let segments: Vec<&str> = req.path.trim_end_matches('/').split('/').skip(2).collect();
        match (&req.method, segments.as_slice()) {
            (&Method::GET, ["incidents"]) => {
                params.only(&[
                    "status",
                    "severity",
                    "connector",
                    "source",
                    "since",
                    "limit",
                    "cursor",
                ])?;
                let filter = IncidentFilter {
                    status: params.one_of("status", &["open", "acknowledged", "resolved"])?,
                    severity: params.one_of("severity", SEVERITIES)?,
                    connector: params.uuid("connector")?,
                    source: params.get("source"),
                    since: params.since()?,
                };
                let (limit, cursor) = (params.limit()?, params.cursor()?);
                let rows = self
                    .read(move |s| s.list_incidents(&tenant, &filter, cursor.as_ref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            (&Method::GET, ["incidents", id]) => {
                let id = (*id).to_owned();
                let found = self.read(move |s| s.incident(&tenant, &id)).await?;
                found
                    .map(|v| ok(200, &v))
                    .ok_or_else(|| not_found(Resource::Incident))
            }
            (&Method::GET, ["connectors"]) => {
                params.only(&["limit", "cursor"])?;
                let (limit, cursor) = (params.limit()?, params.cursor()?);
                let rows = self
                    .read(move |s| s.list_connectors(&tenant, cursor.as_ref(), limit, clock::now()))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            (&Method::GET, ["connectors", id]) => {
                let id = (*id).to_owned();
                let rows = self
                    .read(move |s| s.connectors(Some(&tenant), clock::now()))
                    .await?;
                rows.into_iter()
                    .find(|c| c.id.to_string().eq_ignore_ascii_case(&id))
                    .map(|c| ok(200, &json!(c)))
                    .ok_or_else(|| not_found(Resource::Connector))
            }
            (&Method::GET, ["jobs"]) => {
                params.only(&["limit", "cursor"])?;
                let (limit, cursor) = (params.limit()?, params.cursor()?);
                let rows = self
                    .read(move |s| s.list_jobs(&tenant, cursor.as_ref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            (&Method::GET, ["jobs", id]) | (&Method::GET, ["jobs", id, "runs"]) => {
                params.only(&[])?;
                let runs = segments.len() == 3;
                let id = (*id).to_owned();
                let found = self.read(move |s| s.job(&tenant, &id)).await?;
                let (job, state) = found.ok_or_else(|| not_found(Resource::Job))?;
                let view = if runs {
                    crate::alerts::jobs::runs_view(&job, state.as_ref())
                } else {
                    crate::alerts::jobs::job_view(&job, state.as_ref())
                };
                Ok(ok(200, &view))
            }
            (&Method::GET, ["events"]) => {
                params.only(&[
                    "connector",
                    "event_type",
                    "severity",
                    "source",
                    "since",
                    "limit",
                    "cursor",
                ])?;
                let filter = EventFilter {
                    connector: params.uuid("connector")?,
                    event_type: params.get("event_type"),
                    severity: params.one_of("severity", SEVERITIES)?,
                    source: params.get("source"),
                    since: params.since()?,
                };
                let (limit, cursor) = (params.limit()?, params.cursor()?);
                let rows = self
                    .read(move |s| s.list_events(&tenant, &filter, cursor.as_ref(), limit))
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            (&Method::GET, ["alerts"]) => {
                params.only(&[
                    "state", "incident", "rule", "reason", "since", "limit", "cursor",
                ])?;
                let filter = crate::store::alerts::AlertFilter {
                    state: params.get("state"),
                    incident: params.get("incident"),
                    rule: params.get("rule"),
                    reason: params.get("reason"),
                    since: params.since()?,
                };
                if let Some(state) = &filter.state {
                    if !["pending", "delivered", "failed"].contains(&state.as_str()) {
                        return Err((
                            400,
                            "invalid_parameter",
                            "state must be pending, delivered or failed".to_owned(),
                        ));
                    }
                }
                let (limit, cursor) = (params.limit()?, params.cursor()?);
                let rows = self
                    .read(move |s| {
                        crate::store::ReadStore::list_alerts(
                            s,
                            &tenant,
                            &filter,
                            cursor.as_ref(),
                            limit,
                        )
                    })
                    .await?;
                Ok(ok(200, &page(rows, limit)))
            }
            (&Method::GET, ["usage"]) => {
                params.only(&[])?;
                let usage = self.read(move |s| s.usage(&tenant, clock::now())).await?;
                Ok(ok(200, &usage))
            }
            (&Method::GET, ["usage", "daily"]) => {
                params.only(&[])?;
                let counts = self
                    .read(move |s| s.daily_events(&tenant, usage::DAILY_DAYS, clock::now()))
                    .await?;
                Ok(ok(200, &usage::daily_body(&counts)))
            }
            (&Method::POST, ["usage", "ai-queries"]) => {
                params.only(&[])?;
                let key = req.idempotency_key.clone();
                if let Some(k) = &key {
                    idempotency::check_key(k)?;
                }
                let decision = self
                    .read(move |s| s.charge(&tenant, Metric::AiQuery, key.as_deref(), clock::now()))
                    .await?
                    .ok_or((
                        404,
                        "tenant_not_found",
                        "this API key's tenant no longer exists".to_owned(),
                    ))?;
                Ok(usage::ai_query_answer(&decision, request_id))
            }
            _ => Err((
                404,
                "not_found",
                format!(
                    "no API route {} {}; see docs/openapi.yaml",
                    req.method, req.path
                ),
            )),
        }
    }
}

/// The severities a filter may name (docs/openapi.yaml).
const SEVERITIES: &[&str] = &["info", "warn", "error", "critical"];

/// Codes of incident command failures, as `'static` strings.
fn leak_code(code: &str) -> &'static str {
    match code {
        "incident_not_found" => "incident_not_found",
        "already_acknowledged" => "already_acknowledged",
        "already_resolved" => "already_resolved",
        "not_resolved" => "not_resolved",
        "invalid_actor" => "invalid_actor",
        "invalid_note" => "invalid_note",
        _ => "store_unavailable",
    }
}
