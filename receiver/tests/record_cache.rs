//! The HTTP tasks' record cache (`server::records`) never decides with
//! records older than the last admin change: the records generation moves
//! with every change to connectors, secrets, tenants and plans (migration
//! 0005's triggers), the writer re-admits a request whose records were
//! older than its group's snapshot, and a refusal is re-checked with fresh
//! records. (http.rs and security.rs cover disable, enable, suspend and
//! rotation while serving; this covers plans and the generation itself.)
//! On PostgreSQL (migration 9, when `ERPOPS_TEST_PG` is set, as `make
//! test-postgres` does): the generation's triggers, the cache (one read for
//! many requests), and changes made through another connection, as by
//! another receiver.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_core::pii::PiiPolicy;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand, PlanCommand, TenantCommand};
use erpops_receiver::store::{
    AdminStore, Location, PgStore, RecordStore, SqliteStore, WriterStore,
};
use erpops_receiver::{admin, clock, serve};

/// Every admin change the receive decision reads moves the store's records
/// generation; events, incidents and pruning do not.
fn generation_moves_with_every_records_change<S: AdminStore + WriterStore>(store: &mut S) {
    let mut last = store.records_generation().unwrap().unwrap();
    let mut moved = |store: &mut S, what: &str| {
        let g = store.records_generation().unwrap().unwrap();
        assert!(
            g > last,
            "{what} did not move the generation ({g} <= {last})"
        );
        last = g;
    };
    let now = clock::now();
    store
        .create_tenant("t", "t", "free", PiiPolicy::Redact, now)
        .unwrap();
    moved(store, "create tenant");
    let id = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
    store.create_connector(&id, "t", "c", "s1", now).unwrap();
    moved(store, "create connector");
    store.rotate_secret(&id, "s2", now, now).unwrap();
    moved(store, "rotate");
    store.set_connector_enabled(&id, false).unwrap();
    moved(store, "disable");
    store.set_suspended("t", true).unwrap();
    moved(store, "suspend");
    store.set_plan("t", "enterprise").unwrap();
    moved(store, "change plan");
    // Events, incidents and quota do not: the cache survives the load.
    store.begin().unwrap();
    store.prune(now).unwrap();
    store.commit().unwrap();
    let g = store.records_generation().unwrap().unwrap();
    assert_eq!(g, last, "pruning is not a records change");
    // Records and generation come from one snapshot.
    let ((connector, tenant), g) = store.records_with_generation(&id).unwrap();
    assert_eq!(g, Some(last));
    assert!(!connector.unwrap().enabled);
    assert!(tenant.unwrap().suspended);
    // An unknown connector still comes with the generation.
    let ((connector, tenant), g) = store
        .records_with_generation(&uuid::Uuid::from_u128(1))
        .unwrap();
    assert!(connector.is_none() && tenant.is_none());
    assert_eq!(g, Some(last));
}

#[test]
fn every_change_the_decision_reads_moves_the_generation() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    generation_moves_with_every_records_change(&mut store);
}

/// The same on PostgreSQL (migration 9's triggers), when `ERPOPS_TEST_PG`
/// is set.
#[test]
fn on_postgres_every_change_the_decision_reads_moves_the_generation() {
    let Some(url) = fresh_pg_database("gen") else {
        return;
    };
    let mut store = PgStore::open(&url).unwrap();
    generation_moves_with_every_records_change(&mut store);
    // A change made on another connection (another receiver, `erpops
    // admin`) moves it as seen from this one.
    let before = store.records_generation().unwrap().unwrap();
    let mut other = PgStore::open(&url).unwrap();
    other.set_suspended("t", false).unwrap();
    assert!(store.records_generation().unwrap().unwrap() > before);
}

