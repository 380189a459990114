//! The narrow connection trait both stores' SQL runs through, and the
//! neutral codec of what crosses it: parameters ([`Param`]), rows
//! ([`Row`] of [`Value`]s), stored times and stored JSON.
//!
//! Every store method is written once, in [`super::sql_store`], against
//! [`Conn`]; `rusqlite` (`sqlite.rs`) and the `postgres` client
//! (`postgres.rs`) each implement it in one small place. The trait only
//! asks for what any SQL client offers (run a statement, read its rows,
//! one transaction at a time), so an async, pipelining client can
//! implement it later without the store methods changing.
//!
//! Statements are written once, with SQLite's numbered placeholders
//! (`?1`, `?2`, …); the PostgreSQL connection turns them into `$1`, `$2`,
//! … once per statement ([`super::dialect::Dialect::to_postgres`]).

use erpops_core::event::Event;
use erpops_core::Timestamp;

use super::dialect::Dialect;
use super::{StoreError, StoreResult};

/// A statement parameter, borrowed from the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    /// SQL `NULL`.
    Null,
    /// An integer (`INTEGER` / `BIGINT`, or a narrower PostgreSQL integer
    /// when the statement says so and the value fits).
    Int(i64),
    /// A boolean (SQLite stores it as 0 or 1).
    Bool(bool),
    /// Text.
    Text(&'a str),
    /// Bytes (`BLOB` / `BYTEA`).
    Blob(&'a [u8]),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(v)
    }
}

impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Param::Blob(v)
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

impl<'a> From<&'a erpops_core::quota::shared_store::SqlValue> for Param<'a> {
    fn from(v: &'a erpops_core::quota::shared_store::SqlValue) -> Self {
        use erpops_core::quota::shared_store::SqlValue;
        match v {
            SqlValue::Text(t) => Param::Text(t),
            SqlValue::Integer(i) => Param::Int(*i),
        }
    }
}

/// The parameters of a statement: `args![a, b, …]` is
/// `&[Param::from(a), Param::from(b), …]`.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::store::db::Param::from($v)),*]
    };
}
pub(crate) use args;

/// A column value as read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// Any integer column (and PostgreSQL booleans, as 0 or 1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// One row of a result, its columns in the statement's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as `T`; a missing column or another type is a
    /// [`StoreError::Corrupt`].
    pub fn get<T: FromValue>(&self, i: usize) -> StoreResult<T> {
        let value = self.0.get(i).unwrap_or(&Value::Null);
        T::from_value(value).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "column {i} holds {value:?}, not {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A Rust type a column reads back as.
pub trait FromValue: Sized {
    /// `None` when the value is not of this type.
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for u32 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u32::try_from(i).ok())
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A constraint a failed statement violated, as both databases report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// A primary key or `UNIQUE` constraint: the row exists.
    Unique,
    /// A foreign key: the row it refers to does not exist.
    ForeignKey,
}

/// A failed statement: the store error, and the constraint it violated
/// when that is why.
#[derive(Debug)]
pub struct DbError {
    /// What the caller reports when the violation is not what it expects.
    pub error: StoreError,
    /// The violated constraint, if any.
    pub violation: Option<Violation>,
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        e.error
    }
}

impl From<StoreError> for DbError {
    fn from(error: StoreError) -> Self {
        DbError {
            error,
            violation: None,
        }
    }
}

impl DbError {
    /// `Exists` for a unique violation, else the error as it is.
    pub fn exists_or(self, what: &'static str, id: &str) -> StoreError {
        match self.violation {
            Some(Violation::Unique) => StoreError::Exists {
                what,
                id: id.to_owned(),
            },
            _ => self.error,
        }
    }

    /// `NotFound` for a foreign-key violation, else the error as it is.
    pub fn missing_or(self, what: &'static str, id: &str) -> StoreError {
        match self.violation {
            Some(Violation::ForeignKey) => StoreError::NotFound {
                what,
                id: id.to_owned(),
            },
            _ => self.error,
        }
    }
}

