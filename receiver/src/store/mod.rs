//! Durable state behind traits split by caller, so a PostgreSQL store can
//! follow the SQLite one without touching the server, and each caller sees
//! only what it may touch:
//!
//! | trait | caller |
//! |---|---|
//! | [`RecordStore`] | the HTTP tasks admitting requests (records) |
//! | [`WriterStore`] | the server's writer thread (groups, ticks, the alert engine) |
//! | [`ReadStore`] | the REST API (tenant-scoped reads) |
//! | [`DeliveryStore`] | the notification deliverer |
//! | [`AdminStore`] | `erpops admin` and `serve --demo` |
//! | [`WritesStore`] | the REST writes (idempotency, audit, tenant-scoped configuration) |
//! | [`ConfigStore`] | the configuration reads the writer, the deliverer and admin share |
//! | [`SessionStore`] | the admin app's sign-in sessions |
//!
//! The traits are synchronous and a store is owned by one caller at a time:
//! the server's writer thread drives `begin` → many requests → `commit`
//! (group commit), and the admin commands open their own store on the same
//! data directory (SQLite serializes writers; WAL lets readers run beside
//! them). [`Location::open`] gives an [`AnyStore`], which is every part.
//!
//! - [`sql_store`]: every store method, written once for both engines
//!   over the connection trait of [`db`] (which also holds the neutral row
//!   codec); [`dialect`]: the SQL forms that differ between them.
//! - [`sqlite`]: the embedded store (WAL, `synchronous=FULL`).
//! - [`postgres`]: the shared store (`--store postgres://…`).
//! - [`migrate`]: versioned schema migrations kept in `receiver/migrations/`,
//!   one runner for both engines.
//! - [`alerts`]: the alerting rows (rules, silences, heartbeats, jobs,
//!   maintenance windows, webhooks,
//!   custom plans, notifications) and the deliverer's trait.

pub mod alerts;
pub mod db;
pub mod dialect;
pub mod migrate;
pub mod postgres;
pub mod shared;
pub mod sql_store;
pub mod sqlite;

use core::fmt;

use erpops_core::alert::{
    AlertRule, Heartbeat, Job, JobKey, JobState, KeyAlertSnapshot, MaintenanceWindow, Silence,
};
use erpops_core::incident::{
    CorrelationKey, Effect as IncidentEffect, IncidentSnapshot, KeySnapshot,
};
use erpops_core::pii::PiiPolicy;
use erpops_core::quota::shared_store::{self, StoreOutcome};
use erpops_core::quota::{self, Counter, Decision, Metric, Plan};
use erpops_core::receive::{ConnectorRecord, TenantRecord};
use erpops_core::{Event, Timestamp};
use uuid::Uuid;

use alerts::{AlertFilter, CustomPlan, NewNotification, WebhookRow};
pub use alerts::{ConfigStore, DeliveryStore};
pub use postgres::PgStore;
pub use sql_store::sessions::{SessionRow, SessionStore};
pub use sqlite::SqliteStore;

