//! The quota ledger under arbitrary operation sequences, checked against a
//! plain model after every step.
//!
//! Byte format (`core/fuzz/seeds.py` writes the same): a sequence of
//! operations, each an opcode byte (`% 6`) and its operand bytes.
//! - 0 consume, 1 peek: tenant (`% 3`), metric (`% 2`), limit byte (`% 4`:
//!   0 → finite `byte >> 2 & 7`, 1 → finite 100, 2 → unlimited, 3 → finite 0),
//!   cost byte (255 → `u64::MAX`, else `% 6`), key byte (`% 8`: 0–3 pick one
//!   of four idempotency keys, else none);
//! - 2 advance the clock: unit byte (`% 4`: seconds, minutes, hours, days)
//!   and a `u16` count;
//! - 3 prune at the current time;
//! - 4 snapshot → JSON → restore, which must give the same ledger and bytes;
//! - 5 restore arbitrary text: a length byte, then that many bytes read as
//!   (lossy) UTF-8 snapshot JSON; it must not panic, and what it accepts must
//!   round-trip and accept a consume.
//!
//! Invariants: never over-admit (after an admission under a finite limit the
//! window's usage is at most that limit), usage within a window never
//! decreases, every decision equals the model's, `peek` equals the following
//! `consume` and changes nothing, pruning removes exactly the ended windows,
//! and snapshots round-trip byte for byte. The clock only moves forward.

use std::collections::{BTreeMap, BTreeSet};

use erpops_core::quota::{Decision, Ledger, Limit, Metric, Request, Snapshot, Window};
use erpops_core::Timestamp;

use super::bytes::Bytes;

const TENANTS: [&str; 3] = ["acme", "globex", "initech"];
const KEYS: [&str; 4] = ["k0", "k1", "k2", "batch-7"];
/// 2024-02-28T23:00:00Z: an hour before a leap day, close to month ends.
const START: i64 = 1_709_161_200;

type Row = (usize, Metric, i64);

