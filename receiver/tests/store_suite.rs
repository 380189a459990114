//! The storage suite, generic over a store constructor: every case runs
//! against SQLite (always) and PostgreSQL (when `ERPOPS_TEST_PG` holds the
//! URL of a server this suite may create databases on, as
//! `make test-postgres` sets it; otherwise the PostgreSQL cases pass
//! without running and say so on stderr).
//!
//! Each PostgreSQL case gets a fresh database, so cases run in parallel
//! and each starts from the migrations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use erpops_core::alert::{
    AlertConfig, AlertEngine, AlertRule, Heartbeat, Job, JobKey, MaintenanceWindow, Silence,
};
use erpops_core::event::{Event, Metadata, Severity};
use erpops_core::incident::{CorrelationKey, IncidentModel};
use erpops_core::pii::PiiPolicy;
use erpops_core::quota::{Decision, Limit, Plan};
use erpops_core::Timestamp;
use erpops_receiver::store::alerts::{
    AlertFilter, Attempt, CustomPlan, NewNotification, WebhookRow,
};
use erpops_receiver::store::{
    AnyStore, AuditRow, ConfigKind, Cursor, EngineScope, EventFilter, Location, NewEvent, PgStore,
    Prunable, StoreError, StoredAnswer,
};
use uuid::Uuid;

const CONNECTOR: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

/// What keeps a store's backing alive for the length of a case.
enum Backing {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Db,
}

/// A fresh PostgreSQL database on the test server, or `None` (skip).
fn pg_location() -> Option<Location> {
    let Ok(admin) = std::env::var("ERPOPS_TEST_PG") else {
        eprintln!("ERPOPS_TEST_PG not set: PostgreSQL case skipped (make test-postgres runs it)");
        return None;
    };
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("erpops_t_{}_{nanos}_{n}", std::process::id());
    let mut client = ::postgres::Client::connect(&admin, ::postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    Some(Location::Postgres(format!("{base}/{name}")))
}

fn open(kind: &str) -> Option<(Location, Backing)> {
    match kind {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let loc = Location::Sqlite(dir.path().to_path_buf());
            Some((loc, Backing::Dir(dir)))
        }
        _ => pg_location().map(|l| (l, Backing::Db)),
    }
}

/// Runs `$case(store, location)` once per engine.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $case() { super::run("sqlite", super::$case) })*
        }
        mod postgres {
            $(#[test] fn $case() { super::run("postgres", super::$case) })*
        }
    };
}

fn run(kind: &str, case: fn(&mut dyn AnyStore, &Location)) {
    let Some((loc, _backing)) = open(kind) else {
        return;
    };
    let mut store = loc.open().unwrap();
    case(store.as_mut(), &loc);
}

suite!(
    migrations_are_idempotent,
    tenants_and_connectors,
    secrets_rotate_and_expire,
    quota_is_the_conditional_upsert,
    events_replay_and_listing,
    rollback_discards_the_group,
    incident_keys_and_effects,
    alert_configuration,
    notifications_are_delivered_and_retried,
    api_keys,
    engine_lock_reports_other_writers_changes,
    due_notifications_are_claimed_once,
    alert_key_rows_restore_every_key,
    retention_deletes_expired_rows_in_bounded_batches,
    job_rows_and_job_configuration,
    rest_write_rows,
    ai_queries_are_charged_and_events_counted_by_day,
);

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_790_000_000)
}

fn later(t: Timestamp, secs: u64) -> Timestamp {
    t.checked_add(Duration::from_secs(secs)).unwrap()
}

/// A connector id no case creates.
fn other() -> Uuid {
    Uuid::from_u128(0x0bad_0bad_0bad_4bad_8bad_0bad_0bad_0bad)
}

fn cid() -> Uuid {
    Uuid::parse_str(CONNECTOR).unwrap()
}

fn event(source: &str, at: Timestamp) -> Event {
    Event {
        connector_id: cid(),
        event_type: "integration.failed".into(),
        timestamp: at,
        severity: Severity::Error,
        source: Some(source.into()),
        message: Some("Exit code 1".into()),
        metadata: Metadata::new(),
    }
}

fn seed(store: &mut dyn AnyStore) {
    store
        .create_tenant("t1", "Tenant One", "free", PiiPolicy::Redact, now())
        .unwrap();
    store
        .create_connector(&cid(), "t1", "SAP", "s3cret-one", now())
        .unwrap();
}

fn migrations_are_idempotent(store: &mut dyn AnyStore, loc: &Location) {
    seed(store);
    // A second receiver (or an admin command) opening the same store
    // migrates nothing again and sees the same rows.
    let mut again = loc.open().unwrap();
    assert_eq!(again.tenants().unwrap().len(), 1);
    if let Location::Postgres(url) = loc {
        let mut pg = PgStore::open(url).unwrap();
        let newest = erpops_receiver::store::migrate::POSTGRES_MIGRATIONS
            .iter()
            .map(|(v, _)| *v)
            .max();
        assert_eq!(Some(pg.migrate().unwrap()), newest);
    }
}

fn tenants_and_connectors(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    let err = store
        .create_tenant("t1", "again", "free", PiiPolicy::Allow, now())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Exists { what: "tenant", .. }),
        "{err}"
    );
    let err = store
        .create_connector(&other(), "nobody", "x", "s", now())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: "tenant", .. }),
        "{err}"
    );
    let err = store
        .create_connector(&cid(), "t1", "dup", "s", now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Exists {
                what: "connector",
                ..
            }
        ),
        "{err}"
    );

    let (record, tenant) = store.records(&cid()).unwrap();
    let record = record.unwrap();
    assert_eq!(record.tenant_id, "t1");
    assert!(record.enabled);
    assert_eq!(record.secrets.len(), 1);
    let tenant = tenant.unwrap();
    assert_eq!(tenant.pii_policy, PiiPolicy::Redact);
    assert!(!tenant.suspended);
    let (record, tenant) = store.records(&other()).unwrap();
    assert!(record.is_none() && tenant.is_none());

    store.set_plan("t1", "enterprise").unwrap();
    store.set_suspended("t1", true).unwrap();
    store.set_connector_enabled(&cid(), false).unwrap();
    let (record, tenant) = store.records(&cid()).unwrap();
    assert!(!record.unwrap().enabled);
    assert!(tenant.unwrap().suspended);
    let rows = store.tenants().unwrap();
    assert_eq!(rows[0].plan, "enterprise");
    assert!(rows[0].suspended);
    assert!(matches!(
        store.set_plan("nobody", "free"),
        Err(StoreError::NotFound { .. })
    ));
    let listed = store.connectors(Some("t1"), now()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, cid());
    assert_eq!(listed[0].active_secrets, 1);
    assert!(store.connectors(Some("t2"), now()).unwrap().is_empty());
    assert_eq!(store.connectors(None, now()).unwrap().len(), 1);
    assert_eq!(
        store.connector_tenant(&cid()).unwrap().as_deref(),
        Some("t1")
    );

    assert_eq!(store.demo().unwrap(), None);
    store.set_demo("t1", &cid()).unwrap();
    assert_eq!(store.demo().unwrap(), Some(("t1".to_owned(), cid())));
}

fn secrets_rotate_and_expire(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    let overlap_end = later(now(), 3600);
    store
        .rotate_secret(&cid(), "s3cret-two", overlap_end, later(now(), 1))
        .unwrap();
    assert_eq!(
        store.active_secrets(&cid(), later(now(), 2)).unwrap(),
        vec!["s3cret-two".to_owned(), "s3cret-one".to_owned()]
    );
    assert_eq!(
        store.active_secrets(&cid(), overlap_end).unwrap(),
        vec!["s3cret-two".to_owned()]
    );
    assert!(matches!(
        store.rotate_secret(&other(), "x", overlap_end, now()),
        Err(StoreError::NotFound { .. })
    ));
}

