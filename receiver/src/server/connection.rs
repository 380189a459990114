//! One connection: hyper's HTTP/1 state machine, plus the busy header
//! deadline (issue #22, slow senders).
//!
//! hyper closes a connection whose request head (the first, or the next
//! one on a kept-alive connection) does not arrive within
//! `header_timeout` (10 s by default). That alone let a few hundred
//! trickling connections hold every slot for 10 s at a time. So while more
//! than 75% of the general slots are in use ([`Slots::is_busy`](super::slots::Slots::is_busy)), a
//! connection that has waited longer than `busy_header_timeout` (1 s by
//! default) for a request head is closed without an answer, as hyper
//! closes it at its own deadline. A connection inside a request (its body
//! being read, its answer being decided) is never cut: the body has its
//! own timeout (408). Normal senders send a head in milliseconds, so they
//! never meet the busy deadline; an idle kept-alive connection does, and
//! its client opens a new one.
//!
//! A connection on a reserved slot gets the busy deadline from hyper
//! itself, and no keep-alive: it serves one request.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::slots::{AddressHold, Slot};
use super::App;
use crate::metrics::{ConnectionPool, HeadDeadline};

/// `waiting_since` while a request is being served.
const IN_REQUEST: u64 = u64::MAX;

/// What the connection's task and its requests share.
#[derive(Debug)]
pub struct Conn {
    slot: Mutex<Slot>,
    /// Milliseconds from the server's start at which the connection began
    /// waiting for a request head; [`IN_REQUEST`] while serving one.
    waiting_since: AtomicU64,
    /// Woken when a request ends (the wait for the next head begins).
    request_ended: Notify,
    /// The client's address (the admin app counts failed sign-ins by it).
    peer: Option<std::net::IpAddr>,
}

impl Conn {
    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Which kind of slot the connection holds now.
    pub fn pool(&self) -> ConnectionPool {
        self.slot().pool()
    }

    /// The client's address, when the socket could tell.
    pub fn peer(&self) -> Option<std::net::IpAddr> {
        self.peer
    }

    /// Swaps the connection's slot (a reserved connection that got a
    /// general slot); the old one is given back.
    pub fn replace_slot(&self, slot: Slot) {
        let old = std::mem::replace(&mut *self.slot(), slot.open());
        drop(old);
    }
}

/// Marks a connection as inside a request for as long as it lives.
struct Serving {
    conn: Arc<Conn>,
    app: Arc<App>,
}

impl Serving {
    fn start(conn: Arc<Conn>, app: Arc<App>) -> Self {
        conn.waiting_since.store(IN_REQUEST, Ordering::Release);
        Serving { conn, app }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.conn
            .waiting_since
            .store(self.app.millis(), Ordering::Release);
        self.conn.request_ended.notify_one();
    }
}

/// What the connection's task waits for next.
enum Wait {
    /// A request is being served (or the connection is reserved): its end.
    RequestEnd,
    /// Waiting for a head, not yet past the busy deadline: that deadline.
    Until(Instant),
    /// Past the busy deadline while the slots are not busy: a change.
    Busy,
    /// Past the busy deadline while the slots are busy: close now.
    Shed,
}

fn next_wait(app: &App, conn: &Conn, reserved: bool, busy: &mut watch::Receiver<bool>) -> Wait {
    let since = conn.waiting_since.load(Ordering::Acquire);
    if reserved || since == IN_REQUEST {
        return Wait::RequestEnd;
    }
    let deadline = app.instant(since) + app.limits.busy_header_timeout;
    if Instant::now() < deadline {
        Wait::Until(deadline)
    } else if *busy.borrow_and_update() {
        Wait::Shed
    } else {
        Wait::Busy
    }
}

/// Serves `stream` until it closes, is shed, or the server stops.
pub(super) async fn serve(
    app: Arc<App>,
    stream: TcpStream,
    slot: Slot,
    _address: AddressHold,
    mut stop: watch::Receiver<bool>,
) {
    let reserved = slot.pool() == ConnectionPool::Reserve;
    let peer = stream.peer_addr().ok().map(|a| a.ip());
    let conn = Arc::new(Conn {
        peer,
        slot: Mutex::new(slot.open()),
        waiting_since: AtomicU64::new(app.millis()),
        request_ended: Notify::new(),
    });
    let service = {
        let (app, conn) = (Arc::clone(&app), Arc::clone(&conn));
        service_fn(move |req: Request<Incoming>| {
            let (app, conn) = (Arc::clone(&app), Arc::clone(&conn));
            async move {
                let _serving = Serving::start(Arc::clone(&conn), Arc::clone(&app));
                Ok::<Response<Full<Bytes>>, Infallible>(super::route(app, &conn, req).await)
            }
        })
    };
    let limits = app.limits;
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new());
    if reserved {
        builder
            .header_read_timeout(limits.busy_header_timeout)
            .keep_alive(false);
    } else {
        builder.header_read_timeout(limits.header_timeout);
    }
    let http = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(http);
    let mut busy = app.slots.watch_busy();
    loop {
        let wait = next_wait(&app, &conn, reserved, &mut busy);
        let until = match wait {
            Wait::Shed => {
                app.metrics.connection_shed(HeadDeadline::Busy);
                if app.shed_log.ready(app.millis()) {
                    tracing::warn!(
                        in_use = app.slots.in_use(),
                        max_connections = limits.max_connections,
                        deadline_ms = u64::try_from(limits.busy_header_timeout.as_millis())
                            .unwrap_or(u64::MAX),
                        "connection slots running short: closing connections that sent no \
                         request head within the busy header deadline (counted in \
                         erpops_connections_shed_total)"
                    );
                }
                return;
            }
            Wait::Until(deadline) => Some(deadline),
            Wait::RequestEnd | Wait::Busy => None,
        };
        let deadline = async {
            match until {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = http.as_mut() => {
                if let Err(e) = result {
                    if e.is_timeout() {
                        app.metrics.connection_shed(if reserved {
                            HeadDeadline::Reserve
                        } else {
                            HeadDeadline::Normal
                        });
                    }
                }
                return;
            }
            _ = stop.changed() => {
                http.as_mut().graceful_shutdown();
                let _ = http.as_mut().await;
                return;
            }
            _ = conn.request_ended.notified() => {}
            _ = deadline => {}
            _ = busy.changed(), if matches!(wait, Wait::Busy) => {}
        }
    }
}

/// At most one log line per interval for a repeated event (a refusal or
/// shedding under attack must not flood the log).
#[derive(Debug, Default)]
pub struct LogGate {
    last: AtomicU64,
}

/// Interval of a [`LogGate`].
const LOG_INTERVAL: Duration = Duration::from_secs(10);

impl LogGate {
    /// Whether to log now (`now_ms`: milliseconds from the server's start).
    pub fn ready(&self, now_ms: u64) -> bool {
        let last = self.last.load(Ordering::Relaxed);
        let interval = u64::try_from(LOG_INTERVAL.as_millis()).unwrap_or(u64::MAX);
        (last == 0 || now_ms.saturating_sub(last) >= interval)
            && self
                .last
                .compare_exchange(last, now_ms.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}
