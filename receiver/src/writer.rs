//! The one writer: a thread that owns the store and the incident model,
//! takes requests from a queue, and finishes each through the stateful half
//! of the core's receive decision ([`settle`](erpops_core::receive::settle)). The HTTP tasks already ran
//! the stateless half ([`admit`](erpops_core::receive::admit): records, MAC, parsing), so the writer
//! only reads the replay entry and the quota row (once per tenant per
//! group), ingests into the incident model and writes. Requests that arrive
//! together are settled in one transaction and acknowledged after its
//! single commit (group commit): a 202 is sent only once the event, its
//! quota, its digest and its incident effects are durable, and one fsync
//! serves the whole group.
//!
//! Being the only writer also makes each decision's state lookups and
//! writes atomic: nothing else changes the quota or digests between them.
//! The incident model is persisted as one row per correlation key, and a
//! group writes only the keys it touched; the alert engine's state per key
//! likewise (the keys the engine reports changed), its engine-wide state
//! only when that changed.
//!
//! The incident model runs inside the core's alert engine
//! ([`AlertEngine`]): every accepted event, operator command and `tick`
//! goes through it, and the notifications it produces are recorded in the
//! same transaction (see [`crate::alerts`]); the delivery task is woken
//! after the commit. The same thread calls the engine's `tick` when its
//! `next_wakeup()` comes (heartbeats missed, ack expiry, escalation,
//! silences ending, repeats), and at least once a second checks the
//! store's alert configuration generation so rules, silences and
//! heartbeats changed by `erpops admin` apply while the server runs.

mod alerts;
mod group;
mod prune;
mod receive;
mod sync;

pub use self::alerts::load_engine;

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use bytes::Bytes;
use std::collections::BTreeSet;

use erpops_core::alert::AlertEngine;
use erpops_core::incident::{Command, CorrelationKey, KeySnapshot};
use erpops_core::receive::{Admitted, ReceiveConfig, Response};
use erpops_core::Timestamp;
use tokio::sync::oneshot;

use self::group::OpenGroup;
use crate::clock;
use crate::store::{EngineScope, StoreResult, WriterStore};

/// Most requests decided in one transaction.
pub const MAX_GROUP: usize = 256;

/// Longest time between two `tick`s (which also prune expired digests and
/// quota rows of past windows).
pub const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(60);

/// How often an idle writer checks whether `erpops admin` changed the
/// alert configuration (one indexed read, no transaction).
pub const CONFIG_POLL: Duration = Duration::from_secs(1);

/// What the HTTP side hands over: a request that passed the core's
/// [`authenticate`](fn@erpops_core::receive::authenticate) and
/// [`admit`](fn@erpops_core::receive::admit) in the HTTP task (so refused
/// requests never reach the writer, and the MAC and parsing run on every
/// core instead of the writer's one), and its whole body.
#[derive(Debug)]
pub struct Job {
    /// The verified, parsed request, waiting for the state rungs.
    pub admitted: Admitted,
    /// The complete body (within the limit), stored with the event.
    pub body: Bytes,
    /// The connector named by the request's header.
    pub connector_id: uuid::Uuid,
    /// The signature the request claimed (syntax checked, MAC verified by
    /// `admit`): kept so the writer can admit again with newer records.
    pub signature: erpops_core::signature::ParsedSignature,
    /// The records generation `admit` ran with (see
    /// [`crate::store::RecordStore::records_generation`]): when the group's
    /// transaction sees another, the writer admits the request again with
    /// the records of its own snapshot before deciding it.
    pub records_generation: Option<i64>,
    /// Echoed in problem bodies and the `X-Request-Id` header.
    pub request_id: String,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Response>,
}

/// A message to the writer.
#[derive(Debug)]
pub enum Message {
    /// Decide one receive request (boxed: it carries the parsed event).
    Receive(Box<Job>),
    /// Answer whether the store responds.
    Ping(oneshot::Sender<bool>),
    /// An operator command (acknowledge, resolve) from the REST API.
    IncidentCommand {
        /// The API key's tenant: another tenant's incident is "not found".
        tenant: String,
        /// The command for the core's incident model.
        command: Command,
        /// The incident after the command, or why it failed.
        reply: oneshot::Sender<Result<serde_json::Value, CommandFailure>>,
    },
}

