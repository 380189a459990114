//! Versioned migrations: `receiver/migrations/NNNN_*.sql`, applied in order
//! inside one transaction each, recorded in `schema_migrations`. A database
//! newer than the binary is refused rather than guessed at.
//!
//! Versions need not be contiguous, and every version this binary knows and
//! the database has not recorded is applied (not only those above the
//! highest recorded one): branches that add migrations in parallel can
//! merge in any order.

use super::db::{args, Conn};
use super::{StoreError, StoreResult};

/// `(version, SQL)` in order. 0002 is the core's quota schema, referenced
/// rather than copied so the SQL rule lives once.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, erpops_core::quota::shared_store::SCHEMA_SQL),
    (3, include_str!("../../migrations/0003_alerts.sql")),
    (4, include_str!("../../migrations/0004_incident_rows.sql")),
    // The records generation the HTTP tasks' cache follows (PostgreSQL
    // has it as version 9, added later).
    (
        5,
        include_str!("../../migrations/0005_records_generation.sql"),
    ),
    // SQLite only: replay keys in their own table, written in key order
    // (PostgreSQL keeps its index of the events table).
    (7, include_str!("../../migrations/0007_replay_index.sql")),
    // The alert engine's state per correlation key.
    (8, include_str!("../../migrations/0008_alert_key_state.sql")),
    // Retention's indexes: the same file for both engines.
    (11, include_str!("../../migrations/0011_retention.sql")),
    // Jobs, maintenance windows and the jobs' state rows: one file for both.
    (12, include_str!("../../migrations/0012_jobs.sql")),
    // The REST writes: idempotency keys, the audit log, tenant silences and
    // windows. One file for both.
    (13, include_str!("../../migrations/0013_writes.sql")),
    // The admin app's sessions: one file for both.
    (14, include_str!("../../migrations/0014_admin_sessions.sql")),
];

/// The same versions for PostgreSQL (`receiver/migrations/postgres/`),
/// applied by the same [`migrate`]: one list per engine, side by side, so a
/// version means the same schema change in both; a version one engine does
/// not need (5 and 7 for SQLite, 6 for PostgreSQL) is simply absent there,
/// and 9 (PostgreSQL's records generation, SQLite's 5 under another number:
/// SQLite had it first) is absent from SQLite's list.
pub const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, erpops_core::quota::shared_store::SCHEMA_SQL),
    (3, include_str!("../../migrations/postgres/0003_alerts.sql")),
    (
        4,
        include_str!("../../migrations/postgres/0004_incident_rows.sql"),
    ),
    // PostgreSQL only: the shared alert engine's version and claims.
    (
        6,
        include_str!("../../migrations/postgres/0006_shared_engine.sql"),
    ),
    (
        8,
        include_str!("../../migrations/postgres/0008_alert_key_state.sql"),
    ),
    // PostgreSQL's records generation (SQLite's 5): the HTTP tasks cache
    // records on PostgreSQL too.
    (
        9,
        include_str!("../../migrations/postgres/0009_records_generation.sql"),
    ),
    // PostgreSQL only: the shared engine partitioned by tenant.
    (
        10,
        include_str!("../../migrations/postgres/0010_engine_partitions.sql"),
    ),
    (11, include_str!("../../migrations/0011_retention.sql")),
    (12, include_str!("../../migrations/0012_jobs.sql")),
    (13, include_str!("../../migrations/0013_writes.sql")),
    (14, include_str!("../../migrations/0014_admin_sessions.sql")),
];

/// Brings the schema up to date with `migrations` (this engine's list);
/// returns the highest known version. One runner for both engines: what
/// is already applied is read without a lock (a store opening beside a
/// busy writer takes no write lock), and each missing version is applied
/// in its own transaction under the engine's migration lock
/// ([`Dialect::begin_migration`](super::dialect::Dialect::begin_migration)),
/// checked again there, as another process may have applied it meanwhile.
pub fn migrate<C: Conn>(conn: &mut C, migrations: &[(i64, &str)]) -> StoreResult<i64> {
    let dialect = conn.dialect();
    conn.batch(dialect.schema_migrations_ddl())?;
    let known = migrations.iter().map(|(v, _)| *v).max().unwrap_or(0);
    let too_new = |conn: &mut C| -> StoreResult<()> {
        let current: i64 = conn
            .query_opt(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .map_or(Ok(0), |r| r.get(0))?;
        if current > known {
            return Err(StoreError::SchemaTooNew {
                known,
                found: current,
            });
        }
        Ok(())
    };
    too_new(conn)?;
    let applied = conn
        .query("SELECT version FROM schema_migrations", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect::<StoreResult<std::collections::BTreeSet<i64>>>()?;
    for (version, sql) in migrations.iter().filter(|(v, _)| !applied.contains(v)) {
        conn.batch(&dialect.begin_migration())?;
        let applied = (|| {
            too_new(conn)?;
            let done = conn
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = ?1",
                    args![*version],
                )?
                .is_some();
            if !done {
                conn.batch(sql)?;
                conn.execute(
                    "INSERT INTO schema_migrations (version) VALUES (?1)",
                    args![*version],
                )?;
            }
            Ok(())
        })();
        match applied {
            Ok(()) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::sqlite::SqliteConn;
    use rusqlite::Connection;

    fn versions(conn: &Connection) -> Vec<i64> {
        conn.prepare("SELECT version FROM schema_migrations ORDER BY version")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_missing_version_below_the_highest_is_still_applied() {
        let mut db = SqliteConn::new(Connection::open_in_memory().unwrap());
        let known = migrate(&mut db, MIGRATIONS).unwrap();
        let all: Vec<i64> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions(db.raw()), all);
        // As if a branch adding version 2 merged after one adding 3 had
        // already migrated this database.
        db.raw()
            .execute_batch(
                "DROP TABLE quota_usage; DROP TABLE quota_receipts; DELETE FROM \
                 schema_migrations WHERE version = 2;",
            )
            .unwrap();
        assert_eq!(migrate(&mut db, MIGRATIONS).unwrap(), known);
        assert_eq!(versions(db.raw()), all);
        let n: i64 = db
            .raw()
            .query_row("SELECT COUNT(*) FROM quota_usage", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        // And running it again changes nothing.
        assert_eq!(migrate(&mut db, MIGRATIONS).unwrap(), known);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut db = SqliteConn::new(Connection::open_in_memory().unwrap());
        migrate(&mut db, MIGRATIONS).unwrap();
        db.raw()
            .execute("INSERT INTO schema_migrations (version) VALUES (9999)", [])
            .unwrap();
        assert!(matches!(
            migrate(&mut db, MIGRATIONS),
            Err(StoreError::SchemaTooNew { found: 9999, .. })
        ));
    }
}