fn quota_is_the_conditional_upsert(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    let plan = CustomPlan {
        inbound_events: Limit::Finite(3),
        ai_queries: Limit::Unlimited,
    };
    store.create_plan("tiny", plan, now()).unwrap();
    assert!(matches!(
        store.create_plan("tiny", plan, now()),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(store.plans().unwrap(), vec![("tiny".to_owned(), plan)]);
    store.set_plan("t1", "tiny").unwrap();
    let (_, tenant) = store.records(&cid()).unwrap();
    let plan = tenant.unwrap().plan;
    assert_eq!(
        plan,
        Plan::Custom {
            inbound_events: Limit::Finite(3),
            ai_queries: Limit::Unlimited
        }
    );

    store.begin().unwrap();
    let decisions: Vec<Decision> = (0..4)
        .map(|_| store.consume_event_quota("t1", plan, now()).unwrap())
        .collect();
    store.commit().unwrap();
    let allowed = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Allowed { .. }))
        .count();
    assert_eq!(allowed, 3, "{decisions:?}");
    assert!(matches!(
        decisions[3],
        Decision::Denied { remaining: 0, .. }
    ));
    let (_, counter) = store.lookup_state("t1", None, now()).unwrap();
    assert_eq!(counter.unwrap().used, 3);
    // The next day is a new window.
    let tomorrow = later(now(), 86_400);
    assert!(matches!(
        store.consume_event_quota("t1", plan, tomorrow).unwrap(),
        Decision::Allowed { .. }
    ));
    let usage = store.usage("t1", now()).unwrap();
    assert_eq!(usage["metrics"][0]["used"], 3);
    assert_eq!(usage["metrics"][0]["limit"], 3);
    // Yesterday's row goes once the window ended.
    store.prune(tomorrow).unwrap();
    let (_, counter) = store.lookup_state("t1", None, now()).unwrap();
    assert_eq!(counter, None);
}

fn insert(store: &mut dyn AnyStore, id: &str, ev: &Event, received: Timestamp) {
    store
        .insert_event(&NewEvent {
            event_id: id,
            tenant_id: "t1",
            event: ev,
            raw_body: Some(b"{\"raw\":true}"),
            incident_id: Some("inc_1"),
            replay_expires_at: Some(later(received, 600)),
            received_at: received,
        })
        .unwrap();
}

fn events_replay_and_listing(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    let ev = event("ORDERS", now());
    store.begin().unwrap();
    for i in 0..5u64 {
        insert(store, &format!("evt_{i}"), &ev, later(now(), i));
    }
    store.commit().unwrap();
    assert_eq!(store.event_count("t1").unwrap(), 5);
    assert_eq!(store.event_count("t2").unwrap(), 0);

    let (replay, _) = store
        .lookup_state("t1", Some(("evt_2", ev.timestamp)), now())
        .unwrap();
    assert_eq!(replay, Some(later(now(), 602)));
    let (replay, _) = store
        .lookup_state("t1", Some(("evt_9", ev.timestamp)), now())
        .unwrap();
    assert_eq!(replay, None);

    let filter = EventFilter::default();
    let page = store.list_events("t1", &filter, None, 2).unwrap();
    let ids: Vec<&str> = page.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["evt_4", "evt_3"]);
    assert_eq!(page[0].json["incident_id"], "inc_1");
    assert_eq!(page[0].json["event"]["source"], "ORDERS");
    let last = page.last().unwrap();
    let cursor = Cursor {
        at: last.at,
        id: last.id.clone(),
    };
    let next = store.list_events("t1", &filter, Some(&cursor), 10).unwrap();
    let ids: Vec<&str> = next.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["evt_2", "evt_1", "evt_0"]);
    let none = EventFilter {
        source: Some("OTHER".into()),
        ..EventFilter::default()
    };
    assert!(store.list_events("t1", &none, None, 10).unwrap().is_empty());
    let since = EventFilter {
        since: Some(later(now(), 3)),
        ..EventFilter::default()
    };
    assert_eq!(store.list_events("t1", &since, None, 10).unwrap().len(), 2);
    assert!(store
        .list_events("t2", &filter, None, 10)
        .unwrap()
        .is_empty());
}

fn rollback_discards_the_group(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    let ev = event("ORDERS", now());
    store.begin().unwrap();
    insert(store, "evt_gone", &ev, now());
    store.consume_event_quota("t1", Plan::Free, now()).unwrap();
    store.rollback().unwrap();
    assert_eq!(store.event_count("t1").unwrap(), 0);
    let (_, counter) = store.lookup_state("t1", None, now()).unwrap();
    assert_eq!(counter, None);
    // Rolling back with nothing open is harmless.
    store.rollback().unwrap();
    store.ping().unwrap();
}

fn incident_keys_and_effects(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    assert_eq!(store.load_incident_model().unwrap(), None);
    let t = now();
    let mut model = IncidentModel::default();
    let a = event("A", t);
    let b = event("B", t);
    let mut effects = model.ingest(&a, "evt_a", t);
    effects.extend(model.ingest(&b, "evt_b", t));
    let (ka, kb) = (CorrelationKey::of(&a), CorrelationKey::of(&b));
    store.begin().unwrap();
    store.record_incident_effects(&effects, t).unwrap();
    store
        .write_incident_keys(&[
            (ka.clone(), model.key_snapshot(&ka)),
            (kb.clone(), model.key_snapshot(&kb)),
        ])
        .unwrap();
    store.commit().unwrap();
    assert_eq!(
        store.load_incident_model().unwrap().unwrap(),
        model.snapshot()
    );

    let incident_id = effects[0].incident().id.clone();
    assert_eq!(
        store.incident_tenant(&incident_id).unwrap().as_deref(),
        Some("t1")
    );
    let record = store.incident("t1", &incident_id).unwrap().unwrap();
    assert_eq!(record["id"], incident_id.as_str());
    assert_eq!(store.incident("t2", &incident_id).unwrap(), None);
    let listed = store
        .list_incidents("t1", &Default::default(), None, 10)
        .unwrap();
    assert_eq!(listed.len(), 2);
    let by_source = erpops_receiver::store::IncidentFilter {
        source: Some("B".into()),
        ..Default::default()
    };
    let listed = store.list_incidents("t1", &by_source, None, 10).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].json["source"], "B");

    store.begin().unwrap();
    store.write_incident_keys(&[(kb.clone(), None)]).unwrap();
    store.commit().unwrap();
    let keys = store.load_incident_model().unwrap().unwrap().keys;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key, ka);

    let mut quiet = model.key_snapshot(&ka).unwrap();
    let forget_at = later(t, 3600);
    quiet.state.forget_at = Some(forget_at);
    store
        .write_incident_keys(&[(ka.clone(), Some(quiet))])
        .unwrap();
    store.prune(t).unwrap();
    assert_eq!(store.load_incident_model().unwrap().unwrap().keys.len(), 1);
    store.prune(forget_at).unwrap();
    assert_eq!(store.load_incident_model().unwrap(), None);

    // Replacing the model replaces every row.
    store.save_incident_model(&model.snapshot()).unwrap();
    assert_eq!(
        store.load_incident_model().unwrap().unwrap(),
        model.snapshot()
    );
}

fn rule(id: &str) -> AlertRule {
    serde_json::from_value(serde_json::json!({"id": id, "name": "all", "channel": "log"})).unwrap()
}

