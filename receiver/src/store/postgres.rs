//! The shared store: one PostgreSQL database that several receivers may
//! point at (`--store postgres://…`).
//!
//! It uses the synchronous `postgres` client: the store traits are
//! synchronous and driven by one thread per connection (the writer thread,
//! the record readers, the API reader, the deliverer), which is exactly the
//! client's model; it runs its own small runtime inside, so the server's
//! tokio runtime is never blocked by a query from an async task.
//!
//! What is shared safely between receivers: connectors, tenants, secrets,
//! API keys, alert configuration, events, replay expiries (read in the
//! writer's transaction), quotas (the core's conditional upsert, one atomic
//! statement), the alert engine with its incident model (`postgres/engine.rs`: a
//! versioned row lock, changed rows reloaded before settling) and
//! notification delivery (claimed with a lease). See `docs/deployment.md`.
//!
//! Commits are synchronous (`synchronous_commit` as configured on the
//! server, `on` by default): a 202 is only sent once PostgreSQL reported the
//! commit durable, so [`Store::defer_sync`] has nothing left to do.

use std::collections::HashMap;

use erpops_core::incident::snapshot::SNAPSHOT_VERSION;
use erpops_core::incident::{
    CorrelationKey, Effect as IncidentEffect, IncidentSnapshot, KeySnapshot,
};
use erpops_core::pii::PiiPolicy;
use erpops_core::quota::shared_store::{self, SqlValue};
use erpops_core::quota::{self, Counter, Decision, Metric, Plan, Window};
use erpops_core::receive::{ConnectorRecord, ConnectorSecret, TenantRecord};
use erpops_core::signature::Secret;
use erpops_core::Timestamp;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Row};
use uuid::Uuid;

mod alerts;
mod engine;
mod tls;

use super::migrate::POSTGRES_MIGRATIONS;
use super::sqlite::{event_second, from_db, to_db};
use super::{
    charge_inbound_events, ApiKeyRow, ConnectorRow, Cursor, Deferred, EventFilter, IncidentFilter,
    Listed, NewEvent, ReadStore, Records, Store, StoreError, StoreResult, SyncFn, TenantRow,
};

/// Advisory lock key taken while migrating, so receivers starting together
/// apply each migration once ("erpopsmg" in ASCII).
const MIGRATION_LOCK: i64 = 0x6572_706f_7073_6d67;

/// See the module docs.
pub struct PgStore {
    /// Always `Some` but while being dropped (see the `Drop` impl).
    client: Option<Client>,
    /// Prepared statements by SQL text: one round trip per call instead of
    /// a parse each time.
    prepared: HashMap<String, postgres::Statement>,
    /// Whether [`Store::begin`] opened a transaction not yet ended.
    in_tx: bool,
    /// The shared engine's version this connection last committed or
    /// loaded (−1: none yet): rows newer than it were written by another
    /// receiver (see [`engine`]).
    engine_seen: i64,
    /// The version the open transaction holds the engine lock at, and
    /// writes its rows with.
    engine_pending: Option<i64>,
    /// Whether the open transaction caught up with other receivers'
    /// writes (only then is its commit the version this connection holds).
    engine_checked: bool,
    /// Event ids whose advisory lock the open transaction holds (each is
    /// taken once: a second request would be a wasted round trip).
    locked_events: std::collections::HashSet<String>,
    /// Inbound-event counters the open transaction holds locked, by
    /// (tenant, window start): read by the lock itself and kept up to date
    /// by this transaction's upserts, so a decision's counter needs no
    /// query (nobody else can change a locked row).
    locked_quota: HashMap<(String, i64), i64>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the connection string: it may hold a password.
        f.debug_struct("PgStore")
            .field("in_tx", &self.in_tx)
            .finish_non_exhaustive()
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => StoreError::Database(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Database(e.to_string()),
        }
    }
}

/// Runs blocking driver work where it may block. The sync client drives
/// its own small runtime, which cannot run on a thread that is already
/// driving the server's: on a worker of the multi-threaded runtime (the
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

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing the connection blocks on the driver's runtime too.
        if let Some(client) = self.client.take() {
            off_runtime(move || drop(client));
        }
    }
}

