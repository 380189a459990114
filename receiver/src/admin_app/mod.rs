//! The admin app at `/admin` (issue #24): server-rendered pages for a
//! tenant's incidents, connectors, API keys, jobs, alerting and usage.
//!
//! Every read and write goes through the REST API ([`Api::execute`] with
//! the session's [`Principal`]), so tenant scoping, validation and audit
//! are the API's and the app adds no second path to the data. What the app
//! adds is the browser's side of security:
//!
//! - sign-in with an API key in a POST form (never a URL), throttled per
//!   client address ([`throttle`]);
//! - sessions in the store ([`crate::store::SessionStore`], migration
//!   0014): the cookie `erpops_session` (`HttpOnly; SameSite=Strict;
//!   Path=/admin`, `Secure` behind TLS) holds 32 random bytes, the store
//!   their SHA-256; an idle and an absolute limit; every request re-reads
//!   the session joined with its API key, so a revoked key ends it at once;
//! - a CSRF token per session in every form, compared in constant time;
//! - on every answer a Content-Security-Policy that allows only the app's
//!   own inline stylesheet and copy-button script by hash, no framing, no
//!   referrer, no caching ([`assets`]);
//! - a secret or key is rendered once, in the answer to the POST that made
//!   it, and never logged, put in a URL or stored readable.
//!
//! The pages are maud templates ([`pages`]): compile-time checked, every
//! interpolated value escaped.

pub mod assets;
pub mod pages;
pub mod session;
pub mod snippets;
pub mod throttle;

use std::net::IpAddr;

use bytes::Bytes;
use erpops_core::receive::Response as CoreResponse;
use hyper::header::HeaderMap;
use hyper::Method;
use maud::Markup;
use serde_json::{json, Value};

use crate::api::{Api, ApiRequest, Principal};
use crate::clock;
use crate::settings::AdminAppSettings;
use crate::store::db::to_db;
use crate::store::{AnyStore, Location, SessionRow, StoreResult};
use pages::{Flash, Nav};

/// Largest form body (the alerting page's JSON textareas included).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The app's state: its own store connection for sessions, its settings
/// and the sign-in throttle.
pub struct AdminApp {
    store: crate::store::shared::SharedConn<dyn AnyStore>,
    settings: AdminAppSettings,
    throttle: throttle::Throttle,
}

impl std::fmt::Debug for AdminApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminApp")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// One request to `/admin…`, its body already read (at most
/// [`BODY_LIMIT`]).
#[derive(Debug)]
pub struct AdminRequest {
    /// Method.
    pub method: Method,
    /// Path, starting with `/admin`.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Headers (cookies, host, forwarded-for).
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The connection's peer address.
    pub peer: Option<IpAddr>,
}

/// A signed-in session.
#[derive(Debug, Clone)]
struct Session {
    id: String,
    principal: Principal,
    csrf: String,
}

/// What a request's cookie says.
enum SessionState {
    /// No session cookie.
    None,
    /// A cookie for a session that ended (expired, signed out, its key
    /// revoked) or never existed.
    Ended,
    /// A live session.
    Live(Session),
}

/// An answer from the REST API: status and JSON body.
struct Answer {
    status: u16,
    json: Value,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The problem's `detail` (what to show), else its title.
    fn detail(&self) -> String {
        let d = pages::s(&self.json, "detail");
        if d.is_empty() {
            format!("The request was refused ({}).", self.status)
        } else {
            d.to_owned()
        }
    }

    fn code(&self) -> &str {
        pages::s(&self.json, "code")
    }

