//! The embedded store: one SQLite file in the data directory, WAL mode with
//! `synchronous=FULL` so a commit is on disk before a 202 is sent.

use std::path::Path;
use std::time::Duration;

use erpops_core::event::Event;
use erpops_core::incident::snapshot::SNAPSHOT_VERSION;
use erpops_core::incident::{
    CorrelationKey, Effect as IncidentEffect, IncidentSnapshot, KeySnapshot,
};
use erpops_core::pii::PiiPolicy;
use erpops_core::quota::shared_store::{self, SqlValue, Statement};
use erpops_core::quota::{self, Counter, Decision, Metric, Plan, Window};
use erpops_core::receive::{ConnectorRecord, ConnectorSecret, TenantRecord};
use erpops_core::signature::Secret;
use erpops_core::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, ToSql};
use uuid::Uuid;

mod alerts;
mod replay;

use super::migrate::migrate;
use super::{
    charge_inbound_events, ApiKeyRow, ConnectorRow, Cursor, Deferred, EventFilter, IncidentFilter,
    Listed, NewEvent, ReadStore, Records, Store, StoreError, StoreResult, SyncFn, TenantRow,
};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "erpops.sqlite3";

/// See the module docs.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    cache: LookupCache,
    /// Replay keys not yet in `replay_index` (see `replay`).
    replay: replay::ReplayKeys,
}

/// Connector and tenant records as last read, valid while no other
/// connection (an admin command) has committed: SQLite's `data_version`
/// changes exactly then, and it is checked at each `begin`. Saves three
/// queries per request on the writer's hot path. Unknown connectors are
/// not cached, and the cache is bounded.
#[derive(Debug, Default)]
struct LookupCache {
    data_version: i64,
    connectors: std::collections::HashMap<String, ConnectorRecord>,
    tenants: std::collections::HashMap<String, Option<TenantRecord>>,
}

/// Most connectors kept in the lookup cache.
const CACHE_LIMIT: usize = 10_000;

/// A `Timestamp` as stored: Unix nanoseconds (fits `i64` until 2262).
pub fn to_db(t: Timestamp) -> i64 {
    i64::try_from(t.unix_nanos()).unwrap_or(i64::MAX)
}

/// The replay index's leading column: the event's own time in whole Unix
/// seconds (floor), as migration 0004 computes it for older rows.
pub fn event_second(t: Timestamp) -> i64 {
    t.unix_seconds()
}

/// A stored time back as a `Timestamp`.
pub fn from_db(n: i64) -> Timestamp {
    Timestamp::from_unix_nanos(i128::from(n)).unwrap_or(Timestamp::from_unix_seconds(0))
}

