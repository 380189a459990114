//! A store connection shared by async tasks: one call at a time, each on
//! tokio's blocking threads (the store traits are synchronous). The REST
//! API's read and write connections and the admin app's session connection
//! are all one of these.

use std::sync::{Arc, Mutex};

/// One store connection, shared.
pub type SharedConn<S> = Arc<Mutex<Box<S>>>;

/// A connection shared from `store`.
pub fn shared<S: ?Sized>(store: Box<S>) -> SharedConn<S> {
    Arc::new(Mutex::new(store))
}

/// Runs `f` on `conn` off the async threads. `None` when the call could
/// not run to its end: the connection's lock was poisoned by an earlier
/// call that panicked, or this one panicked (the panic stays on its
/// blocking thread; the caller answers "unavailable, retry").
pub async fn blocking<S, R>(
    conn: &SharedConn<S>,
    f: impl FnOnce(&mut S) -> R + Send + 'static,
) -> Option<R>
where
    S: ?Sized + Send + 'static,
    R: Send + 'static,
{
    let conn = Arc::clone(conn);
    tokio::task::spawn_blocking(move || conn.lock().ok().map(|mut guard| f(guard.as_mut())))
        .await
        .ok()
        .flatten()
}