#[derive(Default)]
struct Model {
    rows: BTreeMap<Row, (u64, BTreeSet<&'static str>)>,
}

/// Runs `data` as an operation sequence; panics when an invariant breaks.
pub fn run(data: &[u8]) {
    let mut input = Bytes::new(data);
    let mut ledger = Ledger::new();
    let mut model = Model::default();
    let mut now = START;
    while !input.is_empty() {
        match input.u8() % 6 {
            op @ (0 | 1) => {
                let tenant = input.pick(TENANTS.len());
                let metric = Metric::ALL[input.pick(2)];
                let limit = match input.u8() {
                    b if b % 4 == 0 => Limit::Finite(u64::from(b >> 2 & 7)),
                    b if b % 4 == 1 => Limit::Finite(100),
                    b if b % 4 == 2 => Limit::Unlimited,
                    _ => Limit::Finite(0),
                };
                let cost = match input.u8() {
                    255 => u64::MAX,
                    b => u64::from(b % 6),
                };
                let key = KEYS.get(input.pick(8)).copied();
                let t = Timestamp::from_unix_seconds(now);
                let mut request = Request::new(TENANTS[tenant], metric, limit, t).with_cost(cost);
                if let Some(k) = key {
                    request = request.with_idempotency_key(k);
                }
                if op == 1 {
                    let before = ledger.clone();
                    let peeked = ledger.peek(&request);
                    assert_eq!(ledger, before, "peek changed the ledger");
                    assert_eq!(peeked, expected(&model, tenant, &request), "peek");
                } else {
                    consume(&mut ledger, &mut model, tenant, &request, key);
                }
            }
            2 => {
                let unit = [1i64, 60, 3600, 86_400][input.pick(4)];
                now = now.saturating_add(unit * i64::from(input.u16()));
            }
            3 => {
                let removed = ledger.prune(Timestamp::from_unix_seconds(now));
                let before = model.rows.len();
                model
                    .rows
                    .retain(|(_, metric, start), _| window_of(*metric, *start).end > now);
                assert_eq!(removed, before - model.rows.len(), "pruned rows");
            }
            4 => {
                let json = ledger.snapshot().to_json();
                let parsed = Snapshot::from_json(&json).expect("own snapshot parses");
                let restored = Ledger::restore(parsed).expect("own snapshot restores");
                assert_eq!(restored, ledger, "restore differs");
                assert_eq!(restored.snapshot().to_json(), json, "snapshot bytes differ");
            }
            _ => {
                let len = usize::from(input.u8());
                let text: Vec<u8> = (0..len).map(|_| input.u8()).collect();
                let text = String::from_utf8_lossy(&text);
                if let Ok(Ok(mut other)) = Snapshot::from_json(&text).map(Ledger::restore) {
                    let json = other.snapshot().to_json();
                    let again = Ledger::restore(Snapshot::from_json(&json).expect("re-parses"))
                        .expect("re-restores");
                    assert_eq!(again, other);
                    let t = Timestamp::from_unix_seconds(now);
                    other.consume(&Request::new(
                        "acme",
                        Metric::InboundEvent,
                        Limit::Finite(5),
                        t,
                    ));
                }
            }
        }
        check_rows(&ledger, &model, now);
    }
}

fn window_of(metric: Metric, start: i64) -> Window {
    Window::containing(metric.period(), Timestamp::from_unix_seconds(start))
}

/// The decision the rule must make for `request` given the model's usage.
fn expected(model: &Model, tenant: usize, request: &Request<'_>) -> Decision {
    let window = request.window();
    let reset_after = window.secs_until_end(request.now);
    let (used, keys) = model
        .rows
        .get(&(tenant, request.metric, window.start))
        .map_or((0, None), |(u, k)| (*u, Some(k)));
    if let (Some(k), Some(keys)) = (request.idempotency_key, keys) {
        if keys.contains(k) {
            return Decision::Replayed {
                limit: request.limit,
                remaining: request.limit.finite().map(|l| l.saturating_sub(used)),
                window,
                reset_after,
            };
        }
    }
    let Limit::Finite(limit) = request.limit else {
        return Decision::Allowed {
            limit: Limit::Unlimited,
            remaining: None,
            window,
            reset_after,
        };
    };
    let remaining = limit.saturating_sub(used);
    if request.cost > limit {
        Decision::Impossible {
            limit,
            cost: request.cost,
            remaining,
            window,
            reset_after,
        }
    } else if used.checked_add(request.cost).is_some_and(|a| a <= limit) {
        Decision::Allowed {
            limit: request.limit,
            remaining: Some(limit - used - request.cost),
            window,
            reset_after,
        }
    } else {
        Decision::Denied {
            limit,
            remaining,
            window,
            retry_after: reset_after,
        }
    }
}

fn consume(
    ledger: &mut Ledger,
    model: &mut Model,
    tenant: usize,
    request: &Request<'_>,
    key: Option<&'static str>,
) {
    let want = expected(model, tenant, request);
    let used_before = ledger.used(TENANTS[tenant], request.metric, request.now);
    let got = ledger.consume(request);
    assert_eq!(got, want, "decision for {request:?}");
    let used_after = ledger.used(TENANTS[tenant], request.metric, request.now);
    assert!(used_after >= used_before, "usage decreased within a window");
    if matches!(got, Decision::Allowed { .. }) {
        if let Limit::Finite(limit) = request.limit {
            assert!(used_after <= limit, "over-admitted: {used_after} > {limit}");
        }
        let row = model
            .rows
            .entry((tenant, request.metric, request.window().start))
            .or_default();
        row.0 = row.0.saturating_add(request.cost);
        row.1.extend(key);
    } else {
        assert_eq!(used_after, used_before, "a refusal or replay consumed");
    }
}

/// Every model row is in the ledger with the same usage, and nothing else.
fn check_rows(ledger: &Ledger, model: &Model, now: i64) {
    assert_eq!(ledger.len(), model.rows.len(), "row count");
    let snapshot = ledger.snapshot();
    for ((tenant, metric, start), (used, keys)) in &model.rows {
        let row = snapshot
            .rows
            .iter()
            .find(|r| {
                r.tenant == TENANTS[*tenant] && r.metric == *metric && r.window_start == *start
            })
            .expect("model row in the ledger");
        assert_eq!(row.used, *used, "usage of {row:?}");
        let held: BTreeSet<&str> = row.idempotency_keys.iter().map(String::as_str).collect();
        assert_eq!(&held, keys, "keys of {row:?}");
    }
    for (i, tenant) in TENANTS.iter().enumerate() {
        for metric in Metric::ALL {
            let start =
                Window::containing(metric.period(), Timestamp::from_unix_seconds(now)).start;
            let used = model.rows.get(&(i, metric, start)).map_or(0, |r| r.0);
            assert_eq!(
                ledger.used(tenant, metric, Timestamp::from_unix_seconds(now)),
                used
            );
        }
    }
}