/// Creates the data directory (owner-only on Unix) and an empty database file
/// readable by the owner only, unless they exist. The file holds connector
/// secrets in clear (HMAC needs them) and event bodies; SQLite gives its WAL
/// and shared-memory files the database file's permissions.
fn create_private(data_dir: &Path) -> std::io::Result<()> {
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    let mut file = std::fs::OpenOptions::new();
    file.create_new(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        dir.mode(0o700);
        file.mode(0o600);
    }
    dir.create(data_dir)?;
    match file.open(data_dir.join(DB_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and migrates it.
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        create_private(data_dir).map_err(|e| {
            StoreError::Database(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let mut conn = Connection::open(data_dir.join(DB_FILE))?;
        // Admin commands and the server share the file: wait for the other
        // writer instead of failing at once.
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Memory stays bounded by these, not by the database's size: a
        // page cache of at most 8 MiB per connection, and no memory map (a
        // map of the file puts every page a connection ever read into the
        // process's resident set: with 256 MiB the receiver's peak RSS
        // followed the database file up to 146 MiB in a 12 s load run,
        // for no CPU saved per request).
        conn.pragma_update(None, "cache_size", -8_192)?;
        conn.pragma_update(None, "mmap_size", 0)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn,
            cache: LookupCache::default(),
            replay: replay::ReplayKeys::default(),
        })
    }

    /// Replay keys the writer holds in memory, not yet in `replay_index`
    /// (tests and diagnostics).
    pub fn replay_keys_held(&self) -> usize {
        self.replay.held()
    }

    /// The value of a pragma (tests check WAL and FULL).
    pub fn pragma(&self, name: &str) -> StoreResult<String> {
        let v: rusqlite::types::Value =
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
        Ok(match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
    }

    fn run_returning(&mut self, st: &Statement) -> StoreResult<Option<i64>> {
        let values: Vec<Box<dyn ToSql>> = st
            .params
            .iter()
            .map(|p| -> Box<dyn ToSql> {
                match p {
                    SqlValue::Text(t) => Box::new(t.clone()),
                    SqlValue::Integer(i) => Box::new(*i),
                }
            })
            .collect();
        let refs: Vec<&dyn ToSql> = values.iter().map(AsRef::as_ref).collect();
        let mut stmt = self.conn.prepare_cached(st.sql)?;
        let mut rows = stmt.query(refs.as_slice())?;
        match rows.next()? {
            Some(row) => Ok(Some(row.get(0)?)),
            None => Ok(None),
        }
    }

    /// Forgets cached records after a change made on this connection (its
    /// own commits do not move `data_version`).
    fn invalidate(&mut self) {
        self.cache.connectors.clear();
        self.cache.tenants.clear();
    }

    fn read_connector(&mut self, cid: &str) -> StoreResult<Option<ConnectorRecord>> {
        let row: Option<(String, bool)> = self
            .conn
            .prepare_cached("SELECT tenant_id, enabled FROM connectors WHERE id = ?1")?
            .query_row([cid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((tenant_id, enabled)) = row else {
            return Ok(None);
        };
        let mut secrets = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT secret, expires_at FROM connector_secrets WHERE connector_id = ?1",
        )?;
        let mut rows = stmt.query([cid])?;
        while let Some(r) = rows.next()? {
            let text: String = r.get(0)?;
            let expires: Option<i64> = r.get(1)?;
            let secret = Secret::new(text.as_bytes())
                .map_err(|e| StoreError::Corrupt(format!("connector secret: {e}")))?;
            secrets.push(ConnectorSecret {
                secret,
                expires_at: expires.map(from_db),
            });
        }
        Ok(Some(ConnectorRecord {
            tenant_id,
            enabled,
            secrets,
        }))
    }

    fn read_tenant(&mut self, tenant_id: &str) -> StoreResult<Option<TenantRecord>> {
        let tenant: Option<(String, String, bool)> = self
            .conn
            .prepare_cached("SELECT plan, pii_policy, suspended FROM tenants WHERE id = ?1")?
            .query_row([tenant_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        tenant
            .map(|(plan, pii, suspended)| {
                Ok(TenantRecord {
                    plan: self
                        .resolve_plan(&plan)?
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown plan {plan:?}")))?,
                    pii_policy: PiiPolicy::from_wire(&pii).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown PII policy {pii:?}"))
                    })?,
                    suspended,
                })
            })
            .transpose()
    }

    /// Connector and tenant records through the lookup cache (whose
    /// validity the caller checked against `data_version`).
    fn cached_records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        let cid = connector.to_string();
        let record = match self.cache.connectors.get(&cid) {
            Some(r) => Some(r.clone()),
            None => {
                let r = self.read_connector(&cid)?;
                if let Some(r) = &r {
                    self.cache.connectors.insert(cid, r.clone());
                }
                r
            }
        };
        let Some(record) = record else {
            return Ok((None, None));
        };
        let tenant = match self.cache.tenants.get(&record.tenant_id) {
            Some(t) => *t,
            None => {
                let t = self.read_tenant(&record.tenant_id)?;
                self.cache.tenants.insert(record.tenant_id.clone(), t);
                t
            }
        };
        Ok((Some(record), tenant))
    }

    fn touch(
        &mut self,
        sql: &str,
        p: &[&dyn ToSql],
        what: &'static str,
        id: &str,
    ) -> StoreResult<()> {
        self.invalidate();
        let n = self.conn.execute(sql, p)?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what,
                id: id.to_owned(),
            });
        }
        Ok(())
    }
}

