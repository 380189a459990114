//! The admin app at /admin through real HTTP, with a small cookie jar in
//! place of a browser: sign-in and sign-out, the cookie's flags (and
//! `Secure` behind a TLS proxy), CSRF refusals, tenant isolation (another
//! tenant's pages and ids are 404), idle and absolute expiry, revocation
//! ending the session, sign-in throttling, a secret shown in exactly one
//! answer, and no key or secret in the log.
//!
//! The clock is process-wide (`clock::advance`), so the tests here run one
//! at a time (`serial`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::await_holding_lock
)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use erpops_receiver::cli::{AdminCommand, ApiKeyCommand, Cli, Command};
use erpops_receiver::settings::{AdminAppSettings, Settings};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// One test at a time: `clock::advance` moves every test's clock.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    capture_logs();
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Everything the receiver logs in this process (every level).
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

#[derive(Clone)]
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        logs().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // The binary's filter at its most verbose.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(erpops_receiver::logging::filter(Some("trace")))
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// Fails if any of `secrets` was logged.
fn assert_not_logged(secrets: &[&str]) {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(!text.is_empty(), "the log capture saw nothing");
    for s in secrets {
        assert!(!s.is_empty());
        if let Some(at) = text.find(s) {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let line = text[line_start..line_end].replace(s, "<SECRET>");
            panic!("a secret or key was logged: {line}");
        }
    }
}

/// An answer: status, headers and the body as text.
struct Page {
    status: u16,
    headers: hyper::HeaderMap,
    text: String,
}

impl Page {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
    /// The value of `<input ... name="csrf_token" value="...">`.
    fn csrf(&self) -> String {
        let at = self.text.find("name=\"csrf_token\"").expect("a csrf input");
        let rest = &self.text[at..];
        let v = rest.find("value=\"").unwrap() + 7;
        rest[v..v + rest[v..].find('"').unwrap()].to_owned()
    }
    /// The text of the element with this id (up to its first `<`).
    fn element(&self, id: &str) -> String {
        let at = self
            .text
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {}", self.text));
        let rest = &self.text[at..];
        let start = rest.find('>').unwrap() + 1;
        rest[start..start + rest[start..].find('<').unwrap()].to_owned()
    }
}

