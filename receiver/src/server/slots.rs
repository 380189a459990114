//! Connection slots (issue #22, slow senders): who may hold a connection,
//! and when the slots are running short.
//!
//! - **General slots** (`max_connections`): every connection holds one
//!   while it is served. When more than [`BUSY_PERCENT`]% are in use the
//!   slots are *busy*, and a connection still waiting for a request head
//!   past the busy header deadline is closed (`server::connection`).
//! - **Reserved slots** (`reserved_connections`): used only when every
//!   general slot is in use. A connection on one answers `/healthz` and
//!   `/metrics`; any other request waits briefly for a general slot, then
//!   gets 503 `overloaded`. So health checks answer while trickling
//!   connections fill the general slots.
//! - **Per-address cap** (`max_connections_per_ip`): the connections one
//!   client address holds, on either kind of slot. An IPv4 address counts
//!   as itself, an IPv6 address by its /64 (one host usually owns a whole
//!   /64), an IPv4-mapped IPv6 address as its IPv4 address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::metrics::{ConnectionPool, Metrics};

/// Above this share of general slots in use (percent), the slots are busy
/// and the busy header deadline applies.
pub const BUSY_PERCENT: usize = 75;

/// Every slot of one server.
#[derive(Debug)]
pub struct Slots {
    general: Arc<Semaphore>,
    reserve: Arc<Semaphore>,
    max: usize,
    /// Busy when more than this many general slots are in use.
    busy_above: usize,
    busy: watch::Sender<bool>,
    per_address_cap: usize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    metrics: Arc<Metrics>,
}

/// A slot held by a connection; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    pool: ConnectionPool,
    /// Whether a connection was started with it (counted in the metrics).
    open: bool,
    slots: Arc<Slots>,
}

/// One connection counted against its client address; dropped with it.
#[derive(Debug)]
pub struct AddressHold {
    key: Option<IpAddr>,
    slots: Arc<Slots>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the per-address cap counts `ip` as: an IPv4 address, or an IPv6
/// address's /64 (IPv4-mapped addresses as IPv4).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::from(u64::MAX)))),
        },
    }
}

impl Slots {
    /// `max` general slots, `reserved` reserved ones, at most
    /// `per_address_cap` connections per client address (0: no cap).
    pub fn new(
        max: usize,
        reserved: usize,
        per_address_cap: usize,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        let (busy, _) = watch::channel(false);
        Arc::new(Slots {
            general: Arc::new(Semaphore::new(max)),
            reserve: Arc::new(Semaphore::new(reserved)),
            max,
            busy_above: max.saturating_mul(BUSY_PERCENT) / 100,
            busy,
            per_address_cap,
            per_address: Mutex::new(HashMap::new()),
            metrics,
        })
    }

    fn slot(self: &Arc<Self>, permit: OwnedSemaphorePermit, pool: ConnectionPool) -> Slot {
        let slot = Slot {
            permit: Some(permit),
            pool,
            open: false,
            slots: Arc::clone(self),
        };
        if pool == ConnectionPool::General {
            self.update_busy();
        }
        slot
    }

    /// Waits for a free slot: a general one, or a reserved one when every
    /// general slot is in use. `None` only if the slots were closed.
    pub async fn acquire(self: &Arc<Self>) -> Option<Slot> {
        let (permit, pool) = tokio::select! {
            biased;
            p = Arc::clone(&self.general).acquire_owned() => (p.ok()?, ConnectionPool::General),
            p = Arc::clone(&self.reserve).acquire_owned() => (p.ok()?, ConnectionPool::Reserve),
        };
        Some(self.slot(permit, pool))
    }

    /// A general slot if one is free now.
    pub fn try_general(self: &Arc<Self>) -> Option<Slot> {
        let permit = Arc::clone(&self.general).try_acquire_owned().ok()?;
        Some(self.slot(permit, ConnectionPool::General))
    }

    /// A general slot, waiting for one (in arrival order) up to `wait`.
    pub async fn general_within(self: &Arc<Self>, wait: Duration) -> Option<Slot> {
        let permit = tokio::time::timeout(wait, Arc::clone(&self.general).acquire_owned())
            .await
            .ok()?
            .ok()?;
        Some(self.slot(permit, ConnectionPool::General))
    }

