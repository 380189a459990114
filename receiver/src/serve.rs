//! Wiring for `erpops serve`: open the store, start the writer thread and
//! the HTTP server, print the demo, wait for SIGINT/SIGTERM, shut down in
//! order (stop accepting → finish in-flight requests → flush the store).

use std::sync::mpsc;
use std::thread::JoinHandle;

use erpops_core::receive::{ConfigOverrides, ReceiveConfig};
use tokio::net::TcpListener;

use crate::alerts::DeliveryConfig;
use crate::demo;
use crate::server::{self, HttpLimits, Running};
use crate::settings::Settings;
use crate::writer::Writer;

/// A started receiver (used by `main` and by the tests).
#[derive(Debug)]
pub struct Receiver {
    /// The HTTP server.
    pub server: Running,
    writer: JoinHandle<()>,
    delivery: Option<crate::alerts::deliver::DeliveryTask>,
    /// The data directory's lock (SQLite), released when the receiver is
    /// dropped or the process ends.
    _lock: Option<crate::datalock::DataLock>,
}

/// How `start_with` runs the parts around the server (tests and embedders;
/// `erpops serve` uses the defaults).
#[derive(Clone)]
pub struct ServeOptions {
    /// Retry policy of notification delivery.
    pub delivery: DeliveryConfig,
    /// Deliverers by channel.
    pub deliverers: crate::alerts::deliver::Deliverers,
    /// Whether to run the delivery task. Without it notifications are
    /// still recorded (`pending`) and the next start delivers them.
    pub deliver: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            delivery: DeliveryConfig::default(),
            deliverers: crate::alerts::deliver::default_deliverers(),
            deliver: true,
        }
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut channels: Vec<_> = self.deliverers.keys().collect();
        channels.sort();
        f.debug_struct("ServeOptions")
            .field("delivery", &self.delivery)
            .field("channels", &channels)
            .field("deliver", &self.deliver)
            .finish()
    }
}

impl Receiver {
    /// Stops accepting, finishes in-flight requests, then waits for the
    /// writer to commit its last group.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
        // An attempt cut short stays `pending` and is made after restart;
        // its claim (shared store) is given back.
        if let Some(delivery) = self.delivery {
            delivery.stop().await;
        }
        let writer = self.writer;
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    }
}

/// The receive limits for these settings (the core checks them).
pub fn receive_config(settings: &Settings) -> Result<ReceiveConfig, String> {
    ReceiveConfig::with(ConfigOverrides {
        max_body_bytes: Some(settings.max_body_bytes),
        ..ConfigOverrides::default()
    })
    .map_err(|e| e.to_string())
}

/// Opens the store and starts serving; with `demo`, also returns the demo
/// connector.
pub async fn start(
    settings: &Settings,
    with_demo: bool,
) -> Result<(Receiver, Option<demo::Demo>), String> {
    start_with(settings, with_demo, ServeOptions::default()).await
}

/// [`start`] with explicit delivery options.
pub async fn start_with(
    settings: &Settings,
    with_demo: bool,
    options: ServeOptions,
) -> Result<(Receiver, Option<demo::Demo>), String> {
    let config = receive_config(settings)?;
    // One receiver per SQLite data directory, taken before the store is
    // opened (see `datalock`).
    let lock = match &settings.store {
        crate::store::Location::Sqlite(dir) => Some(crate::datalock::lock(dir)?),
        crate::store::Location::Postgres(_) => None,
    };
    let mut store = settings
        .store
        .open()
        .map_err(|e| start_error(settings, e.to_string()))?;
    let demo = if with_demo {
        Some(demo::ensure(store.as_mut()).map_err(|e| start_error(settings, e))?)
    } else {
        None
    };
    // Optional at start: the writer prunes again at its first tick. On a
    // full disk this write fails, and the receiver still starts and answers
    // 503 until writes fit again, as when the disk fills while it runs.
    if let Err(e) = store.prune(crate::clock::now()) {
        tracing::warn!(
            code = e.code(),
            error = %e,
            "pruning at start failed; the writer prunes again at its next tick"
        );
    }
    let metrics = std::sync::Arc::new(crate::metrics::Metrics::default());
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let records = server::records::RecordReader::open(
        &settings.store,
        settings.store_pool_size,
        metrics.clone(),
    )
    .map_err(|e| e.to_string())?;
    let writer = Writer::new(store, config, metrics.clone())
        .map_err(|e| start_error(settings, e.to_string()))?
        .with_delivery_wake(wake.clone())
        .with_records_generation(records.generation_handle())
        .with_retention(settings.retention);
    let (tx, rx) = mpsc::channel();
    let writer = std::thread::Builder::new()
        .name("erpops-writer".into())
        .spawn(move || writer.run(rx))
        .map_err(|e| format!("cannot start the writer thread: {e}"))?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let prefix = hex::encode(crate::clock::random_bytes::<4>()?);
    let limits = HttpLimits {
        max_connections: settings.max_connections,
        header_timeout: settings.header_timeout,
        max_connections_per_ip: settings.max_connections_per_ip,
        reserved_connections: settings.reserved_connections,
        busy_header_timeout: settings.busy_header_timeout,
        ..HttpLimits::default()
    };
    let api = crate::api::Api::open(&settings.store, tx.clone())?;
    // The admin app's own store connection (sessions), when it is on.
    let admin = if settings.admin_app.enabled {
        Some(crate::admin_app::AdminApp::open(
            &settings.store,
            settings.admin_app,
        )?)
    } else {
        None
    };
    let server = server::spawn(
        listener, tx, records, api, admin, metrics, config, limits, prefix,
    )
    .map_err(|e| format!("cannot start the server: {e}"))?;
    // Started last, so a failed start leaves no task behind.
    let delivery = if options.deliver {
        Some(crate::alerts::deliver::spawn(
            &settings.store,
            options.delivery,
            options.deliverers,
            wake,
        )?)
    } else {
        None
    };
    Ok((
        Receiver {
            server,
            writer,
            delivery,
            _lock: lock,
        },
        demo,
    ))
}

/// A failed start's message; on SQLite, with the shortage of space that
/// explains it, if any (see [`crate::diskspace`]).
fn start_error(settings: &Settings, error: String) -> String {
    match &settings.store {
        crate::store::Location::Sqlite(dir) => crate::diskspace::explain(dir, error),
        crate::store::Location::Postgres(_) => error,
    }
}

/// A future that resolves when SIGINT or SIGTERM arrives. The handlers are
/// installed when this is called, not when the future is first polled, so
/// call it before announcing that the server listens: a supervisor (or a
/// test) that signals right after the announcement must get a clean stop,
/// not the default action that kills the process. Call inside the runtime.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            let wait = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term) => {}
                _ = wait(int) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
