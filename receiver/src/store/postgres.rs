//! The shared store: one PostgreSQL database that several receivers may
//! point at (`--store postgres://…`).
//!
//! It uses `tokio-postgres`, each connection on a one-thread runtime of its
//! own (`Session`): the store traits are synchronous and driven by one
//! thread per connection (the writer thread, the record readers, the API
//! reader, the deliverer), so each call blocks that thread until its
//! answer, off the server's tokio workers. The async client is there for
//! pipelining: [`Conn::execute_each`] and [`Conn::query_each`] send one
//! statement for many rows of parameters without waiting between them, so
//! a group of requests costs the writer a number of round trips that does
//! not grow with the group ([`PgStore::round_trips`] counts them).
//!
//! What is shared safely between receivers: connectors, tenants, secrets,
//! API keys, alert configuration, events, replay expiries (read in the
//! writer's transaction), quotas (the core's conditional upsert, one atomic
//! statement), the alert engine with its incident model (`postgres/engine.rs`:
//! a versioned lock per tenant and one for the engine-wide state, changed
//! rows put back before settling) and
//! notification delivery (claimed with a lease). See `docs/deployment.md`.
//!
//! Commits are synchronous (`synchronous_commit` as configured on the
//! server, `on` by default): a 202 is only sent once PostgreSQL reported the
//! commit durable, so [`WriterStore::defer_sync`](super::WriterStore::defer_sync) has nothing left to do.
//!
//! Its store methods are the shared ones ([`SqlStore`]); this file is the
//! `postgres` client's side of the connection trait ([`Conn`]) and what
//! only the shared store has: advisory locks on event ids, the tenants'
//! quota rows locked per group, the engine partitions (`postgres/engine.rs`),
//! delivery claims and TLS (`postgres/tls.rs`).

use std::collections::{BTreeSet, HashMap, HashSet};

use bytes::BytesMut;
use erpops_core::quota::shared_store;
use erpops_core::quota::{self, Metric, Plan};
use erpops_core::receive::ConnectorRecord;
use erpops_core::Timestamp;
use futures_util::future::try_join_all;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::Client;
use uuid::Uuid;

mod engine;
mod tls;

use super::db::{args, event_second, from_db, Conn, DbError, Param, Row, Value, Violation};
use super::dialect::Dialect;
use super::migrate::{migrate, POSTGRES_MIGRATIONS};
use super::sql_store::{limit_from_db, secret_of, tenant_record, Backend, SqlStore};
use super::{
    Deferred, EngineChanges, EngineScope, Records, StoreError, StoreResult, StoreSize, SyncFn,
};

/// The shared store (see the module docs).
pub type PgStore = SqlStore<PgConn>;

/// A PostgreSQL connection with the shared store's per-transaction locks.
pub struct PgConn {
    /// Always `Some` but while being dropped (see the `Drop` impl).
    session: Option<Session>,
    /// Waits for an answer so far (a pipelined batch is one): see
    /// [`PgStore::round_trips`].
    round_trips: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Prepared statements by the statement's text as written (`?N`): one
    /// round trip per call instead of a parse each time.
    prepared: HashMap<String, tokio_postgres::Statement>,
    /// Whether a transaction is open ([`WriterStore::begin`](super::WriterStore::begin) or
    /// [`Conn::atomically`]).
    in_tx: bool,
    /// What this connection has seen of the shared engine and what its
    /// open transaction locked (see [`engine`]).
    engine: engine::EngineView,
    /// Event ids whose advisory lock the open transaction holds (each is
    /// taken once: a second request would be a wasted round trip).
    locked_events: HashSet<String>,
    /// Inbound-event counters the open transaction holds locked, by
    /// (tenant, window start): read by the lock itself and kept up to date
    /// by this transaction's upserts, so a decision's counter needs no
    /// query (nobody else can change a locked row).
    locked_quota: HashMap<(String, i64), i64>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the connection string: it may hold a password.
        f.debug_struct("PgConn")
            .field("in_tx", &self.in_tx)
            .finish_non_exhaustive()
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => StoreError::Database(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Database(e.to_string()),
        }
    }
}

fn db_error(e: tokio_postgres::Error) -> DbError {
    let violation = match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => Some(Violation::Unique),
        Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => Some(Violation::ForeignKey),
        _ => None,
    };
    DbError {
        error: e.into(),
        violation,
    }
}