fn alert_configuration(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    store
        .create_tenant("t2", "Two", "free", PiiPolicy::Allow, now())
        .unwrap();
    let g0 = store.config_generation().unwrap();
    store.put_rule("t1", &rule("r1"), now()).unwrap();
    assert!(matches!(
        store.put_rule("t2", &rule("r1"), now()),
        Err(StoreError::Exists { .. })
    ));
    assert!(matches!(
        store.put_rule("nobody", &rule("r2"), now()),
        Err(StoreError::NotFound { .. })
    ));
    let silence = Silence {
        id: "s1".into(),
        matchers: Default::default(),
        starts_at: now(),
        ends_at: later(now(), 60),
        comment: None,
    };
    store.put_silence(&silence, now()).unwrap();
    let heartbeat: Heartbeat = serde_json::from_value(serde_json::json!({
        "connector_id": CONNECTOR, "source": "NIGHTLY", "period": 3600, "grace": 60
    }))
    .unwrap();
    store.put_heartbeat(&heartbeat, now()).unwrap();
    let config = store.alert_config().unwrap();
    assert_eq!(config.generation, g0 + 3);
    assert_eq!(config.rules.len(), 1);
    assert_eq!(config.rules[0].tenant_id, "t1");
    assert_eq!(config.rules[0].rule, rule("r1"));
    assert_eq!(config.silences, vec![silence]);
    assert_eq!(config.heartbeats, vec![heartbeat]);

    store.delete_rule("r1").unwrap();
    assert!(matches!(
        store.delete_rule("r1"),
        Err(StoreError::NotFound { .. })
    ));
    store.delete_silence("s1").unwrap();
    store.delete_heartbeat(&cid(), "NIGHTLY").unwrap();
    let config = store.alert_config().unwrap();
    assert_eq!(config.generation, g0 + 6);
    assert!(config.rules.is_empty() && config.silences.is_empty());
    assert!(config.heartbeats.is_empty());

    let hook = WebhookRow {
        tenant_id: "t1".into(),
        url: "http://127.0.0.1:9/hook".into(),
        secret: "whsec".into(),
    };
    store.put_webhook(&hook, now()).unwrap();
    assert_eq!(store.webhook("t1").unwrap(), Some(hook));
    store.delete_webhook("t1").unwrap();
    assert!(matches!(
        store.delete_webhook("t1"),
        Err(StoreError::NotFound { .. })
    ));

    assert_eq!(store.load_alert_state().unwrap(), None);
    let state = serde_json::json!({"v": 1});
    store.save_alert_state(&state).unwrap();
    store.save_alert_state(&state).unwrap();
    assert_eq!(store.load_alert_state().unwrap(), Some(state));
}

fn notifications_are_delivered_and_retried(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    for (id, at) in [("ntf_a", now()), ("ntf_b", later(now(), 1))] {
        store
            .insert_notification(&NewNotification {
                id,
                tenant_id: "t1",
                rule_id: "r1",
                channel: "log",
                incident_id: "inc_1",
                reason: "first",
                payload: "{\"incident\":{\"id\":\"inc_1\"}}",
                created_at: at,
            })
            .unwrap();
    }
    assert_eq!(store.next_due().unwrap(), Some(now()));
    let due = store.due_notifications(now(), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, "ntf_a");
    assert_eq!(due[0].attempts, 0);
    let retry_at = later(now(), 30);
    store
        .record_attempt(
            "ntf_a",
            &Attempt::Retry {
                error: "refused".into(),
                at: retry_at,
            },
            now(),
        )
        .unwrap();
    store
        .record_attempt("ntf_b", &Attempt::Delivered, later(now(), 2))
        .unwrap();
    assert_eq!(store.next_due().unwrap(), Some(retry_at));
    let due = store.due_notifications(retry_at, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);

    let all = store
        .list_alerts("t1", &AlertFilter::default(), None, 10)
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["ntf_b", "ntf_a"]);
    assert_eq!(all[1].json["delivery"]["state"], "pending");
    assert_eq!(all[1].json["delivery"]["last_error"], "refused");
    assert_eq!(all[1].json["incident"]["id"], "inc_1");
    assert_eq!(all[0].json["delivery"]["state"], "delivered");
    let delivered = AlertFilter {
        state: Some("delivered".into()),
        ..AlertFilter::default()
    };
    assert_eq!(
        store.list_alerts("t1", &delivered, None, 10).unwrap().len(),
        1
    );
    assert!(store
        .list_alerts("t2", &AlertFilter::default(), None, 10)
        .unwrap()
        .is_empty());

    store
        .record_attempt(
            "ntf_a",
            &Attempt::Failed {
                error: "gone".into(),
            },
            retry_at,
        )
        .unwrap();
    assert_eq!(store.next_due().unwrap(), None);
}

fn api_keys(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    store
        .create_api_key("key_1", "t1", "abc123", "dashboard", now())
        .unwrap();
    assert!(matches!(
        store.create_api_key("key_2", "nobody", "def", "x", now()),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.api_key("abc123").unwrap(),
        Some(("key_1".to_owned(), "t1".to_owned()))
    );
    assert_eq!(store.api_keys(Some("t1")).unwrap().len(), 1);
    store.revoke_api_key("key_1", now()).unwrap();
    assert_eq!(store.api_key("abc123").unwrap(), None);
    assert!(store.api_keys(None).unwrap()[0].revoked);
    assert!(matches!(
        store.revoke_api_key("key_9", now()),
        Err(StoreError::NotFound { .. })
    ));
}

/// Several connections (as several receivers) consuming one tenant's
/// quota at once never admit more than the limit: the decision is the
/// database's atomic upsert, not a read then a write.
#[test]
fn concurrent_receivers_never_over_admit() {
    let Some(Location::Postgres(url)) = pg_location() else {
        return;
    };
    let mut first = PgStore::open(&url).unwrap();
    seed(&mut first);
    let plan = CustomPlan {
        inbound_events: Limit::Finite(50),
        ai_queries: Limit::Unlimited,
    };
    use erpops_receiver::store::{AdminStore, WriterStore};
    first.create_plan("fifty", plan, now()).unwrap();
    let plan = Plan::Custom {
        inbound_events: Limit::Finite(50),
        ai_queries: Limit::Unlimited,
    };
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut store = PgStore::open(&url).unwrap();
                let mut allowed = 0;
                for _ in 0..10 {
                    store.begin().unwrap();
                    for _ in 0..5 {
                        if matches!(
                            store.consume_event_quota("t1", plan, now()).unwrap(),
                            Decision::Allowed { .. }
                        ) {
                            allowed += 1;
                        }
                    }
                    store.commit().unwrap();
                }
                allowed
            })
        })
        .collect();
    let total: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    // 200 attempts on a limit of 50.
    assert_eq!(total, 50);
    let (_, counter) = first.lookup_state("t1", None, now()).unwrap();
    assert_eq!(counter.unwrap().used, 50);
}

/// The same bytes at two receivers at once: the second writer's replay
/// read waits for the first one's group to commit, then sees the expiry,
/// so the event is stored once (the receive ladder then answers
/// `duplicate`).
#[test]
fn the_same_event_at_two_receivers_is_stored_once() {
    let Some(Location::Postgres(url)) = pg_location() else {
        return;
    };
    use erpops_receiver::store::{AdminStore, WriterStore};
    let mut a = PgStore::open(&url).unwrap();
    seed(&mut a);
    let ev = event("ORDERS", now());
    a.begin().unwrap();
    let (replay, _) = a
        .lookup_state("t1", Some(("evt_same", ev.timestamp)), now())
        .unwrap();
    assert_eq!(replay, None);
    let (tx, rx) = std::sync::mpsc::channel();
    let second = {
        let url = url.clone();
        let ev = ev.clone();
        std::thread::spawn(move || {
            let mut b = PgStore::open(&url).unwrap();
            b.begin().unwrap();
            tx.send(()).unwrap();
            let (replay, _) = b
                .lookup_state("t1", Some(("evt_same", ev.timestamp)), now())
                .unwrap();
            b.commit().unwrap();
            replay
        })
    };
    rx.recv().unwrap();
    // Whether or not the second read has started, it can only finish
    // after this commit.
    insert(&mut a, "evt_same", &ev, now());
    a.commit().unwrap();
    assert_eq!(second.join().unwrap(), Some(later(now(), 600)));
    assert_eq!(a.event_count("t1").unwrap(), 1);
}