/// A client with a cookie jar, like a browser with JavaScript off.
struct Browser {
    base: String,
    jar: HashMap<String, String>,
    /// Every answer's body and headers, to count where a secret appeared.
    seen: Vec<String>,
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Browser {
    fn new(server: &TestServer) -> Self {
        Browser {
            base: format!("http://{}", server.addr),
            jar: HashMap::new(),
            seen: Vec::new(),
        }
    }

    async fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            b = b.header("Cookie", cookies.join("; "));
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        if method == "POST" {
            b = b.header("Content-Type", "application/x-www-form-urlencoded");
        }
        let response = client
            .request(b.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let page = Page {
            status,
            headers,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        };
        self.seen.push(format!("{:?}\n{}", page.headers, page.text));
        for c in page.set_cookies() {
            let (pair, attrs) = c.split_once(';').unwrap_or((&c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, &[]).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send("POST", path, form).await
    }

    /// Loads the sign-in page and posts `key` with its token.
    async fn sign_in(&mut self, key: &str) -> Page {
        let login = self.get("/admin/login").await;
        assert_eq!(login.status, 200);
        let token = login.csrf();
        self.post("/admin/login", &[("csrf_token", &token), ("api_key", key)])
            .await
    }

    /// How many answers so far held `text` (headers or body).
    fn answers_holding(&self, text: &str) -> usize {
        self.seen.iter().filter(|a| a.contains(text)).count()
    }

    /// A page's CSRF token (every signed-in page's sign-out form has one).
    async fn csrf(&mut self) -> String {
        self.get("/admin/incidents").await.csrf()
    }
}

async fn start_with(dir: &std::path::Path, admin: AdminAppSettings) -> TestServer {
    let settings = Settings {
        admin_app: admin,
        ..common::settings(dir)
    };
    let (receiver, _) = erpops_receiver::serve::start(&settings, false)
        .await
        .unwrap();
    TestServer {
        addr: receiver.server.addr,
        receiver: Some(receiver),
        data: dir.to_path_buf(),
    }
}

/// Sends one failing event for `connector`; its incident id.
async fn incident(server: &TestServer, connector: &str, secret: &str, source: &str) -> String {
    let body = format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"payroll.batch.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"failed\"}}",
        now_rfc3339()
    );
    let r = post_signed(server, connector, secret, &body).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    r.body["incident_id"].as_str().unwrap().to_owned()
}

fn admin_command(args: &[&str]) -> AdminCommand {
    use clap::Parser;
    let mut all = vec!["erpops", "admin"];
    all.extend_from_slice(args);
    match Cli::try_parse_from(all).unwrap().command {
        Command::Admin(a) => a.command,
        _ => unreachable!(),
    }
}

fn assert_security_headers(p: &Page) {
    let csp = p.header("content-security-policy");
    // The page's inline stylesheet and script are exactly what the policy
    // allows by hash (anything else inline would not run).
    for (open, close, directive) in [
        ("<style>", "</style>", "style-src"),
        ("<script>", "</script>", "script-src"),
    ] {
        if let Some(at) = p.text.find(open) {
            let body = &p.text[at + open.len()..];
            let body = &body[..body.find(close).unwrap()];
            use base64::Engine as _;
            use sha2::Digest as _;
            let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body));
            assert!(
                csp.contains(&format!("{directive} 'sha256-{hash}'")),
                "{directive} of {csp}"
            );
        }
    }
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(p.header("x-frame-options"), "DENY");
    assert_eq!(p.header("referrer-policy"), "no-referrer");
    assert_eq!(p.header("cache-control"), "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_work_an_incident_and_sign_out() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    let id = incident(&server, &ca, &sa, "PSFT_PAYROLL_BATCH").await;
    let mut browser = Browser::new(&server);

    // Signed out: every page leads to the sign-in form.
    let r = browser.get("/admin").await;
    assert_eq!(
        (r.status, r.header("location").as_str()),
        (303, "/admin/incidents")
    );
    assert_security_headers(&r);
    let r = browser.get("/admin/incidents").await;
    assert_eq!(
        (r.status, r.header("location").as_str()),
        (303, "/admin/login")
    );
    let login = browser.get("/admin/login").await;
    assert_security_headers(&login);
    assert!(login.text.contains("id=\"login-form\""));
    assert!(login.text.contains("id=\"api_key\"") && login.text.contains("name=\"api_key\""));
    assert!(
        login.text.contains("<main id=\"main\">") && login.text.contains("<label for=\"api_key\">")
    );

    // A wrong key: 401, the same words whether or not a key exists.
    let r = browser.sign_in("erpk_not_a_key").await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("role=\"alert\""));
    assert!(!browser.jar.contains_key("erpops_session"));
    // A sign-in form posted without its token is refused.
    let r = browser
        .post("/admin/login", &[("api_key", key.as_str())])
        .await;
    assert_eq!(r.status, 403);
    assert!(!browser.jar.contains_key("erpops_session"));

