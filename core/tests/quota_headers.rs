//! Hand-written pins of the quota decisions and exact header strings for the
//! dates named in issue #4, plus the error codes of snapshots and the shared
//! store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use erpops_core::quota::http::headers;
use erpops_core::quota::shared_store::{interpret, upsert_statement, StoreOutcome};
use erpops_core::quota::{Decision, Ledger, Limit, Metric, Plan, QuotaError, Request, Snapshot};
use erpops_core::Timestamp;

/// Parses RFC 3339 with chrono (the test oracle). A leap second `:60` comes
/// back from chrono as nanos ≥ 10⁹; it is passed to the core as
/// `:59.999999999`, exactly as the documentation tells callers to do.
fn at(text: &str) -> Timestamp {
    let dt = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    let nanos = dt.timestamp_subsec_nanos().min(999_999_999);
    Timestamp::new(dt.timestamp(), nanos).unwrap()
}

fn hdrs(metric: Metric, d: &Decision) -> Vec<(String, String)> {
    headers(metric, d)
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn free_tenant_on_2024_02_29_uses_its_100_events_then_gets_429_headers() {
    let now = at("2024-02-29T12:00:00Z");
    let limit = Plan::Free.limit(Metric::InboundEvent);
    let mut ledger = Ledger::new();
    let req = Request::new("acme", Metric::InboundEvent, limit, now);

    let first = ledger.consume(&req);
    assert_eq!(
        hdrs(Metric::InboundEvent, &first),
        pairs(&[
            ("RateLimit-Policy", "\"events\";q=100;w=86400"),
            ("RateLimit", "\"events\";r=99;t=43200"),
        ])
    );
    for _ in 1..100 {
        assert!(ledger.consume(&req).is_permitted());
    }
    let denied = ledger.consume(&req);
    assert_eq!(denied.code(), "quota_exceeded");
    assert_eq!(denied.reset_at(), at("2024-03-01T00:00:00Z").unix_seconds());
    assert_eq!(
        hdrs(Metric::InboundEvent, &denied),
        pairs(&[
            ("Retry-After", "43200"),
            ("RateLimit-Policy", "\"events\";q=100;w=86400"),
            ("RateLimit", "\"events\";r=0;t=43200"),
        ])
    );
    // Another tenant is not affected: counting is per tenant.
    let other = ledger.consume(&Request::new("globex", Metric::InboundEvent, limit, now));
    assert_eq!(other.remaining(), Some(99));
    // The next day starts from zero.
    let next = ledger.consume(&Request {
        now: at("2024-03-01T00:00:00Z"),
        ..req
    });
    assert_eq!(next.remaining(), Some(99));
}

#[test]
fn free_ai_queries_in_february_2024_use_a_29_day_window() {
    let now = at("2024-02-29T12:00:00Z");
    let mut ledger = Ledger::new();
    let req = Request::new(
        "acme",
        Metric::AiQuery,
        Plan::Free.limit(Metric::AiQuery),
        now,
    );
    let d = ledger.consume(&req);
    assert_eq!(
        hdrs(Metric::AiQuery, &d),
        pairs(&[
            ("RateLimit-Policy", "\"ai-queries\";q=100;w=2505600"),
            ("RateLimit", "\"ai-queries\";r=99;t=43200"),
        ])
    );
}

#[test]
fn professional_tenant_on_2100_02_28_a_common_year() {
    let now = at("2100-02-28T00:00:00Z");
    let mut ledger = Ledger::new();
    let events = Plan::Professional.limit(Metric::InboundEvent);
    let req = Request::new("initech", Metric::InboundEvent, events, now);
    let d = ledger.consume(&req);
    assert_eq!(
        hdrs(Metric::InboundEvent, &d),
        pairs(&[
            ("RateLimit-Policy", "\"events\";q=50000;w=86400"),
            ("RateLimit", "\"events\";r=49999;t=86400"),
        ])
    );
    assert!(ledger.consume(&req.with_cost(49_999)).is_permitted());
    let denied = ledger.consume(&req);
    assert_eq!(
        hdrs(Metric::InboundEvent, &denied),
        pairs(&[
            ("Retry-After", "86400"),
            ("RateLimit-Policy", "\"events\";q=50000;w=86400"),
            ("RateLimit", "\"events\";r=0;t=86400"),
        ])
    );
    // 2100 is not a leap year: the next day is March 1st.
    assert_eq!(denied.reset_at(), at("2100-03-01T00:00:00Z").unix_seconds());

    let ai = Request::new(
        "initech",
        Metric::AiQuery,
        Plan::Professional.limit(Metric::AiQuery),
        now,
    );
    assert_eq!(
        hdrs(Metric::AiQuery, &ledger.consume(&ai)),
        pairs(&[
            ("RateLimit-Policy", "\"ai-queries\";q=5000;w=2419200"),
            ("RateLimit", "\"ai-queries\";r=4999;t=86400"),
        ])
    );
}

#[test]
fn last_second_of_2024_resets_in_one_second_for_day_and_month() {
    let now = at("2024-12-31T23:59:59Z");
    for (metric, policy) in [
        (Metric::InboundEvent, "\"events\";q=100;w=86400"),
        (Metric::AiQuery, "\"ai-queries\";q=100;w=2678400"),
    ] {
        let mut ledger = Ledger::new();
        let req = Request::new("acme", metric, Plan::Free.limit(metric), now);
        assert!(ledger.consume(&req.with_cost(100)).is_permitted());
        let denied = ledger.consume(&req);
        let name = erpops_core::quota::http::policy_name(metric);
        assert_eq!(
            hdrs(metric, &denied),
            pairs(&[
                ("Retry-After", "1"),
                ("RateLimit-Policy", policy),
                ("RateLimit", &format!("\"{name}\";r=0;t=1")),
            ])
        );
        assert_eq!(denied.reset_at(), at("2025-01-01T00:00:00Z").unix_seconds());
        // One second later is the new window.
        let next = ledger.consume(&Request {
            now: at("2025-01-01T00:00:00Z"),
            ..req
        });
        assert_eq!(next.remaining(), Some(99));
    }
}

#[test]
fn leap_second_2016_belongs_to_the_last_day_of_2016() {
    let leap = at("2016-12-31T23:59:60Z");
    assert_eq!(
        leap.unix_seconds(),
        at("2016-12-31T23:59:59Z").unix_seconds()
    );
    assert_eq!(leap.subsec_nanos(), 999_999_999);
    let mut ledger = Ledger::new();
    let pro = Plan::Professional.limit(Metric::InboundEvent);
    let req = Request::new("initech", Metric::InboundEvent, pro, leap);
    let d = ledger.consume(&req);
    assert_eq!(d.window().start, at("2016-12-31T00:00:00Z").unix_seconds());
    assert_eq!(
        hdrs(Metric::InboundEvent, &d),
        pairs(&[
            ("RateLimit-Policy", "\"events\";q=50000;w=86400"),
            ("RateLimit", "\"events\";r=49999;t=1"),
        ])
    );
    let free = Request::new("acme", Metric::InboundEvent, Limit::Finite(100), leap);
    assert!(ledger.consume(&free.with_cost(100)).is_permitted());
    let denied = ledger.consume(&free);
    assert_eq!(denied.retry_after(), Some(1));
    assert_eq!(
        hdrs(Metric::InboundEvent, &denied),
        pairs(&[
            ("Retry-After", "1"),
            ("RateLimit-Policy", "\"events\";q=100;w=86400"),
            ("RateLimit", "\"events\";r=0;t=1"),
        ])
    );
}

#[test]
fn unlimited_plans_send_no_ratelimit_fields() {
    let mut ledger = Ledger::new();
    let req = Request::new(
        "megacorp",
        Metric::InboundEvent,
        Plan::Enterprise.limit(Metric::InboundEvent),
        at("2024-02-29T12:00:00Z"),
    );
    let d = ledger.consume(&req.with_cost(u64::MAX));
    assert!(matches!(
        d,
        Decision::Allowed {
            remaining: None,
            ..
        }
    ));
    assert!(headers(Metric::InboundEvent, &d).is_empty());
    // Usage is still counted (saturating) and never refused.
    assert!(ledger.consume(&req.with_cost(u64::MAX)).is_permitted());
    assert_eq!(
        ledger.used("megacorp", Metric::InboundEvent, req.now),
        u64::MAX
    );
}

#[test]
fn downgrade_mid_window_never_gives_negative_remaining() {
    let now = at("2024-02-29T12:00:00Z");
    let mut ledger = Ledger::new();
    let pro = Request::new("acme", Metric::InboundEvent, Limit::Finite(50_000), now);
    assert!(ledger.consume(&pro.with_cost(250)).is_permitted());
    let free = Request {
        limit: Limit::Finite(100),
        ..pro
    };
    let denied = ledger.consume(&free);
    assert!(matches!(denied, Decision::Denied { remaining: 0, .. }));
    assert_eq!(
        hdrs(Metric::InboundEvent, &denied)[2].1,
        "\"events\";r=0;t=43200"
    );
    assert_eq!(ledger.peek(&free).remaining(), Some(0));
    // Upgrading again gives the room back at once.
    assert_eq!(ledger.consume(&pro).remaining(), Some(50_000 - 251));
}

#[test]
fn a_cost_above_the_limit_is_impossible_and_has_no_retry_after() {
    let now = at("2024-02-29T12:00:00Z");
    let mut ledger = Ledger::new();
    let req = Request::new("acme", Metric::AiQuery, Limit::Finite(100), now).with_cost(101);
    let d = ledger.consume(&req);
    assert_eq!(d.code(), "quota_cost_exceeds_limit");
    assert!(ledger.is_empty());
    assert_eq!(
        hdrs(Metric::AiQuery, &d),
        pairs(&[
            ("RateLimit-Policy", "\"ai-queries\";q=100;w=2505600"),
            ("RateLimit", "\"ai-queries\";r=100;t=43200"),
        ])
    );
    // A custom plan with 0 events refuses every event this way.
    let zero = Plan::Custom {
        inbound_events: Limit::Finite(0),
        ai_queries: Limit::Unlimited,
    };
    let d = ledger.consume(&Request::new(
        "acme",
        Metric::InboundEvent,
        zero.limit(Metric::InboundEvent),
        now,
    ));
    assert!(matches!(
        d,
        Decision::Impossible {
            limit: 0,
            cost: 1,
            ..
        }
    ));
}

#[test]
fn idempotent_retry_replays_without_consuming() {
    let now = at("2024-02-29T12:00:00Z");
    let mut ledger = Ledger::new();
    let req = Request::new("acme", Metric::AiQuery, Limit::Finite(100), now)
        .with_idempotency_key("q-1")
        .with_cost(10);
    assert_eq!(ledger.consume(&req).remaining(), Some(90));
    let again = ledger.consume(&req);
    assert_eq!(again.code(), "replayed");
    assert_eq!(again.remaining(), Some(90));
    assert_eq!(ledger.used("acme", Metric::AiQuery, now), 10);
    // The key is remembered per window: next month it consumes again.
    let march = Request {
        now: at("2024-03-01T00:00:00Z"),
        ..req
    };
    assert_eq!(ledger.consume(&march).code(), "allowed");
    // And it disappears with its window when pruned.
    assert_eq!(ledger.prune(at("2024-03-01T00:00:00Z")), 1);
    assert_eq!(ledger.len(), 1);
}

#[test]
fn snapshot_json_is_canonical_and_errors_have_stable_codes() {
    let now = at("2024-02-29T12:00:00Z");
    let mut ledger = Ledger::new();
    ledger.consume(
        &Request::new("b", Metric::AiQuery, Limit::Finite(5), now).with_idempotency_key("z"),
    );
    ledger.consume(
        &Request::new("b", Metric::AiQuery, Limit::Finite(5), now).with_idempotency_key("a"),
    );
    ledger.consume(&Request::new("a", Metric::InboundEvent, Limit::Unlimited, now).with_cost(7));
    let json = ledger.snapshot().to_json();
    assert_eq!(
        json,
        "{\"version\":1,\"rows\":[\
         {\"tenant\":\"a\",\"metric\":\"inbound_event\",\"window_start\":1709164800,\"used\":7,\"idempotency_keys\":[]},\
         {\"tenant\":\"b\",\"metric\":\"ai_query\",\"window_start\":1706745600,\"used\":2,\"idempotency_keys\":[\"a\",\"z\"]}]}"
    );
    let restored = Ledger::restore(Snapshot::from_json(&json).unwrap()).unwrap();
    assert_eq!(restored, ledger);
    assert_eq!(restored.snapshot().to_json(), json);

    let code = |text: &str| {
        Snapshot::from_json(text)
            .and_then(Ledger::restore)
            .map(|_| ())
            .unwrap_err()
            .code()
    };
    assert_eq!(code("{\"version\":1}"), "snapshot_syntax");
    assert_eq!(code("{\"version\":2,\"rows\":[]}"), "snapshot_version");
    let row = |t: &str, start: i64, keys: &str| {
        format!("{{\"tenant\":\"{t}\",\"metric\":\"inbound_event\",\"window_start\":{start},\"used\":1,\"idempotency_keys\":[{keys}]}}")
    };
    let two = |a: String, b: String| format!("{{\"version\":1,\"rows\":[{a},{b}]}}");
    assert_eq!(
        code(&two(row("b", 0, ""), row("a", 0, ""))),
        "snapshot_unsorted"
    );
    assert_eq!(
        code(&two(row("a", 0, ""), row("a", 0, ""))),
        "snapshot_unsorted"
    );
    assert_eq!(
        code(&two(row("a", 0, "\"k\",\"k\""), row("b", 0, ""))),
        "snapshot_unsorted"
    );
    assert_eq!(
        code(&two(row("a", 0, ""), row("b", 5, ""))),
        "snapshot_misaligned"
    );
}

#[test]
fn shared_store_rejects_results_the_statement_cannot_produce() {
    let now = at("2024-02-29T12:00:00Z");
    let req = Request::new("acme", Metric::InboundEvent, Limit::Finite(100), now);
    let err = |o| interpret(&req, o).unwrap_err().code();
    assert_eq!(
        err(StoreOutcome::Admitted { used: 101 }),
        "store_result_invalid"
    );
    assert_eq!(
        err(StoreOutcome::Admitted { used: -1 }),
        "store_result_invalid"
    );
    assert_eq!(
        err(StoreOutcome::Replayed { used: Some(1) }),
        "store_result_invalid"
    );
    let unlimited = Request {
        limit: Limit::Unlimited,
        ..req
    };
    assert_eq!(
        interpret(&unlimited, StoreOutcome::NotAdmitted { used: None })
            .unwrap_err()
            .code(),
        "store_result_invalid"
    );
    let huge = Request {
        limit: Limit::Finite(u64::MAX),
        ..req
    };
    assert_eq!(
        upsert_statement(&huge).unwrap_err(),
        QuotaError::StoreOutOfRange { field: "limit" }
    );
    // A unit-cost refusal needs no read: remaining is exactly 0.
    assert!(matches!(
        interpret(&req, StoreOutcome::NotAdmitted { used: None }).unwrap(),
        Decision::Denied {
            remaining: 0,
            retry_after: 43200,
            ..
        }
    ));
}

#[test]
fn names_round_trip_for_stores_and_admin_commands() {
    for m in Metric::ALL {
        assert_eq!(Metric::from_name(m.as_str()), Some(m));
    }
    assert_eq!(Metric::from_name("events"), None);
    assert_eq!(Plan::from_name("free"), Some(Plan::Free));
    assert_eq!(Plan::from_name("professional"), Some(Plan::Professional));
    assert_eq!(Plan::from_name("enterprise"), Some(Plan::Enterprise));
    assert_eq!(Plan::from_name("Free"), None);
    assert_eq!(Plan::Enterprise.limit(Metric::AiQuery), Limit::Unlimited);
    assert_eq!(
        Plan::Professional.limit(Metric::AiQuery),
        Limit::Finite(5_000)
    );
}