/// Why a store call failed. Codes are stable; messages say what to do.
#[derive(Debug)]
pub enum StoreError {
    /// The database reported an error (I/O, corruption, lock timeout).
    Database(String),
    /// A named row does not exist.
    NotFound {
        /// `tenant` or `connector`.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A row with this id already exists.
    Exists {
        /// `tenant` or `connector`.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// A stored value cannot be read back (edited by hand or from a newer
    /// version).
    Corrupt(String),
    /// The data directory was written by a newer `erpops`.
    SchemaTooNew {
        /// Highest migration this binary knows.
        known: i64,
        /// Version found in the database.
        found: i64,
    },
}

impl StoreError {
    /// Stable machine code.
    pub const fn code(&self) -> &'static str {
        match self {
            StoreError::Database(_) => "store_error",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Exists { .. } => "exists",
            StoreError::Corrupt(_) => "store_corrupt",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Database(e) => write!(
                f,
                "the database failed: {e}; check the store (SQLite: the data directory's disk \
                 space and permissions; PostgreSQL: that the server is up and reachable and \
                 the role may write)"
            ),
            StoreError::NotFound { what, id } => {
                write!(f, "no {what} {id:?}; list them to see the existing ids")
            }
            StoreError::Exists { what, id } => {
                write!(f, "{what} {id:?} already exists; pick another id")
            }
            StoreError::Corrupt(e) => write!(
                f,
                "a stored value cannot be read ({e}); restore the data directory from a backup"
            ),
            StoreError::SchemaTooNew { known, found } => write!(
                f,
                "the data directory has schema version {found} but this erpops knows up to \
                 {known}; run a newer erpops"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Makes every commit made so far durable (see [`WriterStore::defer_sync`]).
pub type SyncFn = Box<dyn FnMut() -> StoreResult<()> + Send>;

/// What [`WriterStore::defer_sync`] hands to the sync thread.
pub struct Deferred {
    /// Makes every commit so far durable; answers wait for it.
    pub sync: SyncFn,
    /// Housekeeping of the log (a checkpoint), run by the sync thread
    /// after it answered, so the writer never does it between groups.
    pub checkpoint: SyncFn,
}

/// A tenant's inbound events accepted by a group, charged at its end
/// ([`WriterStore::charge_group`]).
#[derive(Debug, Clone, Copy)]
pub struct Charge<'a> {
    /// The tenant charged.
    pub tenant: &'a str,
    /// The plan the decisions used (its limit guards the upsert).
    pub plan: Plan,
    /// Events accepted.
    pub count: u64,
}

/// The core's requests and conditional upserts for `charges` (`None`
/// where the cost exceeds the limit: nothing can admit it), to run and
/// then read back with [`charged`]. One place builds the statements, so
/// the stores differ only in how they send them.
pub fn charge_statements<'a>(
    charges: &[Charge<'a>],
    now: Timestamp,
) -> StoreResult<Vec<(quota::Request<'a>, Option<shared_store::Statement>)>> {
    charges
        .iter()
        .map(|c| {
            let request = quota::Request::new(
                c.tenant,
                Metric::InboundEvent,
                c.plan.limit(Metric::InboundEvent),
                now,
            )
            .with_cost(c.count);
            let st = shared_store::upsert_statement(&request)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((request, st))
        })
        .collect()
}

/// The core's decision for what a charge's upsert returned (`Some`: the
/// counter after the charge; `None`: nothing admitted).
pub fn charged(request: &quota::Request<'_>, used: Option<i64>) -> StoreResult<Decision> {
    let outcome = match used {
        Some(used) => StoreOutcome::Admitted { used },
        None => StoreOutcome::NotAdmitted { used: None },
    };
    shared_store::interpret(request, outcome).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// What a writer transaction locks of an alert engine shared by several
/// receivers ([`WriterStore::lock_engine`]; see `store/postgres/engine.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineScope {
    /// The partitions of the group's tenants ([`WriterStore::lock_group`]
    /// took them): the group changes only their keys.
    Tenants,
    /// Those and the engine-wide state (a heartbeat's sign of life, a rule
    /// with `group_wait`, an operator command, a changed configuration).
    TenantsAndGlobal,
    /// Every partition and the engine-wide state: a tick may change any
    /// key.
    All,
}

/// What other receivers wrote to the shared alert engine since this
/// connection last committed or loaded it ([`WriterStore::lock_engine`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineChanges {
    /// Correlation key rows written since (their current content).
    pub keys: Vec<KeySnapshot>,
    /// The alert engine's engine-wide state (without incidents or per-key
    /// state), when it was written since.
    pub alert_state: Option<serde_json::Value>,
    /// Per-key alerting state rows written since (their current content).
    pub alert_keys: Vec<KeyAlertSnapshot>,
    /// Job rows written since (their current content), read with the
    /// engine-wide state: a job's row is versioned like it.
    pub jobs: Vec<JobState>,
}

impl EngineChanges {
    /// Whether nothing changed (the common case with one busy receiver).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
            && self.alert_state.is_none()
            && self.alert_keys.is_empty()
            && self.jobs.is_empty()
    }
}

/// A tenant as listed by admin commands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TenantRow {
    /// Its id (chosen by the operator).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Plan name (`free`, `professional`, `enterprise`).
    pub plan: String,
    /// `redact`, `reject` or `allow`.
    pub pii_policy: String,
    /// Whether its connectors are refused.
    pub suspended: bool,
}

/// A connector as listed (never with its secrets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConnectorRow {
    /// Its UUID.
    pub id: Uuid,
    /// Owning tenant.
    pub tenant_id: String,
    /// Display name.
    pub name: String,
    /// Whether it is accepted.
    pub enabled: bool,
    /// Number of secrets that still verify.
    pub active_secrets: usize,
}

/// A connector's record and its tenant's, as [`RecordStore::records`] reads them
/// (`(None, _)`: unknown connector; `(_, None)`: unknown tenant).
pub type Records = (Option<ConnectorRecord>, Option<TenantRecord>);

/// An accepted event, as [`WriterStore::insert_event`] records it.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// `evt_…`.
    pub event_id: &'a str,
    /// Tenant charged.
    pub tenant_id: &'a str,
    /// Normalized (redacted) event.
    pub event: &'a Event,
    /// The signed bytes as received, kept only when nothing was redacted
    /// (under `redact` the raw body still holds the personal data the
    /// policy removed, so it is not stored).
    pub raw_body: Option<&'a [u8]>,
    /// The incident it was attached to.
    pub incident_id: Option<&'a str>,
    /// Until when the same bytes answer `duplicate` (the core's
    /// `RememberDigest` effect): kept in the event's row, so remembering
    /// the digest costs no write of its own.
    pub replay_expires_at: Option<Timestamp>,
    /// The receiver's clock.
    pub received_at: Timestamp,
}

