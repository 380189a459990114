//! The embedded store: one SQLite file in the data directory, WAL mode with
//! `synchronous=FULL` so a commit is on disk before a 202 is sent.
//!
//! Its store methods are the shared ones ([`SqlStore`]); this file is the
//! `rusqlite` side of the connection trait ([`Conn`]) and what only SQLite
//! has: the single writer's `BEGIN IMMEDIATE`, the replay index
//! (`sqlite/replay.rs`), WAL and sync settings, and the record cache kept
//! valid by `data_version`.

use std::path::Path;
use std::time::Duration;

use erpops_core::incident::IncidentSnapshot;
use erpops_core::Timestamp;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

mod replay;

use super::db::{
    event_second, from_db, from_json, to_db, Conn, DbError, Param, Row, Value, Violation,
};
use super::dialect::Dialect;
use super::migrate::{migrate, MIGRATIONS};
use super::sql_store::{read_connector, read_tenant, Backend, SqlStore};
use super::{Deferred, NewEvent, Records, StoreError, StoreResult, StoreSize, SyncFn};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "erpops.sqlite3";

/// The embedded store (see the module docs).
pub type SqliteStore = SqlStore<SqliteConn>;

/// A SQLite connection with what only SQLite keeps beside it.
#[derive(Debug)]
pub struct SqliteConn {
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
    connectors: std::collections::HashMap<String, erpops_core::receive::ConnectorRecord>,
    tenants: std::collections::HashMap<String, Option<erpops_core::receive::TenantRecord>>,
}

/// Most connectors kept in the lookup cache.
const CACHE_LIMIT: usize = 10_000;

/// Prepared statements kept per connection: every statement the writer
/// runs in a group, its ticks and the alert engine's fit, so none is
/// parsed again (rusqlite's default keeps 16).
const STATEMENT_CACHE: usize = 96;

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

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(i)),
            Param::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(b))),
            Param::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Param::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn db_error(e: rusqlite::Error) -> DbError {
    let violation = match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => Some(Violation::Unique),
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(Violation::ForeignKey),
            _ => None,
        },
        _ => None,
    };
    DbError {
        error: e.into(),
        violation,
    }
}

fn value_of(v: ValueRef<'_>) -> StoreResult<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Corrupt(format!("stored text: {e}")))?
                .to_owned(),
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(r) => return Err(StoreError::Corrupt(format!("unexpected real {r}"))),
    })
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError> {
        let n = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params)))
            .map_err(db_error)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(row_of(r, width)?);
        }
        Ok(out)
    }

    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Option<Row>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        rows.next()?.map(|r| row_of(r, width)).transpose()
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// `BEGIN IMMEDIATE`: every transaction begun here writes (the
    /// admin commands', the writer's own begin takes the write lock too).
    /// A deferred `BEGIN` that reads first and writes later cannot wait for
    /// the write lock: when the serving writer committed in between, SQLite
    /// answers `database is locked` at once, without the busy timeout (its
    /// snapshot is stale). Taking the lock at the start waits for it.
    fn begin_tx(&mut self) -> StoreResult<()> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn end_tx(&mut self, commit: bool) -> StoreResult<()> {
        self.batch(if commit { "COMMIT" } else { "ROLLBACK" })
    }
}

fn row_of(r: &rusqlite::Row<'_>, width: usize) -> StoreResult<Row> {
    (0..width)
        .map(|i| value_of(r.get_ref(i)?))
        .collect::<StoreResult<_>>()
        .map(Row)
}

impl SqliteConn {
    /// Wraps an open connection (settings and migrations are the
    /// caller's: see [`SqliteStore::open`]).
    pub fn new(conn: Connection) -> Self {
        SqliteConn {
            conn,
            cache: LookupCache::default(),
            replay: replay::ReplayKeys::default(),
        }
    }

    /// The connection itself (tests).
    pub fn raw(&self) -> &Connection {
        &self.conn
    }

