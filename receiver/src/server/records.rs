//! Connector and tenant records for the HTTP tasks, so they can run the
//! core's [`admit`](erpops_core::receive::admit) (MAC, parsing) before a
//! request reaches the writer.
//!
//! A small pool of read connections to the same data directory (WAL lets
//! them read beside the writer). Each connection caches records until any
//! connection commits ([`Store::records`](crate::store::Store::records)
//! checks SQLite's `data_version`; the PostgreSQL store does not cache, as
//! another receiver may change the rows), so an admin command's change
//! (disable, rotate, suspend, change plan) applies from the next request,
//! exactly as when the writer read them.
//!
//! A read is a few microseconds from the page cache and runs inline on the
//! async worker, like the MAC and the parse that follow it: cheaper than a
//! hand-off to the blocking pool.

use std::sync::Mutex;

use uuid::Uuid;

use crate::store::{AnyStore, Location, Records, StoreError, StoreResult};

/// Idle connections kept; more are opened under a burst and dropped after.
const MAX_IDLE: usize = 8;

/// See the module docs.
pub struct RecordReader {
    location: Location,
    idle: Mutex<Vec<Box<dyn AnyStore>>>,
}

impl std::fmt::Debug for RecordReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordReader")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl RecordReader {
    /// A pool over the store in `data` (opened once now, so a broken data
    /// directory fails at start rather than at the first request).
    pub fn open(location: &Location) -> StoreResult<Self> {
        let first = location.open()?;
        Ok(RecordReader {
            location: location.clone(),
            idle: Mutex::new(vec![first]),
        })
    }

    /// The records of `connector` as of the last commit.
    pub fn records(&self, connector: &Uuid) -> StoreResult<Records> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut store = match pooled {
            Some(s) => s,
            None => self.location.open_more()?,
        };
        let result = store.records(connector);
        // A connection that failed is dropped rather than reused.
        if result.is_ok() {
            if let Ok(mut idle) = self.idle.lock() {
                if idle.len() < MAX_IDLE {
                    idle.push(store);
                }
            }
        }
        result.map_err(|e| match e {
            StoreError::Database(m) => StoreError::Database(format!("record read: {m}")),
            other => other,
        })
    }
}