/// One database connection, as the store methods use it. Statements are
/// `?N`-numbered (see the module docs); implementations cache what they
/// prepare.
pub trait Conn: Send {
    /// Which SQL this connection speaks.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Vec<Row>>;
    /// Runs a query; returns its first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Option<Row>>;
    /// Runs statements without parameters (schema, transaction control).
    fn batch(&mut self, sql: &str) -> StoreResult<()>;
    /// Runs one statement once per row of parameters, in order; returns
    /// the rows each run changed. A client that pipelines (PostgreSQL)
    /// sends them all before it waits: one round trip for the lot, which
    /// is how a group's writes cost round trips per table, not per row.
    /// Where a statement is a function call (SQLite) it is a loop.
    fn execute_each(&mut self, sql: &str, rows: &[Vec<Param<'_>>]) -> Result<Vec<u64>, DbError> {
        rows.iter()
            .map(|params| self.execute(sql, params))
            .collect()
    }
    /// Runs one query once per row of parameters (pipelined as
    /// [`Conn::execute_each`]); returns each run's rows, in order.
    fn query_each(&mut self, sql: &str, rows: &[Vec<Param<'_>>]) -> StoreResult<Vec<Vec<Row>>> {
        rows.iter().map(|params| self.query(sql, params)).collect()
    }
    /// Whether a transaction is open on this connection.
    fn in_transaction(&self) -> bool;
    /// Opens a transaction (SQLite: `BEGIN IMMEDIATE`, see its `begin_tx`).
    fn begin_tx(&mut self) -> StoreResult<()>;
    /// Ends the open transaction: commits it, or rolls it back.
    fn end_tx(&mut self, commit: bool) -> StoreResult<()>;

    /// Runs `f` in its own transaction unless one is open (admin commands
    /// call outside one; the writer inside its group).
    fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> StoreResult<T>) -> StoreResult<T>
    where
        Self: Sized,
    {
        if self.in_transaction() {
            return f(self);
        }
        self.begin_tx()?;
        match f(self) {
            Ok(v) => {
                self.end_tx(true)?;
                Ok(v)
            }
            Err(e) => {
                // The error that made it roll back is the one to report.
                let _ = self.end_tx(false);
                Err(e)
            }
        }
    }
}

/// A `Timestamp` as stored: Unix nanoseconds (fits `i64` until 2262).
pub fn to_db(t: Timestamp) -> i64 {
    i64::try_from(t.unix_nanos()).unwrap_or(i64::MAX)
}

/// A stored time back as a `Timestamp`.
pub fn from_db(n: i64) -> Timestamp {
    Timestamp::from_unix_nanos(i128::from(n)).unwrap_or(Timestamp::from_unix_seconds(0))
}

/// The replay index's leading column: the event's own time in whole Unix
/// seconds (floor), as migration 0004 computes it for older rows.
pub fn event_second(t: Timestamp) -> i64 {
    t.unix_seconds()
}

/// A JSON value as stored (the serializer cannot fail on the core's
/// types; a failure is reported as corrupt).
pub fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A stored JSON column back as a value of `T`; `what` names it in the
/// error.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A stored JSON column back as JSON.
pub fn json_of(text: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A stored event's normalized form: its JSON column, or, when that is
/// empty, its raw body read back (SQLite leaves the column empty only when
/// the raw body reads back as exactly the normalized event).
pub fn event_of(json: &str, raw_body: Option<&[u8]>) -> StoreResult<serde_json::Value> {
    match raw_body {
        Some(raw) if json.is_empty() => serde_json::from_slice::<Event>(raw)
            .and_then(serde_json::to_value)
            .map_err(|e| StoreError::Corrupt(format!("stored event: {e}"))),
        _ => json_of(json),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn columns_read_back_as_their_type_or_as_corrupt() {
        let row = Row(vec![
            Value::Int(7),
            Value::Null,
            Value::Text("x".to_owned()),
            Value::Int(0),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert_eq!(row.get::<Option<i64>>(1).unwrap(), None);
        assert_eq!(row.get::<Option<String>>(2).unwrap().as_deref(), Some("x"));
        assert!(!row.get::<bool>(3).unwrap());
        assert!(matches!(row.get::<String>(0), Err(StoreError::Corrupt(_))));
        assert!(matches!(row.get::<i64>(1), Err(StoreError::Corrupt(_))));
        // A column the statement does not have reads as NULL.
        assert_eq!(row.get::<Option<i64>>(9).unwrap(), None);
    }

    #[test]
    fn parameters_convert_from_what_the_store_methods_hold() {
        let text = String::from("t");
        let bytes = vec![1u8, 2];
        let p: &[Param<'_>] = args![
            1_i64,
            true,
            "s",
            &text,
            bytes.as_slice(),
            None::<&str>,
            Some(3_i64)
        ];
        assert_eq!(
            p,
            &[
                Param::Int(1),
                Param::Bool(true),
                Param::Text("s"),
                Param::Text("t"),
                Param::Blob(&[1, 2]),
                Param::Null,
                Param::Int(3),
            ]
        );
    }

    #[test]
    fn violations_become_exists_or_not_found_and_other_errors_stay() {
        let unique = DbError {
            error: StoreError::Database("dup".to_owned()),
            violation: Some(Violation::Unique),
        };
        assert!(matches!(
            unique.exists_or("tenant", "a"),
            StoreError::Exists { what: "tenant", .. }
        ));
        let fk = DbError {
            error: StoreError::Database("fk".to_owned()),
            violation: Some(Violation::ForeignKey),
        };
        assert!(matches!(
            fk.missing_or("tenant", "a"),
            StoreError::NotFound { what: "tenant", .. }
        ));
        let other = DbError::from(StoreError::Database("io".to_owned()));
        assert!(matches!(
            other.exists_or("tenant", "a"),
            StoreError::Database(_)
        ));
    }
}
