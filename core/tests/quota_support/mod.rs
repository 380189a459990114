//! Shared generators, the chrono window oracle and a faithful in-memory
//! executor of the shared-store SQL, for the quota test files.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use erpops_core::quota::shared_store::{
    interpret, prune_statements, read_statement, receipt_statement, upsert_statement, SqlValue,
    Statement, StoreOutcome, PRUNE_RECEIPTS_SQL, PRUNE_USAGE_SQL, READ_SQL, RECEIPT_SQL,
    UPSERT_SQL, UPSERT_UNLIMITED_SQL,
};
use erpops_core::quota::{
    Decision, Limit, Metric, Request, Snapshot, SnapshotRow, Window, SNAPSHOT_VERSION,
};
use erpops_core::Timestamp;
use proptest::prelude::*;

/// Tenants used by generated operations.
pub const TENANTS: [&str; 3] = ["acme", "globex", "initech"];

/// Limits used by generated operations (indexes into this table).
pub const LIMITS: [Limit; 6] = [
    Limit::Finite(0),
    Limit::Finite(1),
    Limit::Finite(2),
    Limit::Finite(3),
    Limit::Finite(5),
    Limit::Unlimited,
];

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
}

fn date_of(secs: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .date_naive()
}

/// The window of `metric` containing `t`, computed by chrono (the oracle).
pub fn chrono_window(metric: Metric, t: Timestamp) -> Window {
    let d = date_of(t.unix_seconds());
    match metric {
        Metric::InboundEvent => Window {
            start: midnight(d),
            end: midnight(d.succ_opt().unwrap()),
        },
        Metric::AiQuery => {
            let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap();
            Window {
                start: midnight(first),
                end: midnight(first.checked_add_months(Months::new(1)).unwrap()),
            }
        }
    }
}

fn last_day(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
    first
        .checked_add_months(Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap()
        .day()
}

/// Instants weighted towards boundaries: ±1 s around midnight, month ends,
/// Feb 28/29, the years 2000 and 2100, nanos near 0 and 10⁹.
pub fn instant() -> impl Strategy<Value = Timestamp> {
    let year = prop_oneof![
        Just(2000),
        Just(2100),
        Just(2024),
        Just(2016),
        Just(1900),
        1901i32..2400
    ];
    let day = prop_oneof![Just(1u32), Just(99), Just(28), Just(29), 1u32..=31];
    let sod = prop_oneof![
        Just(0i64),
        Just(1),
        Just(86_398),
        Just(86_399),
        0i64..86_400
    ];
    let nanos = prop_oneof![Just(0u32), Just(1), Just(999_999_999), 0u32..1_000_000_000];
    let boundary = (year, 1u32..=12, day, sod, nanos.clone()).prop_map(|(y, m, d, sod, n)| {
        let d = d.min(last_day(y, m));
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Timestamp::new(midnight(date) + sod, n).unwrap()
    });
    let any =
        (-2_208_988_800i64..13_569_465_600, nanos).prop_map(|(s, n)| Timestamp::new(s, n).unwrap());
    prop_oneof![3 => boundary, 1 => any]
}

/// How time moves before an operation (never backwards).
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// Same instant.
    Same,
    /// A few nanoseconds.
    Nanos(u32),
    /// Some seconds.
    Secs(u32),
    /// To the next UTC midnight plus −1, 0 or +1 s.
    NextMidnight(i8),
    /// To the next first of the month plus −1, 0 or +1 s.
    NextMonth(i8),
}

/// One generated quota operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// Time step before it.
    pub step: Step,
    /// Index into [`TENANTS`].
    pub tenant: u8,
    /// Metric consumed.
    pub metric: Metric,
    /// Cost.
    pub cost: u64,
    /// Index into [`LIMITS`].
    pub limit: usize,
    /// Idempotency key number, if any.
    pub key: Option<u8>,
    /// Prune before deciding.
    pub prune: bool,
}

impl Op {
    /// The request of this operation at `now`.
    pub fn request<'a>(&self, now: Timestamp, key: Option<&'a str>) -> Request<'a> {
        Request {
            tenant: TENANTS[usize::from(self.tenant)],
            metric: self.metric,
            cost: self.cost,
            limit: LIMITS[self.limit],
            now,
            idempotency_key: key,
        }
    }
}

/// Moves `now` by the operation's step.
pub fn step_time(now: Timestamp, op: &Op) -> Timestamp {
    let secs = now.unix_seconds();
    let target = match op.step {
        Step::Same => return now,
        Step::Nanos(n) => {
            return Timestamp::from_unix_nanos(now.unix_nanos() + i128::from(n)).unwrap()
        }
        Step::Secs(s) => return Timestamp::new(secs + i64::from(s), now.subsec_nanos()).unwrap(),
        Step::NextMidnight(off) => chrono_window(Metric::InboundEvent, now).end + i64::from(off),
        Step::NextMonth(off) => chrono_window(Metric::AiQuery, now).end + i64::from(off),
    };
    Timestamp::from_unix_seconds(target).max(now)
}

