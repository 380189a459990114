//! Connector and tenant records for the HTTP tasks, so they can run the
//! core's [`admit`](erpops_core::receive::admit) (MAC, parsing) before a
//! request reaches the writer, without a database read per request.
//!
//! Records are kept in memory, each tagged with the records generation it
//! was read at ([`RecordStore::records_generation`]:
//! it moves with every change to connectors, secrets, tenants and plans,
//! whoever makes it: SQLite's migration 5, PostgreSQL's migration 9, both
//! triggers). The writer reads the generation once per group in its
//! transaction, publishes it here ([`RecordReader::generation_handle`]), and
//! re-admits any request whose records were older than it, so an admin
//! change (disable, rotate, suspend, change plan), made on this receiver or
//! (PostgreSQL) on another one, applies to every request decided after its
//! commit, exactly as if each request read the records itself. A refusal is
//! never answered from memory: the HTTP task reads the records again
//! ([`RecordReader::fresh`]) and decides with them when they changed.
//!
//! The reads themselves (a cache miss, a refusal's re-check) go through a
//! bounded pool of read connections (`store_pool_size`, default
//! [`DEFAULT_POOL_SIZE`]): never more than that many connections are open
//! for the HTTP tasks, whatever the burst. A read needs a slot; when every
//! slot is in use the request waits for one (in arrival order, without
//! holding an async worker: a `tokio` semaphore) for at most
//! [`POOL_WAIT`], then is answered 503 with `Retry-After` ([`ReadError::Busy`]).
//! The read itself runs inline on the async worker, like the MAC and the
//! parse that follow it: on SQLite it is a few microseconds (a
//! `spawn_blocking` hop would cost more than the read); on PostgreSQL the
//! client hands the worker's other tasks off first (`block_in_place`, see
//! `store/postgres.rs`), and the semaphore bounds how many workers do so at
//! once to the pool size.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::store::{Location, RecordStore, Records, StoreError};

/// Record-reader connections per receiver unless `store_pool_size` says.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// Largest `store_pool_size` accepted (each is a database connection).
pub const MAX_POOL_SIZE: usize = 256;

/// How long a request waits for a pooled connection before it is answered
/// 503 (a record read takes about a millisecond: a wait this long means the
/// database is not answering).
pub const POOL_WAIT: Duration = Duration::from_secs(5);

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

/// Why records could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Every pooled connection stayed in use for the whole wait.
    Busy,
    /// The store failed (or no connection could be opened).
    Store(StoreError),
}

/// See the module docs.
pub struct RecordReader {
    location: Location,
    /// Connections not in use. Only a holder of a `slots` permit takes or
    /// opens one, and gives it back before its permit, so idle plus in use
    /// never exceeds the pool size.
    idle: Mutex<Vec<Box<dyn RecordStore>>>,
    slots: Semaphore,
    size: usize,
    wait: Duration,
    metrics: Arc<Metrics>,
    /// The newest records generation seen (read here or published by the
    /// writer); −1 until one is.
    generation: Arc<AtomicI64>,
    cache: RwLock<HashMap<Uuid, Arc<Cached>>>,
}

impl std::fmt::Debug for RecordReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordReader")
            .field("location", &self.location)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl RecordReader {
    /// A pool of at most `size` (at least 1) connections over the store at
    /// `location`; the first is opened now, so a broken store fails at
    /// start rather than at the first request.
    pub fn open(
        location: &Location,
        size: usize,
        metrics: Arc<Metrics>,
    ) -> Result<Self, StoreError> {
        let size = size.clamp(1, MAX_POOL_SIZE);
        let first = location.open()?;
        Ok(RecordReader {
            location: location.clone(),
            idle: Mutex::new(vec![first]),
            slots: Semaphore::new(size),
            size,
            wait: POOL_WAIT,
            metrics,
            generation: Arc::new(AtomicI64::new(-1)),
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// Waits at most `wait` for a connection instead of [`POOL_WAIT`].
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// The most connections this pool opens at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Where the writer publishes the generation it read in its group's
    /// transaction (see [`crate::writer::Writer::with_records_generation`]).
    pub fn generation_handle(&self) -> Arc<AtomicI64> {
        Arc::clone(&self.generation)
    }

    /// The records of `connector`: from memory when they were read at the
    /// newest generation seen, else read now.
    pub async fn records(&self, connector: &Uuid) -> Result<Arc<Cached>, ReadError> {
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
        self.fresh(connector).await
    }

    /// The records of `connector` read now (and remembered when the store
    /// has a generation and the connector exists), on a pooled connection:
    /// waits up to [`POOL_WAIT`] (or [`RecordReader::with_wait`]) for one
    /// when all are in use.
    pub async fn fresh(&self, connector: &Uuid) -> Result<Arc<Cached>, ReadError> {
        let slot = match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            // Timed out (or closed, which this pool never is).
            Ok(Err(_)) | Err(_) => {
                self.metrics.record_pool_busy();
                return Err(ReadError::Busy);
            }
        };
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut store = match pooled {
            Some(s) => s,
            // Fewer than `size` are open (this slot's connection was
            // dropped after a failure, or never opened yet).
            None => self.location.open_more().map_err(ReadError::Store)?,
        };
        self.metrics.record_read();
        let result = store.records_with_generation(connector);
        // A connection that failed is dropped rather than reused (the next
        // holder of this slot opens a new one).
        if result.is_ok() {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(store);
            }
        }
        drop(slot);
        let (records, generation) = result.map_err(|e| {
            ReadError::Store(match e {
                StoreError::Database(m) => StoreError::Database(format!("record read: {m}")),
                other => other,
            })
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn unknown() -> Uuid {
        Uuid::from_u128(7)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_waits_for_a_slot_and_never_opens_more_than_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Sqlite(dir.path().to_path_buf());
        let metrics = Arc::new(Metrics::default());
        let reader = Arc::new(
            RecordReader::open(&location, 2, Arc::clone(&metrics))
                .unwrap()
                .with_wait(Duration::from_millis(50)),
        );
        // Many reads at once: each gets a slot in turn, none is refused.
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let reader = Arc::clone(&reader);
                tokio::spawn(async move { reader.fresh(&unknown()).await.map(|_| ()) })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().is_ok());
        }
        assert!(reader.idle.lock().unwrap().len() <= 2);
        // Every slot held (as by reads stuck on a database that does not
        // answer): the next read is refused as busy after the wait.
        let held = reader.slots.acquire_many(2).await.unwrap();
        let busy = reader.fresh(&unknown()).await;
        assert!(matches!(busy, Err(ReadError::Busy)), "{busy:?}");
        assert!(metrics.render().contains("erpops_record_pool_busy_total 1"));
        drop(held);
        assert!(reader.fresh(&unknown()).await.is_ok());
    }
}