fn is_code(e: &postgres::Error, code: &SqlState) -> bool {
    e.code() == Some(code)
}

/// Whether `location` names a PostgreSQL database rather than a directory.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

fn corrupt<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Owned SQL parameters of the core's quota statements.
fn quota_params(params: &[SqlValue]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                SqlValue::Text(t) => Box::new(t.clone()),
                SqlValue::Integer(i) => Box::new(*i),
            }
        })
        .collect()
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
    /// not run the migration check, four transactions, per connection).
    pub fn connect(url: &str) -> StoreResult<Self> {
        // TLS as the URL's `sslmode`/`sslrootcert` ask (postgres/tls.rs).
        let client = off_runtime(|| tls::connect(url))?;
        Ok(PgStore {
            client: Some(client),
            prepared: HashMap::new(),
            in_tx: false,
            engine_seen: -1,
            engine_pending: None,
            engine_checked: false,
            locked_events: std::collections::HashSet::new(),
            locked_quota: HashMap::new(),
        })
    }

    /// Applies every known migration the database has not recorded, each
    /// in its own transaction under an advisory lock; refuses a database
    /// migrated by a newer `erpops`. Returns the highest known version.
    pub fn migrate(&mut self) -> StoreResult<i64> {
        let known = POSTGRES_MIGRATIONS
            .iter()
            .map(|(v, _)| *v)
            .max()
            .unwrap_or(0);
        // (Without the notice "already exists, skipping" at each start.)
        self.batch(
            "SET client_min_messages TO warning; CREATE TABLE IF NOT EXISTS schema_migrations \
             (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()); RESET \
             client_min_messages",
        )?;
        for (version, sql) in POSTGRES_MIGRATIONS {
            let found = self.call(
                |c| {
                    let mut tx = c.transaction()?;
                    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
                    let current: i64 = tx
                        .query_one(
                            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                            &[],
                        )?
                        .get(0);
                    if current > known {
                        return Ok(Some(current));
                    }
                    let done = tx
                        .query_opt(
                            "SELECT 1 FROM schema_migrations WHERE version = $1",
                            &[version],
                        )?
                        .is_some();
                    if !done {
                        tx.batch_execute(sql)?;
                        tx.execute(
                            "INSERT INTO schema_migrations (version) VALUES ($1)",
                            &[version],
                        )?;
                    }
                    tx.commit()?;
                    Ok(None)
                },
                StoreError::from,
            )?;
            if let Some(found) = found {
                return Err(StoreError::SchemaTooNew { known, found });
            }
        }
        Ok(known)
    }

    /// Runs `f` on the connection, off the async runtime's worker (see
    /// [`off_runtime`]); `on_err` maps the driver's error.
    fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
        on_err: impl FnOnce(postgres::Error) -> StoreError,
    ) -> StoreResult<T> {
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| StoreError::Database("the connection was closed".to_owned()))?;
        off_runtime(|| f(client)).map_err(on_err)
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.call(|c| c.batch_execute(sql), StoreError::from)
    }

    fn stmt(&mut self, sql: &str) -> StoreResult<postgres::Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.call(|c| c.prepare(sql), StoreError::from)?;
        self.prepared.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn exec_or(
        &mut self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        on_err: impl FnOnce(postgres::Error) -> StoreError,
    ) -> StoreResult<u64> {
        let s = self.stmt(sql)?;
        self.call(|c| c.execute(&s, p), on_err)
    }

    fn exec(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        self.exec_or(sql, p, StoreError::from)
    }

    fn opt(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<Row>> {
        let s = self.stmt(sql)?;
        self.call(|c| c.query_opt(&s, p), StoreError::from)
    }

    fn all(&mut self, sql: &str, p: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let s = self.stmt(sql)?;
        self.call(|c| c.query(&s, p), StoreError::from)
    }

    fn run_quota(&mut self, st: &shared_store::Statement) -> StoreResult<Option<i64>> {
        let values = quota_params(&st.params);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
        Ok(self.opt(st.sql, &refs)?.map(|r| r.get(0)))
    }

    /// Runs `f` in its own transaction unless the caller's is open (admin
    /// commands call outside one; the writer inside its group).
    fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> StoreResult<T>) -> StoreResult<T> {
        if self.in_tx {
            return f(self);
        }
        self.batch("BEGIN")?;
        self.in_tx = true;
        let out = f(self);
        self.end_tx();
        match out {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                self.batch("ROLLBACK")?;
                Err(e)
            }
        }
    }

    fn touch(
        &mut self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        what: &'static str,
        id: &str,
    ) -> StoreResult<()> {
        if self.exec(sql, p)? == 0 {
            return Err(StoreError::NotFound {
                what,
                id: id.to_owned(),
            });
        }
        Ok(())
    }
}