/// Operation sequences: each tenant and metric mostly keeps one limit (so
/// quotas get exhausted), with occasional plan changes.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    let step = prop_oneof![
        6 => Just(Step::Same),
        2 => (1u32..2_000_000_000).prop_map(Step::Nanos),
        2 => (1u32..100_000).prop_map(Step::Secs),
        1 => (-1i8..=1).prop_map(Step::NextMidnight),
        1 => (-1i8..=1).prop_map(Step::NextMonth),
    ];
    let cost = prop_oneof![8 => Just(1u64), 1 => Just(0), 2 => 2u64..=3, 1 => Just(6)];
    let raw = (
        step,
        0u8..3,
        prop_oneof![Just(Metric::InboundEvent), Just(Metric::AiQuery)],
        cost,
        prop::option::weighted(0.1, 0usize..LIMITS.len()),
        prop::option::weighted(0.3, 0u8..4),
        prop::bool::weighted(0.05),
    );
    (
        prop::array::uniform6(0usize..LIMITS.len()),
        prop::collection::vec(raw, 0..60),
    )
        .prop_map(|(base, raws)| {
            raws.into_iter()
                .map(|(step, tenant, metric, cost, change, key, prune)| {
                    let slot = usize::from(tenant) * 2 + usize::from(metric == Metric::AiQuery);
                    Op {
                        step,
                        tenant,
                        metric,
                        cost,
                        limit: change.unwrap_or(base[slot]),
                        key,
                        prune,
                    }
                })
                .collect()
        })
}

/// An in-memory database that executes the shared-store statements with
/// the semantics SQLite and PostgreSQL give them.
#[derive(Debug, Clone, Default)]
pub struct SqlDb {
    usage: BTreeMap<(String, String, i64), i64>,
    receipts: BTreeSet<(String, String, i64, String)>,
}

fn text(v: &SqlValue) -> String {
    match v {
        SqlValue::Text(t) => t.clone(),
        SqlValue::Integer(_) => panic!("expected TEXT"),
    }
}

fn int(v: &SqlValue) -> i64 {
    match v {
        SqlValue::Integer(i) => *i,
        SqlValue::Text(_) => panic!("expected BIGINT"),
    }
}

impl SqlDb {
    /// Executes one statement; returns the first column of the returned
    /// row, if a row is returned.
    pub fn exec(&mut self, st: &Statement) -> Option<i64> {
        let p = &st.params;
        match st.sql {
            s if s == UPSERT_SQL || s == UPSERT_UNLIMITED_SQL => {
                let key = (text(&p[0]), text(&p[1]), int(&p[2]));
                let cost = int(&p[3]);
                let limit = (s == UPSERT_SQL).then(|| int(&p[4]));
                match self.usage.get_mut(&key) {
                    None => {
                        // INSERT path: no WHERE applies.
                        self.usage.insert(key, cost);
                        Some(cost)
                    }
                    Some(used) => {
                        let new = used.checked_add(cost).unwrap();
                        if limit.is_none_or(|l| new <= l) {
                            *used = new;
                            Some(new)
                        } else {
                            None
                        }
                    }
                }
            }
            s if s == READ_SQL => self
                .usage
                .get(&(text(&p[0]), text(&p[1]), int(&p[2])))
                .copied(),
            s if s == RECEIPT_SQL => self
                .receipts
                .insert((text(&p[0]), text(&p[1]), int(&p[2]), text(&p[3])))
                .then_some(1),
            s if s == PRUNE_USAGE_SQL => {
                let (m, start) = (text(&p[0]), int(&p[1]));
                self.usage.retain(|(_, rm, ws), _| *rm != m || *ws >= start);
                None
            }
            s if s == PRUNE_RECEIPTS_SQL => {
                let (m, start) = (text(&p[0]), int(&p[1]));
                self.receipts
                    .retain(|(_, rm, ws, _)| *rm != m || *ws >= start);
                None
            }
            other => panic!("unknown statement {other}"),
        }
    }

    /// Runs the prune statements for `now`.
    pub fn prune(&mut self, now: Timestamp) {
        for st in prune_statements(now) {
            self.exec(&st);
        }
    }

    /// The tables in the ledger's snapshot shape.
    pub fn as_snapshot(&self) -> Snapshot {
        let mut rows: Vec<SnapshotRow> = self
            .usage
            .iter()
            .map(|((t, m, ws), used)| SnapshotRow {
                tenant: t.clone(),
                metric: Metric::from_name(m).unwrap(),
                window_start: *ws,
                used: u64::try_from(*used).unwrap(),
                idempotency_keys: self
                    .receipts
                    .iter()
                    .filter(|(rt, rm, rws, _)| rt == t && rm == m && rws == ws)
                    .map(|r| r.3.clone())
                    .collect(),
            })
            .collect();
        rows.sort_by(|a, b| {
            (&a.tenant, a.metric, a.window_start).cmp(&(&b.tenant, b.metric, b.window_start))
        });
        Snapshot {
            version: SNAPSHOT_VERSION,
            rows,
        }
    }
}

/// One decision through the shared-store protocol documented in
/// `quota::shared_store`, as one transaction. `racer`, if given, is decided
/// by "another server" between a refused upsert and the follow-up read.
pub fn shared_decide(db: &mut SqlDb, req: &Request<'_>, racer: Option<&Request<'_>>) -> Decision {
    let read = |db: &mut SqlDb| db.exec(&read_statement(req)).unwrap_or(0);
    let mut receipt = None;
    if let Some(st) = receipt_statement(req) {
        if db.exec(&st).is_none() {
            let used = Some(read(db));
            return interpret(req, StoreOutcome::Replayed { used }).unwrap();
        }
        receipt = Some((
            text(&st.params[0]),
            text(&st.params[1]),
            int(&st.params[2]),
            text(&st.params[3]),
        ));
    }
    if let Some(st) = upsert_statement(req).unwrap() {
        if let Some(used) = db.exec(&st) {
            return interpret(req, StoreOutcome::Admitted { used }).unwrap(); // COMMIT
        }
    }
    if let Some(r) = racer {
        shared_decide(db, r, None);
    }
    // Unit costs need no read (remaining is exactly 0); larger ones read.
    let used = (req.cost > 1).then(|| read(db));
    if let Some(r) = receipt {
        db.receipts.remove(&r); // ROLLBACK of this transaction's only write
    }
    interpret(req, StoreOutcome::NotAdmitted { used }).unwrap()
}