/// An API key as listed (never the key itself, which is not stored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiKeyRow {
    /// Public id of the key (`key_…`), used to revoke it.
    pub id: String,
    /// The tenant whose data it reads.
    pub tenant_id: String,
    /// Operator's label.
    pub label: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// Filters of `GET /v1/incidents` (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    /// `open`, `acknowledged` or `resolved`.
    pub status: Option<String>,
    /// `info`, `warn`, `error` or `critical`.
    pub severity: Option<String>,
    /// Connector UUID.
    pub connector: Option<String>,
    /// Source of the opening event.
    pub source: Option<String>,
    /// Only incidents changed at or after this instant.
    pub since: Option<Timestamp>,
}

/// Filters of `GET /v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Connector UUID.
    pub connector: Option<String>,
    /// Exact event type.
    pub event_type: Option<String>,
    /// Severity.
    pub severity: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// Only events received at or after this instant.
    pub since: Option<Timestamp>,
}

/// A page position: strictly after `(at, id)` in newest-first order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort time of the last row returned.
    pub at: i64,
    /// Its id (ties on time).
    pub id: String,
}

/// One row of a listing: sort time, id and the JSON to return.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// Sort time (for the next cursor).
    pub at: i64,
    /// Row id.
    pub id: String,
    /// The row as JSON.
    pub json: serde_json::Value,
}

/// What the HTTP tasks read before the writer: the connector and tenant
/// records the receive decision admits requests with.
pub trait RecordStore: Send {
    /// Whether the store answers (for `/healthz`).
    fn ping(&mut self) -> StoreResult<()>;
    /// The connector and tenant records as of the last commit, read outside
    /// any transaction: what [`erpops_core::receive::admit`] needs. Called
    /// on reader connections by the HTTP tasks, so the MAC and parsing stay
    /// off the writer; records may be cached while nothing was committed.
    fn records(&mut self, connector: &Uuid) -> StoreResult<Records>;
    /// The generation of the connector, secret, tenant and plan rows:
    /// it moves with every change to them (SQLite: triggers of migration
    /// 0005), so records read at generation `g` are current while it is
    /// still `g`. The writer reads it once per group in its transaction
    /// and re-admits requests whose records were older; the HTTP tasks
    /// cache records by it. `None`: the store cannot tell,
    /// so nothing is cached and records are read per request.
    fn records_generation(&mut self) -> StoreResult<Option<i64>>;
    /// [`RecordStore::records`] and the [`RecordStore::records_generation`] they are
    /// current for, read in one snapshot.
    fn records_with_generation(&mut self, connector: &Uuid) -> StoreResult<(Records, Option<i64>)>;
}

/// Rows the writer deletes once they expire (see [`crate::retention`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prunable {
    /// Accepted events, with their signed bytes (by acceptance time).
    Events,
    /// Replay keys past their own expiry (SQLite's `replay_index`; on
    /// PostgreSQL the key is the event row and goes with it).
    ReplayKeys,
    /// Delivered and failed notifications (by creation time; pending ones
    /// are never dropped).
    Notifications,
    /// Resolved incidents and their history (by their last change).
    Incidents,
    /// Idempotent answers of the REST writes past their own expiry (24 h).
    IdempotencyKeys,
    /// Audit rows of the REST writes (kept as long as events).
    Audit,
}

impl Prunable {
    /// Every kind, in the order the writer prunes them.
    pub const ALL: [Prunable; 6] = [
        Prunable::Events,
        Prunable::ReplayKeys,
        Prunable::Notifications,
        Prunable::Incidents,
        Prunable::IdempotencyKeys,
        Prunable::Audit,
    ];

    /// The name in metrics and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Prunable::Events => "events",
            Prunable::ReplayKeys => "replay_keys",
            Prunable::Notifications => "notifications",
            Prunable::Incidents => "incidents",
            Prunable::IdempotencyKeys => "idempotency_keys",
            Prunable::Audit => "audit",
        }
    }
}

/// How much room the store takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreSize {
    /// Bytes of the database (SQLite: the file's pages; PostgreSQL:
    /// `pg_database_size`).
    pub bytes: u64,
    /// Of those, bytes free for reuse (SQLite's free pages; unknown, so
    /// 0, on PostgreSQL).
    pub free_bytes: u64,
}

