//! Connector and tenant records for the HTTP tasks, so they can run the
//! core's [`admit`](erpops_core::receive::admit) (MAC, parsing) before a
//! request reaches the writer, without a database read per request.
//!
//! Records are kept in memory, each tagged with the records generation it
//! was read at ([`RecordStore::records_generation`]:
//! it moves with every change to connectors, secrets, tenants and plans,
//! whoever makes it). The writer reads the generation once per group in its
//! transaction, publishes it here ([`RecordReader::generation_handle`]), and re-admits
//! any request whose records were older than it, so an admin change
//! (disable, rotate, suspend, change plan) applies to every request decided
//! after its commit, exactly as if each request read the records itself. A
//! refusal is never answered from memory: the HTTP task reads the records
//! again ([`RecordReader::fresh`]) and decides with them when they changed.
//!
//! The reads themselves (a cache miss, a refusal's re-check, or every
//! request with a store that has no generation, such as PostgreSQL, where
//! another receiver may change the rows) go through a small pool of
//! read connections to the same data directory (WAL lets them read beside
//! the writer); a read is a few microseconds and runs inline on the async
//! worker, like the MAC and the parse that follow it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use uuid::Uuid;

use crate::store::{Location, RecordStore, Records, StoreError, StoreResult};

/// Idle connections kept; more are opened under a burst and dropped after.
const MAX_IDLE: usize = 8;

/// Connectors kept in memory; past it the cache starts over.
const CACHE_LIMIT: usize = 10_000;

/// Records as read, with the generation they were read at (`None`: the
/// store has no generation; never cached).
#[derive(Debug)]
pub struct Cached {
    /// The connector and its tenant.
    pub records: Records,
    /// See [`crate::store::RecordStore::records_generation`].
    pub generation: Option<i64>,
}

/// See the module docs.
pub struct RecordReader {
    location: Location,
    idle: Mutex<Vec<Box<dyn RecordStore>>>,
    /// The newest records generation seen (read here or published by the
    /// writer); −1 until one is.
    generation: Arc<AtomicI64>,
    cache: RwLock<HashMap<Uuid, Arc<Cached>>>,
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
            generation: Arc::new(AtomicI64::new(-1)),
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// Where the writer publishes the generation it read in its group's
    /// transaction (see [`crate::writer::Writer::with_records_generation`]).
    pub fn generation_handle(&self) -> Arc<AtomicI64> {
        Arc::clone(&self.generation)
    }

    /// The records of `connector`: from memory when they were read at the
    /// newest generation seen, else read now.
    pub fn records(&self, connector: &Uuid) -> StoreResult<Arc<Cached>> {
        let newest = self.generation.load(Ordering::Acquire);
        if newest >= 0 {
            let hit = self
                .cache
                .read()
                .ok()
                .and_then(|c| c.get(connector).cloned())
                .filter(|c| c.generation == Some(newest));
            if let Some(hit) = hit {
                return Ok(hit);
            }
        }
        self.fresh(connector)
    }

    /// The records of `connector` read now (and remembered when the store
    /// has a generation and the connector exists).
    pub fn fresh(&self, connector: &Uuid) -> StoreResult<Arc<Cached>> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut store = match pooled {
            Some(s) => s,
            None => self.location.open_more()?,
        };
        let result = store.records_with_generation(connector);
        // A connection that failed is dropped rather than reused.
        if result.is_ok() {
            if let Ok(mut idle) = self.idle.lock() {
                if idle.len() < MAX_IDLE {
                    idle.push(store);
                }
            }
        }
        let (records, generation) = result.map_err(|e| match e {
            StoreError::Database(m) => StoreError::Database(format!("record read: {m}")),
            other => other,
        })?;
        let cached = Arc::new(Cached {
            records,
            generation,
        });
        if let Some(g) = generation {
            self.generation.fetch_max(g, Ordering::AcqRel);
            if cached.records.0.is_some() {
                if let Ok(mut cache) = self.cache.write() {
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.insert(*connector, Arc::clone(&cached));
                }
            }
        }
        Ok(cached)
    }
}