/// Parameters take the type PostgreSQL inferred for their placeholder:
/// an integer fits a narrower integer column when its value does.
impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Param::Bool(b) => b.to_sql(ty, out),
            Param::Text(t) => t.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Column `i` of a row as a neutral value, by its PostgreSQL type.
fn value_of(row: &tokio_postgres::Row, i: usize) -> Result<Value, tokio_postgres::Error> {
    let ty = row.columns().get(i).map(|c| c.type_().clone());
    Ok(match ty {
        Some(Type::INT8) => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Int),
        Some(Type::INT4) => row
            .try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Some(Type::INT2) => row
            .try_get::<_, Option<i16>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Some(Type::BOOL) => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Some(Type::BYTEA) => row
            .try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Value::Null, Value::Blob),
        _ => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text),
    })
}

fn row_of(row: &tokio_postgres::Row) -> Result<Row, tokio_postgres::Error> {
    (0..row.len())
        .map(|i| value_of(row, i))
        .collect::<Result<_, _>>()
        .map(Row)
}

/// Runs blocking driver work where it may block. Each connection drives
/// its own small runtime ([`Session`]), which cannot run on a thread that
/// is already driving the server's: on a worker of the multi-threaded runtime (the
/// HTTP tasks reading records, `serve`'s start-up) the worker hands its
/// other tasks off first (`block_in_place`). The writer, the blocking pool
/// and admin commands are not runtime workers and run it directly. (A
/// current-thread runtime cannot lend its only thread: the PostgreSQL
/// store needs the multi-threaded one, which `erpops serve` uses.)
fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // A runtime cannot be dropped on a runtime worker.
        if let Some(session) = self.session.take() {
            off_runtime(move || drop(session));
        }
    }
}

/// Whether `location` names a PostgreSQL database rather than a directory.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

