//! Alerting end to end over real HTTP: rules, heartbeats and silences set
//! with `erpops admin` while the server runs; notifications recorded with
//! their event and delivered by the log and webhook deliverers (signed,
//! verified here with the core), retried then recorded failed, resumed
//! after a restart; `GET /v1/alerts` isolated between tenants; custom plans.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use erpops_core::signature::{verify, Secret};
use erpops_receiver::alerts::DeliveryConfig;
use erpops_receiver::cli::{
    AdminCommand, HeartbeatCommand, MatchArgs, PlanCommand, RuleCommand, SilenceCommand,
    TenantCommand, WebhookCommand,
};
use erpops_receiver::serve::{self, ServeOptions};
use erpops_receiver::store::SqliteStore;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// A webhook endpoint on an ephemeral port: records every request and
/// answers with the current `status`.
struct Hook {
    addr: SocketAddr,
    status: Arc<AtomicU16>,
    seen: Arc<Mutex<Vec<(hyper::HeaderMap, Bytes)>>>,
}

impl Hook {
    async fn start(status: u16) -> Hook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let status = Arc::new(AtomicU16::new(status));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (st, sn) = (status.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (st, sn) = (st.clone(), sn.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (st, sn) = (st.clone(), sn.clone());
                        async move {
                            // The answer is fixed before the request is
                            // visible to the test (no race with a switch).
                            let status = st.load(Ordering::SeqCst);
                            let headers = req.headers().clone();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            sn.lock().unwrap().push((headers, body));
                            let mut r = hyper::Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            Ok::<_, Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Hook { addr, status, seen }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks/erpops", self.addr)
    }

    fn requests(&self) -> Vec<(hyper::HeaderMap, Bytes)> {
        self.seen.lock().unwrap().clone()
    }
}

/// Polls `f` until it returns `Some` (30 s at most: a hang is a failure,
/// not a timing assertion).
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..600 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn rule(tenant: &str, id: &str, channel: &str, kinds: &[&str]) -> AdminCommand {
    AdminCommand::Rules(RuleCommand::Create {
        tenant: tenant.into(),
        id: id.into(),
        name: None,
        channel: channel.into(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        matchers: MatchArgs::default(),
        repeat_secs: None,
        group_wait_secs: None,
    })
}

fn set_webhook(server: &TestServer, tenant: &str, url: &str) -> String {
    let out = server.admin(AdminCommand::Webhooks(WebhookCommand::Set {
        tenant: tenant.into(),
        url: url.into(),
    }));
    out.lines()
        .find_map(|l| l.strip_prefix("secret:"))
        .unwrap()
        .trim()
        .to_owned()
}

async fn alerts(server: &TestServer, key: &str, query: &str) -> Vec<Value> {
    let r = server
        .api("GET", &format!("/v1/alerts{query}"), key, "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

async fn start_with(data: &std::path::Path, options: ServeOptions) -> TestServer {
    let (receiver, _) = serve::start_with(&settings(data), false, options)
        .await
        .unwrap();
    TestServer {
        addr: receiver.server.addr,
        receiver: Some(receiver),
        data: data.to_path_buf(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_gets_a_signed_notification_and_alerts_are_tenant_isolated() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    let hook = Hook::start(204).await;
    server.tenant("a", "free", "redact");
    server.tenant("b", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (cb, sb) = server.connector("b");
    let (_, key_a) = server.api_key("a");
    let (_, key_b) = server.api_key("b");
    let secret = set_webhook(&server, "a", &hook.url());
    server.admin(rule("a", "a-pager", "webhook", &["opened"]));
    server.admin(rule("b", "b-log", "log", &[]));

    let ra = post_signed(&server, &ca, &sa, &body(&ca, "payroll failed")).await;
    assert_eq!(ra.status, 202, "{:?}", ra.body);
    let incident_a = ra.body["incident_id"].as_str().unwrap().to_owned();
    let rb = post_signed(&server, &cb, &sb, &body(&cb, "b failed")).await;
    let incident_b = rb.body["incident_id"].as_str().unwrap().to_owned();

    // The webhook got exactly one notification, signed with the tenant's
    // webhook secret: the core verifies it.
    let (headers, raw) = eventually("the webhook call", || async {
        hook.requests().into_iter().next()
    })
    .await;
    let sig = headers.get("x-erpops-signature").unwrap().as_bytes();
    let key = Secret::new(secret.as_bytes()).unwrap();
    verify(std::slice::from_ref(&key), &raw, Some(sig)).unwrap();
    let wrong = Secret::new(b"not-the-secret").unwrap();
    assert!(verify(&[wrong], &raw, Some(sig)).is_err());
    let payload: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(payload["type"], "erpops.alert.notification");
    assert_eq!(payload["tenant_id"], "a");
    assert_eq!(payload["rule_id"], "a-pager");
    assert_eq!(payload["reason"], "first");
    assert_eq!(payload["incident"]["id"], incident_a.as_str());
    let id = payload["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers.get("x-erpops-notification-id").unwrap(),
        id.as_str()
    );
    assert_eq!(headers.get("content-type").unwrap(), "application/json");

    // /v1/alerts: a sees its notification, delivered after one attempt.
    let seen_a = eventually("a's notification delivered", || async {
        let rows = alerts(&server, &key_a, "").await;
        (rows.len() == 1 && rows[0]["delivery"]["state"] == "delivered").then_some(rows)
    })
    .await;
    assert_eq!(seen_a[0]["id"], id.as_str());
    assert_eq!(seen_a[0]["incident_id"], incident_a.as_str());
    assert_eq!(seen_a[0]["channel"], "webhook");
    assert_eq!(seen_a[0]["delivery"]["attempts"], 1);
    assert!(seen_a[0]["delivery"]["delivered_at"].is_string());

    // b's rule (log channel, all kinds) notified about b's incident only;
    // a's rule never notified about b's incident and vice versa.
    let seen_b = eventually("b's notification delivered", || async {
        let rows = alerts(&server, &key_b, "").await;
        (rows.len() == 1 && rows[0]["delivery"]["state"] == "delivered").then_some(rows)
    })
    .await;
    assert_eq!(seen_b[0]["incident_id"], incident_b.as_str());
    assert_eq!(seen_b[0]["rule_id"], "b-log");
    assert_eq!(seen_b[0]["channel"], "log");
    assert!(alerts(&server, &key_a, &format!("?incident={incident_b}"))
        .await
        .is_empty());
    assert!(alerts(&server, &key_b, &format!("?incident={incident_a}"))
        .await
        .is_empty());
    assert_eq!(hook.requests().len(), 1);

    // Filters and their validation.
    assert_eq!(alerts(&server, &key_a, "?state=delivered").await.len(), 1);
    assert!(alerts(&server, &key_a, "?state=failed").await.is_empty());
    assert!(alerts(&server, &key_a, "?reason=resolved").await.is_empty());
    let r = server.api("GET", "/v1/alerts?state=lost", &key_a, "").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("invalid_parameter"))
    );
    let r = server.api("GET", "/v1/alerts?colour=red", &key_a, "").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("unknown_parameter"))
    );
    let r = server.api("GET", "/v1/alerts", "erpk_nope", "").await;
    assert_eq!(r.status, 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_destination_is_retried_with_the_same_bytes_then_recorded_failed() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        delivery: DeliveryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(80),
            batch: 8,
        },
        ..ServeOptions::default()
    };
    let mut server = start_with(dir.path(), options).await;
    let hook = Hook::start(500).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    set_webhook(&server, "a", &hook.url());
    server.admin(rule("a", "pager", "webhook", &[]));
    let r = post_signed(&server, &ca, &sa, &body(&ca, "failed")).await;
    assert_eq!(r.status, 202);

    let row = eventually("the notification to fail", || async {
        let rows = alerts(&server, &key, "?state=failed").await;
        rows.into_iter().next()
    })
    .await;
    assert_eq!(row["delivery"]["attempts"], 3);
    assert_eq!(row["delivery"]["last_error"], "HTTP 500");
    assert!(row["delivery"]["next_attempt_at"].is_null());
    let requests = hook.requests();
    assert_eq!(requests.len(), 3, "three attempts, then no more");
    for (n, (headers, raw)) in requests.iter().enumerate() {
        assert_eq!(raw, &requests[0].1, "every attempt sends the same bytes");
        assert_eq!(
            headers.get("x-erpops-notification-id").unwrap(),
            row["id"].as_str().unwrap()
        );
        assert_eq!(
            headers.get("x-erpops-delivery-attempt").unwrap(),
            (n + 1).to_string().as_str()
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_that_recovers_gets_the_notification_on_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        delivery: DeliveryConfig {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(80),
            batch: 8,
        },
        ..ServeOptions::default()
    };
    let mut server = start_with(dir.path(), options).await;
    let hook = Hook::start(503).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    set_webhook(&server, "a", &hook.url());
    server.admin(rule("a", "pager", "webhook", &[]));
    let r = post_signed(&server, &ca, &sa, &body(&ca, "failed")).await;
    assert_eq!(r.status, 202);
    eventually("the first attempt", || async {
        (!hook.requests().is_empty()).then_some(())
    })
    .await;
    hook.status.store(200, Ordering::SeqCst);
    let row = eventually("delivery on a retry", || async {
        alerts(&server, &key, "?state=delivered")
            .await
            .into_iter()
            .next()
    })
    .await;
    let attempts = row["delivery"]["attempts"].as_i64().unwrap();
    assert!(attempts >= 2, "{row}");
    assert_eq!(hook.requests().len(), usize::try_from(attempts).unwrap());
    assert_eq!(row["delivery"]["last_error"], "HTTP 503");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_notifications_are_delivered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Hook::start(200).await;
    // First run: notifications are recorded but nothing delivers them
    // (as if the process died right after the commit).
    let options = ServeOptions {
        deliver: false,
        ..ServeOptions::default()
    };
    let mut server = start_with(dir.path(), options).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    let secret = set_webhook(&server, "a", &hook.url());
    server.admin(rule("a", "pager", "webhook", &["opened"]));
    let r = post_signed(&server, &ca, &sa, &body(&ca, "failed")).await;
    assert_eq!(r.status, 202);
    // Recorded in the event's transaction: visible as soon as the 202 is.
    let rows = alerts(&server, &key, "").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["delivery"]["state"], "pending");
    assert_eq!(rows[0]["delivery"]["attempts"], 0);
    server.stop().await;
    assert!(hook.requests().is_empty());

    let mut server = start(dir.path()).await;
    let rows = eventually("delivery after restart", || async {
        let rows = alerts(&server, &key, "?state=delivered").await;
        (!rows.is_empty()).then_some(rows)
    })
    .await;
    assert_eq!(rows.len(), 1);
    let requests = hook.requests();
    assert_eq!(requests.len(), 1);
    let sig = requests[0].0.get("x-erpops-signature").unwrap().as_bytes();
    verify(
        &[Secret::new(secret.as_bytes()).unwrap()],
        &requests[0].1,
        Some(sig),
    )
    .unwrap();
    // Another event on the same open incident is no new transition.
    let r = post_signed(&server, &ca, &sa, &body(&ca, "failed again")).await;
    assert_eq!(r.status, 202);
    assert_eq!(alerts(&server, &key, "").await.len(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_heartbeat_fires_through_tick_and_a_sign_of_life_resolves_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    server.admin(rule("a", "beats", "log", &["missed_run", "resolved"]));
    // Set while the server runs: the writer picks the new generation up.
    server.admin(AdminCommand::Heartbeats(HeartbeatCommand::Create {
        connector: ca.clone(),
        source: "NIGHTLY_GL".into(),
        period_secs: 1,
        grace_secs: 0,
        severity: "critical".into(),
    }));
    let listed = server.admin(AdminCommand::Heartbeats(HeartbeatCommand::List {
        tenant: Some("a".into()),
    }));
    assert!(
        listed.contains("NIGHTLY_GL\t1\t0\tcritical\tfalse"),
        "{listed}"
    );

    // Nobody sends: the engine's timer fires and the writer's tick opens a
    // missed-run incident and records its notification.
    let missed = eventually("the missed-run notification", || async {
        alerts(&server, &key, "?reason=missed_run")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(missed["rule_id"], "beats");
    assert_eq!(missed["incident"]["source"], "NIGHTLY_GL");
    assert_eq!(missed["incident"]["severity"], "critical");
    let incident = missed["incident_id"].as_str().unwrap().to_owned();
    let r = server
        .api("GET", &format!("/v1/incidents/{incident}"), &key, "")
        .await;
    assert_eq!(r.status, 200);

    // A run of the job is a sign of life: it resolves the missed-run
    // incident, and the rule hears about it.
    let body = format!(
        "{{\"connector_id\":\"{ca}\",\"event_type\":\"integration.succeeded\",\"timestamp\":\"{}\",\"severity\":\"info\",\"source\":\"NIGHTLY_GL\",\"message\":\"ran\"}}",
        now_rfc3339()
    );
    let r = post_signed(&server, &ca, &sa, &body).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let resolved = eventually("the resolved notification", || async {
        alerts(
            &server,
            &key,
            &format!("?reason=resolved&incident={incident}"),
        )
        .await
        .into_iter()
        .next()
    })
    .await;
    assert_eq!(resolved["incident"]["status"], "resolved");
    // Paused while running: the engine drops its deadline (read back
    // from the engine state the writer saves).
    server.admin(AdminCommand::Heartbeats(HeartbeatCommand::Pause {
        connector: ca.clone(),
        source: "NIGHTLY_GL".into(),
    }));
    let engine_heartbeats = || {
        let mut store = SqliteStore::open(&server.data).unwrap();
        let state = erpops_receiver::store::WriterStore::load_alert_state(&mut store)
            .unwrap()
            .unwrap();
        state["heartbeats"].as_array().unwrap().clone()
    };
    eventually("the pause to reach the engine", || async {
        let beats = engine_heartbeats();
        (beats.len() == 1
            && beats[0]["heartbeat"]["paused"] == true
            && beats[0]["deadline"].is_null())
        .then_some(())
    })
    .await;
    // Deleted while running: no more deadlines for it.
    server.admin(AdminCommand::Heartbeats(HeartbeatCommand::Delete {
        connector: ca.clone(),
        source: "NIGHTLY_GL".into(),
    }));
    let listed = server.admin(AdminCommand::Heartbeats(HeartbeatCommand::List {
        tenant: None,
    }));
    assert!(!listed.contains("NIGHTLY_GL"), "{listed}");
    eventually("the deletion to reach the engine", || async {
        engine_heartbeats().is_empty().then_some(())
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_holds_notifications_until_it_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    server.admin(rule("a", "pager", "log", &["opened"]));
    server.admin(AdminCommand::Silences(SilenceCommand::Create {
        id: "maint".into(),
        matchers: MatchArgs {
            connector: Some(ca.clone()),
            ..MatchArgs::default()
        },
        starts_at: None,
        ends_at: None,
        duration_secs: Some(3600),
        comment: Some("GL upgrade".into()),
    }));
    let listed = server.admin(AdminCommand::Silences(SilenceCommand::List));
    assert!(
        listed.contains("maint") && listed.contains("GL upgrade"),
        "{listed}"
    );
    let r = post_signed(&server, &ca, &sa, &body(&ca, "failed")).await;
    assert_eq!(r.status, 202);
    assert!(alerts(&server, &key, "").await.is_empty(), "silenced");

    // What the silence holds is engine state saved with the event: it
    // survives a restart.
    server.stop().await;
    let mut server = start(dir.path()).await;
    assert!(alerts(&server, &key, "").await.is_empty(), "still silenced");

    // Deleting the silence releases what it held.
    server.admin(AdminCommand::Silences(SilenceCommand::Delete {
        id: "maint".into(),
    }));
    let rows = eventually("the released notification", || async {
        let rows = alerts(&server, &key, "").await;
        (!rows.is_empty()).then_some(rows)
    })
    .await;
    assert_eq!(rows[0]["incident_id"], r.body["incident_id"]);
    server.stop().await;
}

#[test]
fn admin_refuses_bad_alert_configuration_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let mut run = |c: AdminCommand| erpops_receiver::admin::run_on(&mut store, &c);
    run(AdminCommand::Tenants(TenantCommand::Create {
        id: "a".into(),
        name: None,
        plan: "free".into(),
        pii: "redact".into(),
    }))
    .unwrap();
    let e = run(rule("a", "r", "pager", &[])).unwrap_err();
    assert!(e.contains("unknown channel"), "{e}");
    let e = run(rule("a", "r", "log", &["exploded"])).unwrap_err();
    assert!(e.contains("unknown transition"), "{e}");
    let e = run(rule("nobody", "r", "log", &[])).unwrap_err();
    assert!(e.contains("tenant"), "{e}");
    let out = run(rule("a", "r", "webhook", &["opened", "resolved"])).unwrap();
    assert!(out.contains("no webhook destination"), "{out}");
    let listed = run(AdminCommand::Rules(RuleCommand::List { tenant: None })).unwrap();
    assert!(
        listed.contains("r\ta\twebhook\topened,resolved\t*"),
        "{listed}"
    );
    run(AdminCommand::Rules(RuleCommand::Delete { id: "r".into() })).unwrap();
    let e = run(AdminCommand::Rules(RuleCommand::Delete { id: "r".into() })).unwrap_err();
    assert!(e.contains("no rule"), "{e}");
    let e = run(AdminCommand::Webhooks(WebhookCommand::Set {
        tenant: "a".into(),
        url: "ftp://example.com/hook".into(),
    }))
    .unwrap_err();
    assert!(e.contains("https://"), "{e}");
    let e = run(AdminCommand::Heartbeats(HeartbeatCommand::Create {
        connector: "not-a-uuid".into(),
        source: "X".into(),
        period_secs: 60,
        grace_secs: 0,
        severity: "error".into(),
    }))
    .unwrap_err();
    assert!(e.contains("UUID"), "{e}");
    let e = run(AdminCommand::Heartbeats(HeartbeatCommand::Create {
        connector: uuid::Uuid::nil().to_string(),
        source: "X".into(),
        period_secs: 0,
        grace_secs: 0,
        severity: "error".into(),
    }))
    .unwrap_err();
    assert!(e.contains("positive"), "{e}");
    let e = run(AdminCommand::Heartbeats(HeartbeatCommand::Pause {
        connector: uuid::Uuid::nil().to_string(),
        source: "X".into(),
    }))
    .unwrap_err();
    assert!(e.contains("no heartbeat"), "{e}");
    let e = run(AdminCommand::Silences(SilenceCommand::Create {
        id: "s".into(),
        matchers: MatchArgs::default(),
        starts_at: Some("2026-01-02T00:00:00Z".into()),
        ends_at: Some("2026-01-01T00:00:00Z".into()),
        duration_secs: None,
        comment: None,
    }))
    .unwrap_err();
    assert!(e.contains("end after it starts"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_plans_are_assignable_and_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    let out = server.admin(AdminCommand::Plans(PlanCommand::Create {
        name: "pilot".into(),
        events_per_day: "2".into(),
        ai_queries_per_month: "unlimited".into(),
    }));
    assert!(
        out.contains("2 events/day, unlimited AI queries/month"),
        "{out}"
    );
    let listed = server.admin(AdminCommand::Plans(PlanCommand::List));
    assert!(listed.contains("pilot\t2\tunlimited"), "{listed}");
    {
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let e = erpops_receiver::admin::run_on(
            &mut store,
            &AdminCommand::Plans(PlanCommand::Create {
                name: "free".into(),
                events_per_day: "5".into(),
                ai_queries_per_month: "0".into(),
            }),
        )
        .unwrap_err();
        assert!(e.contains("built-in"), "{e}");
        let e = erpops_receiver::admin::run_on(
            &mut store,
            &AdminCommand::Tenants(TenantCommand::Plan {
                id: "x".into(),
                plan: "platinum".into(),
            }),
        )
        .unwrap_err();
        assert!(e.contains("unknown plan"), "{e}");
    }
    server.tenant("p", "pilot", "redact");
    let (c, s) = server.connector("p");
    let (_, key) = server.api_key("p");
    for n in 0..2 {
        let r = post_signed(&server, &c, &s, &body(&c, &format!("event {n}"))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    let r = post_signed(&server, &c, &s, &body(&c, "one too many")).await;
    assert_eq!(r.status, 429, "{:?}", r.body);
    let usage = server.api("GET", "/v1/usage", &key, "").await;
    assert_eq!(usage.body["plan"], "pilot");
    assert_eq!(usage.body["metrics"][0]["limit"], 2);
    // Moving the tenant to a named plan applies to the next request.
    server.admin(AdminCommand::Tenants(TenantCommand::Plan {
        id: "p".into(),
        plan: "professional".into(),
    }));
    let r = post_signed(&server, &c, &s, &body(&c, "now allowed")).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    server.stop().await;
}

#[test]
fn openapi_describes_alerts() {
    let spec = include_str!("../../docs/openapi.yaml");
    assert!(spec.contains("\n  /v1/alerts:\n"));
    assert!(spec.contains("\n    Notification:\n"));
    assert!(spec.contains("\n    WebhookNotification:\n"));
}

#[test]
fn the_alert_admin_command_lines_parse() {
    use clap::{CommandFactory, Parser};
    use erpops_receiver::cli::{Cli, Command};
    Cli::command().debug_assert();
    let parse = |line: &str| match Cli::try_parse_from(line.split_whitespace()) {
        Ok(Cli {
            command: Command::Admin(a),
        }) => a.command,
        other => panic!("{line}: {other:?}"),
    };
    match parse(
        "erpops admin rules create --tenant a --id p --channel webhook --kinds opened,missed_run \
         --source PSFT_* --min-severity error --repeat-secs 3600",
    ) {
        AdminCommand::Rules(RuleCommand::Create {
            kinds,
            matchers,
            repeat_secs,
            ..
        }) => {
            assert_eq!(kinds, ["opened", "missed_run"]);
            assert_eq!(matchers.source.as_deref(), Some("PSFT_*"));
            assert_eq!(repeat_secs, Some(3600));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse("erpops admin silences create --id m --duration-secs 600 --connector x"),
        AdminCommand::Silences(SilenceCommand::Create {
            duration_secs: Some(600),
            ..
        })
    ));
    assert!(Cli::try_parse_from(["erpops", "admin", "silences", "create", "--id", "m"]).is_err());
    assert!(matches!(
        parse("erpops admin heartbeats create --connector c --source S --period-secs 86400 --grace-secs 3600"),
        AdminCommand::Heartbeats(HeartbeatCommand::Create { period_secs: 86400, grace_secs: 3600, .. })
    ));
    assert!(matches!(
        parse("erpops admin webhooks set --tenant a --url http://127.0.0.1:9/h"),
        AdminCommand::Webhooks(WebhookCommand::Set { .. })
    ));
    assert!(matches!(
        parse("erpops admin plans create pilot --events-per-day 500"),
        AdminCommand::Plans(PlanCommand::Create { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_incident_is_notified_again_by_the_repeat_timer() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    server.admin(AdminCommand::Rules(RuleCommand::Create {
        tenant: "a".into(),
        id: "nag".into(),
        name: None,
        channel: "log".into(),
        kinds: Vec::new(),
        matchers: MatchArgs {
            min_severity: Some("error".into()),
            ..MatchArgs::default()
        },
        repeat_secs: Some(1),
        group_wait_secs: None,
    }));
    let r = post_signed(&server, &ca, &sa, &body(&ca, "failed")).await;
    assert_eq!(r.status, 202);
    let incident = r.body["incident_id"].as_str().unwrap().to_owned();
    // The engine's repeat timer comes due; the writer's tick records it.
    let repeat = eventually("the repeat notification", || async {
        alerts(&server, &key, "?reason=repeat_elapsed")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(repeat["incident_id"], incident.as_str());
    let first = alerts(&server, &key, "?reason=first").await;
    assert_eq!(first.len(), 1);
    // The cursor walks to the next page without repeating a row.
    let page = server.api("GET", "/v1/alerts?limit=1", &key, "").await;
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let next = server
        .api(
            "GET",
            &format!("/v1/alerts?limit=1&cursor={cursor}"),
            &key,
            "",
        )
        .await;
    assert_eq!(next.status, 200);
    assert!(next.body["data"][0]["id"].is_string());
    assert_ne!(page.body["data"][0]["id"], next.body["data"][0]["id"]);
    server.stop().await;
}