/// What the server's writer thread touches: the group transaction, the
/// receive decision's state, events, incidents and the alert engine's
/// state and notifications. See the module docs.
pub trait WriterStore: RecordStore + ConfigStore {
    /// Starts the transaction that groups the next requests.
    fn begin(&mut self) -> StoreResult<()>;
    /// Makes everything since [`WriterStore::begin`] durable.
    fn commit(&mut self) -> StoreResult<()>;
    /// Called right after [`WriterStore::begin`] with the tenants and event ids
    /// of the group's requests: a store shared by several receivers takes
    /// the locks the group's decisions need here, all at once and in one
    /// global order (tenants sorted, then event ids sorted), so that two
    /// receivers' groups wait for each other instead of deadlocking, and
    /// the quota counter each decision reads is the one its upsert will
    /// see. SQLite has one writer and
    /// needs nothing.
    fn lock_group(
        &mut self,
        tenants: &[&str],
        event_ids: &[&str],
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Called by the writer in each transaction that may change the alert
    /// engine (a group, a tick), after [`WriterStore::lock_group`] and before
    /// anything is settled: a store shared by several receivers takes the
    /// locks `scope` names (the group's tenants' partitions, the
    /// engine-wide state, or everything) and returns what other receivers
    /// changed there since this connection last committed or loaded it, so
    /// the writer settles on the current state and its writes in this
    /// transaction become the newest version. `None`: the engine cannot
    /// change under this writer (SQLite has one writer).
    fn lock_engine(&mut self, scope: EngineScope) -> StoreResult<Option<EngineChanges>>;
    /// Discards everything since [`WriterStore::begin`].
    fn rollback(&mut self) -> StoreResult<()>;
    /// Switches this connection to commits that return once written but
    /// before they are on disk, and returns the function that makes every
    /// commit so far durable. The writer calls it from another thread and
    /// answers only after it returned, so the next group runs while the
    /// disk syncs (pipelined group commit) and what is acknowledged is on
    /// disk as with synchronous commits. Log checkpoints move to the sync
    /// thread as well.
    fn defer_sync(&mut self) -> StoreResult<Deferred>;
    /// The replay expiry of `replay` (event id and the event's own
    /// timestamp; `None` for a body that did not parse, which is refused
    /// before the replay rung) and the inbound-event counter of `tenant`
    /// for the window of `now`: what [`erpops_core::receive::settle`]
    /// needs, read in the writer's transaction. (The writer reads a whole
    /// group's at once: [`WriterStore::lookup_replays`],
    /// [`WriterStore::lookup_counters`].)
    fn lookup_state(
        &mut self,
        tenant: &str,
        replay: Option<(&str, Timestamp)>,
        now: Timestamp,
    ) -> StoreResult<(Option<Timestamp>, Option<Counter>)> {
        let replay = self.lookup_replay(tenant, replay, now)?;
        let counter = self.lookup_counters(&[tenant], now)?.pop().flatten();
        Ok((replay, counter))
    }
    /// The replay expiry alone (see [`WriterStore::lookup_state`]).
    fn lookup_replay(
        &mut self,
        tenant: &str,
        replay: Option<(&str, Timestamp)>,
        now: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        let _ = (tenant, now);
        match replay {
            Some(r) => Ok(self.lookup_replays(&[r])?.pop().flatten()),
            None => Ok(None),
        }
    }
    /// The replay expiries of a group's events (event id and the event's
    /// own timestamp), in order, read at once in the writer's transaction:
    /// on a shared store one round trip whatever the group's size. The
    /// writer itself remembers what the group accepted (the rows are
    /// written at its end).
    fn lookup_replays(
        &mut self,
        events: &[(&str, Timestamp)],
    ) -> StoreResult<Vec<Option<Timestamp>>>;
    /// The inbound-event counters of `tenants` for the window of `now`, in
    /// order (`None`: no row yet), read at once.
    fn lookup_counters(
        &mut self,
        tenants: &[&str],
        now: Timestamp,
    ) -> StoreResult<Vec<Option<Counter>>>;
    /// Consumes one inbound event of `tenant` with the core's conditional
    /// upsert ([`erpops_core::quota::shared_store`]) and returns the core's
    /// decision for what the database did.
    fn consume_event_quota(
        &mut self,
        tenant: &str,
        plan: Plan,
        now: Timestamp,
    ) -> StoreResult<Decision> {
        self.consume_event_quotas(tenant, plan, 1, now)
    }
    /// Consumes `count` inbound events of `tenant` at once, in one
    /// conditional upsert (the core's `with_cost`).
    fn consume_event_quotas(
        &mut self,
        tenant: &str,
        plan: Plan,
        count: u64,
        now: Timestamp,
    ) -> StoreResult<Decision> {
        let mut decisions = self.charge_group(
            &[Charge {
                tenant,
                plan,
                count,
            }],
            now,
        )?;
        decisions
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no quota decision was returned".to_owned()))
    }
    /// Charges each tenant's accepted events of a group, one conditional
    /// upsert per tenant (the core's `with_cost`: what the writer's
    /// in-memory view of the counter admitted one by one), all sent at
    /// once; the core's decision for each, in order.
    fn charge_group(
        &mut self,
        charges: &[Charge<'_>],
        now: Timestamp,
    ) -> StoreResult<Vec<Decision>>;
    /// Records an accepted event.
    fn insert_event(&mut self, event: &NewEvent<'_>) -> StoreResult<()> {
        self.insert_events(std::slice::from_ref(event))
    }
    /// Records a group's accepted events (one statement sent for all).
    fn insert_events(&mut self, events: &[NewEvent<'_>]) -> StoreResult<()>;
    /// Records incident effects: the latest record of each incident (one
    /// write per incident per call) and the feed of transitions (every kind
    /// but `updated`).
    fn record_incident_effects(
        &mut self,
        effects: &[IncidentEffect],
        now: Timestamp,
    ) -> StoreResult<()>;
    /// The tenant owning an incident, if the incident is known.
    fn incident_tenant(&mut self, incident_id: &str) -> StoreResult<Option<String>>;
    /// Writes the rows of the correlation keys a group touched: the key's
    /// [`KeySnapshot`], or `None` to drop a key the model no longer
    /// remembers. The rows together are the model's snapshot, so a group
    /// writes what it changed, not the whole model.
    fn write_incident_keys(
        &mut self,
        rows: &[(CorrelationKey, Option<KeySnapshot>)],
    ) -> StoreResult<()>;
    /// Replaces every key row with the snapshot's (conversion, repair).
    fn save_incident_model(&mut self, snapshot: &IncidentSnapshot) -> StoreResult<()>;
    /// The incident model assembled from its key rows, if any.
    fn load_incident_model(&mut self) -> StoreResult<Option<IncidentSnapshot>>;
    /// Drops quota rows and incident key rows that can no longer matter at
    /// `now` (replay digests expire in place, in their event's row).
    fn prune(&mut self, now: Timestamp) -> StoreResult<()>;
    /// Deletes at most `limit` rows of `kind` that expired before `cutoff`
    /// (inside the open transaction) and returns how many went: the
    /// writer calls it in small batches between groups, so a backlog never
    /// holds the store for long.
    fn prune_expired(
        &mut self,
        kind: Prunable,
        cutoff: Timestamp,
        limit: usize,
    ) -> StoreResult<usize>;
    /// The store's size now.
    fn size(&mut self) -> StoreResult<StoreSize>;
    /// Gives free space back to the file system where the store can
    /// (SQLite with `auto_vacuum = INCREMENTAL`), at most `max_bytes` at
    /// a time, keeping some free room for the next inserts; returns the
    /// bytes given back.
    fn release_free_space(&mut self, max_bytes: u64) -> StoreResult<u64>;
    /// Saves the alert engine's engine-wide state (rules, silences,
    /// heartbeats, groups: no incidents, no per-key state), when it
    /// changed.
    fn save_alert_state(&mut self, state: &serde_json::Value) -> StoreResult<()>;
    /// The saved engine-wide alert state, if any (one written before
    /// migration 8 still holds every key's state).
    fn load_alert_state(&mut self) -> StoreResult<Option<serde_json::Value>>;
    /// Writes the alerting state of the correlation keys a group changed,
    /// one row each ([`KeyAlertSnapshot`]), or `None` to drop a key's row:
    /// a group writes what it changed, not every key's state.
    fn write_alert_keys(
        &mut self,
        rows: &[(CorrelationKey, Option<KeyAlertSnapshot>)],
    ) -> StoreResult<()>;
    /// Every key's saved alerting state, in key order.
    fn load_alert_keys(&mut self) -> StoreResult<Vec<KeyAlertSnapshot>>;
    /// Writes the state of the jobs a commit changed, one row each (the
    /// core's [`JobState`]), or `None` to drop a removed job's row: a run
    /// signal rewrites its job, not every job. On a shared store the rows
    /// are versioned with the engine-wide state (the transaction holds its
    /// lock, as for every event of a watched source).
    fn write_job_states(&mut self, rows: &[(JobKey, Option<JobState>)]) -> StoreResult<()>;
    /// Every job's saved state, in (connector, source) order.
    fn load_job_states(&mut self) -> StoreResult<Vec<JobState>>;
    /// Records a notification as `pending`, due at once.
    fn insert_notification(&mut self, n: &NewNotification<'_>) -> StoreResult<()>;
}

/// The read side of the REST API: every call is scoped to one tenant, so a
/// key never sees another tenant's rows (they answer "not found"). Its one
/// write is [`ReadStore::charge`], a single atomic quota statement that
/// needs no writer.
pub trait ReadStore: Send {
    /// Charges one unit of `metric` (an AI query) to `tenant` against its
    /// plan with the core's shared-store statements; a retry with the same
    /// `idempotency_key` in the same window is `Replayed`, charged once.
    /// `None`: no such tenant.
    fn charge(
        &mut self,
        tenant: &str,
        metric: Metric,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Option<Decision>>;
    /// Events of `tenant` accepted on each of the last `days` UTC days
    /// (today last), as (the day's 00:00 in Unix seconds, count).
    fn daily_events(
        &mut self,
        tenant: &str,
        days: u32,
        now: Timestamp,
    ) -> StoreResult<Vec<(i64, u64)>>;
    /// The (key id, tenant) of a non-revoked API key with this SHA-256 hex.
    fn api_key(&mut self, key_hash: &str) -> StoreResult<Option<(String, String)>>;
    /// Incidents of `tenant`, newest change first.
    fn list_incidents(
        &mut self,
        tenant: &str,
        filter: &IncidentFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// One incident of `tenant`.
    fn incident(&mut self, tenant: &str, id: &str) -> StoreResult<Option<serde_json::Value>>;
    /// Events of `tenant`, newest first.
    fn list_events(
        &mut self,
        tenant: &str,
        filter: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// Inbound events and AI queries used in the current windows.
    fn usage(&mut self, tenant: &str, now: Timestamp) -> StoreResult<serde_json::Value>;
    /// Notifications of `tenant`, newest first.
    fn list_alerts(
        &mut self,
        tenant: &str,
        filter: &AlertFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// Connectors, optionally of one tenant.
    fn connectors(
        &mut self,
        tenant: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Vec<ConnectorRow>>;
    /// A page of `tenant`'s connectors ([`ConnectorRow`] as JSON), newest
    /// first (creation time, then id), strictly after `after`.
    fn list_connectors(
        &mut self,
        tenant: &str,
        after: Option<&Cursor>,
        limit: usize,
        now: Timestamp,
    ) -> StoreResult<Vec<Listed>>;
    /// A page of the jobs of `tenant`'s connectors, newest first (when
    /// set, then job id), strictly after `after`: each job's configuration
    /// with what the engine tracks of it
    /// ([`crate::alerts::jobs::job_view`]).
    fn list_jobs(
        &mut self,
        tenant: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// One job of `tenant` by its id (`job_…`): its configuration and its
    /// saved state (`None` until a writer loaded it).
    fn job(&mut self, tenant: &str, job_id: &str) -> StoreResult<Option<(Job, Option<JobState>)>>;
}

/// What the admin commands (and `serve --demo`) change: tenants,
/// connectors and their secrets, API keys, and the alert configuration.
pub trait AdminStore: ConfigStore + ReadStore {
    /// Creates a tenant.
    fn create_tenant(
        &mut self,
        id: &str,
        name: &str,
        plan: &str,
        pii: PiiPolicy,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// All tenants, by id.
    fn tenants(&mut self) -> StoreResult<Vec<TenantRow>>;
    /// Changes a tenant's plan (applies to the next request).
    fn set_plan(&mut self, id: &str, plan: &str) -> StoreResult<()>;
    /// Suspends or reactivates a tenant.
    fn set_suspended(&mut self, id: &str, suspended: bool) -> StoreResult<()>;
    /// Creates a connector with its first secret.
    fn create_connector(
        &mut self,
        id: &Uuid,
        tenant: &str,
        name: &str,
        secret: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Adds `secret` and lets every older secret expire at `old_expires_at`.
    fn rotate_secret(
        &mut self,
        id: &Uuid,
        secret: &str,
        old_expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Enables or disables a connector.
    fn set_connector_enabled(&mut self, id: &Uuid, enabled: bool) -> StoreResult<()>;
    /// Secrets of a connector that still verify at `now`, newest first.
    fn active_secrets(&mut self, id: &Uuid, now: Timestamp) -> StoreResult<Vec<String>>;
    /// The demo tenant and connector, once created.
    fn demo(&mut self) -> StoreResult<Option<(String, Uuid)>>;
    /// Records the demo tenant and connector.
    fn set_demo(&mut self, tenant: &str, connector: &Uuid) -> StoreResult<()>;
    /// Number of stored events of a tenant (tests, usage).
    fn event_count(&mut self, tenant: &str) -> StoreResult<u64>;
    /// Stores an API key's hash under a public id.
    fn create_api_key(
        &mut self,
        id: &str,
        tenant: &str,
        key_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// API keys, optionally of one tenant.
    fn api_keys(&mut self, tenant: Option<&str>) -> StoreResult<Vec<ApiKeyRow>>;
    /// Revokes an API key (it answers 401 from the next request).
    fn revoke_api_key(&mut self, id: &str, now: Timestamp) -> StoreResult<()>;
    /// Creates or replaces a rule of `tenant`; bumps the generation.
    fn put_rule(&mut self, tenant: &str, rule: &AlertRule, now: Timestamp) -> StoreResult<()>;
    /// Deletes a rule; bumps the generation.
    fn delete_rule(&mut self, id: &str) -> StoreResult<()>;
    /// Creates or replaces a silence; bumps the generation.
    fn put_silence(&mut self, silence: &Silence, now: Timestamp) -> StoreResult<()>;
    /// Deletes a silence; bumps the generation.
    fn delete_silence(&mut self, id: &str) -> StoreResult<()>;
    /// Creates or replaces a heartbeat expectation; bumps the generation.
    fn put_heartbeat(&mut self, heartbeat: &Heartbeat, now: Timestamp) -> StoreResult<()>;
    /// Deletes a heartbeat expectation; bumps the generation.
    fn delete_heartbeat(&mut self, connector: &Uuid, source: &str) -> StoreResult<()>;
    /// Creates or replaces a job (its first setting time is kept: the
    /// REST API lists jobs by it); bumps the generation.
    fn put_job(&mut self, job: &Job, now: Timestamp) -> StoreResult<()>;
    /// Deletes a job; bumps the generation.
    fn delete_job(&mut self, connector: &Uuid, source: &str) -> StoreResult<()>;
    /// Creates or replaces a maintenance window; bumps the generation.
    fn put_window(&mut self, window: &MaintenanceWindow, now: Timestamp) -> StoreResult<()>;
    /// Deletes a maintenance window; bumps the generation.
    fn delete_window(&mut self, id: &str) -> StoreResult<()>;
    /// Sets a tenant's webhook destination.
    fn put_webhook(&mut self, webhook: &WebhookRow, now: Timestamp) -> StoreResult<()>;
    /// Removes a tenant's webhook destination.
    fn delete_webhook(&mut self, tenant: &str) -> StoreResult<()>;
    /// Creates a custom plan (names of built-in plans are refused by the
    /// admin command).
    fn create_plan(&mut self, name: &str, plan: CustomPlan, now: Timestamp) -> StoreResult<()>;
}

/// One row of the audit log (`GET /v1/audit`): who changed what, through
/// which request. `detail` never holds a secret or an API key.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// `aud_` + 32 hex digits.
    pub id: String,
    /// The tenant whose data changed.
    pub tenant_id: String,
    /// When.
    pub at: Timestamp,
    /// `api_key:<key_id>` or `admin_app:<key_id>`.
    pub actor: String,
    /// The API key that made the change.
    pub key_id: String,
    /// `connector.create`, `rule.put`, …
    pub action: String,
    /// `connector`, `api_key`, `rule`, …
    pub resource_type: String,
    /// The resource's id.
    pub resource_id: String,
    /// The request's `X-Request-Id`.
    pub request_id: String,
    /// What changed.
    pub detail: serde_json::Value,
}

/// A stored answer to a write sent with an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// SHA-256 hex of method, path and body of the first request.
    pub fingerprint: String,
    /// Its status; `None` while the first request is still being answered.
    pub status: Option<u16>,
    /// Its headers (name, value), without `Idempotent-Replayed`.
    pub headers: Vec<(String, String)>,
    /// Its body (JSON text, or empty).
    pub body: String,
}

/// What the REST writes need beside [`AdminStore`]: one transaction around
/// a change, its audit row and its idempotent answer; the tenant-scoped
/// reads and deletes of configuration rows (rules, silences, windows and
/// heartbeats of one tenant); the audit log and the API key listing.
pub trait WritesStore: AdminStore {
    /// Opens a transaction on this connection (the admin-store calls made
    /// inside it join it).
    fn tx_begin(&mut self) -> StoreResult<()>;
    /// Commits (`true`) or rolls back the open transaction.
    fn tx_end(&mut self, commit: bool) -> StoreResult<()>;
    /// The stored answer of `key` of `tenant` that has not expired at `now`.
    fn idempotent_answer(
        &mut self,
        tenant: &str,
        key: &str,
        now: Timestamp,
    ) -> StoreResult<Option<StoredAnswer>>;
    /// Stores an answer (a finished one, or a claim with `status: None`)
    /// until `expires_at`; `Exists` when the key already has one that has
    /// not expired (an expired one is replaced).
    fn put_idempotent_answer(
        &mut self,
        tenant: &str,
        key: &str,
        answer: &StoredAnswer,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    /// Replaces the claim of `key` (status `None`) with its answer, kept
    /// until `expires_at`, or (`answer: None`) removes the claim so the
    /// key can be used again.
    fn finish_idempotency_claim(
        &mut self,
        tenant: &str,
        key: &str,
        answer: Option<&StoredAnswer>,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    /// Adds an audit row.
    fn insert_audit(&mut self, row: &AuditRow) -> StoreResult<()>;
    /// A page of `tenant`'s audit rows, newest first, strictly after
    /// `after`, at or after `since`.
    fn list_audit(
        &mut self,
        tenant: &str,
        since: Option<Timestamp>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// A page of `tenant`'s API keys (`{id, label, created_at,
    /// revoked_at}`), newest first.
    fn list_api_keys(
        &mut self,
        tenant: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// One API key of `tenant`, as listed.
    fn api_key_of(&mut self, tenant: &str, id: &str) -> StoreResult<Option<serde_json::Value>>;
    /// The tenant owning configuration row `id` of `kind` (`Some(None)`:
    /// an operator-wide silence or window), `None` when there is none.
    fn config_owner(&mut self, kind: ConfigKind, id: &str) -> StoreResult<Option<Option<String>>>;
    /// A page of `tenant`'s rows of `kind` (the core's JSON), by id, ids
    /// strictly after `after`.
    fn config_of(
        &mut self,
        kind: ConfigKind,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
    /// `tenant`'s row `id` of `kind` (the core's JSON).
    fn config_one(
        &mut self,
        kind: ConfigKind,
        tenant: &str,
        id: &str,
    ) -> StoreResult<Option<serde_json::Value>>;
    /// Creates or replaces a silence or window of `tenant` (a rule: see
    /// [`AdminStore::put_rule`]); `Exists` when its id belongs to another
    /// tenant or to the operator. Bumps the generation.
    fn put_config_of(
        &mut self,
        kind: ConfigKind,
        tenant: &str,
        id: &str,
        json: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Deletes `tenant`'s row `id` of `kind`; `NotFound` when the tenant
    /// has none. Bumps the generation.
    fn delete_config_of(&mut self, kind: ConfigKind, tenant: &str, id: &str) -> StoreResult<()>;
    /// A page of the heartbeats of `tenant`'s connectors, by
    /// `connector_id/source`, strictly after `after`.
    fn heartbeats_of(
        &mut self,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>>;
}

/// The configuration rows a tenant owns by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// Alert rules (`alert_rules`, always of a tenant).
    Rule,
    /// Silences (`alert_silences`; operator-wide when made by the CLI).
    Silence,
    /// Maintenance windows (`alert_windows`; as silences).
    Window,
}

/// Every store implements every caller's part; the server and the admin
/// commands open one as `Box<dyn AnyStore>` (the engine is chosen at
/// start-up) and hand each caller the part it may touch.
pub trait AnyStore:
    WriterStore + ReadStore + DeliveryStore + AdminStore + WritesStore + SessionStore
{
}

impl<T: WriterStore + ReadStore + DeliveryStore + AdminStore + WritesStore + SessionStore> AnyStore
    for T
{
}

/// Where the durable state lives: `--store`, `store =` in the TOML or
/// `ERPOPS_STORE` (a `postgres://` URL), else the SQLite file in the data
/// directory.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded store in this data directory (single node).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database shared by several receivers.
    Postgres(String),
}

impl Location {
    /// `url` when it is a `postgres://` URL, else SQLite in `data`.
    pub fn of(store: Option<&str>, data: &std::path::Path) -> Result<Self, String> {
        match store {
            None => Ok(Location::Sqlite(data.to_path_buf())),
            Some(url) if postgres::is_postgres_url(url) => Ok(Location::Postgres(url.to_owned())),
            Some(other) => Err(format!(
                "store {other:?} is not supported: give a postgres://user@host:port/database URL, \
                 or leave it out to use SQLite in the data directory"
            )),
        }
    }

    /// Opens (creating and migrating if needed) a connection to the store.
    pub fn open(&self) -> StoreResult<Box<dyn AnyStore>> {
        Ok(match self {
            Location::Sqlite(dir) => Box::new(SqliteStore::open(dir)?),
            Location::Postgres(url) => Box::new(PgStore::open(url)?),
        })
    }

    /// Another connection to a store this process already opened (and so
    /// migrated) with [`Location::open`].
    pub fn open_more(&self) -> StoreResult<Box<dyn AnyStore>> {
        Ok(match self {
            Location::Sqlite(dir) => Box::new(SqliteStore::open(dir)?),
            Location::Postgres(url) => Box::new(PgStore::connect(url)?),
        })
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(dir) => write!(f, "Sqlite({})", dir.display()),
            // Never the URL: it may hold a password.
            Location::Postgres(_) => f.write_str("Postgres(…)"),
        }
    }
}

/// Parses a stored plan name.
pub fn plan_from_name(name: &str) -> Option<Plan> {
    Plan::from_name(name)
}