/// On PostgreSQL, records are cached by the HTTP tasks (one read for many
/// requests), and an admin change made through another connection (as by
/// another receiver or `erpops admin --store postgres://…`) applies to the
/// very next request of a running receiver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_another_receivers_change_applies_to_the_next_request() {
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("cache")) else {
        return;
    };
    let location = Location::Postgres(url.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(dir.path());
    s.store = location.clone();
    let (receiver, _) = serve::start(&s, false).await.unwrap();
    let addr = receiver.server.addr;
    let server = TestServer {
        receiver: Some(receiver),
        addr,
        data: dir.path().to_path_buf(),
    };
    // The other receiver's connection.
    let other = std::sync::Mutex::new(tokio::task::block_in_place(|| location.open().unwrap()));
    let admin = |command: AdminCommand| {
        tokio::task::block_in_place(|| {
            let mut store = other.lock().unwrap();
            admin::run_on(store.as_mut(), &command).unwrap()
        })
    };
    admin(AdminCommand::Tenants(TenantCommand::Create {
        id: "acme".into(),
        name: None,
        plan: "enterprise".into(),
        pii: "redact".into(),
    }));
    let (id, secret) =
        parse_id_secret(&admin(AdminCommand::Connectors(ConnectorCommand::Create {
            tenant: "acme".into(),
            name: "c".into(),
        })));
    let post = |secret: String, message: String| {
        let server = &server;
        let id = id.clone();
        async move { post_signed(server, &id, &secret, &body(&id, &message)).await }
    };

    // Cached: ten requests, one records read.
    let reads = metric(addr, "erpops_record_reads_total").await;
    for i in 0..10 {
        let r = post(secret.clone(), format!("cached {i}")).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    assert_eq!(
        metric(addr, "erpops_record_reads_total").await - reads,
        1,
        "the records were read once, then taken from memory"
    );
    let (_, generation) = tokio::task::block_in_place(|| {
        let mut store = location.open().unwrap();
        store.records_with_generation(&id.parse().unwrap()).unwrap()
    });
    assert!(generation.is_some(), "PostgreSQL has a records generation");

    for round in 0..3 {
        // Disabled by the other receiver: the next request is refused
        // (admitted from memory, admitted again by the writer).
        admin(AdminCommand::Connectors(ConnectorCommand::Disable {
            id: id.clone(),
        }));
        let r = post(secret.clone(), format!("disabled {round}")).await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (403, Some("connector_disabled")),
            "round {round}: {:?}",
            r.body
        );
        // Enabled again: accepted at once (a refusal is never kept).
        admin(AdminCommand::Connectors(ConnectorCommand::Enable {
            id: id.clone(),
        }));
        let r = post(secret.clone(), format!("enabled {round}")).await;
        assert_eq!(r.status, 202, "round {round}: {:?}", r.body);
        // Suspended and resumed by the other receiver.
        admin(AdminCommand::Tenants(TenantCommand::Suspend {
            id: "acme".into(),
        }));
        let r = post(secret.clone(), format!("suspended {round}")).await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (403, Some("tenant_suspended")),
            "round {round}"
        );
        admin(AdminCommand::Tenants(TenantCommand::Resume {
            id: "acme".into(),
        }));
    }

    // Rotated with no overlap: the new secret is accepted at once (the
    // cached records do not know it: the refusal is checked again), the
    // old one is refused at once (the cached records still hold it: the
    // writer admits the request again with the new records).
    let (_, new_secret) =
        parse_id_secret(&admin(AdminCommand::Connectors(ConnectorCommand::Rotate {
            id: id.clone(),
            overlap_secs: 0,
        })));
    let r = post(new_secret.clone(), "new secret".into()).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    admin(AdminCommand::Connectors(ConnectorCommand::Rotate {
        id: id.clone(),
        overlap_secs: 0,
    }));
    let r = post(new_secret, "previous secret".into()).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (401, Some("signature_mismatch")),
        "{:?}",
        r.body
    );
    let mut server = server;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_change_applies_to_the_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("acme", "enterprise", "redact");
    let (id, secret) = server.connector("acme");
    server.admin(AdminCommand::Plans(PlanCommand::Create {
        name: "one".into(),
        events_per_day: "1".into(),
        ai_queries_per_month: "unlimited".into(),
    }));
    // Records now in memory at the current generation.
    for i in 0..3 {
        let r = post_signed(&server, &id, &secret, &body(&id, &format!("a{i}"))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    // Downgraded while serving: 3 used of 1, the very next event is 429
    // (admitted from memory with the old plan, re-admitted by the writer).
    server.admin(AdminCommand::Tenants(TenantCommand::Plan {
        id: "acme".into(),
        plan: "one".into(),
    }));
    let r = post_signed(&server, &id, &secret, &body(&id, "after downgrade")).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (429, Some("quota_exceeded"))
    );
    // Upgraded again: accepted at once (the refusal is not kept).
    server.admin(AdminCommand::Tenants(TenantCommand::Plan {
        id: "acme".into(),
        plan: "enterprise".into(),
    }));
    let r = post_signed(&server, &id, &secret, &body(&id, "after upgrade")).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspension_between_two_cached_requests_refuses_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("acme", "free", "redact");
    let (id, secret) = server.connector("acme");
    for round in 0..3 {
        let r = post_signed(&server, &id, &secret, &body(&id, &format!("ok{round}"))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        server.admin(AdminCommand::Tenants(TenantCommand::Suspend {
            id: "acme".into(),
        }));
        let r = post_signed(&server, &id, &secret, &body(&id, &format!("no{round}"))).await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (403, Some("tenant_suspended")),
            "round {round}"
        );
        server.admin(AdminCommand::Tenants(TenantCommand::Resume {
            id: "acme".into(),
        }));
    }
    server.stop().await;
}