/// Why an incident command was not applied (mapped to a problem response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFailure {
    /// HTTP status: 404 unknown, 409 not allowed in this state, 422 invalid,
    /// 503 store.
    pub status: u16,
    /// Stable code.
    pub code: String,
    /// How to fix it.
    pub detail: String,
}

type CommandReply = oneshot::Sender<Result<serde_json::Value, CommandFailure>>;

/// An answer held until the group's commit.
enum Pending {
    Receive(oneshot::Sender<Response>, Response, String),
    Command(CommandReply, Result<serde_json::Value, CommandFailure>),
}

/// Whether a committed group made something durable (an accepted event,
/// an applied command): only such a group shows the store takes writes.
fn wrote(answers: &[Pending]) -> bool {
    answers.iter().any(|a| match a {
        Pending::Receive(_, response, _) => response.status == 202,
        Pending::Command(_, result) => result.is_ok(),
    })
}

fn store_failure() -> CommandFailure {
    CommandFailure {
        status: 503,
        code: "store_unavailable".to_owned(),
        detail: "the change could not be stored; nothing changed, retry later".to_owned(),
    }
}

/// Handle to send work to the writer thread.
pub type WriterHandle = Sender<Message>;

/// The writer's state.
pub struct Writer {
    /// What the open transaction decided and has yet to write.
    group: OpenGroup,
    /// Where committed groups' answers wait for the sync (pipelined group
    /// commit); `None`: the commit itself synced.
    to_sync: Option<Sender<sync::Batch>>,
    last_maintenance: Timestamp,
    /// When retention's next batch runs.
    pruning: prune::Pruning,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    store: Box<dyn WriterStore>,
    /// The alert engine, which owns the incident model.
    alerts: AlertEngine,
    config: ReceiveConfig,
    /// Alert configuration generation loaded (−1: load at the next check).
    alert_generation: i64,
    /// Rule id → its tenant (a rule only notifies about its tenant's
    /// incidents).
    rule_tenants: std::collections::HashMap<String, String>,
    /// Connector → tenant, as far as needed (a connector never moves).
    connector_tenants: std::collections::HashMap<uuid::Uuid, String>,
    /// Whether the engine-wide alert state must be saved with the open
    /// transaction although the engine did not change it (its
    /// configuration generation moved). The engine's own changes come
    /// from [`AlertEngine::take_changes`].
    alerts_dirty: bool,
    /// Notifications recorded in the open transaction.
    notified: usize,
    /// Numbers notifications made in the same nanosecond apart.
    notify_seq: u64,
    /// Woken after a commit that recorded notifications.
    delivery_wake: Option<std::sync::Arc<tokio::sync::Notify>>,
    /// Where the records generation read by each group is published for
    /// the HTTP tasks' record cache.
    records_generation: Option<std::sync::Arc<std::sync::atomic::AtomicI64>>,
}

impl Writer {
    /// A writer over `store`, resuming its saved incident model.
    pub fn new(
        mut store: Box<dyn WriterStore>,
        config: ReceiveConfig,
        metrics: std::sync::Arc<crate::metrics::Metrics>,
    ) -> StoreResult<Self> {
        let alerts = load_engine(store.as_mut())?;
        metrics.set_open_incidents(alerts.model().active_count());
        Ok(Writer {
            group: OpenGroup::default(),
            to_sync: None,
            last_maintenance: clock::now(),
            pruning: prune::Pruning::new(crate::retention::Retention::default()),
            metrics,
            store,
            alerts,
            config,
            alert_generation: -1,
            rule_tenants: std::collections::HashMap::new(),
            connector_tenants: std::collections::HashMap::new(),
            alerts_dirty: false,
            notified: 0,
            notify_seq: 0,
            delivery_wake: None,
            records_generation: None,
        })
    }

    /// Wakes `wake` after each commit that recorded notifications (the
    /// delivery task waits on it).
    pub fn with_delivery_wake(mut self, wake: std::sync::Arc<tokio::sync::Notify>) -> Self {
        self.delivery_wake = Some(wake);
        self
    }

    /// Publishes the records generation each group reads to `generation`
    /// (the HTTP tasks' record cache, [`crate::server::records`]).
    pub fn with_records_generation(
        mut self,
        generation: std::sync::Arc<std::sync::atomic::AtomicI64>,
    ) -> Self {
        self.records_generation = Some(generation);
        self
    }