fn exists_or(e: postgres::Error, what: &'static str, id: &str) -> StoreError {
    if is_code(&e, &SqlState::UNIQUE_VIOLATION) {
        StoreError::Exists {
            what,
            id: id.to_owned(),
        }
    } else {
        e.into()
    }
}

fn missing_or(e: postgres::Error, what: &'static str, id: &str) -> StoreError {
    if is_code(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
        StoreError::NotFound {
            what,
            id: id.to_owned(),
        }
    } else {
        e.into()
    }
}

fn json_of(text: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(corrupt)
}

fn no_op() -> SyncFn {
    Box::new(|| Ok(()))
}

impl Store for PgStore {
    fn ping(&mut self) -> StoreResult<()> {
        self.batch("SELECT 1")?;
        Ok(())
    }

    fn begin(&mut self) -> StoreResult<()> {
        self.end_tx();
        self.batch("BEGIN")?;
        self.in_tx = true;
        Ok(())
    }

    fn commit(&mut self) -> StoreResult<()> {
        let caught_up = self.end_tx();
        self.batch("COMMIT")?;
        if let Some(version) = caught_up {
            // This connection's engine is now the newest version.
            self.engine_seen = version;
        }
        Ok(())
    }

    fn lock_engine(&mut self) -> StoreResult<Option<super::EngineChanges>> {
        self.lock_shared_engine().map(Some)
    }

    fn lock_group(
        &mut self,
        tenants: &[&str],
        event_ids: &[&str],
        now: Timestamp,
    ) -> StoreResult<()> {
        // The engine lock first, so groups and ticks (which take only it,
        // then prune old quota rows) lock in one order.
        self.take_engine_lock()?;
        let tenants: std::collections::BTreeSet<&str> = tenants.iter().copied().collect();
        for tenant in tenants {
            // The core's upsert with a cost of 0 and no limit: creates the
            // window's row if needed and locks it until the commit without
            // changing it. Another receiver's group for this tenant waits
            // here, and this group's reads of the counter are exact.
            let lock =
                quota::Request::new(tenant, Metric::InboundEvent, quota::Limit::Unlimited, now)
                    .with_cost(0);
            if let Some(st) = shared_store::upsert_statement(&lock).map_err(corrupt)? {
                if let Some(used) = self.run_quota(&st)? {
                    let window = lock.window().start;
                    self.locked_quota.insert((tenant.to_owned(), window), used);
                }
            }
        }
        // Every event id's lock in one statement (one round trip), in the
        // sorted order of the array (unnest keeps it).
        let ids: Vec<&str> = event_ids
            .iter()
            .copied()
            .filter(|id| !self.locked_events.contains(*id))
            .collect::<std::collections::BTreeSet<&str>>()
            .into_iter()
            .collect();
        if !ids.is_empty() {
            self.exec(
                "SELECT COUNT(pg_advisory_xact_lock(hashtextextended(id, 0))) FROM \
                 unnest($1::TEXT[]) AS id",
                &[&ids],
            )?;
            self.locked_events
                .extend(ids.into_iter().map(str::to_owned));
        }
        Ok(())
    }