    let r = browser.sign_in(&key).await;
    assert_eq!(
        (r.status, r.header("location").as_str()),
        (303, "/admin/incidents")
    );
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("erpops_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(!r.header("location").contains(&key));

    // The list, filtered, and the incident.
    let list = browser.get("/admin/incidents").await;
    assert_eq!(list.status, 200);
    assert_security_headers(&list);
    assert!(list.text.contains("id=\"incidents\""));
    assert!(list.text.contains(&format!("id=\"incident-{id}\"")));
    assert!(list.text.contains("<th scope=\"col\">"));
    let resolved = browser.get("/admin/incidents?status=resolved").await;
    assert!(!resolved.text.contains(&format!("id=\"incident-{id}\"")));
    let page = browser.get(&format!("/admin/incidents/{id}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.element("incident-status"), "open");
    assert!(page.text.contains("id=\"acknowledge\""));
    assert!(page.text.contains("payroll.batch.failed"), "the timeline");
    let timeline = &page.text[page.text.find("id=\"timeline\"").unwrap()..];
    let opened = timeline.find("<td>opened</td>").unwrap();
    let event = timeline
        .find("<td>event payroll.batch.failed (error)</td>")
        .unwrap();
    assert!(opened < event, "oldest first: {timeline}");

    // Acknowledge, then resolve: 303 back to the incident each time.
    let token = page.csrf();
    let r = browser
        .post(
            &format!("/admin/incidents/{id}/acknowledge"),
            &[("csrf_token", &token), ("note", "looking")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = browser.get(&r.header("location")).await;
    assert_eq!(page.element("incident-status"), "acknowledged");
    assert!(page.text.contains("role=\"status\""));
    let r = browser
        .post(
            &format!("/admin/incidents/{id}/resolve"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = browser.get(&format!("/admin/incidents/{id}")).await;
    assert_eq!(page.element("incident-status"), "resolved");
    assert!(page.text.contains("id=\"reopen\""));
    let api = server
        .api("GET", &format!("/v1/incidents/{id}"), &key, "")
        .await;
    assert_eq!(
        api.body["resolved_by"],
        format!("admin_app:{}", server_key_id(&server, "a"))
    );

    // Connectors, jobs and usage render for this tenant.
    let p = browser.get("/admin/connectors").await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains(&ca) && p.text.contains("id=\"create-connector\""));
    let p = browser.get(&format!("/admin/connectors/{ca}")).await;
    assert_eq!(p.status, 200);
    assert!(
        !p.text.contains(&sa),
        "a connector page never shows a secret"
    );
    assert_eq!(browser.get("/admin/jobs").await.status, 200);
    let p = browser.get("/admin/usage").await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains("id=\"events-today\"") && p.text.contains("id=\"ai-queries-month\""));
    assert_eq!(p.element("events-today"), "1", "the event sent above");
    assert_eq!(p.element("ai-queries-month"), "0");
    assert!(p.text.contains("<svg id=\"usage-chart\""), "{}", p.text);
    assert!(
        p.text.contains("<desc id=\"usage-chart-desc\">"),
        "a text alternative"
    );

    // Sign out: the session is gone from the store, so the old cookie
    // leads back to the sign-in page.
    let old = browser.jar.get("erpops_session").cloned().unwrap();
    let r = browser
        .post("/admin/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(
        (r.status, r.header("location").as_str()),
        (303, "/admin/login")
    );
    assert!(!browser.jar.contains_key("erpops_session"));
    browser.jar.insert("erpops_session".into(), old);
    let r = browser.get("/admin/incidents").await;
    assert_eq!(r.status, 303);
    assert!(r.header("location").starts_with("/admin/login"));

    assert_not_logged(&[&key, &sa]);
    server.stop().await;
}

/// The id of tenant `tenant`'s first API key.
fn server_key_id(server: &TestServer, tenant: &str) -> String {
    let out = server.admin(AdminCommand::ApiKeys(ApiKeyCommand::List {
        tenant: Some(tenant.into()),
    }));
    out.split_whitespace()
        .find(|w| w.starts_with("key_"))
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_this_sessions_csrf_token_are_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    let id = incident(&server, &ca, &sa, "GL_LOAD").await;
    let mut one = Browser::new(&server);
    let mut two = Browser::new(&server);
    assert_eq!(one.sign_in(&key).await.status, 303);
    assert_eq!(two.sign_in(&key).await.status, 303);
    let (t1, t2) = (one.csrf().await, two.csrf().await);
    assert_ne!(t1, t2, "one token per session");
    let path = format!("/admin/incidents/{id}/acknowledge");
    for form in [
        vec![],
        vec![("csrf_token", t2.as_str())],
        vec![("csrf_token", "")],
    ] {
        let r = one.post(&path, &form).await;
        assert_eq!(r.status, 403, "{form:?}");
        assert!(r.text.contains("role=\"alert\""));
    }
    let r = one.post("/admin/logout", &[("csrf_token", &t2)]).await;
    assert_eq!(r.status, 403);
    let page = one.get(&format!("/admin/incidents/{id}")).await;
    assert_eq!(page.element("incident-status"), "open", "nothing changed");
    // With its own token it goes through.
    let r = one.post(&path, &[("csrf_token", &t1)]).await;
    assert_eq!(r.status, 303);
    assert_not_logged(&[&key, &sa, &t1, &t2]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_pages_and_ids_are_not_found() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    server.tenant("b", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (cb, sb) = server.connector("b");
    let (_, key_a) = server.api_key("a");
    let (_, key_b) = server.api_key("b");
    let ia = incident(&server, &ca, &sa, "A_JOB").await;
    let ib = incident(&server, &cb, &sb, "B_JOB").await;
    server.admin(admin_command(&[
        "jobs",
        "set",
        "--connector",
        &cb,
        "--source",
        "B_NIGHTLY",
        "--period",
        "1h",
    ]));
    let jobs_b = server.api("GET", "/v1/jobs", &key_b, "").await;
    let job_b = jobs_b.body["data"][0]["id"].as_str().unwrap().to_owned();

    let mut a = Browser::new(&server);
    assert_eq!(a.sign_in(&key_a).await.status, 303);
    let token = a.csrf().await;
    let list = a.get("/admin/incidents").await;
    assert!(list.text.contains(&ia) && !list.text.contains(&ib));
    assert!(!a.get("/admin/connectors").await.text.contains(&cb));
    assert!(!a.get("/admin/jobs").await.text.contains(&job_b));
    for path in [
        format!("/admin/incidents/{ib}"),
        format!("/admin/connectors/{cb}"),
        format!("/admin/jobs/{job_b}"),
        "/admin/incidents/inc_00000000000000000000000000000000".to_owned(),
        "/admin/nowhere".to_owned(),
    ] {
        let r = a.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_security_headers(&r);
    }
    // B's ids in A's forms: 404 too, and B's incident is untouched.
    for action in ["acknowledge", "resolve"] {
        let r = a
            .post(
                &format!("/admin/incidents/{ib}/{action}"),
                &[("csrf_token", &token)],
            )
            .await;
        assert_eq!(r.status, 404, "{action}");
    }
    let r = server
        .api("GET", &format!("/v1/incidents/{ib}"), &key_b, "")
        .await;
    assert_eq!(r.body["status"], "open");
    // B's connector and B's key in A's write forms: 404, nothing changed.
    let key_b_id = server_key_id(&server, "b");
    for path in [
        format!("/admin/connectors/{cb}/rotate"),
        format!("/admin/connectors/{cb}/disable"),
        format!("/admin/api-keys/{key_b_id}/revoke"),
        format!("/admin/incidents/{ib}/reopen"),
        "/admin/alerting/rules/nope/delete".to_owned(),
    ] {
        let r = a.post(&path, &[("csrf_token", &token)]).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
    }
    let r = server
        .api("GET", &format!("/v1/connectors/{cb}"), &key_b, "")
        .await;
    assert_eq!(r.body["enabled"], true);
    assert_eq!(
        server.api("GET", "/v1/incidents", &key_b, "").await.status,
        200
    );
    // A crafted id cannot reach another route.
    let r = a.get("/admin/incidents/..%2F..%2Fusage").await;
    assert_eq!(r.status, 404);
    // The job's own page for its tenant.
    let mut b = Browser::new(&server);
    assert_eq!(b.sign_in(&key_b).await.status, 303);
    let r = b.get(&format!("/admin/jobs/{job_b}")).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("B_NIGHTLY"));
    assert_not_logged(&[&key_a, &key_b, &sa, &sb]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_tls_proxy_cookies_are_secure_and_off_means_404() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(
        dir.path(),
        AdminAppSettings {
            behind_tls_proxy: true,
            ..AdminAppSettings::default()
        },
    )
    .await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");
    let mut browser = Browser::new(&server);
    let login = browser.get("/admin/login").await;
    assert!(login.set_cookies().iter().all(|c| c.contains("; Secure")));
    let r = browser.sign_in(&key).await;
    assert_eq!(r.status, 303);
    let cookies = r.set_cookies();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("erpops_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Secure"] {
        assert!(session.contains(flag), "{session}");
    }
    server.stop().await;

    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(
        dir.path(),
        AdminAppSettings {
            enabled: false,
            ..AdminAppSettings::default()
        },
    )
    .await;
    let mut browser = Browser::new(&server);
    for path in ["/admin", "/admin/login", "/admin/incidents"] {
        assert_eq!(browser.get(path).await.status, 404, "{path}");
    }
    assert_eq!(browser.post("/admin/login", &[]).await.status, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_when_idle_and_at_their_maximum_age() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(
        dir.path(),
        AdminAppSettings {
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(3600),
            ..AdminAppSettings::default()
        },
    )
    .await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");

    // Idle: 31 minutes without a request ends it.
    let mut idle = Browser::new(&server);
    assert_eq!(idle.sign_in(&key).await.status, 303);
    assert_eq!(idle.get("/admin/incidents").await.status, 200);
    erpops_receiver::clock::advance(Duration::from_secs(31 * 60));
    let r = idle.get("/admin/incidents").await;
    assert_eq!(
        (r.status, r.header("location").as_str()),
        (303, "/admin/login?ended=1")
    );
    let r = idle.get("/admin/login?ended=1").await;
    assert!(r.text.contains("role=\"status\""));

    // Absolute: used every 20 minutes, it still ends after an hour.
    let mut busy = Browser::new(&server);
    assert_eq!(busy.sign_in(&key).await.status, 303);
    for _ in 0..2 {
        erpops_receiver::clock::advance(Duration::from_secs(20 * 60));
        assert_eq!(busy.get("/admin/incidents").await.status, 200);
    }
    erpops_receiver::clock::advance(Duration::from_secs(21 * 60));
    let r = busy.get("/admin/incidents").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/admin/login?ended=1");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_key_ends_its_sessions_at_once() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (key_id, key) = server.api_key("a");
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in(&key).await.status, 303);
    assert_eq!(browser.get("/admin/incidents").await.status, 200);
    server.admin(AdminCommand::ApiKeys(ApiKeyCommand::Revoke { id: key_id }));
    let r = browser.get("/admin/incidents").await;
    assert_eq!(
        (r.status, r.header("location").as_str()),
        (303, "/admin/login?ended=1")
    );
    // And the revoked key cannot sign in again.
    let mut other = Browser::new(&server);
    assert_eq!(other.sign_in(&key).await.status, 401);
    assert_not_logged(&[&key]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_after_five_failures() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");
    let mut browser = Browser::new(&server);
    for n in 0..5 {
        let r = browser.sign_in(&format!("erpk_guess_{n}")).await;
        assert_eq!(r.status, 401, "attempt {n}");
    }
    let r = browser.sign_in("erpk_guess_6").await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert!(r.text.contains("role=\"alert\""));
    // Even the right key waits.
    assert_eq!(browser.sign_in(&key).await.status, 429);
    // After the window it may try again.
    erpops_receiver::clock::advance(Duration::from_secs(901));
    assert_eq!(browser.sign_in(&key).await.status, 303);
    assert_not_logged(&[&key]);
    server.stop().await;
}

/// Runs `script` with bash; its stdout, or `None` when bash, curl or
/// openssl is missing.
fn bash(script: &str) -> Option<String> {
    let have = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(have("bash") && have("curl") && have("openssl")) {
        eprintln!("bash, curl or openssl missing: the curl snippet was not run");
        return None;
    }
    let out = std::process::Command::new("bash")
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// HTML text back to the characters it escapes (for a snippet in `<pre>`).
fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

// The write pages: through the REST writes (POST /v1/connectors, rotate,
// disable/enable, /v1/api-keys, rules, silences, reopen), audited as the
// admin app.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_connectors_secret_is_shown_once_and_its_curl_snippet_works() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in(&key).await.status, 303);
    let list = browser.get("/admin/connectors").await;
    let token = list.csrf();
    let created = browser
        .post(
            "/admin/connectors",
            &[("csrf_token", &token), ("name", "Payroll batch")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_security_headers(&created);
    let secret = created.element("one-time-secret");
    assert_eq!(secret.len(), 64);
    let connector = created.element("connector-id");
    for id in [
        "snippet-curl",
        "snippet-cobol",
        "snippet-python",
        "snippet-node",
    ] {
        assert!(created.text.contains(&format!("<pre id=\"{id}\"")), "{id}");
        assert!(
            created.text.contains(&format!("data-copy-target=\"{id}\"")),
            "{id}"
        );
    }
    assert!(created.text.contains("class=\"copy"));
    let curl = unescape(&created.element("snippet-curl"));
    assert!(
        curl.starts_with(&format!("ERPOPS_URL='http://{}'", server.addr)),
        "{curl}"
    );

    // The Python and Node snippets parse (where those tools exist).
    let python = unescape(&created.element("snippet-python"));
    let node = unescape(&created.element("snippet-node"));
    for (tool, args, code) in [
        (
            "python3",
            vec!["-c", "import ast, sys; ast.parse(sys.stdin.read())"],
            &python,
        ),
        ("node", vec!["--check", "-"], &node),
    ] {
        let Ok(mut child) = std::process::Command::new(tool)
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
        else {
            eprintln!("{tool} missing: its snippet was not parsed");
            continue;
        };
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(code.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{tool}: {}\n{code}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The snippet, pasted into bash, gets 202 and opens an incident.
    if let Some(out) = bash(&curl) {
        assert_eq!(out.trim(), "202", "{curl}");
        let incidents = browser.get("/admin/incidents").await;
        assert!(
            incidents.text.contains("PSFT_PAYROLL_BATCH"),
            "{}",
            incidents.text
        );
    }

    // Nowhere else: the connector's pages, the list, a reload.
    browser.get(&format!("/admin/connectors/{connector}")).await;
    browser.get("/admin/connectors").await;
    assert_eq!(browser.answers_holding(&secret), 1);

    // Rotate: a new secret, shown once too; disable and enable.
    let rotated = browser
        .post(
            &format!("/admin/connectors/{connector}/rotate"),
            &[("csrf_token", &token), ("overlap_hours", "1")],
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let second = rotated.element("one-time-secret");
    assert_ne!(second, secret);
    assert!(rotated
        .text
        .contains("The previous secrets keep verifying until 20"));
    let r = browser
        .post(
            &format!("/admin/connectors/{connector}/disable"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = browser.get(&r.header("location")).await;
    assert_eq!(page.element("connector-state"), "disabled");
    let r = browser
        .post(
            &format!("/admin/connectors/{connector}/enable"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = browser.get(&format!("/admin/connectors/{connector}")).await;
    assert_eq!(page.element("connector-state"), "enabled");
    assert_eq!(browser.answers_holding(&secret), 1);
    assert_eq!(browser.answers_holding(&second), 1);
    // Audited as the admin app, without the secrets.
    let audit = server.api("GET", "/v1/audit", &key, "").await;
    assert_eq!(audit.status, 200);
    let rows = audit.body["data"].as_array().unwrap();
    assert!(rows.len() >= 4, "{rows:?}");
    assert!(rows
        .iter()
        .all(|r| r["actor"].as_str().unwrap().starts_with("admin_app:key_")));
    let text = audit.body.to_string();
    assert!(!text.contains(&secret) && !text.contains(&second));
    assert_not_logged(&[&key, &secret, &second]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_shown_once_and_revoking_one_ends_its_session() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (own_id, key) = server.api_key("a");
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in(&key).await.status, 303);
    let page = admin.get("/admin/api-keys").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(&format!("id=\"key-{own_id}\"")));
    let token = page.csrf();
    let created = admin
        .post(
            "/admin/api-keys",
            &[("csrf_token", &token), ("label", "ops laptop")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let new_key = created.element("one-time-key");
    assert!(new_key.starts_with("erpk_"));
    let list = admin.get("/admin/api-keys").await;
    assert!(list.text.contains("ops laptop"));
    assert!(list.text.contains("class=\"revoke-key"));
    assert_eq!(admin.answers_holding(&new_key), 1);

    // The new key signs in elsewhere; revoking it here ends that session.
    let mut laptop = Browser::new(&server);
    assert_eq!(laptop.sign_in(&new_key).await.status, 303);
    assert_eq!(laptop.get("/admin/incidents").await.status, 200);
    let new_id = list
        .text
        .split("id=\"key-")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .find(|id| *id != own_id)
        .unwrap();
    let r = admin
        .post(
            &format!("/admin/api-keys/{new_id}/revoke"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = laptop.get("/admin/incidents").await;
    assert_eq!(r.header("location"), "/admin/login?ended=1");
    // Revoking the key in use signs this session out.
    let r = admin
        .post(
            &format!("/admin/api-keys/{own_id}/revoke"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.header("location"), "/admin/login?ended=1");
    assert_eq!(admin.get("/admin/incidents").await.status, 303);
    assert_not_logged(&[&key, &new_key]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_saved_shown_and_deleted_and_bad_json_is_explained() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(dir.path(), AdminAppSettings::default()).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in(&key).await.status, 303);
    let page = browser.get("/admin/alerting").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let token = page.csrf();
    let r = browser
        .post(
            "/admin/alerting/rules",
            &[
                ("csrf_token", &token),
                ("id", "payroll"),
                ("body", "{not json"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("role=\"alert\"") && r.text.contains("{not json"));
    let r = browser
        .post(
            "/admin/alerting/rules",
            &[
                ("csrf_token", &token),
                ("id", "payroll"),
                (
                    "body",
                    "{\"kinds\": [\"opened\"], \"matchers\": {}, \"channel\": \"log\"}",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = browser.get("/admin/alerting").await;
    assert!(page.text.contains("id=\"rules-payroll\""));
    let silence = format!(
        "{{\"matchers\": {{\"connector_id\": \"{ca}\"}}, \"starts_at\": \"2026-01-01T00:00:00Z\", \"ends_at\": \"2099-01-01T00:00:00Z\"}}"
    );
    let r = browser
        .post(
            "/admin/alerting/silences",
            &[("csrf_token", &token), ("id", "quiet"), ("body", &silence)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = browser
        .post(
            "/admin/alerting/rules/payroll/delete",
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = browser.get("/admin/alerting").await;
    assert!(!page.text.contains("id=\"rules-payroll\""));
    assert!(page.text.contains("id=\"silences-quiet\""));

    // Reopen a resolved incident from its page.
    let id = incident(&server, &ca, &sa, "REOPEN_ME").await;
    for action in ["resolve", "reopen"] {
        let r = browser
            .post(
                &format!("/admin/incidents/{id}/{action}"),
                &[("csrf_token", &token)],
            )
            .await;
        assert_eq!(r.status, 303, "{action}");
    }
    let page = browser.get(&format!("/admin/incidents/{id}")).await;
    assert_eq!(page.element("incident-status"), "open");
    server.stop().await;
}

/// Two receivers on one PostgreSQL database share sessions: signed in
/// through one, the browser is signed in on the other, and signing out on
/// the other ends it on both. Runs where `ERPOPS_TEST_PG` is set
/// (`make test-postgres`); passes without running elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_receivers_on_postgres_share_sessions() {
    let _serial = serial();
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("admin_sessions")) else {
        return;
    };
    let location = erpops_receiver::store::Location::Postgres(url);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut servers = Vec::new();
    for dir in &dirs {
        let settings = Settings {
            store: location.clone(),
            ..common::settings(dir.path())
        };
        let (receiver, _) = erpops_receiver::serve::start(&settings, false)
            .await
            .unwrap();
        servers.push(TestServer {
            addr: receiver.server.addr,
            receiver: Some(receiver),
            data: dir.path().to_path_buf(),
        });
    }
    let (key_id, key) = tokio::task::block_in_place(|| {
        let mut store = location.open().unwrap();
        erpops_receiver::admin::run_on(
            store.as_mut(),
            &admin_command(&["tenants", "create", "acme", "--plan", "free"]),
        )
        .unwrap();
        let out = erpops_receiver::admin::run_on(
            store.as_mut(),
            &admin_command(&["api-keys", "create", "--tenant", "acme", "--label", "ops"]),
        )
        .unwrap();
        let field = |name: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap()
                .trim()
                .to_owned()
        };
        (field("key_id:"), field("api_key:"))
    });
    let mut one = Browser::new(&servers[0]);
    assert_eq!(one.sign_in(&key).await.status, 303);
    let mut two = Browser::new(&servers[1]);
    two.jar = one.jar.clone();
    let page = two.get("/admin/incidents").await;
    assert_eq!(page.status, 200, "the session is the store's");
    assert!(page.text.contains(&key_id));
    let r = two
        .post("/admin/logout", &[("csrf_token", &page.csrf())])
        .await;
    assert_eq!(r.status, 303);
    let r = one.get("/admin/incidents").await;
    assert_eq!(r.header("location"), "/admin/login?ended=1");
    for s in &mut servers {
        s.stop().await;
    }
}