    /// Counts a connection from `ip`; `None` when its address already holds
    /// `max_connections_per_ip` connections.
    pub fn hold_address(self: &Arc<Self>, ip: IpAddr) -> Option<AddressHold> {
        if self.per_address_cap == 0 {
            return Some(AddressHold {
                key: None,
                slots: Arc::clone(self),
            });
        }
        let key = address_key(ip);
        let mut counts = lock(&self.per_address);
        let n = counts.entry(key).or_insert(0);
        if *n >= self.per_address_cap {
            return None;
        }
        *n += 1;
        Some(AddressHold {
            key: Some(key),
            slots: Arc::clone(self),
        })
    }

    /// The per-address cap (0: none).
    pub fn per_address_cap(&self) -> usize {
        self.per_address_cap
    }

    /// Connections counted for `ip`'s address now.
    pub fn held_by(&self, ip: IpAddr) -> usize {
        lock(&self.per_address)
            .get(&address_key(ip))
            .copied()
            .unwrap_or(0)
    }

    /// General slots in use now.
    pub fn in_use(&self) -> usize {
        self.max.saturating_sub(self.general.available_permits())
    }

    /// Whether more than [`BUSY_PERCENT`]% of the general slots are in use.
    pub fn is_busy(&self) -> bool {
        self.in_use() > self.busy_above
    }

    /// Follows [`Slots::is_busy`] as it changes.
    pub fn watch_busy(&self) -> watch::Receiver<bool> {
        self.busy.subscribe()
    }

    fn update_busy(&self) {
        let now = self.is_busy();
        self.busy.send_if_modified(|busy| {
            let changed = *busy != now;
            *busy = now;
            changed
        });
    }
}

impl Slot {
    /// Which kind of slot this is.
    pub fn pool(&self) -> ConnectionPool {
        self.pool
    }

    /// Marks the slot as held by a connection (counted in the metrics
    /// until it is dropped).
    pub fn open(mut self) -> Self {
        if !self.open {
            self.open = true;
            self.slots.metrics.connection_opened(self.pool);
        }
        self
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.permit.take());
        if self.open {
            self.slots.metrics.connection_closed(self.pool);
        }
        if self.pool == ConnectionPool::General {
            self.slots.update_busy();
        }
    }
}

impl Drop for AddressHold {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut counts = lock(&self.slots.per_address);
        if let Some(n) = counts.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses_count_by_ipv4_address_and_ipv6_slash_64() {
        let key = |s: &str| address_key(s.parse().unwrap()).to_string();
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[tokio::test]
    async fn per_address_cap_general_then_reserve_and_busy() {
        let metrics = Arc::new(Metrics::default());
        let slots = Slots::new(4, 1, 2, metrics);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let h1 = slots.hold_address(a).unwrap();
        let h2 = slots.hold_address(a).unwrap();
        assert!(slots.hold_address(a).is_none(), "a third from one address");
        let hb = slots.hold_address(b).unwrap();
        assert_eq!((slots.held_by(a), slots.held_by(b)), (2, 1));
        drop(h1);
        let h3 = slots.hold_address(a).unwrap();
        drop((h2, h3, hb));
        assert_eq!(slots.held_by(a), 0);
        assert!(lock(&slots.per_address).is_empty(), "no entry left behind");

        // 4 general slots: busy above 3 in use; then the reserve.
        let mut busy = slots.watch_busy();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(slots.acquire().await.unwrap());
        }
        assert!(!slots.is_busy());
        held.push(slots.acquire().await.unwrap());
        assert!(slots.is_busy() && *busy.borrow_and_update());
        assert!(held.iter().all(|s| s.pool() == ConnectionPool::General));
        let reserve = slots.acquire().await.unwrap();
        assert_eq!(reserve.pool(), ConnectionPool::Reserve);
        assert!(slots.try_general().is_none());
        let waiting = tokio::time::timeout(Duration::from_millis(50), slots.acquire()).await;
        assert!(waiting.is_err(), "no slot of either kind is left");
        held.pop();
        assert!(busy.has_changed().unwrap() && !*busy.borrow_and_update());
        let upgraded = slots.general_within(Duration::from_millis(50)).await;
        assert_eq!(upgraded.map(|s| s.pool()), Some(ConnectionPool::General));
    }

    #[test]
    fn no_cap_counts_nothing() {
        let slots = Slots::new(1, 0, 0, Arc::new(Metrics::default()));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let holds: Vec<_> = (0..100).map(|_| slots.hold_address(a).unwrap()).collect();
        assert_eq!((holds.len(), slots.held_by(a)), (100, 0));
    }
}