    fn rollback(&mut self) -> StoreResult<()> {
        if self.in_tx {
            // The version bump is rolled back too: what this connection
            // has seen stays what it was.
            self.end_tx();
            self.batch("ROLLBACK")?;
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

    fn records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        // No cache: another receiver may have changed the rows, and
        // PostgreSQL has no cheap "did anything change" counter. One
        // statement (one round trip per request) reads the connector, each
        // of its secrets, its tenant and the tenant's custom plan.
        let cid = connector.to_string();
        let rows = self.all(
            "SELECT c.tenant_id, c.enabled, s.secret, s.expires_at, t.plan, t.pii_policy, \
             t.suspended, p.name IS NOT NULL, p.inbound_events_per_day, p.ai_queries_per_month \
             FROM connectors c LEFT JOIN connector_secrets s ON s.connector_id = c.id LEFT JOIN \
             tenants t ON t.id = c.tenant_id LEFT JOIN custom_plans p ON p.name = t.plan WHERE \
             c.id = $1",
            &[&cid],
        )?;
        let Some(first) = rows.first() else {
            return Ok((None, None));
        };
        let mut secrets = Vec::new();
        for r in &rows {
            let Some(text) = r.get::<_, Option<&str>>(2) else {
                continue;
            };
            let expires: Option<i64> = r.get(3);
            let secret = Secret::new(text.as_bytes())
                .map_err(|e| StoreError::Corrupt(format!("connector secret: {e}")))?;
            secrets.push(ConnectorSecret {
                secret,
                expires_at: expires.map(from_db),
            });
        }
        let tenant = match first.get::<_, Option<&str>>(4) {
            None => None,
            Some(plan_name) => {
                let plan = match Plan::from_name(plan_name) {
                    Some(plan) => plan,
                    None if first.get::<_, bool>(7) => Plan::Custom {
                        inbound_events: alerts::limit_from_db(first.get(8)),
                        ai_queries: alerts::limit_from_db(first.get(9)),
                    },
                    None => return Err(StoreError::Corrupt(format!("unknown plan {plan_name:?}"))),
                };
                let pii: &str = first.get(5);
                Some(TenantRecord {
                    plan,
                    pii_policy: PiiPolicy::from_wire(pii).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown PII policy {pii:?}"))
                    })?,
                    suspended: first.get(6),
                })
            }
        };
        let record = ConnectorRecord {
            tenant_id: first.get(0),
            enabled: first.get(1),
            secrets,
        };
        Ok((Some(record), tenant))
    }

    fn lookup_state(
        &mut self,
        tenant: &str,
        replay: Option<(&str, Timestamp)>,
        now: Timestamp,
    ) -> StoreResult<(Option<Timestamp>, Option<Counter>)> {
        if let Some((event_id, _)) = replay {
            // Two receivers given the same bytes at once would both read
            // "not seen" under READ COMMITTED and both store the event: the
            // first to lock the event id holds the other until its group
            // commits, which then reads the expiry and answers `duplicate`.
            // The writer already took it in `lock_group` (in order, with the
            // group's other locks), so it is not asked for again.
            if !self.locked_events.contains(event_id) {
                self.exec(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    &[&event_id],
                )?;
                if self.in_tx {
                    self.locked_events.insert(event_id.to_owned());
                }
            }
        }
        let replay: Option<i64> = match replay {
            Some((event_id, event_time)) => self
                .opt(
                    "SELECT MAX(replay_expires_at) FROM events WHERE event_second = $1 AND \
                     event_id = $2",
                    &[&event_second(event_time), &event_id],
                )?
                .and_then(|r| r.get(0)),
            None => None,
        };
        let window = Window::containing(Metric::InboundEvent.period(), now);
        let used = match self.locked_quota.get(&(tenant.to_owned(), window.start)) {
            Some(used) => Some(*used),
            None => {
                let probe =
                    quota::Request::new(tenant, Metric::InboundEvent, quota::Limit::Unlimited, now);
                self.run_quota(&shared_store::read_statement(&probe))?
            }
        };
        let quota = used.map(|u| Counter {
            window_start: window.start,
            used: u64::try_from(u).unwrap_or(0),
            idempotency_keys: Default::default(),
        });
        Ok((replay.map(from_db), quota))
    }

    /// The group's `count` events in one conditional upsert (the core's
    /// `with_cost`), not one round trip per event: the writer's in-memory
    /// view of the counter already admitted them one by one under the
    /// group's lock on this row.
    fn consume_event_quotas(
        &mut self,
        tenant: &str,
        plan: Plan,
        count: u64,
        now: Timestamp,
    ) -> StoreResult<Decision> {
        charge_inbound_events(tenant, plan, count, now, |request, st| {
            let used = self.run_quota(st)?;
            if let Some(used) = used {
                let key = (tenant.to_owned(), request.window().start);
                if let Some(cached) = self.locked_quota.get_mut(&key) {
                    *cached = used;
                }
            }
            Ok(used)
        })
    }

    fn insert_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        let json = serde_json::to_string(e.event).map_err(corrupt)?;
        self.exec(
            "INSERT INTO events (event_id, tenant_id, connector_id, received_at, event_type, \
             severity, source, incident_id, event_json, raw_body, event_second, \
             replay_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &e.event_id,
                &e.tenant_id,
                &e.event.connector_id.to_string(),
                &to_db(e.received_at),
                &e.event.event_type,
                &e.event.severity.as_str(),
                &e.event.source,
                &e.incident_id,
                &json,
                &e.raw_body,
                &event_second(e.event.timestamp),
                &e.replay_expires_at.map(to_db),
            ],
        )?;
        Ok(())
    }

    fn record_incident_effects(
        &mut self,
        effects: &[IncidentEffect],
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut latest: std::collections::BTreeMap<&str, &erpops_core::incident::Incident> =
            std::collections::BTreeMap::new();
        for effect in effects {
            let incident = effect.incident();
            latest.insert(incident.id.as_str(), incident);
            if effect.kind() == "updated" {
                continue;
            }
            let json = serde_json::to_string(effect).map_err(corrupt)?;
            self.exec(
                "INSERT INTO incident_effects (incident_id, kind, at, effect_json) VALUES ($1, \
                 $2, $3, $4)",
                &[&incident.id, &effect.kind(), &to_db(now), &json],
            )?;
        }
        for incident in latest.into_values() {
            let record = serde_json::to_string(incident).map_err(corrupt)?;
            let status = serde_json::to_value(incident.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let cid = incident.connector_id.to_string();
            self.exec(
                "INSERT INTO incidents (id, tenant_id, connector_id, status, updated_at, \
                 record_json) VALUES ($1, (SELECT tenant_id FROM connectors WHERE id = $2), $2, \
                 $3, $4, $5) ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at \
                 = excluded.updated_at, record_json = excluded.record_json",
                &[&incident.id, &cid, &status, &to_db(now), &record],
            )?;
        }
        Ok(())
    }

    fn incident_tenant(&mut self, incident_id: &str) -> StoreResult<Option<String>> {
        Ok(self
            .opt(
                "SELECT tenant_id FROM incidents WHERE id = $1",
                &[&incident_id],
            )?
            .and_then(|r| r.get(0)))
    }

    fn write_incident_keys(
        &mut self,
        rows: &[(CorrelationKey, Option<KeySnapshot>)],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.atomically(|s| {
            let version = s.write_version()?;
            for (key, row) in rows {
                let bytes = key.canonical_bytes();
                match row {
                    Some(row) => {
                        let json = serde_json::to_string(row).map_err(corrupt)?;
                        s.exec(
                            "INSERT INTO incident_keys (key, forget_at, state_json, version) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET forget_at \
                             = excluded.forget_at, state_json = excluded.state_json, version = \
                             excluded.version",
                            &[&bytes, &row.state.forget_at.map(to_db), &json, &version],
                        )?;
                    }
                    None => {
                        s.exec("DELETE FROM incident_keys WHERE key = $1", &[&bytes])?;
                    }
                }
            }
            Ok(())
        })
    }

    fn save_incident_model(&mut self, snapshot: &IncidentSnapshot) -> StoreResult<()> {
        self.atomically(|s| {
            // The engine lock before the rows, as the writers take them.
            s.take_engine_lock()?;
            s.exec("DELETE FROM incident_keys", &[])?;
            let rows: Vec<(CorrelationKey, Option<KeySnapshot>)> = snapshot
                .keys
                .iter()
                .map(|k| (k.key.clone(), Some(k.clone())))
                .collect();
            s.write_incident_keys(&rows)
        })
    }

    fn load_incident_model(&mut self) -> StoreResult<Option<IncidentSnapshot>> {
        // Read before the rows: whatever the rows hold is at least this
        // version, so a later `lock_engine` reloads nothing older.
        self.engine_seen = self.engine_version()?;
        let mut keys = Vec::new();
        for r in self.all("SELECT state_json FROM incident_keys ORDER BY key", &[])? {
            let json: String = r.get(0);
            let key: KeySnapshot = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("incident key row: {e}")))?;
            keys.push(key);
        }
        Ok((!keys.is_empty()).then_some(IncidentSnapshot {
            version: SNAPSHOT_VERSION,
            keys,
        }))
    }

    fn prune(&mut self, now: Timestamp) -> StoreResult<()> {
        self.exec(
            "DELETE FROM incident_keys WHERE forget_at IS NOT NULL AND forget_at <= $1",
            &[&to_db(now)],
        )?;
        for st in shared_store::prune_statements(now) {
            let values = quota_params(&st.params);
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(AsRef::as_ref).collect();
            self.exec(st.sql, &refs)?;
        }
        Ok(())
    }

    fn create_tenant(
        &mut self,
        id: &str,
        name: &str,
        plan: &str,
        pii: PiiPolicy,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.exec_or(
            "INSERT INTO tenants (id, name, plan, pii_policy, suspended, created_at) VALUES ($1, \
             $2, $3, $4, FALSE, $5)",
            &[&id, &name, &plan, &pii.as_str(), &to_db(now)],
            |e| exists_or(e, "tenant", id),
        )?;
        Ok(())
    }

    fn tenants(&mut self) -> StoreResult<Vec<TenantRow>> {
        Ok(self
            .all(
                "SELECT id, name, plan, pii_policy, suspended FROM tenants ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| TenantRow {
                id: r.get(0),
                name: r.get(1),
                plan: r.get(2),
                pii_policy: r.get(3),
                suspended: r.get(4),
            })
            .collect())
    }

    fn set_plan(&mut self, id: &str, plan: &str) -> StoreResult<()> {
        self.touch(
            "UPDATE tenants SET plan = $2 WHERE id = $1",
            &[&id, &plan],
            "tenant",
            id,
        )
    }

    fn set_suspended(&mut self, id: &str, suspended: bool) -> StoreResult<()> {
        self.touch(
            "UPDATE tenants SET suspended = $2 WHERE id = $1",
            &[&id, &suspended],
            "tenant",
            id,
        )
    }

    fn create_connector(
        &mut self,
        id: &Uuid,
        tenant: &str,
        name: &str,
        secret: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let cid = id.to_string();
        self.atomically(|s| {
            if s.opt("SELECT 1 FROM tenants WHERE id = $1", &[&tenant])?
                .is_none()
            {
                return Err(StoreError::NotFound {
                    what: "tenant",
                    id: tenant.to_owned(),
                });
            }
            s.exec_or(
                "INSERT INTO connectors (id, tenant_id, name, enabled, created_at) VALUES ($1, \
                 $2, $3, TRUE, $4)",
                &[&cid, &tenant, &name, &to_db(now)],
                |e| exists_or(e, "connector", &cid),
            )?;
            s.exec(
                "INSERT INTO connector_secrets (connector_id, secret, created_at, expires_at) \
                 VALUES ($1, $2, $3, NULL)",
                &[&cid, &secret, &to_db(now)],
            )?;
            Ok(())
        })
    }

    fn connectors(
        &mut self,
        tenant: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Vec<ConnectorRow>> {
        let rows = self.all(
            "SELECT c.id, c.tenant_id, c.name, c.enabled, (SELECT COUNT(*) FROM connector_secrets \
             s WHERE s.connector_id = c.id AND (s.expires_at IS NULL OR s.expires_at > $2)) FROM \
             connectors c WHERE ($1::TEXT IS NULL OR c.tenant_id = $1) ORDER BY c.tenant_id, \
             c.name, c.id",
            &[&tenant, &to_db(now)],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.get(0);
            let active: i64 = r.get(4);
            out.push(ConnectorRow {
                id: Uuid::parse_str(&id).map_err(corrupt)?,
                tenant_id: r.get(1),
                name: r.get(2),
                enabled: r.get(3),
                active_secrets: usize::try_from(active).unwrap_or(0),
            });
        }
        Ok(out)
    }

    fn rotate_secret(
        &mut self,
        id: &Uuid,
        secret: &str,
        old_expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        let cid = id.to_string();
        self.atomically(|s| {
            let n = s.exec(
                "UPDATE connector_secrets SET expires_at = CASE WHEN expires_at IS NULL OR \
                 expires_at > $2 THEN $2 ELSE expires_at END WHERE connector_id = $1",
                &[&cid, &to_db(old_expires_at)],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound {
                    what: "connector",
                    id: cid.clone(),
                });
            }
            s.exec(
                "INSERT INTO connector_secrets (connector_id, secret, created_at, expires_at) \
                 VALUES ($1, $2, $3, NULL)",
                &[&cid, &secret, &to_db(now)],
            )?;
            Ok(())
        })
    }

    fn set_connector_enabled(&mut self, id: &Uuid, enabled: bool) -> StoreResult<()> {
        let cid = id.to_string();
        self.touch(
            "UPDATE connectors SET enabled = $2 WHERE id = $1",
            &[&cid, &enabled],
            "connector",
            &cid,
        )
    }

    fn active_secrets(&mut self, id: &Uuid, now: Timestamp) -> StoreResult<Vec<String>> {
        Ok(self
            .all(
                "SELECT secret FROM connector_secrets WHERE connector_id = $1 AND (expires_at IS \
                 NULL OR expires_at > $2) ORDER BY created_at DESC",
                &[&id.to_string(), &to_db(now)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn demo(&mut self) -> StoreResult<Option<(String, Uuid)>> {
        self.opt("SELECT tenant_id, connector_id FROM demo WHERE id = 1", &[])?
            .map(|r| {
                let c: String = r.get(1);
                Uuid::parse_str(&c).map(|u| (r.get(0), u)).map_err(corrupt)
            })
            .transpose()
    }

    fn set_demo(&mut self, tenant: &str, connector: &Uuid) -> StoreResult<()> {
        self.exec(
            "INSERT INTO demo (id, tenant_id, connector_id) VALUES (1, $1, $2)",
            &[&tenant, &connector.to_string()],
        )?;
        Ok(())
    }

    fn event_count(&mut self, tenant: &str) -> StoreResult<u64> {
        let n: i64 = self
            .opt(
                "SELECT COUNT(*) FROM events WHERE tenant_id = $1",
                &[&tenant],
            )?
            .map_or(0, |r| r.get(0));
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn create_api_key(
        &mut self,
        id: &str,
        tenant: &str,
        key_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.exec_or(
            "INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES ($1, $2, \
             $3, $4, $5)",
            &[&id, &tenant, &key_hash, &label, &to_db(now)],
            |e| missing_or(e, "tenant", tenant),
        )?;
        Ok(())
    }

    fn api_keys(&mut self, tenant: Option<&str>) -> StoreResult<Vec<ApiKeyRow>> {
        Ok(self
            .all(
                "SELECT id, tenant_id, label, revoked_at IS NOT NULL FROM api_keys WHERE \
                 ($1::TEXT IS NULL OR tenant_id = $1) ORDER BY tenant_id, created_at, id",
                &[&tenant],
            )?
            .iter()
            .map(|r| ApiKeyRow {
                id: r.get(0),
                tenant_id: r.get(1),
                label: r.get(2),
                revoked: r.get(3),
            })
            .collect())
    }

    fn revoke_api_key(&mut self, id: &str, now: Timestamp) -> StoreResult<()> {
        self.touch(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
            &[&id, &to_db(now)],
            "api key",
            id,
        )
    }
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl ReadStore for PgStore {
    fn api_key(&mut self, key_hash: &str) -> StoreResult<Option<(String, String)>> {
        Ok(self
            .opt(
                "SELECT id, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                &[&key_hash],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn list_incidents(
        &mut self,
        tenant: &str,
        f: &IncidentFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let rows = self.all(
            "SELECT updated_at, id, record_json FROM incidents WHERE tenant_id = $1 AND \
             ($2::TEXT IS NULL OR status = $2) AND ($3::TEXT IS NULL OR \
             (record_json::jsonb ->> 'severity') = $3) AND ($4::TEXT IS NULL OR connector_id = \
             $4) AND ($5::TEXT IS NULL OR (record_json::jsonb ->> 'source') = $5) AND \
             ($6::BIGINT IS NULL OR updated_at >= $6) AND ($7::BIGINT IS NULL OR updated_at < $7 \
             OR (updated_at = $7 AND id < $8)) ORDER BY updated_at DESC, id DESC LIMIT $9",
            &[
                &tenant,
                &f.status,
                &f.severity,
                &f.connector,
                &f.source,
                &f.since.map(to_db),
                &after.map(|c| c.at),
                &after.map(|c| c.id.as_str()),
                &limit_param(limit),
            ],
        )?;
        rows.iter()
            .map(|r| {
                let json: String = r.get(2);
                Ok(Listed {
                    at: r.get(0),
                    id: r.get(1),
                    json: json_of(&json)?,
                })
            })
            .collect()
    }

    fn incident(&mut self, tenant: &str, id: &str) -> StoreResult<Option<serde_json::Value>> {
        self.opt(
            "SELECT record_json FROM incidents WHERE tenant_id = $1 AND id = $2",
            &[&tenant, &id],
        )?
        .map(|r| json_of(r.get(0)))
        .transpose()
    }

    fn list_events(
        &mut self,
        tenant: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let rows = self.all(
            "SELECT received_at, event_id, event_json, incident_id FROM events WHERE tenant_id = \
             $1 AND ($2::TEXT IS NULL OR connector_id = $2) AND ($3::TEXT IS NULL OR event_type = \
             $3) AND ($4::TEXT IS NULL OR severity = $4) AND ($5::TEXT IS NULL OR source = $5) \
             AND ($6::BIGINT IS NULL OR received_at >= $6) AND ($7::BIGINT IS NULL OR \
             received_at < $7 OR (received_at = $7 AND event_id < $8)) ORDER BY received_at DESC, \
             event_id DESC LIMIT $9",
            &[
                &tenant,
                &f.connector,
                &f.event_type,
                &f.severity,
                &f.source,
                &f.since.map(to_db),
                &after.map(|c| c.at),
                &after.map(|c| c.id.as_str()),
                &limit_param(limit),
            ],
        )?;
        rows.iter()
            .map(|r| {
                let at: i64 = r.get(0);
                let id: String = r.get(1);
                let json: String = r.get(2);
                let incident: Option<String> = r.get(3);
                let json = serde_json::json!({
                    "event_id": id,
                    "received_at": from_db(at),
                    "incident_id": incident,
                    "event": json_of(&json)?,
                });
                Ok(Listed { at, id, json })
            })
            .collect()
    }

    fn usage(&mut self, tenant: &str, now: Timestamp) -> StoreResult<serde_json::Value> {
        let plan_name: String = self
            .opt("SELECT plan FROM tenants WHERE id = $1", &[&tenant])?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::NotFound {
                what: "tenant",
                id: tenant.to_owned(),
            })?;
        let plan = self
            .resolve_plan(&plan_name)?
            .ok_or_else(|| StoreError::Corrupt(format!("unknown plan {plan_name:?}")))?;
        let mut metrics = Vec::new();
        for metric in Metric::ALL {
            let limit = plan.limit(metric);
            let request = quota::Request::new(tenant, metric, limit, now);
            let used = self
                .run_quota(&shared_store::read_statement(&request))?
                .unwrap_or(0);
            let window = request.window();
            metrics.push(serde_json::json!({
                "metric": metric.as_str(),
                "used": used,
                "limit": limit.finite(),
                "window_start": Timestamp::from_unix_seconds(window.start),
                "window_end": Timestamp::from_unix_seconds(window.end),
            }));
        }
        Ok(serde_json::json!({ "tenant_id": tenant, "plan": plan_name, "metrics": metrics }))
    }
}