    /// Runs until every sender is dropped; the last group is committed
    /// and synced before it returns (graceful shutdown flushes the store).
    pub fn run(mut self, rx: Receiver<Message>) {
        // Pipelined group commit when the store supports it; otherwise
        // every commit waits for the disk on this thread.
        let syncer = match self.store.defer_sync() {
            Ok(f) => match sync::spawn(f, std::sync::Arc::clone(&self.metrics)) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "no sync thread; committing inline");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "no deferred sync; committing inline");
                None
            }
        };
        let (to_sync, sync_thread) = match syncer {
            Some((tx, handle)) => (Some(tx), Some(handle)),
            None => (None, None),
        };
        self.to_sync = to_sync;
        self.run_groups(&rx);
        self.to_sync = None;
        if let Some(handle) = sync_thread {
            let _ = handle.join();
        }
        tracing::info!("writer stopped; store flushed");
    }

    fn run_groups(&mut self, rx: &Receiver<Message>) {
        loop {
            let first = match self.wait(rx) {
                Some(m) => m,
                None => break,
            };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(m) => group.push(m),
                    Err(_) => break,
                }
            }
            self.process(group);
            // Under steady load the queue never runs dry: timers and
            // pruning must not depend on an idle moment.
            if self.due(clock::now()).is_zero() {
                self.tick(clock::now());
            }
            self.prune_if_due(clock::now());
        }
    }

    /// Time until the next `tick`: the incident model's next wakeup, and at
    /// least every [`MAINTENANCE_INTERVAL`] (pruning digests and old quota
    /// rows).
    fn due(&self, now: Timestamp) -> Duration {
        let maintenance = self
            .last_maintenance
            .saturating_add(MAINTENANCE_INTERVAL)
            .duration_since(now)
            .unwrap_or(Duration::ZERO);
        let wakeup = self.alerts.next_wakeup().map_or(maintenance, |at| {
            at.duration_since(now).unwrap_or(Duration::ZERO)
        });
        wakeup.min(maintenance)
    }

    /// Waits for the next message, running `tick` and retention's
    /// batches when they are due; `None` once the queue is closed.
    fn wait(&mut self, rx: &Receiver<Message>) -> Option<Message> {
        loop {
            let now = clock::now();
            let due = self.due(now);
            let prune = self.pruning.due_in(now);
            match rx.recv_timeout(due.min(prune).min(CONFIG_POLL)) {
                Ok(m) => return Some(m),
                Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => {
                    if due <= CONFIG_POLL.min(prune) || self.config_changed() {
                        self.tick(clock::now());
                    }
                    self.prune_if_due(clock::now());
                }
            }
        }
    }

    /// Whether `erpops admin` changed the alert configuration since it was
    /// loaded (a failed read counts as a change: the tick retries it).
    fn config_changed(&mut self) -> bool {
        self.store
            .config_generation()
            .map_or(true, |g| g != self.alert_generation)
    }

    fn tick(&mut self, now: Timestamp) {
        self.last_maintenance = now;
        let result = (|| -> StoreResult<()> {
            self.store.begin()?;
            // Any key may change: every partition, and the engine-wide state.
            self.sync_shared_engine(now, EngineScope::All)?;
            let effects = self.alerts.tick(now);
            self.apply_alert_effects(effects, now)?;
            self.write_group_incidents(now)?;
            self.save_engine()?;
            self.store.prune(now)?;
            self.store.commit()
        })();
        if let Err(e) = result {
            self.metrics
                .health
                .failed(e.code().to_owned(), std::time::Instant::now());
            tracing::error!(code = e.code(), error = %e, "tick failed; rolled back");
            self.recover();
        } else {
            self.after_commit();
        }
        self.metrics
            .set_open_incidents(self.alerts.model().active_count());
    }

    /// Writes the open group's incident changes: the feed of transitions,
    /// then the latest record of each changed incident (read from the
    /// model, last so it is the record the store keeps), then the rows of
    /// the correlation keys it touched.
    fn write_group_incidents(&mut self, now: Timestamp) -> StoreResult<()> {
        let mut effects = std::mem::take(&mut self.group.effects);
        for key in std::mem::take(&mut self.group.incident_keys) {
            if let Some(incident) = self
                .alerts
                .model()
                .key_snapshot(&key)
                .and_then(|k| k.state.incident)
            {
                effects.push(erpops_core::incident::Effect::Updated { incident });
            }
        }
        if !effects.is_empty() {
            self.store.record_incident_effects(&effects, now)?;
        }
        let keys = std::mem::take(&mut self.group.keys);
        if !keys.is_empty() {
            let rows = self.key_rows(keys);
            self.store.write_incident_keys(&rows)?;
        }
        Ok(())
    }

    /// The current rows of `keys` (`None`: no longer remembered).
    fn key_rows(
        &self,
        keys: BTreeSet<CorrelationKey>,
    ) -> Vec<(CorrelationKey, Option<KeySnapshot>)> {
        keys.into_iter()
            .map(|k| {
                let row = self.alerts.model().key_snapshot(&k);
                (k, row)
            })
            .collect()
    }

    /// After a failed transaction: roll back and reload the model so memory
    /// matches what is durable.
    fn recover(&mut self) {
        self.group.clear();
        self.alerts_dirty = false;
        self.notified = 0;
        if let Err(e) = self.store.rollback() {
            tracing::error!(error = %e, "rollback failed");
        }
        match load_engine(self.store.as_mut()) {
            Ok(engine) => {
                self.alerts = engine;
                // Re-apply the configuration to the reloaded engine.
                self.alert_generation = -1;
            }
            Err(e) => tracing::error!(error = %e, "cannot reload the incident model"),
        }
    }

    /// Decides a group in one transaction and answers it after the commit.
    fn process(&mut self, group: Vec<Message>) {
        let started = std::time::Instant::now();
        let size = group.len();
        let now = clock::now();
        let mut answers: Vec<Pending> = Vec::with_capacity(group.len());
        // Until something fails, each message is decided; after, each is
        // answered 503 (nothing of the group is kept).
        let (mut failed, generation) = match self.open_group(&group, now) {
            Ok(generation) => (None, generation),
            Err(e) => (Some(e), None),
        };
        for message in group {
            match message {
                Message::Ping(reply) => {
                    let _ = reply.send(self.store.ping().is_ok());
                }
                Message::IncidentCommand {
                    tenant,
                    command,
                    reply,
                } => {
                    let result = match &failed {
                        Some(_) => Err(store_failure()),
                        None => self
                            .command_one(&tenant, &command, now)
                            .unwrap_or_else(|e| {
                                failed = Some(e);
                                Err(store_failure())
                            }),
                    };
                    answers.push(Pending::Command(reply, result));
                }
                Message::Receive(job) => {
                    let request_id = job.request_id.clone();
                    let (reply, response) = match &failed {
                        Some(_) => (job.reply, None),
                        None => {
                            let (reply, decided) = self.receive_one(*job, generation, now);
                            (reply, decided.map_err(|e| failed = Some(e)).ok())
                        }
                    };
                    let response = response.unwrap_or_else(|| unavailable(&request_id));
                    answers.push(Pending::Receive(reply, response, request_id));
                }
            }
        }
        if failed.is_none() {
            failed = self.close_group(now).err();
        }
        self.metrics
            .set_open_incidents(self.alerts.model().active_count());
        if let Some(e) = failed {
            self.metrics.commit(started.elapsed(), size);
            self.metrics
                .health
                .failed(e.code().to_owned(), std::time::Instant::now());
            tracing::error!(code = e.code(), error = %e, group = answers.len(), "group rolled back; answering 503");
            self.recover();
            fail(answers);
            return;
        }
        let batch = sync::Batch {
            wrote: wrote(&answers),
            answers,
            started,
            size,
        };
        match &self.to_sync {
            Some(tx) => {
                // The sync thread answers once the log is on disk; if it is
                // gone, nothing can make the group durable: 503.
                if let Err(mpsc_error) = tx.send(batch) {
                    fail(mpsc_error.0.answers);
                }
            }
            None => {
                self.metrics.commit(started.elapsed(), size);
                if batch.wrote {
                    self.metrics.health.succeeded();
                }
                deliver(batch.answers);
            }
        }
    }

    /// Opens the group's transaction: a shared store's locks for the whole
    /// group (in one order), its engine partitions and what other receivers
    /// wrote, the records generation every decision is made with
    /// (returned, and published to the HTTP tasks' record cache), and the
    /// state the decisions read (replay expiries, quota counters), all
    /// read at once.
    fn open_group(&mut self, group: &[Message], now: Timestamp) -> StoreResult<Option<i64>> {
        // Nothing of an earlier group's state (its replay expiries above
        // all) is carried into this one.
        self.group.clear();
        self.store.begin()?;
        let jobs: Vec<&Job> = group
            .iter()
            .filter_map(|m| match m {
                Message::Receive(job) => Some(job.as_ref()),
                _ => None,
            })
            .collect();
        let commands: Vec<&str> = group
            .iter()
            .filter_map(|m| match m {
                Message::IncidentCommand { tenant, .. } => Some(tenant.as_str()),
                _ => None,
            })
            .collect();
        let tenants: Vec<&str> = jobs
            .iter()
            .map(|j| j.admitted.tenant_id())
            .chain(commands.iter().copied())
            .collect();
        let ids: Vec<&str> = jobs.iter().map(|j| j.admitted.event_id()).collect();
        self.store.lock_group(&tenants, &ids, now)?;
        let scope = self.group_scope(&jobs, !commands.is_empty());
        self.sync_shared_engine(now, scope)?;
        let generation = self.store.records_generation()?;
        if let (Some(g), Some(published)) = (generation, &self.records_generation) {
            published.fetch_max(g, std::sync::atomic::Ordering::AcqRel);
        }
        let replays: Vec<(&str, Timestamp)> = jobs
            .iter()
            .filter_map(|j| Some((j.admitted.event_id(), j.admitted.event()?.timestamp)))
            .collect();
        let plans: Vec<_> = jobs
            .iter()
            .map(|j| (j.admitted.tenant_id(), j.admitted.plan()))
            .collect();
        self.group
            .read_state(self.store.as_mut(), &replays, &plans, now)?;
        Ok(generation)
    }

    /// What of a shared engine the group locks: its tenants' partitions,
    /// and the engine-wide state when something in it may change that (an
    /// event the core says may: a heartbeat's sign of life, a rule with
    /// `group_wait`; an operator command; an alert configuration to load).
    fn group_scope(&mut self, jobs: &[&Job], commands: bool) -> EngineScope {
        let global = commands
            || self.config_changed()
            || jobs.iter().any(|j| {
                j.admitted.event().is_some_and(|e| {
                    self.alerts
                        .ingest_may_change_global(e.connector_id, e.source.as_deref())
                })
            });
        if global {
            EngineScope::TenantsAndGlobal
        } else {
            EngineScope::Tenants
        }
    }

    /// Closes the group's transaction: writes what it decided (events and
    /// charges, incidents and key rows, the engine's changed state) and
    /// commits.
    fn close_group(&mut self, now: Timestamp) -> StoreResult<()> {
        self.group.write_events(self.store.as_mut(), now)?;
        self.write_group_incidents(now)?;
        self.save_engine()?;
        self.store.commit()?;
        self.group.clear();
        self.after_commit();
        Ok(())
    }
}

/// Sends the answers of a durable group.
fn deliver(answers: Vec<Pending>) {
    for pending in answers {
        match pending {
            Pending::Receive(reply, response, _) => {
                let _ = reply.send(response);
            }
            Pending::Command(reply, result) => {
                let _ = reply.send(result);
            }
        }
    }
}

/// Answers a group that is not (known to be) durable: 503 to every
/// request, retry the same bytes.
fn fail(answers: Vec<Pending>) {
    for pending in answers {
        match pending {
            Pending::Receive(reply, _, request_id) => {
                let _ = reply.send(unavailable(&request_id));
            }
            Pending::Command(reply, _) => {
                let _ = reply.send(Err(store_failure()));
            }
        }
    }
}

/// 503 problem when the store failed: nothing was acknowledged, retry.
pub fn unavailable(request_id: &str) -> Response {
    let mut response = Response::problem(
        503,
        "store_unavailable",
        "Service Unavailable",
        "the receiver could not store the event durably; nothing was accepted, retry the same \
         bytes later",
        request_id,
    );
    response.headers.push(("Retry-After", "1".to_owned()));
    response
}