/// `lock_engine`: SQLite has one writer and reports nothing (no lock, no
/// query); PostgreSQL reports exactly the key rows and alert state another
/// connection (receiver) committed since this one last committed or
/// loaded, and nothing once it is caught up.
fn engine_lock_reports_other_writers_changes(store: &mut dyn AnyStore, loc: &Location) {
    seed(store);
    let t = now();
    let mut model = IncidentModel::default();
    let (a, b) = (event("A", t), event("B", t));
    model.ingest(&a, "evt_a", t);
    model.ingest(&b, "evt_b", t);
    let (ka, kb) = (CorrelationKey::of(&a), CorrelationKey::of(&b));
    // This connection loads (nothing yet) and writes key A under the lock.
    assert_eq!(store.load_incident_model().unwrap(), None);
    store.begin().unwrap();
    let first = store.lock_engine(EngineScope::All).unwrap();
    store
        .write_incident_keys(&[(ka.clone(), model.key_snapshot(&ka))])
        .unwrap();
    store.commit().unwrap();
    let Location::Postgres(_) = loc else {
        assert_eq!(first, None, "SQLite: nothing to lock or reload");
        return;
    };
    // Caught up: its own commit is not a change to reload.
    assert!(first.unwrap().is_empty());
    store.begin().unwrap();
    assert!(store
        .lock_engine(EngineScope::All)
        .unwrap()
        .unwrap()
        .is_empty());
    store.commit().unwrap();

    // Another receiver writes key B and the alert state.
    let mut other = loc.open_more().unwrap();
    other.load_incident_model().unwrap();
    other.begin().unwrap();
    let seen = other.lock_engine(EngineScope::All).unwrap().unwrap();
    assert!(seen.is_empty(), "it loaded everything just before");
    other
        .write_incident_keys(&[(kb.clone(), model.key_snapshot(&kb))])
        .unwrap();
    other
        .save_alert_state(&serde_json::json!({"marker": 1}))
        .unwrap();
    other.commit().unwrap();

    // While the other holds the lock, this one waits for its commit.
    other.begin().unwrap();
    other.lock_engine(EngineScope::All).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let loc2 = loc.clone();
    let waiter = std::thread::spawn(move || {
        let mut third = loc2.open_more().unwrap();
        third.begin().unwrap();
        tx.send(()).unwrap();
        let changes = third.lock_engine(EngineScope::All).unwrap().unwrap();
        third.rollback().unwrap();
        changes
    });
    rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    other
        .write_incident_keys(&[(ka.clone(), model.key_snapshot(&ka))])
        .unwrap();
    other.commit().unwrap();
    // The third connection never loaded: everything, including the row
    // committed while it waited.
    let all = waiter.join().unwrap();
    assert_eq!(all.keys.len(), 2);

    store.begin().unwrap();
    let changes = store.lock_engine(EngineScope::All).unwrap().unwrap();
    let mut keys: Vec<_> = changes.keys.iter().map(|k| k.key.clone()).collect();
    keys.sort();
    let mut want = vec![ka.clone(), kb.clone()];
    want.sort();
    assert_eq!(keys, want, "B written, then A rewritten by the other");
    assert_eq!(changes.alert_state, Some(serde_json::json!({"marker": 1})));
    store.commit().unwrap();
    store.begin().unwrap();
    assert!(store
        .lock_engine(EngineScope::All)
        .unwrap()
        .unwrap()
        .is_empty());
    // A rolled-back transaction leaves nothing to reload.
    store.rollback().unwrap();
    other.begin().unwrap();
    other.lock_engine(EngineScope::All).unwrap();
    other
        .write_incident_keys(&[(kb.clone(), model.key_snapshot(&kb))])
        .unwrap();
    other.rollback().unwrap();
    store.begin().unwrap();
    assert!(store
        .lock_engine(EngineScope::All)
        .unwrap()
        .unwrap()
        .is_empty());
    store.commit().unwrap();
}

/// Due notifications are claimed: a second deliverer (another receiver's)
/// does not get them while the claim holds, gets them once its lease
/// ended (the first died mid-delivery), and a recorded outcome ends the
/// claim. SQLite has one deliverer and claims nothing.
fn due_notifications_are_claimed_once(store: &mut dyn AnyStore, loc: &Location) {
    seed(store);
    for id in ["ntf_1", "ntf_2", "ntf_3"] {
        store
            .insert_notification(&NewNotification {
                id,
                tenant_id: "t1",
                rule_id: "r1",
                channel: "log",
                incident_id: "inc_1",
                reason: "first",
                payload: "{}",
                created_at: now(),
            })
            .unwrap();
    }
    let first = store.due_notifications(now(), 2).unwrap();
    let ids: Vec<&str> = first.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["ntf_1", "ntf_2"], "oldest first, at most the limit");
    let Location::Postgres(_) = loc else {
        assert_eq!(store.due_notifications(now(), 10).unwrap().len(), 3);
        return;
    };
    let mut other = loc.open_more().unwrap();
    let second = other.due_notifications(now(), 10).unwrap();
    let ids: Vec<&str> = second.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["ntf_3"], "the claimed ones are not handed out again");
    assert!(other.due_notifications(now(), 10).unwrap().is_empty());
    // The next due time is the end of the claims, not "now" (a deliverer
    // sleeps instead of spinning on claimed rows).
    let lease_end = later(now(), 120);
    assert_eq!(other.next_due().unwrap(), Some(lease_end));
    // ntf_1 delivered by its claimer; ntf_2's claimer died.
    store
        .record_attempt("ntf_1", &Attempt::Delivered, now())
        .unwrap();
    other
        .record_attempt(
            "ntf_3",
            &Attempt::Retry {
                error: "refused".into(),
                at: later(now(), 1),
            },
            now(),
        )
        .unwrap();
    let retried = other.due_notifications(later(now(), 1), 10).unwrap();
    let ids: Vec<&str> = retried.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        ["ntf_3"],
        "an outcome ends the claim; ntf_2 still held"
    );
    let taken_over = other.due_notifications(lease_end, 10).unwrap();
    let ids: Vec<&str> = taken_over.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["ntf_2"], "the lease ended (ntf_3 is claimed again)");
}

/// A server without TLS: `sslmode=require` (and stronger) is refused with
/// a message that says so, never answered by a plain-text connection.
#[test]
fn sslmode_require_is_refused_not_downgraded() {
    let Some(Location::Postgres(url)) = pg_location() else {
        return;
    };
    let mut modes = vec![("require", String::new())];
    if let Some((_, certs)) = tls_server() {
        let ca = cert(&certs, "ca.pem");
        modes.push(("verify-ca", format!("&sslrootcert={ca}")));
        modes.push(("verify-full", format!("&sslrootcert={ca}")));
    }
    for (mode, root) in modes {
        let e = PgStore::connect(&format!("{url}?sslmode={mode}{root}")).unwrap_err();
        assert_eq!(e.code(), "store_error");
        assert!(e.to_string().contains("does not offer TLS"), "{e}");
        assert!(e.to_string().contains(&format!("sslmode={mode}")), "{e}");
    }
}

// ---- TLS: a second test server with ssl=on (`server.sh start DIR PORT
// tls`), whose certificate is signed by `ca.pem` for DNS:localhost only.

/// The TLS server's admin URL (on 127.0.0.1) and its certificate folder,
/// or `None` (skip) outside `make test-postgres`.
fn tls_server() -> Option<(String, std::path::PathBuf)> {
    match (
        std::env::var("ERPOPS_TEST_PG_TLS"),
        std::env::var("ERPOPS_TEST_PG_CERTS"),
    ) {
        (Ok(url), Ok(certs)) => Some((url, certs.into())),
        _ => {
            eprintln!("ERPOPS_TEST_PG_TLS not set: TLS case skipped (make test-postgres runs it)");
            None
        }
    }
}