    /// The `data` array of a page, or the body when it is an array.
    fn rows(&self) -> Vec<Value> {
        match &self.json {
            Value::Array(a) => a.clone(),
            other => other
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// An HTML answer.
fn html(status: u16, markup: Markup) -> CoreResponse {
    CoreResponse {
        status,
        headers: vec![("Content-Type", "text/html; charset=utf-8".to_owned())],
        body: markup.into_string().into_bytes(),
        code: None,
        effects: Vec::new(),
    }
}

/// 303 See Other to `location` (after a POST, or to the sign-in page).
fn redirect(location: &str) -> CoreResponse {
    CoreResponse {
        status: 303,
        headers: vec![("Location", location.to_owned())],
        body: Vec::new(),
        code: None,
        effects: Vec::new(),
    }
}

/// The headers every admin answer carries (the server adds them to the
/// answers it gives before the app is reached, too: a form too large).
pub fn secure(mut r: CoreResponse) -> CoreResponse {
    r.headers.extend([
        ("Content-Security-Policy", assets::csp().to_owned()),
        ("X-Frame-Options", "DENY".to_owned()),
        ("Referrer-Policy", "no-referrer".to_owned()),
        ("Cache-Control", "no-store".to_owned()),
        ("X-Content-Type-Options", "nosniff".to_owned()),
        ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
    ]);
    r
}

/// Whether `id` may name a resource in a `/v1` path: letters, digits and
/// `_ - . :` only, so a crafted id can never reach another route.
fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
}

/// A form or query field.
fn field(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// The flash of a redirect's `?ok=` or `?error=` (fixed sentences for
/// known words; an unknown word is shown as a code, escaped).
fn flash_of(query: &[(String, String)]) -> Flash {
    if let Some(ok) = field(query, "ok") {
        let m = match ok.as_str() {
            "acknowledge" => "Incident acknowledged.",
            "resolve" => "Incident resolved.",
            "reopen" => "Incident reopened.",
            "disable" => "Connector disabled: its events are refused.",
            "enable" => "Connector enabled.",
            "revoked" => "API key revoked.",
            "saved" => "Saved.",
            "deleted" => "Deleted.",
            _ => "Done.",
        };
        return Some(Ok(m.to_owned()));
    }
    field(query, "error").map(|code| {
        let code: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        Err(match code.as_str() {
            "already_acknowledged" => "The incident was already acknowledged.".to_owned(),
            "already_resolved" => "The incident was already resolved.".to_owned(),
            "not_resolved" => "Only a resolved incident can be reopened.".to_owned(),
            _ => format!("The request was refused ({code})."),
        })
    })
}

impl AdminApp {
    /// The app on its own connection to the store (already migrated by
    /// the receiver's start).
    pub fn open(location: &Location, settings: AdminAppSettings) -> Result<Self, String> {
        let store = location.open_more().map_err(|e| e.to_string())?;
        Ok(AdminApp {
            store: crate::store::shared::shared(store),
            settings,
            throttle: throttle::Throttle::default(),
        })
    }

    /// Runs `f` on the session store off the async threads.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn AnyStore) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, ()> {
        match crate::store::shared::blocking(&self.store, move |s| f(s)).await {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => {
                tracing::error!(code = e.code(), error = %e, "admin app session store failed");
                Err(())
            }
            None => Err(()),
        }
    }

    /// Answers one `/admin…` request; every answer carries the security
    /// headers.
    pub async fn handle(&self, api: &Api, req: AdminRequest, request_id: &str) -> CoreResponse {
        secure(self.route(api, req, request_id).await)
    }

    fn unavailable() -> CoreResponse {
        let mut r = html(
            503,
            pages::error(
                None,
                "Try again",
                "The store did not answer; try again in a moment.",
            ),
        );
        r.headers.push(("Retry-After", "1".to_owned()));
        r
    }

    async fn route(&self, api: &Api, req: AdminRequest, rid: &str) -> CoreResponse {
        let path = req.path.trim_end_matches('/').to_owned();
        let segments: Vec<&str> = path.split('/').skip(2).collect();
        let get = req.method == Method::GET || req.method == Method::HEAD;
        let post = req.method == Method::POST;
        if !get && !post {
            let mut r = html(
                405,
                pages::error(None, "Method not allowed", "Use GET or POST."),
            );
            r.headers.push(("Allow", "GET, HEAD, POST".to_owned()));
            return r;
        }
        match (post, segments.as_slice()) {
            (false, []) => return redirect("/admin/incidents"),
            (false, ["login"]) => return self.login_page(&req).await,
            (true, ["login"]) => return self.login(api, &req).await,
            _ => {}
        }
        let session = match self.session(&req).await {
            Ok(SessionState::Live(s)) => s,
            Ok(SessionState::Ended) => {
                let mut r = redirect("/admin/login?ended=1");
                r.headers
                    .push(("Set-Cookie", self.clear_cookie(session::COOKIE, "/admin")));
                return r;
            }
            Ok(SessionState::None) => return redirect("/admin/login"),
            Err(()) => return Self::unavailable(),
        };
        let query = crate::api::query::parse(req.query.as_deref()).unwrap_or_default();
        if get {
            return self.page(api, &session, &segments, &query, rid).await;
        }
        let form = std::str::from_utf8(&req.body)
            .ok()
            .and_then(|b| crate::api::query::parse(Some(b)).ok())
            .unwrap_or_default();
        let token = field(&form, "csrf_token").unwrap_or_default();
        if !session::same_token(&session.csrf, &token) {
            tracing::warn!(request_id = %rid, key_id = %session.principal.key_id, "admin app form refused: missing or wrong CSRF token");
            return html(
                403,
                pages::error(
                    Some(&self.nav(&session, "")),
                    "Refused",
                    "This form was not sent from this session's page (its CSRF token is missing or wrong). Reload the page and try again.",
                ),
            );
        }
        self.action(api, &session, &segments, &form, &req, rid)
            .await
    }

    fn nav<'a>(&self, s: &'a Session, active: &'a str) -> Nav<'a> {
        Nav {
            csrf: &s.csrf,
            key_id: &s.principal.key_id,
            tenant: &s.principal.tenant,
            active,
        }
    }

    fn secure_cookies(&self) -> bool {
        self.settings.behind_tls_proxy
    }

    fn clear_cookie(&self, name: &str, path: &str) -> String {
        session::set_cookie(name, "", path, 0, self.secure_cookies())
    }

    /// The client address sign-ins are counted by: behind a TLS proxy,
    /// the last `X-Forwarded-For` entry (the one the proxy appended);
    /// else the connection's peer.
    fn client(&self, req: &AdminRequest) -> IpAddr {
        if self.settings.behind_tls_proxy {
            let forwarded = req
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return ip;
            }
        }
        req.peer.unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn cookies(req: &AdminRequest) -> impl Iterator<Item = &str> {
        req.headers
            .get_all(hyper::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
    }

    async fn session(&self, req: &AdminRequest) -> Result<SessionState, ()> {
        let Some(value) = session::cookie(Self::cookies(req), session::COOKIE) else {
            return Ok(SessionState::None);
        };
        let id = session::session_id(&value);
        let lookup = id.clone();
        let Some(row) = self.with_store(move |s| s.session(&lookup)).await? else {
            return Ok(SessionState::Ended);
        };
        let now = to_db(clock::now());
        let idle = i64::try_from(self.settings.session_idle.as_nanos()).unwrap_or(i64::MAX);
        if now >= row.expires_at || now.saturating_sub(row.last_seen) >= idle {
            let gone = id.clone();
            self.with_store(move |s| s.delete_session(&gone)).await?;
            return Ok(SessionState::Ended);
        }
        // Written at most every 30 s: the idle limit is minutes, and a page
        // view need not be a write.
        if now.saturating_sub(row.last_seen) > 30_000_000_000 {
            let touched = id.clone();
            self.with_store(move |s| s.touch_session(&touched, now))
                .await?;
        }
        Ok(SessionState::Live(Session {
            id,
            principal: Principal {
                key_id: row.key_id,
                tenant: row.tenant_id,
            },
            csrf: row.csrf_token,
        }))
    }

    async fn login_page(&self, req: &AdminRequest) -> CoreResponse {
        if let Ok(SessionState::Live(_)) = self.session(req).await {
            return redirect("/admin/incidents");
        }
        let query = crate::api::query::parse(req.query.as_deref()).unwrap_or_default();
        let flash = field(&query, "ended").map(|_| {
            Ok("Your session ended (signed out, expired, or its API key was revoked). Sign in again.".to_owned())
        });
        self.login_form(200, &flash)
    }

    /// The sign-in form with a fresh token in the form and in a cookie
    /// scoped to `/admin/login` (no session exists yet to hold one).
    fn login_form(&self, status: u16, flash: &Flash) -> CoreResponse {
        let Ok(token) = session::random_token() else {
            return Self::unavailable();
        };
        let mut r = html(status, pages::login(&token, flash));
        r.headers.push((
            "Set-Cookie",
            session::set_cookie(
                session::LOGIN_COOKIE,
                &token,
                "/admin/login",
                3600,
                self.secure_cookies(),
            ),
        ));
        r
    }

    async fn login(&self, api: &Api, req: &AdminRequest) -> CoreResponse {
        let client = self.client(req);
        let now = to_db(clock::now());
        if let Some(wait) = self.throttle.retry_after(client, now) {
            tracing::warn!(client = %client, "admin app sign-in throttled");
            let mut r = html(
                429,
                pages::error(
                    None,
                    "Too many attempts",
                    &format!(
                        "Too many failed sign-ins from your address. Try again in {} minute(s).",
                        wait.div_ceil(60)
                    ),
                ),
            );
            r.headers.push(("Retry-After", wait.to_string()));
            return r;
        }
        let form = std::str::from_utf8(&req.body)
            .ok()
            .and_then(|b| crate::api::query::parse(Some(b)).ok())
            .unwrap_or_default();
        let expected =
            session::cookie(Self::cookies(req), session::LOGIN_COOKIE).unwrap_or_default();
        let token = field(&form, "csrf_token").unwrap_or_default();
        if !session::same_token(&expected, &token) {
            return self.login_form(
                403,
                &Some(Err(
                    "The sign-in form expired or was not sent from this page. Try again."
                        .to_owned(),
                )),
            );
        }
        let key = field(&form, "api_key").unwrap_or_default();
        let key = key.trim();
        let principal = if key.is_empty() || key.len() > 512 {
            None
        } else {
            match api.principal_of_key(key).await {
                Ok(p) => p,
                Err(_) => return Self::unavailable(),
            }
        };
        let Some(principal) = principal else {
            self.throttle.failed(client, now);
            tracing::info!(client = %client, "admin app sign-in failed");
            // The same answer for an unknown, revoked or malformed key.
            return self.login_form(401, &Some(Err("This API key was not accepted.".to_owned())));
        };
        let (Ok(value), Ok(csrf)) = (session::random_token(), session::random_token()) else {
            return Self::unavailable();
        };
        let max = i64::try_from(self.settings.session_max.as_nanos()).unwrap_or(i64::MAX);
        let idle = i64::try_from(self.settings.session_idle.as_nanos()).unwrap_or(i64::MAX);
        let row = SessionRow {
            id: session::session_id(&value),
            key_id: principal.key_id.clone(),
            tenant_id: principal.tenant.clone(),
            csrf_token: csrf,
            created_at: now,
            expires_at: now.saturating_add(max),
            last_seen: now,
        };
        if self
            .with_store(move |s| s.create_session(&row, now, now.saturating_sub(idle)))
            .await
            .is_err()
        {
            return Self::unavailable();
        }
        self.throttle.succeeded(client);
        tracing::info!(key_id = %principal.key_id, tenant = %principal.tenant, "admin app sign-in");
        let mut r = redirect("/admin/incidents");
        r.headers.push((
            "Set-Cookie",
            session::set_cookie(
                session::COOKIE,
                &value,
                "/admin",
                self.settings.session_max.as_secs(),
                self.secure_cookies(),
            ),
        ));
        r.headers.push((
            "Set-Cookie",
            self.clear_cookie(session::LOGIN_COOKIE, "/admin/login"),
        ));
        r
    }

    /// A `/v1` request as the session's key.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        api: &Api,
        session: &Session,
        method: Method,
        path: &str,
        query: Option<String>,
        body: Option<Value>,
        rid: &str,
    ) -> Answer {
        let request = ApiRequest {
            method,
            path: path.to_owned(),
            query,
            authorization: None,
            idempotency_key: None,
            // Audited as `admin_app:<key id>`.
            via: crate::api::Via::AdminApp,
            body: body
                .map(|b| Bytes::from(serde_json::to_vec(&b).unwrap_or_default()))
                .unwrap_or_default(),
        };
        let r = api.execute(&session.principal, request, rid).await;
        Answer {
            status: r.status,
            json: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        }
    }

    async fn get(
        &self,
        api: &Api,
        session: &Session,
        path: &str,
        query: Option<String>,
        rid: &str,
    ) -> Answer {
        self.call(api, session, Method::GET, path, query, None, rid)
            .await
    }

    fn not_found(&self, session: &Session) -> CoreResponse {
        html(404, pages::not_found(Some(&self.nav(session, ""))))
    }

    /// A page for an API answer that was neither the data nor 404.
    fn failed(&self, session: &Session, active: &str, answer: &Answer) -> CoreResponse {
        let status = if answer.status >= 500 { 503 } else { 502 };
        html(
            status,
            pages::error(
                Some(&self.nav(session, active)),
                "Could not load",
                &answer.detail(),
            ),
        )
    }

    async fn page(
        &self,
        api: &Api,
        session: &Session,
        segments: &[&str],
        query: &[(String, String)],
        rid: &str,
    ) -> CoreResponse {
        let flash = flash_of(query);
        match segments {
            ["incidents"] => {
                let pick = |key: &str, allowed: &[&str]| {
                    field(query, key)
                        .filter(|v| allowed.contains(&v.as_str()))
                        .unwrap_or_default()
                };
                let status = pick("status", &["open", "acknowledged", "resolved"]);
                let severity = pick("severity", &["info", "warn", "error", "critical"]);
                let mut q = vec!["limit=200".to_owned()];
                if !status.is_empty() {
                    q.push(format!("status={status}"));
                }
                if !severity.is_empty() {
                    q.push(format!("severity={severity}"));
                }
                let a = self
                    .get(api, session, "/v1/incidents", Some(q.join("&")), rid)
                    .await;
                if !a.ok() {
                    return self.failed(session, "incidents", &a);
                }
                html(
                    200,
                    pages::incidents(
                        &self.nav(session, "incidents"),
                        &flash,
                        &a.rows(),
                        &status,
                        &severity,
                    ),
                )
            }
            ["incidents", id] if safe_id(id) => {
                let a = self
                    .get(api, session, &format!("/v1/incidents/{id}"), None, rid)
                    .await;
                if a.status == 404 {
                    return self.not_found(session);
                }
                if !a.ok() {
                    return self.failed(session, "incidents", &a);
                }
                let timeline = self.timeline(api, session, &a.json, rid).await;
                html(
                    200,
                    pages::incident(&self.nav(session, "incidents"), &flash, &a.json, &timeline),
                )
            }
            ["connectors"] => {
                let a = self
                    .get(
                        api,
                        session,
                        "/v1/connectors",
                        Some("limit=200".to_owned()),
                        rid,
                    )
                    .await;
                if !a.ok() {
                    return self.failed(session, "connectors", &a);
                }
                html(
                    200,
                    pages::connectors(&self.nav(session, "connectors"), &flash, &a.rows()),
                )
            }
            ["connectors", id] if safe_id(id) => {
                let a = self
                    .get(api, session, &format!("/v1/connectors/{id}"), None, rid)
                    .await;
                if a.status == 404 {
                    return self.not_found(session);
                }
                if !a.ok() {
                    return self.failed(session, "connectors", &a);
                }
                html(
                    200,
                    pages::connector(&self.nav(session, "connectors"), &flash, &a.json),
                )
            }
            ["api-keys"] => {
                let a = self
                    .get(
                        api,
                        session,
                        "/v1/api-keys",
                        Some("limit=200".to_owned()),
                        rid,
                    )
                    .await;
                let unavailable = (!a.ok()).then(|| a.detail());
                html(
                    200,
                    pages::api_keys(
                        &self.nav(session, "api-keys"),
                        &flash,
                        &a.rows(),
                        unavailable.as_deref(),
                    ),
                )
            }
            ["jobs"] => {
                let a = self
                    .get(api, session, "/v1/jobs", Some("limit=200".to_owned()), rid)
                    .await;
                if !a.ok() {
                    return self.failed(session, "jobs", &a);
                }
                html(
                    200,
                    pages::jobs(&self.nav(session, "jobs"), &flash, &a.rows()),
                )
            }
            ["jobs", id] if safe_id(id) => {
                let a = self
                    .get(api, session, &format!("/v1/jobs/{id}"), None, rid)
                    .await;
                if a.status == 404 {
                    return self.not_found(session);
                }
                if !a.ok() {
                    return self.failed(session, "jobs", &a);
                }
                let runs = self
                    .get(api, session, &format!("/v1/jobs/{id}/runs"), None, rid)
                    .await;
                html(
                    200,
                    pages::job(&self.nav(session, "jobs"), &flash, &a.json, &runs.rows()),
                )
            }
            ["alerting"] => self.alerting(api, session, &flash, None, 200, rid).await,
            ["usage"] => {
                let a = self.get(api, session, "/v1/usage", None, rid).await;
                if !a.ok() {
                    return self.failed(session, "usage", &a);
                }
                let d = self.get(api, session, "/v1/usage/daily", None, rid).await;
                let daily: Option<Vec<(String, u64)>> = d.ok().then(|| {
                    d.rows()
                        .iter()
                        .map(|r| {
                            (
                                pages::s(r, "date").to_owned(),
                                r.get("inbound_events").and_then(Value::as_u64).unwrap_or(0),
                            )
                        })
                        .collect()
                });
                let today = daily.as_ref().and_then(|d| d.last()).map(|(_, n)| *n);
                html(
                    200,
                    pages::usage(
                        &self.nav(session, "usage"),
                        &a.json,
                        today,
                        daily.as_deref(),
                    ),
                )
            }
            _ => self.not_found(session),
        }
    }

    /// An incident's timeline, oldest first: its opening, the events
    /// attached to it, its notifications and the commands recorded on it.
    async fn timeline(
        &self,
        api: &Api,
        session: &Session,
        incident: &Value,
        rid: &str,
    ) -> Vec<pages::TimelineEntry> {
        let id = pages::s(incident, "id");
        let mut out: Vec<pages::TimelineEntry> = Vec::new();
        out.push((
            pages::text(incident, "first_seen"),
            "opened".to_owned(),
            pages::s(incident, "title").to_owned(),
        ));
        let connector = pages::s(incident, "connector_id");
        if safe_id(connector) {
            let mut q = format!("connector={connector}&limit=200");
            let source = pages::s(incident, "source");
            if !source.is_empty() {
                q.push_str("&source=");
                q.push_str(&percent_encode(source));
            }
            let events = self.get(api, session, "/v1/events", Some(q), rid).await;
            for e in events
                .rows()
                .iter()
                .filter(|e| pages::s(e, "incident_id") == id)
            {
                let ev = e.get("event").cloned().unwrap_or(Value::Null);
                out.push((
                    pages::text(e, "received_at"),
                    format!(
                        "event {} ({})",
                        pages::s(&ev, "event_type"),
                        pages::s(&ev, "severity")
                    ),
                    pages::text(&ev, "message"),
                ));
            }
        }
        if safe_id(id) {
            let alerts = self
                .get(
                    api,
                    session,
                    "/v1/alerts",
                    Some(format!("incident={id}&limit=200")),
                    rid,
                )
                .await;
            for a in alerts.rows() {
                let delivery = a.get("delivery").cloned().unwrap_or(Value::Null);
                out.push((
                    pages::text(&a, "created_at"),
                    format!("notification: {}", pages::s(&a, "reason")),
                    format!(
                        "rule {}, channel {}, {}",
                        pages::s(&a, "rule_id"),
                        pages::s(&a, "channel"),
                        pages::s(&delivery, "state")
                    ),
                ));
            }
        }
        if incident
            .get("acknowledged_at")
            .is_some_and(|v| !v.is_null())
        {
            out.push((
                pages::text(incident, "acknowledged_at"),
                "acknowledged".to_owned(),
                format!("by {}", pages::text(incident, "acknowledged_by")),
            ));
        }
        if incident.get("resolved_at").is_some_and(|v| !v.is_null()) {
            let by = incident
                .get("resolved_by")
                .and_then(Value::as_str)
                .map_or_else(
                    || pages::text(incident, "resolution_reason"),
                    |b| format!("by {b}"),
                );
            out.push((
                pages::text(incident, "resolved_at"),
                "resolved".to_owned(),
                by,
            ));
        }
        // By time (fractional seconds vary, so not as text); a stable sort
        // keeps the opening before what arrived in the same instant.
        out.sort_by_key(|(at, _, _)| {
            erpops_core::event::parse_timestamp(at)
                .map(|t| t.unix_nanos())
                .unwrap_or(i128::MAX)
        });
        if let Some(note) = incident.get("last_note").and_then(Value::as_str) {
            out.push(("—".to_owned(), "latest note".to_owned(), note.to_owned()));
        }
        out
    }

    async fn alerting(
        &self,
        api: &Api,
        session: &Session,
        flash: &Flash,
        draft: Option<(&str, &str, &str)>,
        status: u16,
        rid: &str,
    ) -> CoreResponse {
        let mut collections = Vec::new();
        for (kind, title, example) in ALERTING {
            let a = self
                .get(api, session, &format!("/v1/{kind}"), None, rid)
                .await;
            collections.push(pages::Collection {
                kind,
                title,
                rows: if a.ok() {
                    Ok(a.rows())
                } else {
                    Err(a.detail())
                },
                example,
            });
        }
        html(
            status,
            pages::alerting(&self.nav(session, "alerting"), flash, &collections, draft),
        )
    }

    async fn action(
        &self,
        api: &Api,
        session: &Session,
        segments: &[&str],
        form: &[(String, String)],
        req: &AdminRequest,
        rid: &str,
    ) -> CoreResponse {
        let nav = |active| self.nav(session, active);
        match segments {
            ["logout"] => {
                let id = session.id.clone();
                if self
                    .with_store(move |s| s.delete_session(&id))
                    .await
                    .is_err()
                {
                    return Self::unavailable();
                }
                tracing::info!(key_id = %session.principal.key_id, "admin app sign-out");
                let mut r = redirect("/admin/login");
                r.headers
                    .push(("Set-Cookie", self.clear_cookie(session::COOKIE, "/admin")));
                r
            }
            ["incidents", id, action @ ("acknowledge" | "resolve" | "reopen")] if safe_id(id) => {
                let mut body = serde_json::Map::new();
                body.insert(
                    "actor".to_owned(),
                    json!(format!("admin_app:{}", session.principal.key_id)),
                );
                if let Some(note) = field(form, "note").filter(|n| !n.trim().is_empty()) {
                    body.insert("note".to_owned(), json!(note));
                }
                let body = Value::Object(body);
                let a = self
                    .call(
                        api,
                        session,
                        Method::POST,
                        &format!("/v1/incidents/{id}/{action}"),
                        None,
                        Some(body),
                        rid,
                    )
                    .await;
                match a.status {
                    200 => redirect(&format!("/admin/incidents/{id}?ok={action}")),
                    404 if a.code() == "incident_not_found" => self.not_found(session),
                    _ => redirect(&format!("/admin/incidents/{id}?error={}", a.code())),
                }
            }
            ["connectors"] => {
                let name = field(form, "name").unwrap_or_default();
                let a = self
                    .call(
                        api,
                        session,
                        Method::POST,
                        "/v1/connectors",
                        None,
                        Some(json!({ "name": name.trim() })),
                        rid,
                    )
                    .await;
                let (id, secret) = (pages::s(&a.json, "id"), pages::s(&a.json, "secret"));
                if a.ok() && !secret.is_empty() {
                    return self.secret_page(
                        &nav("connectors"),
                        "Connector created",
                        id,
                        secret,
                        None,
                        req,
                    );
                }
                let list = self
                    .get(
                        api,
                        session,
                        "/v1/connectors",
                        Some("limit=200".to_owned()),
                        rid,
                    )
                    .await;
                html(
                    client_status(a.status),
                    pages::connectors(&nav("connectors"), &Some(Err(a.detail())), &list.rows()),
                )
            }
            ["connectors", id, "rotate"] if safe_id(id) => {
                let hours = field(form, "overlap_hours")
                    .and_then(|h| h.trim().parse::<u64>().ok())
                    .unwrap_or(24);
                let a = self
                    .call(
                        api,
                        session,
                        Method::POST,
                        &format!("/v1/connectors/{id}/rotate"),
                        None,
                        Some(json!({ "overlap_seconds": hours.saturating_mul(3600) })),
                        rid,
                    )
                    .await;
                let secret = pages::s(&a.json, "secret");
                if a.ok() && !secret.is_empty() {
                    let until = pages::s(&a.json, "previous_secrets_valid_until");
                    return self.secret_page(
                        &nav("connectors"),
                        "Secret rotated",
                        id,
                        secret,
                        Some(until).filter(|u| !u.is_empty()),
                        req,
                    );
                }
                self.after_write(
                    session,
                    &a,
                    &format!("/admin/connectors/{id}"),
                    "connector_not_found",
                )
            }
            ["connectors", id, action @ ("disable" | "enable")] if safe_id(id) => {
                let a = self
                    .call(
                        api,
                        session,
                        Method::POST,
                        &format!("/v1/connectors/{id}/{action}"),
                        None,
                        None,
                        rid,
                    )
                    .await;
                if a.ok() {
                    return redirect(&format!("/admin/connectors/{id}?ok={action}"));
                }
                self.after_write(
                    session,
                    &a,
                    &format!("/admin/connectors/{id}"),
                    "connector_not_found",
                )
            }
            ["api-keys"] => {
                let label = field(form, "label").unwrap_or_default();
                let a = self
                    .call(
                        api,
                        session,
                        Method::POST,
                        "/v1/api-keys",
                        None,
                        Some(json!({ "label": label.trim() })),
                        rid,
                    )
                    .await;
                let key = pages::s(&a.json, "api_key");
                if a.ok() && !key.is_empty() {
                    return html(
                        200,
                        pages::key_once(
                            &nav("api-keys"),
                            pages::s(&a.json, "id"),
                            pages::s(&a.json, "label"),
                            key,
                        ),
                    );
                }
                let list = self
                    .get(
                        api,
                        session,
                        "/v1/api-keys",
                        Some("limit=200".to_owned()),
                        rid,
                    )
                    .await;
                html(
                    client_status(a.status),
                    pages::api_keys(&nav("api-keys"), &Some(Err(a.detail())), &list.rows(), None),
                )
            }
            ["api-keys", id, "revoke"] if safe_id(id) => {
                let a = self
                    .call(
                        api,
                        session,
                        Method::POST,
                        &format!("/v1/api-keys/{id}/revoke"),
                        None,
                        None,
                        rid,
                    )
                    .await;
                if !a.ok() {
                    return self.after_write(session, &a, "/admin/api-keys", "api_key_not_found");
                }
                // Sessions of the key end now (each request also checks
                // the key, so this only tidies the table).
                let key = (*id).to_owned();
                let _ = self
                    .with_store(move |s| s.delete_sessions_of_key(&key))
                    .await;
                if *id == session.principal.key_id {
                    let mut r = redirect("/admin/login?ended=1");
                    r.headers
                        .push(("Set-Cookie", self.clear_cookie(session::COOKIE, "/admin")));
                    return r;
                }
                redirect("/admin/api-keys?ok=revoked")
            }
            ["alerting", kind @ ("rules" | "silences" | "windows")] => {
                let id = field(form, "id").unwrap_or_default();
                let id = id.trim();
                let text = field(form, "body").unwrap_or_default();
                let draft = Some((*kind, id, text.as_str()));
                if !safe_id(id) {
                    let m = Some(Err(
                        "The id may hold only letters, digits and _ - . : (at most 128)."
                            .to_owned(),
                    ));
                    return self.alerting(api, session, &m, draft, 422, rid).await;
                }
                let body: Value = match serde_json::from_str(&text) {
                    Ok(v @ Value::Object(_)) => v,
                    Ok(_) => {
                        let m = Some(Err("The definition must be a JSON object.".to_owned()));
                        return self.alerting(api, session, &m, draft, 422, rid).await;
                    }
                    Err(e) => {
                        let m = Some(Err(format!("The definition is not valid JSON: {e}.")));
                        return self.alerting(api, session, &m, draft, 422, rid).await;
                    }
                };
                let a = self
                    .call(
                        api,
                        session,
                        Method::PUT,
                        &format!("/v1/{kind}/{id}"),
                        None,
                        Some(body),
                        rid,
                    )
                    .await;
                if a.ok() {
                    return redirect("/admin/alerting?ok=saved");
                }
                let m = Some(Err(a.detail()));
                self.alerting(api, session, &m, draft, client_status(a.status), rid)
                    .await
            }
            ["alerting", kind @ ("rules" | "silences" | "windows"), id, "delete"]
                if safe_id(id) =>
            {
                let a = self
                    .call(
                        api,
                        session,
                        Method::DELETE,
                        &format!("/v1/{kind}/{id}"),
                        None,
                        None,
                        rid,
                    )
                    .await;
                if a.ok() {
                    return redirect("/admin/alerting?ok=deleted");
                }
                if a.status == 404 {
                    return self.not_found(session);
                }
                let m = Some(Err(a.detail()));
                self.alerting(api, session, &m, None, client_status(a.status), rid)
                    .await
            }
            _ => self.not_found(session),
        }
    }

    /// After a refused write: 404 for a missing resource, else back to
    /// `back` with the refusal's code.
    fn after_write(
        &self,
        session: &Session,
        a: &Answer,
        back: &str,
        missing: &str,
    ) -> CoreResponse {
        if a.status == 404 && (a.code() == missing || a.code() == "not_found") {
            return self.not_found(session);
        }
        redirect(&format!("{back}?error={}", a.code()))
    }

    /// The answer that shows a connector's new secret: rendered directly
    /// (never a redirect to a page that could show it again), not cached.
    fn secret_page(
        &self,
        nav: &Nav<'_>,
        title: &str,
        connector_id: &str,
        secret: &str,
        previous_until: Option<&str>,
        req: &AdminRequest,
    ) -> CoreResponse {
        let host = req
            .headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok());
        let url = snippets::base_url(host, self.settings.behind_tls_proxy, "127.0.0.1:8080");
        let snippets = snippets::all(&url, connector_id, secret);
        html(
            200,
            pages::secret_once(nav, title, connector_id, secret, previous_until, &snippets),
        )
    }
}

/// The status of a page showing a refused write: the API's 4xx, else 502.
fn client_status(status: u16) -> u16 {
    if (400..500).contains(&status) {
        status
    } else {
        502
    }
}

/// Percent-encodes a query value.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The alerting collections: path, heading and a starting body.
const ALERTING: [(&str, &str, &str); 3] = [
    (
        "rules",
        "Alert rules",
        "{\n  \"name\": \"Payroll failures\",\n  \"kinds\": [\"opened\", \"reopened\"],\n  \"matchers\": {},\n  \"channel\": \"log\"\n}",
    ),
    (
        "silences",
        "Silences",
        "{\n  \"matchers\": {\"connector_id\": \"<one of your connector ids>\"},\n  \"starts_at\": \"2026-01-01T00:00:00Z\",\n  \"ends_at\": \"2026-01-02T00:00:00Z\",\n  \"comment\": \"planned maintenance\"\n}",
    ),
    (
        "windows",
        "Maintenance windows",
        "{\n  \"matchers\": {\"connector_id\": \"<one of your connector ids>\"},\n  \"schedule\": [{\"cron\": \"0 2 * * SUN\", \"time_zone\": \"UTC\"}],\n  \"duration\": 7200,\n  \"comment\": \"weekly maintenance\"\n}",
    ),
];
