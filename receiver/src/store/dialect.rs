//! Where SQLite's and PostgreSQL's SQL differ, in one place: every
//! statement of the store is written once (`sql_store.rs`, SQLite's `?N`
//! placeholders, types both accept), and the few forms that genuinely
//! differ are asked of [`Dialect`] here.
//!
//! What stays in each store's own file because the machinery itself
//! differs, not only its spelling: SQLite's replay index, WAL settings and
//! `data_version` record cache (`sqlite.rs`, `sqlite/replay.rs`);
//! PostgreSQL's engine partitions, advisory locks, delivery claims and TLS
//! (`postgres.rs`, `postgres/engine.rs`, `postgres/tls.rs`).

/// The SQL a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded store (one writer).
    Sqlite,
    /// The shared store (several receivers).
    Postgres,
}

/// Advisory lock key taken while migrating PostgreSQL, so receivers
/// starting together apply each migration once ("erpopsmg" in ASCII).
const MIGRATION_LOCK: i64 = 0x6572_706f_7073_6d67;

impl Dialect {
    /// `statement` for this dialect: PostgreSQL numbers its placeholders
    /// `$N`, SQLite `?N` (as written). Only a `?` followed by a digit is a
    /// placeholder; statements have no `?` in string literals.
    pub fn translate(self, statement: &str) -> std::borrow::Cow<'_, str> {
        match self {
            Dialect::Sqlite => statement.into(),
            Dialect::Postgres => Self::to_postgres(statement).into(),
        }
    }

    /// `?N` placeholders as `$N`.
    pub fn to_postgres(statement: &str) -> String {
        let mut out = String::with_capacity(statement.len());
        let mut chars = statement.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('$');
            } else {
                out.push(c);
            }
        }
        out
    }

    /// A text field of a JSON text column, as text.
    pub fn json_text(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("({column}::jsonb ->> '{field}')"),
        }
    }

    /// What a read that is followed by a write of the same row adds to
    /// lock it (SQLite's write transaction already excludes every other
    /// writer).
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Whether due notifications are claimed with a lease (several
    /// receivers' deliverers share the table: migration 6's
    /// `claimed_until`).
    pub fn claims_notifications(self) -> bool {
        self == Dialect::Postgres
    }

    /// Whether an event's JSON column is left empty when its raw body
    /// reads back as exactly the normalized event (SQLite: ~40 % of the
    /// row, written to the log and checkpointed for every event). The
    /// PostgreSQL rows keep the JSON, which receivers of older versions
    /// sharing the database read.
    pub fn elides_event_json(self) -> bool {
        self == Dialect::Sqlite
    }

    /// The migration bookkeeping table (as first created by each engine;
    /// existing databases keep theirs).
    pub fn schema_migrations_ddl(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, \
                 applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            }
            // (Without the notice "already exists, skipping" at each start.)
            Dialect::Postgres => {
                "SET client_min_messages TO warning; CREATE TABLE IF NOT EXISTS \
                 schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL \
                 DEFAULT now()); RESET client_min_messages"
            }
        }
    }

    /// Opens a migration's transaction, excluding every other migrating
    /// process until it ends: SQLite's write lock, a PostgreSQL advisory
    /// lock.
    pub fn begin_migration(self) -> String {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE".to_owned(),
            Dialect::Postgres => {
                format!("BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_placeholders_become_dollars_and_nothing_else_changes() {
        assert_eq!(
            Dialect::to_postgres("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '$.x?'"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '$.x?'"
        );
        assert_eq!(Dialect::Sqlite.translate("x = ?1"), "x = ?1");
    }
}
