//! Delivering recorded notifications: the pluggable [`Deliverer`] trait,
//! the retry policy, and the task that drains the `pending` notifications.
//!
//! The task reads due notifications from its own store connection (WAL lets
//! it run beside the writer; it only ever updates delivery columns, which
//! the writer never touches after the insert), delivers a batch
//! concurrently, and records each outcome. It sleeps until the next retry
//! is due or the writer wakes it after committing new notifications.
//! Delivery is at least once: an attempt cut short by a shutdown or crash
//! is still `pending` and is made again after the restart (receivers
//! dedupe on the notification `id`).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use erpops_core::Timestamp;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::backoff::Backoff;
use crate::clock;
use crate::store::alerts::{Attempt, DueNotification, WebhookRow};
use crate::store::{DeliveryStore, Location, StoreError, StoreResult};

/// A boxed future (the trait stays object-safe without an extra crate).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One notification handed to a deliverer.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `ntf_…` (the same on every attempt).
    pub id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// The exact body recorded with the notification.
    pub body: String,
    /// The body parsed (for deliverers that pick fields).
    pub payload: serde_json::Value,
    /// The tenant's webhook destination, if it has one.
    pub webhook: Option<WebhookRow>,
    /// 1 for the first attempt.
    pub attempt: u32,
}

/// Sends notifications of one channel. `Err` carries a short reason that is
/// stored as the notification's `last_error` — never a secret or a body.
pub trait Deliverer: Send + Sync {
    /// The channel name rules use (`log`, `webhook`).
    fn channel(&self) -> &'static str;
    /// Makes one attempt.
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>>;
}

/// Retry policy of the delivery task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Attempts before a notification is recorded `failed`.
    pub max_attempts: u32,
    /// Delay after the first failed attempt (doubled after each further
    /// one, with jitter).
    pub initial_backoff: Duration,
    /// Longest delay between attempts.
    pub max_backoff: Duration,
    /// Most notifications attempted at once.
    pub batch: usize,
}

impl Default for DeliveryConfig {
    /// 10 attempts, 2 s doubling to at most 10 min: about 40 minutes of
    /// trying before a destination is given up on.
    fn default() -> Self {
        DeliveryConfig {
            max_attempts: 10,
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(600),
            batch: 32,
        }
    }
}

impl DeliveryConfig {
    /// The retry schedule: [`Backoff`] from `initial_backoff` to
    /// `max_backoff`.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            initial: self.initial_backoff,
            max: self.max_backoff,
        }
    }

    /// What to record after attempt number `attempt` failed with `error`.
    pub fn after_failure(&self, attempt: u32, error: String, now: Timestamp) -> Attempt {
        if attempt >= self.max_attempts {
            return Attempt::Failed { error };
        }
        Attempt::Retry {
            error,
            at: now.saturating_add(self.backoff().delay_jittered(attempt)),
        }
    }
}

/// The deliverers by channel.
pub type Deliverers = HashMap<&'static str, Arc<dyn Deliverer>>;

/// The shipped deliverers: `log` and `webhook`.
pub fn default_deliverers() -> Deliverers {
    let mut map: Deliverers = HashMap::new();
    for d in [
        Arc::new(super::log::LogDeliverer) as Arc<dyn Deliverer>,
        Arc::new(super::webhook::WebhookDeliverer::default()),
    ] {
        map.insert(d.channel(), d);
    }
    map
}

/// The delivery task's state.
struct Worker {
    store: Arc<Mutex<Box<dyn DeliveryStore>>>,
    deliverers: Deliverers,
    config: DeliveryConfig,
    wake: Arc<Notify>,
    /// Notifications claimed and not yet recorded.
    claimed: Claimed,
}

/// Ids of the notifications a worker holds claims on.
type Claimed = Arc<Mutex<std::collections::BTreeSet<String>>>;

/// The running delivery task.
pub struct DeliveryTask {
    task: JoinHandle<()>,
    store: Arc<Mutex<Box<dyn DeliveryStore>>>,
    claimed: Claimed,
}

impl DeliveryTask {
    /// Stops the task (an attempt cut short stays `pending`: delivery is
    /// at least once) and gives back its claims, so a shared store's other
    /// receivers, or this one restarted, deliver them now rather than when
    /// the lease ends.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        let ids: Vec<String> = match self.claimed.lock() {
            Ok(mut claimed) => std::mem::take(&mut *claimed).into_iter().collect(),
            Err(_) => return,
        };
        if ids.is_empty() {
            return;
        }
        let store = self.store;
        let released = tokio::task::spawn_blocking(move || match store.lock() {
            Ok(mut s) => s.release_claims(&ids),
            Err(_) => Err(StoreError::Database(
                "delivery store lock poisoned".to_owned(),
            )),
        })
        .await;
        if let Ok(Err(e)) = released {
            tracing::warn!(code = e.code(), error = %e, "cannot give back delivery claims; they end with their lease");
        }
    }
}