/// A fresh database on the TLS server (created over plain text, which
/// that server also accepts); returns the URL base `postgres://…/name`
/// with the host `host`.
fn tls_database(admin: &str, host: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("erpops_tls_{}_{n}", std::process::id());
    let mut client = ::postgres::Client::connect(admin, ::postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    format!("{base}/{name}").replace("127.0.0.1", host)
}

/// Whether each session of `application_name` is encrypted, as the
/// server sees it (`pg_stat_ssl`), asked over a separate connection.
fn sessions_ssl(admin: &str, application_name: &str) -> Vec<bool> {
    let mut client = ::postgres::Client::connect(admin, ::postgres::NoTls).unwrap();
    client
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = $1",
            &[&application_name],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, bool>(0))
        .collect()
}

/// One case of the suite.
type Case = fn(&mut dyn AnyStore, &Location);

fn cert(certs: &std::path::Path, name: &str) -> String {
    certs.join(name).to_str().unwrap().to_owned()
}

/// `verify-full` with the CA: the store migrates and works, and every
/// session the server sees from it is encrypted.
#[test]
fn verify_full_with_the_ca_stores_over_tls() {
    let Some((admin, certs)) = tls_server() else {
        return;
    };
    let ca = cert(&certs, "ca.pem");
    let cases: [(&str, Case); 3] = [
        ("tls_tenants", tenants_and_connectors),
        ("tls_quota", quota_is_the_conditional_upsert),
        ("tls_events", events_replay_and_listing),
    ];
    for (app, case) in cases {
        let base = tls_database(&admin, "localhost");
        let loc = Location::Postgres(format!(
            "{base}?sslmode=verify-full&sslrootcert={ca}&application_name={app}"
        ));
        let mut store = loc.open().unwrap();
        case(store.as_mut(), &loc);
        let more = loc.open_more().unwrap();
        assert_eq!(sessions_ssl(&admin, app), [true, true], "{app}");
        drop(more);
    }
}

/// `verify-full` checks the host name (the certificate names `localhost`,
/// not `127.0.0.1`); `verify-ca` checks the chain only.
#[test]
fn verify_full_checks_the_host_name_verify_ca_does_not() {
    let Some((admin, certs)) = tls_server() else {
        return;
    };
    let ca = cert(&certs, "ca.pem");
    let base = tls_database(&admin, "127.0.0.1");
    let e = PgStore::connect(&format!("{base}?sslmode=verify-full&sslrootcert={ca}")).unwrap_err();
    assert_eq!(e.code(), "store_error");
    assert!(e.to_string().contains("does not name the host"), "{e}");
    assert!(e.to_string().contains("verify-ca"), "{e}");
    let _store = PgStore::open(&format!(
        "{base}?sslmode=verify-ca&sslrootcert={ca}&application_name=tls_verify_ca"
    ))
    .unwrap();
    assert_eq!(sessions_ssl(&admin, "tls_verify_ca"), [true]);
}

/// A CA that did not sign the server's certificate is refused with the
/// fix, in `verify-full`, `verify-ca` and `require` (libpq: a root
/// certificate makes `require` check the chain).
#[test]
fn a_wrong_ca_is_refused_with_the_fix() {
    let Some((admin, certs)) = tls_server() else {
        return;
    };
    let wrong = cert(&certs, "wrong-ca.pem");
    let base = tls_database(&admin, "localhost");
    for mode in ["verify-full", "verify-ca", "require", "prefer"] {
        let e =
            PgStore::connect(&format!("{base}?sslmode={mode}&sslrootcert={wrong}")).unwrap_err();
        assert_eq!(e.code(), "store_error");
        let msg = e.to_string();
        assert!(msg.contains("certificate is not trusted"), "{mode}: {msg}");
        assert!(msg.contains("set sslrootcert="), "{mode}: {msg}");
    }
    // A file that is not there is named, before any connection.
    let e = PgStore::connect(&format!(
        "{base}?sslmode=verify-full&sslrootcert={}",
        cert(&certs, "missing.pem")
    ))
    .unwrap_err();
    assert!(e.to_string().contains("cannot read sslrootcert="), "{e}");
}

/// `require` without a root certificate encrypts (libpq: no certificate
/// check); so does the default (`prefer`) when the server offers TLS;
/// `disable` still connects in plain text.
#[test]
fn require_encrypts_and_disable_still_works() {
    let Some((admin, _)) = tls_server() else {
        return;
    };
    let base = tls_database(&admin, "127.0.0.1");
    let cases = [
        ("sslmode=require&", "tls_require", true),
        ("", "tls_default", true),
        ("sslmode=disable&", "tls_disable", false),
    ];
    for (query, app, encrypted) in cases {
        let mut store = PgStore::open(&format!("{base}?{query}application_name={app}")).unwrap();
        assert_eq!(sessions_ssl(&admin, app), [encrypted], "{app}");
        // And it works: a row written and read back.
        let store: &mut dyn AnyStore = &mut store;
        if store.tenants().unwrap().is_empty() {
            seed(store);
        }
        assert!(!store.tenants().unwrap().is_empty(), "{app}");
    }
}

/// The alerting state of many keys (flapping, throttling records, holds)
/// written as one row per key and read back restores every key exactly,
/// on both engines; rewriting one key's row is the only change another
/// receiver reloads; pruning a forgotten key drops its alerting row too.
fn alert_key_rows_restore_every_key(store: &mut dyn AnyStore, loc: &Location) {
    seed(store);
    let mut engine = AlertEngine::new(AlertConfig::with_defaults());
    engine.set_rule(rule("r1")).unwrap();
    let mut throttled = rule("r2");
    throttled.repeat_interval = Some(Duration::from_secs(3600));
    engine.set_rule(throttled).unwrap();
    const KEYS: usize = 300;
    let mut t = now();
    for i in 0..KEYS {
        t = later(t, 1);
        engine.ingest(&event(&format!("JOB_{i:04}"), t), &format!("evt_{i}"), t);
    }
    // JOB_0000 flaps: four more transitions (five within the hour).
    for n in 0..4 {
        t = later(t, 1);
        let mut ev = event("JOB_0000", t);
        if n % 2 == 0 {
            ev.event_type = "integration.succeeded".into();
            ev.severity = Severity::Info;
        }
        engine.ingest(&ev, &format!("evt_f{n}"), t);
    }
    let changes = engine.take_changes();
    assert_eq!(changes.keys.len(), KEYS, "every key got alerting state");
    let keys: Vec<CorrelationKey> = changes.keys.into_iter().collect();
    let rows: Vec<_> = keys
        .iter()
        .map(|k| (k.clone(), Some(engine.key_alert_snapshot(k))))
        .collect();
    let flapping = keys
        .iter()
        .find(|k| k.source.as_deref() == Some("JOB_0000"))
        .unwrap()
        .clone();
    assert!(engine
        .key_alert_snapshot(&flapping)
        .flapping
        .unwrap()
        .is_flapping());
    let incident_rows: Vec<_> = keys
        .iter()
        .map(|k| (k.clone(), engine.model().key_snapshot(k)))
        .collect();
    store.begin().unwrap();
    store.lock_engine(EngineScope::All).unwrap();
    store.write_incident_keys(&incident_rows).unwrap();
    store.write_alert_keys(&rows).unwrap();
    store
        .save_alert_state(&serde_json::to_value(engine.snapshot_global()).unwrap())
        .unwrap();
    store.commit().unwrap();

    // Another connection (a restarted receiver) restores every key.
    let mut again = loc.open_more().unwrap();
    let incidents = again.load_incident_model().unwrap().unwrap();
    let global = serde_json::from_value(again.load_alert_state().unwrap().unwrap()).unwrap();
    let loaded = again.load_alert_keys().unwrap();
    assert_eq!(loaded.len(), KEYS);
    let restored =
        AlertEngine::restore_split(AlertConfig::with_defaults(), global, incidents, loaded)
            .unwrap();
    assert_eq!(restored.alert_keys(), engine.alert_keys());
    for k in &keys {
        assert_eq!(restored.key_alert_snapshot(k), engine.key_alert_snapshot(k));
    }
    assert_eq!(
        serde_json::to_string(&restored.snapshot()).unwrap(),
        serde_json::to_string(&engine.snapshot()).unwrap()
    );

    // One key changes: only its row is written, and it is the only alert
    // row another receiver reloads.
    t = later(t, 1);
    let mut ok = event("JOB_0042", t);
    ok.event_type = "integration.succeeded".into();
    ok.severity = Severity::Info;
    engine.ingest(&ok, "evt_ok", t);
    let changes = engine.take_changes();
    assert_eq!(changes.keys.len(), 1);
    assert!(!changes.global);
    let k = changes.keys.into_iter().next().unwrap();
    again.begin().unwrap();
    again.lock_engine(EngineScope::All).unwrap();
    again
        .write_alert_keys(&[(k.clone(), Some(engine.key_alert_snapshot(&k)))])
        .unwrap();
    again.commit().unwrap();
    store.begin().unwrap();
    let seen = store.lock_engine(EngineScope::All).unwrap();
    store.commit().unwrap();
    if let Location::Postgres(_) = loc {
        let seen = seen.unwrap();
        assert_eq!(seen.alert_keys, vec![engine.key_alert_snapshot(&k)]);
        assert!(seen.keys.is_empty() && seen.alert_state.is_none());
    }

    // Forgotten keys (past their retention) lose their alerting row.
    let forget = incident_rows
        .iter()
        .filter(|(_, r)| r.as_ref().is_some_and(|r| r.state.forget_at.is_some()))
        .count();
    assert_eq!(forget, 0, "every incident is open: nothing to forget yet");
    let mut resolved = engine.model().key_snapshot(&k).unwrap();
    resolved.state.forget_at = Some(later(t, 10));
    store
        .write_incident_keys(&[(k.clone(), Some(resolved))])
        .unwrap();
    store.prune(later(t, 11)).unwrap();
    assert_eq!(store.load_alert_keys().unwrap().len(), KEYS - 1);
    assert!(store
        .load_alert_keys()
        .unwrap()
        .iter()
        .all(|row| row.key != k));
}

