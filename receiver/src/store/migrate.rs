//! Versioned migrations: `receiver/migrations/NNNN_*.sql`, applied in order
//! inside one transaction each, recorded in `schema_migrations`. A database
//! newer than the binary is refused rather than guessed at.

use rusqlite::Connection;

use super::{StoreError, StoreResult};

/// `(version, SQL)` in order. 0002 is the core's quota schema, referenced
/// rather than copied so the SQL rule lives once.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, erpops_core::quota::shared_store::SCHEMA_SQL),
    (4, include_str!("../../migrations/0004_incident_rows.sql")),
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
    let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            known,
            found: current,
        });
    }
    // Every missing version, not only those above the highest applied: a
    // migration numbered below one already applied (two branches adding
    // migrations side by side, 0003 merged after 0004) still runs.
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