impl std::fmt::Debug for DeliveryTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryTask")
            .field("task", &self.task)
            .finish_non_exhaustive()
    }
}

/// Starts the delivery task on its own connection to `data`. `wake` is
/// notified by the writer after it commits notifications.
pub fn spawn(
    location: &Location,
    config: DeliveryConfig,
    deliverers: Deliverers,
    wake: Arc<Notify>,
) -> Result<DeliveryTask, String> {
    let store: Box<dyn DeliveryStore> = location.open().map_err(|e| e.to_string())?;
    let store = Arc::new(Mutex::new(store));
    let claimed = Claimed::default();
    let worker = Worker {
        store: Arc::clone(&store),
        deliverers,
        config,
        wake,
        claimed: Arc::clone(&claimed),
    };
    Ok(DeliveryTask {
        task: tokio::spawn(worker.run()),
        store,
        claimed,
    })
}

/// Longest sleep between two looks at the queue (a safety net; the writer
/// wakes the task, and retries have their due time).
const IDLE_POLL: Duration = Duration::from_secs(30);

impl Worker {
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn DeliveryStore) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| StoreError::Database("delivery store lock poisoned".to_owned()))?;
            f(guard.as_mut())
        })
        .await
        .map_err(|e| StoreError::Database(format!("delivery store task: {e}")))?
    }

    async fn run(self) {
        loop {
            let now = clock::now();
            let batch = self.config.batch;
            let due = match self.store(move |s| s.due_notifications(now, batch)).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(code = e.code(), error = %e, "cannot read pending notifications");
                    Vec::new()
                }
            };
            if let Ok(mut claimed) = self.claimed.lock() {
                claimed.extend(due.iter().map(|n| n.id.clone()));
            }
            if due.is_empty() {
                let sleep = match self.store(|s| s.next_due()).await {
                    Ok(Some(at)) => at.duration_since(clock::now()).unwrap_or(Duration::ZERO),
                    _ => IDLE_POLL,
                }
                .min(IDLE_POLL);
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(sleep) => {}
                }
                continue;
            }
            self.attempt_all(due).await;
        }
    }

    async fn attempt_all(&self, due: Vec<DueNotification>) {
        let mut set = tokio::task::JoinSet::new();
        for n in due {
            let tenant = n.tenant_id.clone();
            let webhook = self.store(move |s| s.webhook(&tenant)).await.ok().flatten();
            let deliverer = self.deliverers.get(n.channel.as_str()).cloned();
            let delivery = Delivery {
                payload: serde_json::from_str(&n.payload).unwrap_or_default(),
                id: n.id,
                tenant_id: n.tenant_id,
                body: n.payload,
                webhook,
                attempt: n.attempts.saturating_add(1),
            };
            let channel = n.channel;
            set.spawn(async move {
                let result = match deliverer {
                    Some(d) => d.deliver(&delivery).await,
                    None => Err(format!("no deliverer for channel {channel:?}")),
                };
                (delivery.id, delivery.attempt, result)
            });
        }
        while let Some(joined) = set.join_next().await {
            let Ok((id, attempt, result)) = joined else {
                continue;
            };
            let now = clock::now();
            let outcome = match result {
                Ok(()) => Attempt::Delivered,
                Err(error) => self.config.after_failure(attempt, error, now),
            };
            match &outcome {
                Attempt::Delivered => {
                    tracing::info!(notification = %id, attempt, "notification delivered")
                }
                Attempt::Retry { error, at } => {
                    tracing::warn!(notification = %id, attempt, %error, retry_at = %at, "notification delivery failed; will retry")
                }
                Attempt::Failed { error } => {
                    tracing::error!(notification = %id, attempt, %error, "notification delivery failed; giving up")
                }
            }
            let record_id = id.clone();
            let recorded = self
                .store(move |s| s.record_attempt(&record_id, &outcome, now))
                .await;
            if let Ok(mut claimed) = self.claimed.lock() {
                claimed.remove(&id);
            }
            if let Err(e) = recorded {
                tracing::error!(notification = %id, code = e.code(), error = %e, "cannot record the delivery outcome; it will be attempted again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_retry_on_the_schedule_until_max_attempts() {
        let c = DeliveryConfig {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(10),
            batch: 1,
        };
        // The schedule is crate::backoff's (tested there), over these bounds.
        assert_eq!(c.backoff().delay(1, 1.0), Duration::from_secs(2));
        assert_eq!(c.backoff().delay(u32::MAX, 1.0), Duration::from_secs(10));
        let now = Timestamp::from_unix_seconds(100);
        assert!(matches!(
            c.after_failure(4, "x".into(), now),
            Attempt::Retry { at, .. } if at > now
        ));
        assert_eq!(
            c.after_failure(5, "x".into(), now),
            Attempt::Failed { error: "x".into() }
        );
    }
}
