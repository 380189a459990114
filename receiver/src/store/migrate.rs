//! Versioned migrations: `receiver/migrations/NNNN_*.sql`, applied in order
//! inside one transaction each, recorded in `schema_migrations`. A database
//! newer than the binary is refused rather than guessed at.
//!
//! Versions need not be contiguous, and every version this binary knows and
//! the database has not recorded is applied (not only those above the
//! highest recorded one): branches that add migrations in parallel can
//! merge in any order.

use rusqlite::Connection;

use super::{StoreError, StoreResult};

/// `(version, SQL)` in order. 0002 is the core's quota schema, referenced
/// rather than copied so the SQL rule lives once.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, erpops_core::quota::shared_store::SCHEMA_SQL),
    (3, include_str!("../../migrations/0003_alerts.sql")),
    (4, include_str!("../../migrations/0004_incident_rows.sql")),
    // SQLite only: the records generation the HTTP tasks' cache follows
    // (PostgreSQL does not cache records).
    (
        5,
        include_str!("../../migrations/0005_records_generation.sql"),
    ),
    // SQLite only: replay keys in their own table, written in key order
    // (PostgreSQL keeps its index of the events table).
    (7, include_str!("../../migrations/0007_replay_index.sql")),
];

/// The same versions for PostgreSQL (`receiver/migrations/postgres/`),
/// applied by [`super::postgres`]: one list per engine, side by side, so a
/// version means the same schema change in both; a version one engine does
/// not need (5 and 7 for SQLite, 6 for PostgreSQL) is simply absent there.
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
];

/// Brings the schema up to date; returns the version reached.
pub fn migrate(conn: &mut Connection) -> StoreResult<i64> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at \
         TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = MIGRATIONS.iter().map(|(v, _)| *v).max().unwrap_or(0);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            known,
            found: current,
        });
    }
    let applied: std::collections::BTreeSet<i64> = conn
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process (the server and an admin command) may have
        // applied it meanwhile: the check runs under the write lock.
        let done: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if done {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [version],
        )?;
        tx.commit()?;
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
        let mut conn = Connection::open_in_memory().unwrap();
        let known = migrate(&mut conn).unwrap();
        let all: Vec<i64> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions(&conn), all);
        // As if a branch adding version 2 merged after one adding 3 had
        // already migrated this database.
        conn.execute_batch(
            "DROP TABLE quota_usage; DROP TABLE quota_receipts; DELETE FROM schema_migrations \
             WHERE version = 2;",
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), known);
        assert_eq!(versions(&conn), all);
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM quota_usage", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        // And running it again changes nothing.
        assert_eq!(migrate(&mut conn).unwrap(), known);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO schema_migrations (version) VALUES (9999)", [])
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::SchemaTooNew { found: 9999, .. })
        ));
    }
}