/// Retention's deletes (issue #22) on both engines: only rows past their
/// cutoff, oldest first, at most `limit` per call; pending notifications
/// and unresolved incidents are never dropped; a resolved incident's
/// history goes with it.
fn retention_deletes_expired_rows_in_bounded_batches(store: &mut dyn AnyStore, _: &Location) {
    seed(store);
    let t = now();
    // Events received at t+0..t+9 s.
    let ev = event("ORDERS", t);
    store.begin().unwrap();
    for i in 0..10u64 {
        insert(store, &format!("evt_{i}"), &ev, later(t, i));
    }
    store.commit().unwrap();
    let prune = |store: &mut dyn AnyStore, kind, cutoff, limit| {
        store.begin().unwrap();
        let n = store.prune_expired(kind, cutoff, limit).unwrap();
        store.commit().unwrap();
        n
    };
    // Cutoff t+6: events 0..=5 expired; a batch of 4, then the other 2.
    assert_eq!(prune(store, Prunable::Events, later(t, 6), 4), 4);
    assert_eq!(store.event_count("t1").unwrap(), 6);
    assert_eq!(prune(store, Prunable::Events, later(t, 6), 4), 2);
    assert_eq!(prune(store, Prunable::Events, later(t, 6), 4), 0);
    let left = store
        .list_events("t1", &EventFilter::default(), None, 20)
        .unwrap();
    let ids: Vec<&str> = left.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["evt_9", "evt_8", "evt_7", "evt_6"], "the oldest went");
    // Replay keys of kept events still answer; expired ones may go (a
    // store that keeps them in the event row drops them with it).
    let (replay, _) = store
        .lookup_state("t1", Some(("evt_7", ev.timestamp)), t)
        .unwrap();
    assert_eq!(replay, Some(later(t, 607)));
    prune(store, Prunable::ReplayKeys, later(t, 10_000), 100);
    let (replay, _) = store
        .lookup_state("t1", Some(("evt_7", ev.timestamp)), t)
        .unwrap();
    assert!(
        replay.is_none() || replay == Some(later(t, 607)),
        "an expired key is dropped or left with its event: {replay:?}"
    );

    // Notifications: delivered and failed ones go, a pending one stays
    // however old.
    for (id, at) in [("ntf_done", t), ("ntf_failed", t), ("ntf_pending", t)] {
        store
            .insert_notification(&NewNotification {
                id,
                tenant_id: "t1",
                rule_id: "r1",
                channel: "log",
                incident_id: "inc_1",
                reason: "first",
                payload: "{\"incident\":{\"id\":\"inc_1\"}}",
                created_at: at,
            })
            .unwrap();
    }
    store
        .record_attempt("ntf_done", &Attempt::Delivered, t)
        .unwrap();
    store
        .record_attempt("ntf_failed", &Attempt::Failed { error: "x".into() }, t)
        .unwrap();
    assert_eq!(
        prune(store, Prunable::Notifications, later(t, 1), 10),
        2,
        "the delivered and the failed one"
    );
    let left = store
        .list_alerts("t1", &AlertFilter::default(), None, 10)
        .unwrap();
    let ids: Vec<&str> = left.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["ntf_pending"]);

    // Incidents: a resolved one goes with its history, an open one stays.
    let mut model = IncidentModel::default();
    let a = event("A", t);
    let b = event("B", t);
    let mut effects = model.ingest(&a, "evt_a", t);
    effects.extend(model.ingest(&b, "evt_b", t));
    let resolved_id = effects[0].incident().id.clone();
    let open_id = effects[1].incident().id.clone();
    let resolve = erpops_core::incident::Command::Resolve {
        incident_id: resolved_id.clone(),
        actor: "ops".into(),
        note: None,
    };
    effects.extend(model.command(&resolve, later(t, 1)).unwrap());
    store.begin().unwrap();
    store
        .record_incident_effects(&effects, later(t, 1))
        .unwrap();
    store.commit().unwrap();
    assert_eq!(prune(store, Prunable::Incidents, later(t, 1), 10), 0);
    assert_eq!(prune(store, Prunable::Incidents, later(t, 2), 10), 1);
    assert_eq!(store.incident("t1", &resolved_id).unwrap(), None);
    assert!(store.incident("t1", &open_id).unwrap().is_some());
    assert_eq!(
        prune(store, Prunable::Incidents, later(t, 1_000_000), 10),
        0
    );

    // The size is reported.
    assert!(store.size().unwrap().bytes > 0);
}