fn corrupt<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn no_op() -> SyncFn {
    Box::new(|| Ok(()))
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`,
    /// with libpq's `sslmode`/`sslrootcert` for TLS: see `postgres/tls.rs`)
    /// and brings its schema up to date.
    pub fn open(url: &str) -> StoreResult<Self> {
        let mut store = Self::connect(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects without migrating: for the extra connections a receiver
    /// opens after its first one migrated (a burst of record reads must
    /// not run the migration check per connection).
    pub fn connect(url: &str) -> StoreResult<Self> {
        // TLS as the URL's `sslmode`/`sslrootcert` ask (postgres/tls.rs).
        let session = off_runtime(|| tls::connect(url))?;
        Ok(SqlStore {
            db: PgConn {
                session: Some(session),
                round_trips: std::sync::Arc::default(),
                prepared: HashMap::new(),
                in_tx: false,
                engine: engine::EngineView::new(),
                locked_events: HashSet::new(),
                locked_quota: HashMap::new(),
            },
        })
    }

    /// Applies every known migration the database has not recorded, each
    /// in its own transaction under an advisory lock; refuses a database
    /// migrated by a newer `erpops`. Returns the highest known version.
    pub fn migrate(&mut self) -> StoreResult<i64> {
        migrate(&mut self.db, POSTGRES_MIGRATIONS)
    }
}

impl PgStore {
    /// How many times this connection waited for PostgreSQL's answer: one
    /// per statement, one per pipelined batch of statements
    /// ([`Conn::execute_each`]). A handle, so a test can read it while the
    /// writer owns the store.
    pub fn round_trips(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        std::sync::Arc::clone(&self.db.round_trips)
    }
}

/// A connection and the runtime that drives it. The runtime has one thread
/// and runs only inside [`PgConn::call`], which blocks the calling thread
/// until the answer (as the synchronous `postgres` client does); between
/// calls nothing is waiting for the connection.
pub(super) struct Session {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl PgConn {
    /// Runs the future `f` makes on the connection and waits for it, off
    /// the async runtime's worker (see [`off_runtime`]): one round trip
    /// (several statements in `f` are pipelined). `on_err` maps the
    /// driver's error.
    fn call<'a, T, E: From<StoreError>, F>(
        &'a mut self,
        f: impl FnOnce(&'a Client) -> F,
        on_err: impl FnOnce(tokio_postgres::Error) -> E,
    ) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| StoreError::Database("the connection was closed".to_owned()))?;
        self.round_trips
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        off_runtime(|| session.runtime.block_on(f(&session.client))).map_err(on_err)
    }

    /// The prepared statement for `sql` as written (`?N`, or `$N` in this
    /// file's own statements).
    fn stmt(&mut self, sql: &str) -> StoreResult<tokio_postgres::Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let text = Dialect::Postgres.translate(sql);
        let s = self.call(|c| c.prepare(&text), StoreError::from)?;
        self.prepared.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs a statement with the client's own parameter types (arrays).
    fn execute_native(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        let s = self.stmt(sql)?;
        self.call(|c| c.execute(&s, params), StoreError::from)
    }

    /// Runs a query with the client's own parameter types (arrays).
    fn query_native(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let s = self.stmt(sql)?;
        let rows = self.call(|c| c.query(&s, params), StoreError::from)?;
        Ok(rows.iter().map(row_of).collect::<Result<_, _>>()?)
    }

    /// Ends the open transaction's bookkeeping (`committed`: it
    /// committed).
    fn clear_tx(&mut self, committed: bool) {
        self.in_tx = false;
        self.locked_events.clear();
        self.locked_quota.clear();
        self.end_engine_tx(committed);
    }

    /// Takes the open transaction's advisory lock on each event id (one
    /// statement, sorted: the array's order is the locking order).
    fn lock_event_ids(&mut self, ids: &[&str]) -> StoreResult<()> {
        let ids: Vec<&str> = ids
            .iter()
            .copied()
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.execute_native(
            "SELECT COUNT(pg_advisory_xact_lock(hashtextextended(id, 0))) FROM unnest($1::TEXT[]) \
             AS id",
            &[&ids],
        )?;
        if self.in_tx {
            self.locked_events
                .extend(ids.into_iter().map(str::to_owned));
        }
        Ok(())
    }
}

fn refs<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Conn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError> {
        let s = self.stmt(sql)?;
        let p = refs(params);
        self.call(|c| c.execute(&s, &p), db_error)
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Vec<Row>> {
        let s = self.stmt(sql)?;
        let p = refs(params);
        let rows = self.call(|c| c.query(&s, &p), StoreError::from)?;
        Ok(rows.iter().map(row_of).collect::<Result<_, _>>()?)
    }

    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Option<Row>> {
        let s = self.stmt(sql)?;
        let p = refs(params);
        let row = self.call(|c| c.query_opt(&s, &p), StoreError::from)?;
        Ok(row.as_ref().map(row_of).transpose()?)
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.call(|c| c.batch_execute(sql), StoreError::from)
    }

    fn execute_each(&mut self, sql: &str, rows: &[Vec<Param<'_>>]) -> Result<Vec<u64>, DbError> {
        match rows {
            [] => Ok(Vec::new()),
            [one] => self.execute(sql, one).map(|n| vec![n]),
            _ => {
                let s = self.stmt(sql)?;
                let params: Vec<_> = rows.iter().map(|r| refs(r)).collect();
                // Polled together, the client writes every request before
                // reading the first answer (pipelining).
                self.call(
                    |c| try_join_all(params.iter().map(|p| c.execute(&s, p))),
                    db_error,
                )
            }
        }
    }

    fn query_each(&mut self, sql: &str, rows: &[Vec<Param<'_>>]) -> StoreResult<Vec<Vec<Row>>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let s = self.stmt(sql)?;
        let params: Vec<_> = rows.iter().map(|r| refs(r)).collect();
        let answers = self.call(
            |c| try_join_all(params.iter().map(|p| c.query(&s, p))),
            StoreError::from,
        )?;
        answers
            .iter()
            .map(|rows| rows.iter().map(row_of).collect::<Result<Vec<_>, _>>())
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    fn in_transaction(&self) -> bool {
        self.in_tx
    }

    fn begin_tx(&mut self) -> StoreResult<()> {
        self.batch("BEGIN")?;
        self.in_tx = true;
        Ok(())
    }

    fn end_tx(&mut self, commit: bool) -> StoreResult<()> {
        let result = self.batch(if commit { "COMMIT" } else { "ROLLBACK" });
        self.clear_tx(commit && result.is_ok());
        result
    }
}

impl Backend for PgConn {
    fn begin(&mut self) -> StoreResult<()> {
        self.clear_tx(false);
        self.begin_tx()
    }

    fn commit(&mut self) -> StoreResult<()> {
        // Once committed, what the transaction locked and caught up with
        // is the newest version of it this connection holds.
        self.end_tx(true)
    }

    fn rollback(&mut self) -> StoreResult<()> {
        if self.in_tx {
            // The version bumps are rolled back too: what this connection
            // has seen stays what it was.
            self.end_tx(false)?;
        }
        Ok(())
    }

    fn defer_sync(&mut self) -> StoreResult<Deferred> {
        // Each COMMIT already returns once PostgreSQL flushed its WAL, and
        // the server checkpoints by itself.
        Ok(Deferred {
            sync: no_op(),
            checkpoint: no_op(),
        })
    }

    fn store_size(&mut self) -> StoreResult<StoreSize> {
        let bytes: i64 = self
            .query_opt("SELECT pg_database_size(current_database())", &[])?
            .map_or(Ok(0), |r| r.get(0))?;
        Ok(StoreSize {
            bytes: u64::try_from(bytes).unwrap_or(0),
            // Free space inside tables is VACUUM's business; not measured.
            free_bytes: 0,
        })
    }

    fn lock_engine(&mut self, scope: EngineScope) -> StoreResult<Option<EngineChanges>> {
        self.lock_shared_engine(scope).map(Some)
    }

    fn lock_group(
        &mut self,
        tenants: &[&str],
        event_ids: &[&str],
        now: Timestamp,
    ) -> StoreResult<()> {
        // The engine partitions of the group's tenants first: every
        // writer locks partitions, then quota rows, then event ids, then
        // the engine-wide row (see `engine`).
        self.lock_partitions(tenants)?;
        // The core's upsert with a cost of 0 and no limit, per tenant (one
        // batch): creates the window's row if needed and locks it until
        // the commit without changing it. Another receiver's group for
        // these tenants waits here, and this group's reads of the
        // counters are exact. Sorted: every group locks in one order.
        let tenants: BTreeSet<&str> = tenants.iter().copied().collect();
        let mut locks = Vec::with_capacity(tenants.len());
        for tenant in tenants {
            let lock =
                quota::Request::new(tenant, Metric::InboundEvent, quota::Limit::Unlimited, now)
                    .with_cost(0);
            if let Some(st) = shared_store::upsert_statement(&lock).map_err(corrupt)? {
                locks.push((tenant, lock.window().start, st));
            }
        }
        if let Some((_, _, first)) = locks.first() {
            let sql = first.sql;
            let params: Vec<Vec<Param<'_>>> = locks
                .iter()
                .map(|(_, _, st)| st.params.iter().map(Param::from).collect())
                .collect();
            let answers = self.query_each(sql, &params)?;
            for ((tenant, window, _), rows) in locks.iter().zip(answers) {
                if let Some(row) = rows.first() {
                    let used: i64 = row.get(0)?;
                    self.locked_quota
                        .insert(((*tenant).to_owned(), *window), used);
                }
            }
        }
        let ids: Vec<&str> = event_ids
            .iter()
            .copied()
            .filter(|id| !self.locked_events.contains(*id))
            .collect();
        self.lock_event_ids(&ids)
    }

    fn records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        Ok(self.records_with_generation(connector)?.0)
    }

    fn records_generation(&mut self) -> StoreResult<Option<i64>> {
        // Migration 9. In the writer's group transaction (READ COMMITTED)
        // this is the generation as of this statement; requests admitted
        // with records read at any other one are admitted again.
        let row = self.query_opt(
            "SELECT generation FROM records_generation WHERE id = 1",
            &[],
        )?;
        match row {
            Some(r) => Ok(Some(r.get(0)?)),
            None => Err(StoreError::Corrupt(
                "records_generation has no row (migration 9)".to_owned(),
            )),
        }
    }

    fn records_with_generation(&mut self, connector: &Uuid) -> StoreResult<(Records, Option<i64>)> {
        // One statement, so one snapshot even under READ COMMITTED: the
        // generation is exactly the one of the rows read (the bump is made
        // by the changing transaction itself, see migration 9). It reads
        // the generation, the connector, each of its secrets, its tenant
        // and the tenant's custom plan in one round trip; the generation's
        // row is the left side, so an unknown connector still yields it.
        let cid = connector.to_string();
        let rows = self.query(
            "SELECT g.generation, c.id IS NOT NULL, c.tenant_id, c.enabled, s.secret, \
             s.expires_at, t.plan, t.pii_policy, t.suspended, p.name IS NOT NULL, \
             p.inbound_events_per_day, p.ai_queries_per_month FROM records_generation g LEFT \
             JOIN connectors c ON c.id = ?1 LEFT JOIN connector_secrets s ON s.connector_id = \
             c.id LEFT JOIN tenants t ON t.id = c.tenant_id LEFT JOIN custom_plans p ON p.name = \
             t.plan WHERE g.id = 1",
            args![&cid],
        )?;
        let Some(first) = rows.first() else {
            return Err(StoreError::Corrupt(
                "records_generation has no row (migration 9)".to_owned(),
            ));
        };
        let generation: i64 = first.get(0)?;
        if !first.get::<bool>(1)? {
            return Ok(((None, None), Some(generation)));
        }
        let mut secrets = Vec::new();
        for r in &rows {
            if let Some(text) = r.get::<Option<String>>(4)? {
                secrets.push(secret_of(&text, r.get(5)?)?);
            }
        }
        let tenant = match first.get::<Option<String>>(6)? {
            None => None,
            Some(plan_name) => {
                let plan = match Plan::from_name(&plan_name) {
                    Some(plan) => Some(plan),
                    None if first.get::<bool>(9)? => Some(Plan::Custom {
                        inbound_events: limit_from_db(first.get(10)?),
                        ai_queries: limit_from_db(first.get(11)?),
                    }),
                    None => None,
                };
                Some(tenant_record(
                    plan,
                    &plan_name,
                    &first.get::<String>(7)?,
                    first.get(8)?,
                )?)
            }
        };
        let record = ConnectorRecord {
            tenant_id: first.get(2)?,
            enabled: first.get(3)?,
            secrets,
        };
        Ok(((Some(record), tenant), Some(generation)))
    }

    fn replay_expiries(
        &mut self,
        events: &[(&str, Timestamp)],
    ) -> StoreResult<Vec<Option<Timestamp>>> {
        // Two receivers given the same bytes at once would both read "not
        // seen" under READ COMMITTED and both store the event: the first
        // to lock the event id holds the other until its group commits,
        // which then reads the expiry and answers `duplicate`. The writer
        // took the group's locks in `lock_group` (in order, with the
        // group's other locks); a caller that did not takes them here.
        let missing: Vec<&str> = events
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !self.locked_events.contains(*id))
            .collect();
        if !missing.is_empty() {
            self.lock_event_ids(&missing)?;
        }
        let params: Vec<Vec<Param<'_>>> = events
            .iter()
            .map(|(id, time)| args![event_second(*time), *id].to_vec())
            .collect();
        let answers = self.query_each(
            "SELECT MAX(replay_expires_at) FROM events WHERE event_second = ?1 AND event_id = ?2",
            &params,
        )?;
        answers
            .iter()
            .map(|rows| match rows.first() {
                Some(row) => Ok(row.get::<Option<i64>>(0)?.map(from_db)),
                None => Ok(None),
            })
            .collect()
    }

    fn held_counter(&mut self, tenant: &str, window: i64) -> Option<i64> {
        self.locked_quota.get(&(tenant.to_owned(), window)).copied()
    }

    fn counter_charged(&mut self, tenant: &str, window: i64, used: i64) {
        if let Some(cached) = self.locked_quota.get_mut(&(tenant.to_owned(), window)) {
            *cached = used;
        }
    }

    fn engine_write_version(&mut self) -> StoreResult<Option<i64>> {
        self.global_write_version().map(Some)
    }

    fn engine_rows_versioned(&mut self) -> StoreResult<bool> {
        self.ensure_row_locks()?;
        Ok(true)
    }

    fn model_loading(&mut self) -> StoreResult<()> {
        self.engine_loading()
    }

    fn release_claims(&mut self, ids: &[String]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.execute_native(
            "UPDATE notifications SET claimed_until = NULL WHERE id = ANY($1) AND state = \
             'pending'",
            &[&ids],
        )?;
        Ok(())
    }
}