    /// Connector and tenant records through the lookup cache (whose
    /// validity the caller checked against `data_version`).
    fn cached_records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        let cid = connector.to_string();
        let record = match self.cache.connectors.get(&cid) {
            Some(r) => Some(r.clone()),
            None => {
                let r = read_connector(self, &cid)?;
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
                let t = read_tenant(self, &record.tenant_id)?;
                self.cache.tenants.insert(record.tenant_id.clone(), t);
                t
            }
        };
        Ok((Some(record), tenant))
    }

    /// Starts the cache over when another connection committed since it
    /// was filled (`data_version` moved) or it grew past its bound.
    fn check_cache(&mut self, version: i64) {
        if version != self.cache.data_version || self.cache.connectors.len() > CACHE_LIMIT {
            self.cache = LookupCache {
                data_version: version,
                ..LookupCache::default()
            };
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and migrates it.
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        create_private(data_dir).map_err(|e| {
            StoreError::Database(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DB_FILE);
        let new = std::fs::metadata(&path).map_or(true, |m| m.len() == 0);
        let conn = Connection::open(&path)?;
        // Admin commands and the server share the file: wait for the other
        // writer instead of failing at once.
        conn.busy_timeout(Duration::from_secs(10))?;
        // Pages freed by retention can be given back to the file system
        // (`release_free_space`). SQLite only takes this before the first
        // table exists: a new database gets it, an older one keeps reusing
        // its free pages without shrinking (docs/receiver.md says how to
        // convert it). Only on a new file: on an existing one the pragma
        // writes even when it changes nothing, and a receiver restarted on
        // a full disk must open without writing.
        if new {
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
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
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut db = SqliteConn::new(conn);
        migrate(&mut db, MIGRATIONS)?;
        Ok(SqlStore { db })
    }

    /// Replay keys the writer holds in memory, not yet in `replay_index`
    /// (tests and diagnostics).
    pub fn replay_keys_held(&self) -> usize {
        self.db.replay.held()
    }

    /// The value of a pragma (tests check WAL and FULL).
    pub fn pragma(&self, name: &str) -> StoreResult<String> {
        let v: rusqlite::types::Value =
            self.db
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
        Ok(match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
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

/// `PRAGMA auto_vacuum` value of `INCREMENTAL`.
const AUTO_VACUUM_INCREMENTAL: i64 = 2;
/// Free pages kept for reuse: at least this many…
const KEEP_FREE_PAGES: u64 = 256;
/// …or this fraction (1/n) of the file, whichever is more.
const KEEP_FREE_FRACTION: u64 = 16;

/// The database file's pages.
struct Pages {
    count: u64,
    free: u64,
    size: u64,
}

impl SqliteConn {
    fn pages(&self) -> StoreResult<Pages> {
        let read = |name: &str| -> StoreResult<u64> {
            let v: i64 = self
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
            Ok(u64::try_from(v).unwrap_or(0))
        };
        Ok(Pages {
            count: read("page_count")?,
            free: read("freelist_count")?,
            size: read("page_size")?,
        })
    }
}

impl Backend for SqliteConn {
    fn begin(&mut self) -> StoreResult<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.replay.begin(&self.conn)?;
        // Under the write lock no other connection can commit until ours
        // does, so the cache checked here stays valid for the group.
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        self.check_cache(version);
        Ok(())
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.replay.write_due(&self.conn)?;
        self.conn.execute_batch("COMMIT")?;
        self.replay.committed();
        Ok(())
    }

    fn rollback(&mut self) -> StoreResult<()> {
        self.replay.rolled_back();
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
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

    fn records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        // Outside a transaction: `data_version` moves whenever another
        // connection (the writer, an admin command) committed since the
        // cache was filled, so a cached record is never older than the
        // last commit before this call.
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        self.check_cache(version);
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
            let Some(record) = read_connector(self, &cid)? else {
                return Ok(((None, None), generation));
            };
            let tenant = read_tenant(self, &record.tenant_id)?;
            Ok(((Some(record), tenant), generation))
        })();
        if own {
            // A read transaction: ending it cannot lose anything.
            let _ = self.conn.execute_batch("COMMIT");
        }
        read
    }

    /// Forgets cached records after a change made on this connection (its
    /// own commits do not move `data_version`).
    fn records_changed(&mut self) {
        self.cache.connectors.clear();
        self.cache.tenants.clear();
    }

    fn replay_expiries(
        &mut self,
        events: &[(&str, Timestamp)],
    ) -> StoreResult<Vec<Option<Timestamp>>> {
        events
            .iter()
            .map(|(event_id, event_time)| {
                let key = (event_second(*event_time), replay::EventId::of(event_id));
                Ok(self.replay.lookup(&self.conn, &key)?.map(from_db))
            })
            .collect()
    }

    /// Each event's replay key is recorded in the index as it is
    /// inserted (the index keeps the event row's rowid).
    fn insert_events(
        &mut self,
        sql: &str,
        rows: &[Vec<Param<'_>>],
        events: &[NewEvent<'_>],
    ) -> StoreResult<()> {
        for (params, e) in rows.iter().zip(events) {
            self.execute(sql, params)?;
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
        }
        Ok(())
    }

    fn prune_replay_keys(&mut self, cutoff: i64, limit: i64) -> StoreResult<u64> {
        // The oldest keys lead the table, and a key's expiry is its
        // event's time plus the replay window: the expired keys are the
        // table's first ones. So read the first `limit` keys in key order
        // and delete the expired ones up to the first that is not. A
        // `WHERE expires_at < ?` would walk every live key whenever none
        // has expired (every pass, under steady load: 7x the p99 measured
        // in benches/receiver/retention.sh). A key behind a younger one
        // (the window was shortened between runs) waits for it.
        let keys: Vec<(i64, String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT event_second, event_id, expires_at FROM replay_index ORDER BY \
                 event_second, event_id LIMIT ?1",
            )?
            .query_map(params![limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut delete = self
            .conn
            .prepare_cached("DELETE FROM replay_index WHERE event_second = ?1 AND event_id = ?2")?;
        let mut n = 0u64;
        for (second, id, _) in keys.iter().take_while(|(_, _, expires)| *expires < cutoff) {
            n += u64::try_from(delete.execute(params![second, id])?).unwrap_or(0);
        }
        Ok(n)
    }

    fn store_size(&mut self) -> StoreResult<StoreSize> {
        let pages = self.pages()?;
        Ok(StoreSize {
            bytes: pages.count.saturating_mul(pages.size),
            free_bytes: pages.free.saturating_mul(pages.size),
        })
    }

    fn release_free_space(&mut self, max_bytes: u64) -> StoreResult<u64> {
        let auto_vacuum: i64 = self
            .conn
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
        if auto_vacuum != AUTO_VACUUM_INCREMENTAL {
            return Ok(0);
        }
        let pages = self.pages()?;
        // Keep some free room: the next inserts reuse it instead of growing
        // the file page by page again.
        let keep = (pages.count / KEEP_FREE_FRACTION).max(KEEP_FREE_PAGES);
        let surplus = pages.free.saturating_sub(keep);
        let release = surplus.min(max_bytes / pages.size.max(1));
        if release == 0 {
            return Ok(0);
        }
        self.conn
            .execute_batch(&format!("PRAGMA incremental_vacuum({release})"))?;
        Ok(release.saturating_mul(pages.size))
    }

    /// Before migration 0004 the model was one snapshot row.
    fn legacy_model(&mut self) -> StoreResult<Option<IncidentSnapshot>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT snapshot_json FROM incident_model WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| from_json(&j, "incident model")).transpose()
    }

    fn drop_legacy_model(&mut self) -> StoreResult<()> {
        self.conn.execute("DELETE FROM incident_model", [])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use super::super::db::Conn;
    use super::SqliteStore;

    const BUMP: &str = "UPDATE config_generation SET generation = generation + 1 WHERE id = 1";

    /// An admin command's transaction reads, another connection (the
    /// serving writer) wants to commit meanwhile, then the command writes.
    /// A deferred `BEGIN` lets the other commit first and then fails the
    /// write at once with "database is locked" (a stale snapshot cannot
    /// take the write lock, whatever the busy timeout); `BEGIN IMMEDIATE`
    /// makes the other wait, and both writes land.
    #[test]
    fn a_transaction_that_reads_then_writes_is_not_failed_by_a_concurrent_writer() {
        let dir = tempfile::tempdir().unwrap();
        let mut admin = SqliteStore::open(dir.path()).unwrap();
        let mut writer = SqliteStore::open(dir.path()).unwrap();
        let generation = |s: &mut SqliteStore| -> i64 {
            s.db.query("SELECT generation FROM config_generation WHERE id = 1", &[])
                .unwrap()[0]
                .get(0)
                .unwrap()
        };
        let before = generation(&mut admin);
        let other = admin
            .db
            .atomically(|db| {
                db.query("SELECT generation FROM config_generation WHERE id = 1", &[])?;
                let other =
                    std::thread::spawn(move || writer.db.execute(BUMP, &[]).map(|_| writer));
                // Time for the other connection to commit, if it may.
                std::thread::sleep(Duration::from_millis(300));
                db.execute(BUMP, &[])?;
                Ok(other)
            })
            .expect("the reading transaction's write waits for no one and is not refused");
        let mut writer = other
            .join()
            .unwrap()
            .expect("the other write lands after it");
        assert_eq!(generation(&mut writer), before + 2);
    }
}