/// Jobs (issue #23): the configuration rows (`put_job`, windows) with
/// their generation, the state rows one per job (written, replaced,
/// dropped, loaded back into an engine with their timers), the REST
/// reads scoped to the tenant, and on a shared store the rows another
/// receiver wrote reported by the engine lock.
fn job_rows_and_job_configuration(store: &mut dyn AnyStore, loc: &Location) {
    seed(store);
    store
        .create_tenant("t2", "Two", "free", PiiPolicy::Allow, now())
        .unwrap();
    let job = |source: &str| -> Job {
        serde_json::from_value(serde_json::json!({
            "connector_id": CONNECTOR, "source": source,
            "expectation": {"schedule": [{"cron": "0 2 * * MON-FRI", "time_zone": "America/Chicago"}]},
            "grace": 900, "max_runtime": 3600,
            "deadline": {"time": "06:00", "time_zone": "America/Chicago"}
        }))
        .unwrap()
    };
    let g0 = store.config_generation().unwrap();
    store.put_job(&job("PAYROLL"), now()).unwrap();
    store.put_job(&job("GL"), later(now(), 1)).unwrap();
    assert!(matches!(
        store.put_job(
            &Job {
                connector_id: other(),
                ..job("X")
            },
            now()
        ),
        Err(StoreError::NotFound { .. })
    ));
    let window: MaintenanceWindow = serde_json::from_value(serde_json::json!({
        "id": "patching", "schedule": [{"cron": "0 1 * * SUN", "time_zone": "UTC"}],
        "duration": 3600
    }))
    .unwrap();
    store.put_window(&window, now()).unwrap();
    let config = store.alert_config().unwrap();
    assert_eq!(config.generation, g0 + 3);
    assert_eq!(config.jobs, vec![job("GL"), job("PAYROLL")]);
    assert_eq!(config.windows, vec![window]);

    // The engine's state of both jobs, one row each; a run in progress.
    let mut engine = AlertEngine::new(AlertConfig::with_defaults());
    for j in &config.jobs {
        engine.set_job(j.clone(), now()).unwrap();
    }
    let mut started = event("PAYROLL", later(now(), 5));
    started.event_type = "payroll.run.started".into();
    started.severity = Severity::Info;
    engine.ingest(&started, "evt_start", later(now(), 5));
    let changes = engine.take_changes();
    assert_eq!(changes.jobs.len(), 2);
    let rows: Vec<_> = changes
        .jobs
        .iter()
        .map(|k| (k.clone(), engine.job(k.connector_id, &k.source).cloned()))
        .collect();
    store.begin().unwrap();
    store.lock_engine(EngineScope::All).unwrap();
    store.write_job_states(&rows).unwrap();
    store.commit().unwrap();
    let loaded = store.load_job_states().unwrap();
    assert_eq!(loaded.len(), 2);
    let mut restored = AlertEngine::new(AlertConfig::with_defaults());
    restored.restore_jobs(loaded).unwrap();
    let payroll = restored.job(cid(), "PAYROLL").unwrap();
    assert_eq!(payroll, engine.job(cid(), "PAYROLL").unwrap());
    assert_eq!(payroll.open_runs.len(), 1);
    // The restored engine wakes for the run's max_runtime (or the due
    // time, whichever is first), as the saved one does.
    assert_eq!(restored.next_wakeup(), engine.next_wakeup());

    // Read through the REST side: the tenant's jobs with their state,
    // nothing for another tenant, and one job by its id.
    let listed = store.list_jobs("t1", None, 10).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].json["source"], "GL", "newest first");
    assert_eq!(listed[1].json["status"], "running");
    assert_eq!(
        listed[1].json["runs_in_progress"].as_array().unwrap().len(),
        1
    );
    let page = store
        .list_jobs(
            "t1",
            Some(&Cursor {
                at: listed[0].at,
                id: listed[0].id.clone(),
            }),
            10,
        )
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, listed[1].id);
    assert!(store.list_jobs("t2", None, 10).unwrap().is_empty());
    let id = JobKey {
        connector_id: cid(),
        source: "PAYROLL".into(),
    }
    .job_id();
    let (j, state) = store.job("t1", &id).unwrap().unwrap();
    assert_eq!(j, job("PAYROLL"));
    assert_eq!(state.unwrap().open_runs.len(), 1);
    assert!(store.job("t2", &id).unwrap().is_none());

    // Another receiver on a shared store writes a job row: this one's
    // next lock of the engine-wide state reports it.
    if let Location::Postgres(_) = loc {
        let mut other_rx = loc.open_more().unwrap();
        other_rx.load_incident_model().unwrap();
        other_rx.begin().unwrap();
        other_rx.lock_engine(EngineScope::All).unwrap();
        let gl = engine.job(cid(), "GL").cloned();
        let key = JobKey {
            connector_id: cid(),
            source: "GL".into(),
        };
        other_rx.write_job_states(&[(key, gl.clone())]).unwrap();
        other_rx.commit().unwrap();
        store.begin().unwrap();
        let changes = store
            .lock_engine(EngineScope::TenantsAndGlobal)
            .unwrap()
            .unwrap();
        assert_eq!(changes.jobs, vec![gl.unwrap()]);
        store.commit().unwrap();
        // A group of one tenant that did not lock the engine-wide state
        // cannot write a job row.
        store.begin().unwrap();
        store.lock_group(&["t1"], &[], now()).unwrap();
        store.lock_engine(EngineScope::Tenants).unwrap();
        assert!(store.write_job_states(&rows).is_err());
        store.rollback().unwrap();
    }

    // A removed job's row goes; so does its configuration.
    let key = JobKey {
        connector_id: cid(),
        source: "GL".into(),
    };
    store.begin().unwrap();
    store.lock_engine(EngineScope::All).unwrap();
    store.write_job_states(&[(key, None)]).unwrap();
    store.commit().unwrap();
    assert_eq!(store.load_job_states().unwrap().len(), 1);
    store.delete_job(&cid(), "GL").unwrap();
    assert!(matches!(
        store.delete_job(&cid(), "GL"),
        Err(StoreError::NotFound { .. })
    ));
    store.delete_window("patching").unwrap();
    let config = store.alert_config().unwrap();
    assert_eq!(config.jobs, vec![job("PAYROLL")]);
    assert!(config.windows.is_empty());
    assert_eq!(store.list_jobs("t1", None, 10).unwrap().len(), 1);
}

