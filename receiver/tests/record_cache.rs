//! The HTTP tasks' record cache (`server::records`) never decides with
//! records older than the last admin change: the records generation moves
//! with every change to connectors, secrets, tenants and plans (migration
//! 0005's triggers), the writer re-admits a request whose records were
//! older than its group's snapshot, and a refusal is re-checked with fresh
//! records. (http.rs and security.rs cover disable, enable, suspend and
//! rotation while serving; this covers plans and the generation itself.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_core::pii::PiiPolicy;
use erpops_receiver::cli::{AdminCommand, PlanCommand, TenantCommand};
use erpops_receiver::clock;
use erpops_receiver::store::{AdminStore, RecordStore, SqliteStore, WriterStore};

#[test]
fn every_change_the_decision_reads_moves_the_generation() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let mut last = store.records_generation().unwrap().unwrap();
    let mut moved = |store: &mut SqliteStore, what: &str| {
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
    moved(&mut store, "create tenant");
    let id = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
    store.create_connector(&id, "t", "c", "s1", now).unwrap();
    moved(&mut store, "create connector");
    store.rotate_secret(&id, "s2", now, now).unwrap();
    moved(&mut store, "rotate");
    store.set_connector_enabled(&id, false).unwrap();
    moved(&mut store, "disable");
    store.set_suspended("t", true).unwrap();
    moved(&mut store, "suspend");
    store.set_plan("t", "enterprise").unwrap();
    moved(&mut store, "change plan");
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