/// Log pages after which the writer's own checkpoint runs at a commit: it
/// starts the log over, which only the writer can do without waiting for
/// it; the checkpoint thread's PASSIVE checkpoints have copied most pages
/// by then. SQLite's default (4 MiB): measured at 50 connections, 4,096
/// pages gave ~15 % more requests/s but a p99 of 14–15 ms instead of
/// < 10 ms (the rarer writer checkpoint has more to finish).
const WRITER_CHECKPOINT_PAGES: i64 = 1_000;

/// Size the log file is cut back to when it starts over (bytes).
const LOG_SIZE_LIMIT: i64 = 32 * 1024 * 1024;

/// One PASSIVE checkpoint on its own connection: copies what it can
/// without blocking the writer.
fn run_checkpoint(conn: &mut Connection) -> StoreResult<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

impl Store for SqliteStore {
    fn ping(&mut self) -> StoreResult<()> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn begin(&mut self) -> StoreResult<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.replay.begin(&self.conn)?;
        // Under the write lock no other connection can commit until ours
        // does, so the cache checked here stays valid for the group.
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if version != self.cache.data_version || self.cache.connectors.len() > CACHE_LIMIT {
            self.cache = LookupCache {
                data_version: version,
                ..LookupCache::default()
            };
        }
        Ok(())
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.replay.write_due(&self.conn)?;
        self.conn.execute_batch("COMMIT")?;
        self.replay.committed();
        Ok(())
    }

    fn defer_sync(&mut self) -> StoreResult<Deferred> {
        // `synchronous=NORMAL` in WAL mode: a commit writes its frames to
        // the log without syncing it (checkpoints still sync the log before
        // copying it into the database). Syncing the log file afterwards
        // gives what `FULL` gives at each commit: every frame written so
        // far, the commit frames included, is on disk. The log is only
        // replaced when the last connection closes, and the server keeps
        // this one open.
        let path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p}-wal"))
            .ok_or_else(|| StoreError::Database("the database has no file".to_owned()))?;
        let wal = std::fs::File::open(&path)
            .map_err(|e| StoreError::Database(format!("cannot open {path}: {e}")))?;
        let db = path.trim_end_matches("-wal").to_owned();
        let mut checkpointer = Connection::open(&db)?;
        checkpointer.busy_timeout(Duration::from_secs(10))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints copy the log into the database and sync it: the
        // sync thread runs them (PASSIVE: beside the writer); the writer's
        // own, rarer, only finishes the copy and starts the log over.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        self.conn
            .pragma_update(None, "journal_size_limit", LOG_SIZE_LIMIT)?;
        // The writer reads through the memory map and writes through the
        // log; a large page cache only makes its end-of-transaction cache
        // maintenance longer (it scans the cache's hash table), so the
        // writer keeps SQLite's default 2 MiB.
        self.conn.pragma_update(None, "cache_size", -2000)?;
        let sync: SyncFn = Box::new(move || {
            wal.sync_data()
                .map_err(|e| StoreError::Database(format!("cannot sync the log: {e}")))
        });
        let checkpoint: SyncFn = Box::new(move || run_checkpoint(&mut checkpointer));
        Ok(Deferred { sync, checkpoint })
    }

    fn rollback(&mut self) -> StoreResult<()> {
        self.replay.rolled_back();
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        Ok(())
    }

    fn records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        // Outside a transaction: `data_version` moves whenever another
        // connection (the writer, an admin command) committed since the
        // cache was filled, so a cached record is never older than the
        // last commit before this call.
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if version != self.cache.data_version || self.cache.connectors.len() > CACHE_LIMIT {
            self.cache = LookupCache {
                data_version: version,
                ..LookupCache::default()
            };
        }
        self.cached_records(connector)
    }

    fn records_generation(&mut self) -> StoreResult<Option<i64>> {
        let generation: i64 = self
            .conn
            .prepare_cached("SELECT generation FROM records_generation WHERE id = 1")?
            .query_row([], |r| r.get(0))?;
        Ok(Some(generation))
    }

    fn records_with_generation(&mut self, connector: &Uuid) -> StoreResult<(Records, Option<i64>)> {
        // One read transaction, so the generation is the one of the rows
        // read (inside the writer's own transaction, that one).
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN")?;
        }
        let read = (|| {
            let generation = self.records_generation()?;
            let cid = connector.to_string();
            let Some(record) = self.read_connector(&cid)? else {
                return Ok(((None, None), generation));
            };
            let tenant = self.read_tenant(&record.tenant_id)?;
            Ok(((Some(record), tenant), generation))
        })();
        if own {
            // A read transaction: ending it cannot lose anything.
            let _ = self.conn.execute_batch("COMMIT");
        }
        read
    }

    fn lookup_state(
        &mut self,
        tenant: &str,
        replay: Option<(&str, Timestamp)>,
        now: Timestamp,
    ) -> StoreResult<(Option<Timestamp>, Option<Counter>)> {
        let replay = self.lookup_replay(tenant, replay, now)?;
        let window = Window::containing(Metric::InboundEvent.period(), now);
        let probe = quota::Request::new(tenant, Metric::InboundEvent, quota::Limit::Unlimited, now);
        let used = self.run_returning(&shared_store::read_statement(&probe))?;
        let quota = used.map(|u| Counter {
            window_start: window.start,
            used: u64::try_from(u).unwrap_or(0),
            idempotency_keys: Default::default(),
        });
        Ok((replay, quota))
    }

    fn lookup_replay(
        &mut self,
        _tenant: &str,
        replay: Option<(&str, Timestamp)>,
        _now: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        let Some((event_id, event_time)) = replay else {
            return Ok(None);
        };
        let key = (event_second(event_time), replay::EventId::of(event_id));
        Ok(self.replay.lookup(&self.conn, &key)?.map(from_db))
    }

    fn consume_event_quotas(
        &mut self,
        tenant: &str,
        plan: Plan,
        count: u64,
        now: Timestamp,
    ) -> StoreResult<Decision> {
        charge_inbound_events(tenant, plan, count, now, |_, st| self.run_returning(st))
    }

    fn insert_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        // The event is stored once: when the raw body reads back as exactly
        // the normalized event (no PII redacted, nothing normalized), the
        // JSON column stays empty and readers take the raw body (see
        // `event_of`); it was ~40 % of the row, written to the log and
        // checkpointed again for every event.
        let json = if e
            .raw_body
            .is_some_and(|raw| serde_json::from_slice::<Event>(raw).is_ok_and(|b| &b == e.event))
        {
            String::new()
        } else {
            serde_json::to_string(e.event).map_err(|err| StoreError::Corrupt(err.to_string()))?
        };
        self.conn
            .prepare_cached(
                "INSERT INTO events (event_id, tenant_id, connector_id, received_at, event_type, \
                 severity, source, incident_id, event_json, raw_body, event_second, \
                 replay_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                e.event_id,
                e.tenant_id,
                e.event.connector_id.to_string(),
                to_db(e.received_at),
                e.event.event_type,
                e.event.severity.as_str(),
                e.event.source,
                e.incident_id,
                json,
                e.raw_body,
                event_second(e.event.timestamp),
                e.replay_expires_at.map(to_db),
            ])?;
        if let Some(expires) = e.replay_expires_at {
            let key = (
                event_second(e.event.timestamp),
                replay::EventId::of(e.event_id),
            );
            let rowid = self.conn.last_insert_rowid();
            let received = e.received_at.unix_seconds();
            self.replay
                .record(&self.conn, key, to_db(expires), rowid, received)?;
        }
        Ok(())
    }

    fn record_incident_effects(
        &mut self,
        effects: &[IncidentEffect],
        now: Timestamp,
    ) -> StoreResult<()> {
        // The incident row keeps the latest record: write each incident
        // once per call (a group of events on one incident is one upsert).
        let mut latest: std::collections::BTreeMap<&str, &erpops_core::incident::Incident> =
            std::collections::BTreeMap::new();
        for effect in effects {
            let incident = effect.incident();
            latest.insert(incident.id.as_str(), incident);
            // The feed keeps transitions; `updated` (one per attached
            // event) is already in the incident row and the events table.
            if effect.kind() == "updated" {
                continue;
            }
            let json = serde_json::to_string(effect)
                .map_err(|err| StoreError::Corrupt(err.to_string()))?;
            self.conn
                .prepare_cached(
                    "INSERT INTO incident_effects (incident_id, kind, at, effect_json) VALUES \
                     (?1, ?2, ?3, ?4)",
                )?
                .execute(params![incident.id, effect.kind(), to_db(now), json])?;
        }
        for incident in latest.into_values() {
            let record = serde_json::to_string(incident)
                .map_err(|err| StoreError::Corrupt(err.to_string()))?;
            let status = serde_json::to_value(incident.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let cid = incident.connector_id.to_string();
            self.conn
                .prepare_cached(
                    "INSERT INTO incidents (id, tenant_id, connector_id, status, updated_at, \
                     record_json) VALUES (?1, (SELECT tenant_id FROM connectors WHERE id = ?2), \
                     ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
                     updated_at = excluded.updated_at, record_json = excluded.record_json",
                )?
                .execute(params![incident.id, cid, status, to_db(now), record])?;
        }
        Ok(())
    }

    fn incident_tenant(&mut self, incident_id: &str) -> StoreResult<Option<String>> {
        let row: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT tenant_id FROM incidents WHERE id = ?1")?
            .query_row([incident_id], |r| r.get(0))
            .optional()?;
        Ok(row.flatten())
    }

    fn write_incident_keys(
        &mut self,
        rows: &[(CorrelationKey, Option<KeySnapshot>)],
    ) -> StoreResult<()> {
        for (key, row) in rows {
            let bytes = key.canonical_bytes();
            match row {
                Some(row) => {
                    let json = serde_json::to_string(row)
                        .map_err(|err| StoreError::Corrupt(err.to_string()))?;
                    self.conn
                        .prepare_cached(
                            "INSERT INTO incident_keys (key, forget_at, state_json) VALUES (?1, \
                             ?2, ?3) ON CONFLICT (key) DO UPDATE SET forget_at = \
                             excluded.forget_at, state_json = excluded.state_json",
                        )?
                        .execute(params![bytes, row.state.forget_at.map(to_db), json])?;
                }
                None => {
                    self.conn
                        .prepare_cached("DELETE FROM incident_keys WHERE key = ?1")?
                        .execute([bytes])?;
                }
            }
        }
        Ok(())
    }

    fn save_incident_model(&mut self, snapshot: &IncidentSnapshot) -> StoreResult<()> {
        self.conn.execute("DELETE FROM incident_keys", [])?;
        self.conn.execute("DELETE FROM incident_model", [])?;
        let rows: Vec<(CorrelationKey, Option<KeySnapshot>)> = snapshot
            .keys
            .iter()
            .map(|k| (k.key.clone(), Some(k.clone())))
            .collect();
        self.write_incident_keys(&rows)
    }

    fn load_incident_model(&mut self) -> StoreResult<Option<IncidentSnapshot>> {
        let mut keys = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT state_json FROM incident_keys ORDER BY key")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let json: String = r.get(0)?;
                let key: KeySnapshot = serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("incident key row: {e}")))?;
                keys.push(key);
            }
        }
        if !keys.is_empty() {
            return Ok(Some(IncidentSnapshot {
                version: SNAPSHOT_VERSION,
                keys,
            }));
        }
        // Before migration 0004 the model was one snapshot row: read it,
        // and when not inside a caller's transaction, convert it to rows
        // once (it is never written again).
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT snapshot_json FROM incident_model WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(json) = json else {
            return Ok(None);
        };
        let snapshot: IncidentSnapshot = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("incident model: {e}")))?;
        if self.conn.is_autocommit() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            let converted = self.save_incident_model(&snapshot);
            match converted {
                Ok(()) => self.conn.execute_batch("COMMIT")?,
                Err(e) => {
                    self.conn.execute_batch("ROLLBACK")?;
                    return Err(e);
                }
            }
        }
        Ok(Some(snapshot))
    }

    fn prune(&mut self, now: Timestamp) -> StoreResult<()> {
        // Keys the model forgets by retention at `now` (it forgets them
        // silently, so no write removed their rows).
        self.conn.execute(
            "DELETE FROM incident_keys WHERE forget_at IS NOT NULL AND forget_at <= ?1",
            [to_db(now)],
        )?;
        for st in shared_store::prune_statements(now) {
            let values: Vec<Box<dyn ToSql>> = st
                .params
                .iter()
                .map(|p| -> Box<dyn ToSql> {
                    match p {
                        SqlValue::Text(t) => Box::new(t.clone()),
                        SqlValue::Integer(i) => Box::new(*i),
                    }
                })
                .collect();
            let refs: Vec<&dyn ToSql> = values.iter().map(AsRef::as_ref).collect();
            self.conn.execute(st.sql, refs.as_slice())?;
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
        self.invalidate();
        self.conn
            .execute(
                "INSERT INTO tenants (id, name, plan, pii_policy, suspended, created_at) VALUES \
                 (?1, ?2, ?3, ?4, 0, ?5)",
                params![id, name, plan, pii.as_str(), to_db(now)],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Exists {
                        what: "tenant",
                        id: id.to_owned(),
                    }
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    fn tenants(&mut self) -> StoreResult<Vec<TenantRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, plan, pii_policy, suspended FROM tenants ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(TenantRow {
                id: r.get(0)?,
                name: r.get(1)?,
                plan: r.get(2)?,
                pii_policy: r.get(3)?,
                suspended: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_plan(&mut self, id: &str, plan: &str) -> StoreResult<()> {
        self.touch(
            "UPDATE tenants SET plan = ?2 WHERE id = ?1",
            &[&id, &plan],
            "tenant",
            id,
        )
    }

    fn set_suspended(&mut self, id: &str, suspended: bool) -> StoreResult<()> {
        self.touch(
            "UPDATE tenants SET suspended = ?2 WHERE id = ?1",
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
        self.invalidate();
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)",
            [tenant],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(StoreError::NotFound {
                what: "tenant",
                id: tenant.to_owned(),
            });
        }
        tx.execute(
            "INSERT INTO connectors (id, tenant_id, name, enabled, created_at) VALUES (?1, ?2, \
             ?3, 1, ?4)",
            params![id.to_string(), tenant, name, to_db(now)],
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Exists {
                    what: "connector",
                    id: id.to_string(),
                }
            } else {
                e.into()
            }
        })?;
        tx.execute(
            "INSERT INTO connector_secrets (connector_id, secret, created_at, expires_at) VALUES \
             (?1, ?2, ?3, NULL)",
            params![id.to_string(), secret, to_db(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn connectors(
        &mut self,
        tenant: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Vec<ConnectorRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.tenant_id, c.name, c.enabled, (SELECT COUNT(*) FROM connector_secrets \
             s WHERE s.connector_id = c.id AND (s.expires_at IS NULL OR s.expires_at > ?2)) FROM \
             connectors c WHERE (?1 IS NULL OR c.tenant_id = ?1) ORDER BY c.tenant_id, c.name, c.id",
        )?;
        let rows = stmt.query_map(params![tenant, to_db(now)], |r| {
            let id: String = r.get(0)?;
            let active: i64 = r.get(4)?;
            Ok((id, r.get(1)?, r.get(2)?, r.get(3)?, active))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, tenant_id, name, enabled, active): (String, String, String, bool, i64) = row?;
            out.push(ConnectorRow {
                id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                tenant_id,
                name,
                enabled,
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
        self.invalidate();
        let cid = id.to_string();
        let tx = self.conn.transaction()?;
        // Older secrets keep verifying until the overlap ends (never longer
        // than an expiry they already had).
        let n = tx.execute(
            "UPDATE connector_secrets SET expires_at = CASE WHEN expires_at IS NULL OR expires_at \
             > ?2 THEN ?2 ELSE expires_at END WHERE connector_id = ?1",
            params![cid, to_db(old_expires_at)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "connector",
                id: cid,
            });
        }
        tx.execute(
            "INSERT INTO connector_secrets (connector_id, secret, created_at, expires_at) VALUES \
             (?1, ?2, ?3, NULL)",
            params![cid, secret, to_db(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn set_connector_enabled(&mut self, id: &Uuid, enabled: bool) -> StoreResult<()> {
        let cid = id.to_string();
        self.touch(
            "UPDATE connectors SET enabled = ?2 WHERE id = ?1",
            &[&cid, &enabled],
            "connector",
            &cid,
        )
    }

    fn active_secrets(&mut self, id: &Uuid, now: Timestamp) -> StoreResult<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT secret FROM connector_secrets WHERE connector_id = ?1 AND (expires_at IS NULL \
             OR expires_at > ?2) ORDER BY created_at DESC",
        )?;
        let rows = stmt.query_map(params![id.to_string(), to_db(now)], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn demo(&mut self) -> StoreResult<Option<(String, Uuid)>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT tenant_id, connector_id FROM demo WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(t, c)| {
            Uuid::parse_str(&c)
                .map(|u| (t, u))
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .transpose()
    }

    fn set_demo(&mut self, tenant: &str, connector: &Uuid) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO demo (id, tenant_id, connector_id) VALUES (1, ?1, ?2)",
            params![tenant, connector.to_string()],
        )?;
        Ok(())
    }

    fn create_api_key(
        &mut self,
        id: &str,
        tenant: &str,
        key_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.create_api_key_row(id, tenant, key_hash, label, now)
    }

    fn api_keys(&mut self, tenant: Option<&str>) -> StoreResult<Vec<ApiKeyRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, tenant_id, label, revoked_at IS NOT NULL FROM api_keys WHERE (?1 IS NULL \
             OR tenant_id = ?1) ORDER BY tenant_id, created_at, id",
        )?;
        let rows = stmt.query_map([tenant], |r| {
            Ok(ApiKeyRow {
                id: r.get(0)?,
                tenant_id: r.get(1)?,
                label: r.get(2)?,
                revoked: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn revoke_api_key(&mut self, id: &str, now: Timestamp) -> StoreResult<()> {
        let at = to_db(now);
        self.touch(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            &[&id, &at],
            "api key",
            id,
        )
    }

    fn event_count(&mut self, tenant: &str) -> StoreResult<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM events WHERE tenant_id = ?1",
            [tenant],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl SqliteStore {
    fn create_api_key_row(
        &mut self,
        id: &str,
        tenant: &str,
        key_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES (?1, ?2, \
                 ?3, ?4, ?5)",
                params![id, tenant, key_hash, label, to_db(now)],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                {
                    StoreError::NotFound {
                        what: "tenant",
                        id: tenant.to_owned(),
                    }
                }
                other => other.into(),
            })?;
        Ok(())
    }
}

fn json_of(text: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A stored event's normalized form: its JSON column, or, when that is
/// empty, its raw body read back (`insert_event` leaves the column empty
/// only when the raw body reads back as exactly the normalized event).
pub fn event_of(json: &str, raw_body: Option<&[u8]>) -> StoreResult<serde_json::Value> {
    match raw_body {
        Some(raw) if json.is_empty() => serde_json::from_slice::<Event>(raw)
            .and_then(serde_json::to_value)
            .map_err(|e| StoreError::Corrupt(format!("stored event: {e}"))),
        _ => json_of(json),
    }
}

impl ReadStore for SqliteStore {
    fn api_key(&mut self, key_hash: &str) -> StoreResult<Option<(String, String)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, tenant_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([key_hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn list_incidents(
        &mut self,
        tenant: &str,
        f: &IncidentFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT updated_at, id, record_json FROM incidents WHERE tenant_id = ?1 AND (?2 IS \
             NULL OR status = ?2) AND (?3 IS NULL OR json_extract(record_json, '$.severity') = \
             ?3) AND (?4 IS NULL OR connector_id = ?4) AND (?5 IS NULL OR \
             json_extract(record_json, '$.source') = ?5) AND (?6 IS NULL OR updated_at >= ?6) \
             AND (?7 IS NULL OR updated_at < ?7 OR (updated_at = ?7 AND id < ?8)) ORDER BY \
             updated_at DESC, id DESC LIMIT ?9",
        )?;
        let rows = stmt.query_map(
            params![
                tenant,
                f.status,
                f.severity,
                f.connector,
                f.source,
                f.since.map(to_db),
                after.map(|c| c.at),
                after.map(|c| c.id.as_str()),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (at, id, json) = row?;
            out.push(Listed {
                at,
                id,
                json: json_of(&json)?,
            });
        }
        Ok(out)
    }

    fn incident(&mut self, tenant: &str, id: &str) -> StoreResult<Option<serde_json::Value>> {
        let json: Option<String> = self
            .conn
            .prepare_cached("SELECT record_json FROM incidents WHERE tenant_id = ?1 AND id = ?2")?
            .query_row([tenant, id], |r| r.get(0))
            .optional()?;
        json.map(|j| json_of(&j)).transpose()
    }

    fn list_events(
        &mut self,
        tenant: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT received_at, event_id, event_json, incident_id, raw_body FROM events WHERE \
             tenant_id = \
             ?1 AND (?2 IS NULL OR connector_id = ?2) AND (?3 IS NULL OR event_type = ?3) AND (?4 \
             IS NULL OR severity = ?4) AND (?5 IS NULL OR source = ?5) AND (?6 IS NULL OR \
             received_at >= ?6) AND (?7 IS NULL OR received_at < ?7 OR (received_at = ?7 AND \
             event_id < ?8)) ORDER BY received_at DESC, event_id DESC LIMIT ?9",
        )?;
        let rows = stmt.query_map(
            params![
                tenant,
                f.connector,
                f.event_type,
                f.severity,
                f.source,
                f.since.map(to_db),
                after.map(|c| c.at),
                after.map(|c| c.id.as_str()),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (at, id, json, incident, raw) = row?;
            let json = serde_json::json!({
                "event_id": id,
                "received_at": from_db(at),
                "incident_id": incident,
                "event": event_of(&json, raw.as_deref())?,
            });
            out.push(Listed { at, id, json });
        }
        Ok(out)
    }

    fn usage(&mut self, tenant: &str, now: Timestamp) -> StoreResult<serde_json::Value> {
        let plan_name: Option<String> = self
            .conn
            .query_row("SELECT plan FROM tenants WHERE id = ?1", [tenant], |r| {
                r.get(0)
            })
            .optional()?;
        let plan_name = plan_name.ok_or_else(|| StoreError::NotFound {
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
                .run_returning(&shared_store::read_statement(&request))?
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