/// The REST writes' rows (issue #24): idempotent answers (one per key,
/// even from two connections at once; an expired one gives way), the
/// audit log's pages, a tenant's silences beside operator-wide ones, and
/// their retention.
fn rest_write_rows(store: &mut dyn AnyStore, loc: &Location) {
    seed(store);
    store
        .create_tenant("t2", "Two", "free", PiiPolicy::Redact, now())
        .unwrap();
    let t = now();
    let answer = |fp: &str, status: Option<u16>| StoredAnswer {
        fingerprint: fp.to_owned(),
        status,
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: "00ff".to_owned(),
    };
    store
        .put_idempotent_answer("t1", "k", &answer("f1", Some(201)), t, later(t, 60))
        .unwrap();
    assert_eq!(
        store.idempotent_answer("t1", "k", t).unwrap(),
        Some(answer("f1", Some(201)))
    );
    assert_eq!(store.idempotent_answer("t2", "k", t).unwrap(), None);
    assert!(matches!(
        store.put_idempotent_answer("t1", "k", &answer("f2", Some(200)), t, later(t, 60)),
        Err(StoreError::Exists { .. })
    ));
    // Expired: not answered, and the key can be used again.
    assert_eq!(
        store.idempotent_answer("t1", "k", later(t, 61)).unwrap(),
        None
    );
    store
        .put_idempotent_answer("t1", "k", &answer("f3", None), later(t, 61), later(t, 120))
        .unwrap();
    store
        .finish_idempotency_claim("t1", "k", Some(&answer("f3", Some(200))), later(t, 999))
        .unwrap();
    assert_eq!(
        store.idempotent_answer("t1", "k", later(t, 500)).unwrap(),
        Some(answer("f3", Some(200)))
    );
    store
        .put_idempotent_answer("t1", "c", &answer("f", None), t, later(t, 60))
        .unwrap();
    store.finish_idempotency_claim("t1", "c", None, t).unwrap();
    assert_eq!(store.idempotent_answer("t1", "c", t).unwrap(), None);

    // Two connections insert one key at once: the second waits for the
    // first's transaction and then finds the key taken.
    let mut other = loc.open_more().unwrap();
    store.tx_begin().unwrap();
    store
        .put_idempotent_answer("t1", "race", &answer("a", Some(201)), t, later(t, 60))
        .unwrap();
    let racer = std::thread::spawn(move || {
        other.tx_begin().unwrap();
        let r = other.put_idempotent_answer("t1", "race", &answer("b", Some(201)), t, later(t, 60));
        other.tx_end(false).unwrap();
        r
    });
    std::thread::sleep(Duration::from_millis(200));
    store.tx_end(true).unwrap();
    assert!(matches!(
        racer.join().unwrap(),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(
        store
            .idempotent_answer("t1", "race", t)
            .unwrap()
            .unwrap()
            .fingerprint,
        "a"
    );

    // The audit log: newest first, paged, since, per tenant.
    for i in 0..5u64 {
        store
            .insert_audit(&AuditRow {
                id: format!("aud_{i}"),
                tenant_id: "t1".into(),
                at: later(t, i),
                actor: "api_key:key_1".into(),
                key_id: "key_1".into(),
                action: "rule.put".into(),
                resource_type: "rule".into(),
                resource_id: format!("r{i}"),
                request_id: "req_1".into(),
                detail: serde_json::json!({"n": i}),
            })
            .unwrap();
    }
    let page = store.list_audit("t1", None, None, 3).unwrap();
    let ids: Vec<&str> = page.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["aud_4", "aud_3", "aud_2"]);
    assert_eq!(page[0].json["detail"]["n"], 4);
    let last = page.last().unwrap();
    let cursor = Cursor {
        at: last.at,
        id: last.id.clone(),
    };
    assert_eq!(
        store
            .list_audit("t1", None, Some(&cursor), 10)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .list_audit("t1", Some(later(t, 3)), None, 10)
            .unwrap()
            .len(),
        2
    );
    assert!(store.list_audit("t2", None, None, 10).unwrap().is_empty());

    // Silences of a tenant beside an operator-wide one.
    let silence = Silence {
        id: "ops".into(),
        matchers: erpops_core::alert::Matchers::default(),
        starts_at: t,
        ends_at: later(t, 60),
        comment: None,
    };
    store.put_silence(&silence, t).unwrap();
    let json = serde_json::to_string(&Silence {
        id: "s1".into(),
        ..silence.clone()
    })
    .unwrap();
    store
        .put_config_of(ConfigKind::Silence, "t1", "s1", &json, t)
        .unwrap();
    store
        .put_config_of(ConfigKind::Silence, "t1", "s1", &json, t)
        .unwrap();
    for (tenant, id) in [("t2", "s1"), ("t1", "ops")] {
        assert!(matches!(
            store.put_config_of(ConfigKind::Silence, tenant, id, &json, t),
            Err(StoreError::Exists { .. })
        ));
    }
    assert_eq!(
        store.config_owner(ConfigKind::Silence, "ops").unwrap(),
        Some(None)
    );
    assert_eq!(
        store.config_owner(ConfigKind::Silence, "s1").unwrap(),
        Some(Some("t1".to_owned()))
    );
    assert_eq!(
        store
            .config_of(ConfigKind::Silence, "t1", None, 10)
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .config_of(ConfigKind::Silence, "t2", None, 10)
        .unwrap()
        .is_empty());
    assert!(store
        .config_one(ConfigKind::Silence, "t1", "ops")
        .unwrap()
        .is_none());
    // The engine's configuration holds both.
    assert_eq!(store.alert_config().unwrap().silences.len(), 2);
    assert!(matches!(
        store.delete_config_of(ConfigKind::Silence, "t2", "s1"),
        Err(StoreError::NotFound { .. })
    ));
    store
        .delete_config_of(ConfigKind::Silence, "t1", "s1")
        .unwrap();
    store.put_rule("t1", &rule("r1"), t).unwrap();
    assert_eq!(
        store
            .config_of(ConfigKind::Rule, "t1", None, 10)
            .unwrap()
            .len(),
        1
    );

    // Heartbeats and API keys of a tenant.
    store
        .put_heartbeat(
            &Heartbeat {
                connector_id: cid(),
                source: "NIGHTLY".into(),
                period: Duration::from_secs(86_400),
                grace: Duration::from_secs(60),
                severity: Severity::Error,
                paused: false,
            },
            t,
        )
        .unwrap();
    assert_eq!(store.heartbeats_of("t1", None, 10).unwrap().len(), 1);
    assert!(store.heartbeats_of("t2", None, 10).unwrap().is_empty());
    store.create_api_key("key_1", "t1", "h1", "one", t).unwrap();
    store
        .create_api_key("key_2", "t1", "h2", "two", later(t, 1))
        .unwrap();
    let keys = store.list_api_keys("t1", None, 1).unwrap();
    assert_eq!(keys[0].json["id"], "key_2");
    assert!(keys[0].json["revoked_at"].is_null());
    assert!(store.api_key_of("t2", "key_1").unwrap().is_none());

    // Retention: expired answers go; audit rows by their time.
    let n = store
        .prune_expired(Prunable::IdempotencyKeys, later(t, 100), 100)
        .unwrap();
    assert_eq!(
        n, 1,
        "the race's answer, which expired at t+60 (k lives to t+999)"
    );
    assert_eq!(
        store
            .prune_expired(Prunable::Audit, later(t, 2), 100)
            .unwrap(),
        2
    );
    assert_eq!(store.list_audit("t1", None, None, 10).unwrap().len(), 3);
}

/// The AI-query charge (the core's shared-store protocol in one
/// transaction) and the daily event counts behind `/v1/usage/daily`.
fn ai_queries_are_charged_and_events_counted_by_day(store: &mut dyn AnyStore, _: &Location) {
    use erpops_core::quota::Metric;
    seed(store);
    let t = now();
    assert_eq!(
        store.charge("nobody", Metric::AiQuery, None, t).unwrap(),
        None
    );
    let first = store
        .charge("t1", Metric::AiQuery, Some("k1"), t)
        .unwrap()
        .unwrap();
    assert!(matches!(first, Decision::Allowed { .. }), "{first:?}");
    assert_eq!(first.remaining(), Some(99));
    let replay = store
        .charge("t1", Metric::AiQuery, Some("k1"), t)
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            replay,
            Decision::Replayed {
                remaining: Some(99),
                ..
            }
        ),
        "{replay:?}"
    );
    for _ in 1..100 {
        let d = store
            .charge("t1", Metric::AiQuery, None, t)
            .unwrap()
            .unwrap();
        assert!(matches!(d, Decision::Allowed { .. }), "{d:?}");
    }
    // Refused, and the refused request's key is not spent: after the month
    // turns, the same key is charged as a new query.
    let refused = store
        .charge("t1", Metric::AiQuery, Some("k2"), t)
        .unwrap()
        .unwrap();
    assert!(matches!(refused, Decision::Denied { .. }), "{refused:?}");
    let next_month = Timestamp::from_unix_seconds(refused.window().end);
    let fresh = store
        .charge("t1", Metric::AiQuery, Some("k2"), next_month)
        .unwrap()
        .unwrap();
    assert!(
        matches!(
            fresh,
            Decision::Allowed {
                remaining: Some(99),
                ..
            }
        ),
        "{fresh:?}"
    );

    insert(store, "ev-today", &event("A", t), t);
    insert(
        store,
        "ev-yesterday-1",
        &event("B", t),
        t.checked_sub(Duration::from_secs(86_400)).unwrap(),
    );
    insert(
        store,
        "ev-old",
        &event("C", t),
        Timestamp::from_unix_seconds(t.unix_seconds() - 40 * 86_400),
    );
    let days = store.daily_events("t1", 30, t).unwrap();
    assert_eq!(days.len(), 30);
    let today = t.unix_seconds() - t.unix_seconds().rem_euclid(86_400);
    assert_eq!(days[29], (today, 1));
    assert_eq!(days[28], (today - 86_400, 1));
    assert_eq!(
        days.iter().map(|d| d.1).sum::<u64>(),
        2,
        "the 40-day-old event is outside"
    );
    assert_eq!(
        store
            .daily_events("t2", 30, t)
            .unwrap()
            .iter()
            .map(|d| d.1)
            .sum::<u64>(),
        0
    );
}
