//! Property tests of quota accounting (issue #4 "Done when"): the window
//! calculus against chrono, the ledger against an independent model, exact
//! `Retry-After`, replays, unlimited plans, snapshot cut points and the
//! shared-store helpers driven by several simulated servers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod quota_support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use erpops_core::quota::http::headers;
use erpops_core::quota::{
    decide, Decision, Ledger, Limit, Metric, Period, Request, Snapshot, Window,
};
use erpops_core::Timestamp;
use proptest::prelude::*;

use quota_support::{
    chrono_window, instant, ops, shared_decide, step_time, SqlDb, LIMITS, TENANTS,
};

proptest! {
    #[test]
    fn windows_match_chrono(t in instant()) {
        for (period, metric) in [(Period::Day, Metric::InboundEvent), (Period::Month, Metric::AiQuery)] {
            let w = Window::containing(period, t);
            prop_assert_eq!(w, chrono_window(metric, t));
            prop_assert!(w.contains_secs(t.unix_seconds()));
            prop_assert_eq!(Window::containing(period, Timestamp::from_unix_seconds(w.end)).start, w.end);
            prop_assert_eq!(Window::containing(period, Timestamp::from_unix_seconds(w.start - 1)).end, w.start);
            let ra = w.secs_until_end(t);
            prop_assert!(ra >= 1);
            prop_assert_eq!(t.unix_seconds() + ra as i64, w.end);
        }
        let d = chrono::DateTime::from_timestamp(t.unix_seconds(), 0).unwrap().date_naive();
        let month = Window::containing(Period::Month, t);
        prop_assert_eq!(month.len_secs(), u64::from(days_in(d.year(), d.month())) * 86_400);
    }

    /// The ledger decides exactly like a naive model over chrono windows:
    /// never over-admits, never refuses while there is room, first request of
    /// a window allowed, replays free, unlimited never refused.
    #[test]
    fn ledger_matches_the_model(start in instant(), ops in ops()) {
        let mut ledger = Ledger::new();
        // model: (tenant, metric, window_start) -> (used, keys)
        let mut model: BTreeMap<(u8, Metric, i64), (u64, BTreeSet<u8>)> = BTreeMap::new();
        let mut now = start;
        for op in &ops {
            now = step_time(now, op);
            if op.prune {
                ledger.prune(now);
                model.retain(|(_, m, s), _| chrono_window(*m, Timestamp::from_unix_seconds(*s)).end > now.unix_seconds());
            }
            let key = op.key.map(|k| format!("k{k}"));
            let req = op.request(now, key.as_deref());
            let w = chrono_window(op.metric, now);
            let row = model.entry((op.tenant, op.metric, w.start)).or_default();
            let peeked = ledger.peek(&req);
            let before = ledger.used(TENANTS[usize::from(op.tenant)], op.metric, now);
            let got = ledger.consume(&req);
            prop_assert_eq!(peeked, got, "peek agrees with consume");
            let ra = (w.end - now.unix_seconds()) as u64;
            prop_assert_eq!(got.window(), w);
            prop_assert_eq!(got.reset_after(), ra);
            let limit = req.limit;
            let replay = op.key.is_some_and(|k| row.1.contains(&k));
            let expected = if replay {
                "replayed"
            } else {
                match limit {
                    Limit::Unlimited => "allowed",
                    Limit::Finite(l) if req.cost > l => "quota_cost_exceeds_limit",
                    Limit::Finite(l) if row.0 + req.cost <= l => "allowed",
                    Limit::Finite(_) => "quota_exceeded",
                }
            };
            prop_assert_eq!(got.code(), expected);
            if row.0 == 0 && row.1.is_empty() && limit.finite().is_none_or(|l| req.cost <= l) {
                prop_assert!(got.is_permitted(), "first request of a window is allowed");
            }
            if got.code() == "allowed" {
                row.0 = row.0.saturating_add(req.cost);
                if let Some(k) = op.key { row.1.insert(k); }
            }
            let after = ledger.used(TENANTS[usize::from(op.tenant)], op.metric, now);
            prop_assert_eq!(after, row.0);
            if got.code() != "allowed" {
                prop_assert_eq!(after, before, "refusals and replays consume nothing");
            }
            if let Limit::Finite(l) = limit {
                prop_assert_eq!(got.remaining(), Some(l.saturating_sub(row.0)));
                if got.is_permitted() { prop_assert!(after <= l || got.code() == "replayed"); }
            } else {
                prop_assert!(got.is_permitted(), "unlimited never denies");
                prop_assert!(headers(op.metric, &got).is_empty());
            }
            // On a denial: still denied one second before the reset, allowed at it.
            if let Decision::Denied { retry_after, .. } = got {
                let hs = headers(op.metric, &got);
                prop_assert_eq!(&hs[0], &("Retry-After", retry_after.to_string()));
                let t_param = format!(";t={}", retry_after);
                prop_assert!(hs[2].1.ends_with(&t_param));
                let shift = |secs: u64| Timestamp::new(now.unix_seconds() + secs as i64, now.subsec_nanos()).unwrap();
                let late = Request { now: shift(retry_after - 1), ..req };
                prop_assert_eq!(ledger.peek(&late).code(), "quota_exceeded");
                let reset = Request { now: shift(retry_after), ..req };
                prop_assert_eq!(ledger.peek(&reset).code(), "allowed");
            }
        }
        // Never over-admitted under a finite limit that never changed.
        for ((t, m, _), (used, _)) in &model {
            let fixed = ops.iter().filter(|o| o.tenant == *t && o.metric == *m).map(|o| o.limit).collect::<BTreeSet<_>>();
            if fixed.len() == 1 {
                if let Some(Limit::Finite(l)) = fixed.first().map(|i| LIMITS[*i]) {
                    prop_assert!(*used <= l);
                }
            }
        }
    }

    /// `decide` as a pure transition agrees with the ledger row by row.
    #[test]
    fn decide_is_the_ledger_transition(start in instant(), ops in ops()) {
        let mut ledger = Ledger::new();
        let mut rows: BTreeMap<(u8, Metric), erpops_core::quota::Counter> = BTreeMap::new();
        let mut now = start;
        for op in &ops {
            now = step_time(now, op);
            let key = op.key.map(|k| format!("k{k}"));
            let req = op.request(now, key.as_deref());
            let (d, next) = decide(rows.get(&(op.tenant, op.metric)), &req);
            prop_assert_eq!(d, ledger.consume(&req));
            prop_assert_eq!(next.is_some(), d.code() == "allowed");
            if let Some(next) = next {
                prop_assert_eq!(next.used, ledger.used(req.tenant, req.metric, now));
                rows.insert((op.tenant, op.metric), next);
            }
        }
    }

    /// Snapshot → JSON → restore at any cut point continues identically, and
    /// the JSON re-encodes byte for byte.
    #[test]
    fn snapshot_restore_at_any_cut_point(start in instant(), ops in ops(), cut in any::<prop::sample::Index>()) {
        let cut = cut.index(ops.len() + 1);
        let mut straight = Ledger::new();
        let mut now = start;
        let mut times = Vec::new();
        for op in &ops {
            now = step_time(now, op);
            times.push(now);
        }
        let run = |ledger: &mut Ledger, range: std::ops::Range<usize>| -> Vec<Decision> {
            range.map(|i| {
                let op = &ops[i];
                if op.prune { ledger.prune(times[i]); }
                let key = op.key.map(|k| format!("k{k}"));
                ledger.consume(&op.request(times[i], key.as_deref()))
            }).collect()
        };
        let all = run(&mut straight, 0..ops.len());
        let mut first = Ledger::new();
        let head = run(&mut first, 0..cut);
        let json = first.snapshot().to_json();
        let decoded = Snapshot::from_json(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), json.clone());
        let mut resumed = Ledger::restore(decoded).unwrap();
        prop_assert_eq!(&resumed, &first);
        let tail = run(&mut resumed, cut..ops.len());
        prop_assert_eq!([head, tail].concat(), all);
        prop_assert_eq!(resumed.snapshot().to_json(), straight.snapshot().to_json());
    }

    /// Several servers, each with its own clock skew (up to ±2 s, so requests
    /// near midnight arrive out of order), driving the shared-store helpers
    /// against one row map decide exactly like the single ledger fed the same
    /// instants, and leave the same rows.
    #[test]
    fn shared_store_servers_match_the_ledger(
        start in instant(),
        ops in ops(),
        skews in prop::collection::vec(-2_000_000_000i64..=2_000_000_000, 1..4),
        assignment in prop::collection::vec(any::<prop::sample::Index>(), 64),
    ) {
        let mut ledger = Ledger::new();
        let mut db = SqlDb::default();
        let mut now = start;
        for (i, op) in ops.iter().enumerate() {
            now = step_time(now, op);
            let server = assignment[i % assignment.len()].index(skews.len());
            let server_now = Timestamp::from_unix_nanos(now.unix_nanos() + i128::from(skews[server])).unwrap();
            if op.prune {
                ledger.prune(server_now);
                db.prune(server_now);
            }
            let key = op.key.map(|k| format!("k{k}"));
            let req = op.request(server_now, key.as_deref());
            let shared = shared_decide(&mut db, &req, None);
            prop_assert_eq!(shared, ledger.consume(&req));
        }
        prop_assert_eq!(db.as_snapshot().to_json(), ledger.snapshot().to_json());
    }

    /// If another server commits between a refused upsert and its follow-up
    /// read, the refusal still stands and its `remaining` can only be lower.
    #[test]
    fn racing_read_never_overstates_remaining(start in instant(), ops in ops(), racer_cost in 1u64..4) {
        let mut ledger = Ledger::new();
        let mut db = SqlDb::default();
        let mut now = start;
        for op in &ops {
            now = step_time(now, op);
            let key = op.key.map(|k| format!("k{k}"));
            let req = op.request(now, key.as_deref());
            let racer = Request { tenant: req.tenant, cost: racer_cost, idempotency_key: None, ..req };
            let expected = ledger.consume(&req);
            let got = shared_decide(&mut db, &req, Some(&racer));
            // The racer ran only if the request was refused; mirror it.
            if matches!(got, Decision::Denied { .. } | Decision::Impossible { .. }) {
                ledger.consume(&racer);
            }
            prop_assert_eq!(got.code(), expected.code());
            prop_assert!(got.remaining() <= expected.remaining());
        }
        prop_assert_eq!(db.as_snapshot().to_json(), ledger.snapshot().to_json());
    }
}

fn days_in(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
    u32::try_from((next - first).num_days()).unwrap()
}
