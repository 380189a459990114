//! `erpops serve`: hyper 1.x on tokio. Routes:
//!
//! - `/functions/v1/receive-event`: answered by the core's decision. The
//!   stateless half (headers, records, MAC, parsing: `authenticate` and
//!   `admit`) runs here, on every async worker; the stateful half (replay,
//!   quota, incidents) in the [writer](crate::writer). This module also
//!   reads the request and writes the response, adding `X-Request-Id`.
//! - `GET /healthz` (or `HEAD`): 200 when the store answers through the writer and
//!   its latest write did not fail (`health`).
//! - `GET /metrics`: Prometheus text.
//! - `/v1/…`: the REST API (`api`).
//! - `/admin…`: the admin app (`admin_app`), when enabled; else 404.
//! - a known path with another method: 405 with `Allow`; anything else:
//!   404 problem.
//!
//! Header-read and body-read timeouts, connection slots with a per-address
//! cap, a header deadline that shortens when the slots run short and slots
//! kept back for health checks bound what a slow or greedy client can hold
//! (`slots`, `connection`); SIGINT/SIGTERM stop accepting, let in-flight
//! requests finish and flush the store.

pub mod body;
pub mod connection;
pub mod records;
pub mod slots;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use erpops_core::receive::{
    admit, authenticate, Body as CoreBody, Context, InboundRequest, ReceiveConfig,
    Response as CoreResponse,
};
use erpops_core::wire;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Request, Response, StatusCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use crate::metrics::ConnectionPool;
use crate::writer::{unavailable, Job, Message, WriterHandle};
use body::{read_limited, ReadBody};
use connection::{Conn, LogGate};
use slots::Slots;

/// Limits of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Time allowed to send the request head.
    pub header_timeout: Duration,
    /// Time allowed to send the body.
    pub body_timeout: Duration,
    /// Connections served at once (general slots); when these and the
    /// reserved ones are all in use, more wait in the accept queue.
    pub max_connections: usize,
    /// Connections one client address may hold (0: no cap); more are
    /// answered 503 `too_many_connections` and closed at once.
    pub max_connections_per_ip: usize,
    /// Slots used only when every general slot is in use, for `/healthz`
    /// and `/metrics` (any other request on one waits up to
    /// [`RESERVE_WAIT`] for a general slot, else gets 503 `overloaded`).
    pub reserved_connections: usize,
    /// Time allowed to send the request head while more than 75% of the
    /// general slots are in use, and always on a reserved slot.
    pub busy_header_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(crate::settings::DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_ip: crate::settings::DEFAULT_MAX_CONNECTIONS_PER_IP,
            reserved_connections: crate::settings::DEFAULT_RESERVED_CONNECTIONS,
            busy_header_timeout: Duration::from_millis(
                crate::settings::DEFAULT_BUSY_HEADER_TIMEOUT_MS,
            ),
        }
    }
}

/// How long a request other than `/healthz` and `/metrics` that arrived on
/// a reserved slot waits for a general slot before it is answered 503.
pub const RESERVE_WAIT: Duration = Duration::from_secs(1);

/// Shared by every connection.
struct App {
    metrics: Arc<crate::metrics::Metrics>,
    writer: WriterHandle,
    records: records::RecordReader,
    api: crate::api::Api,
    /// The admin app, `None` when turned off in the settings.
    admin: Option<crate::admin_app::AdminApp>,
    config: ReceiveConfig,
    limits: HttpLimits,
    prefix: String,
    counter: AtomicU64,
    slots: Arc<Slots>,
    /// The server's start: connection times are milliseconds from it.
    epoch: tokio::time::Instant,
    /// Rate limits of the warnings about refusals and shedding.
    refuse_log: LogGate,
    shed_log: LogGate,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl App {
    /// `req_<random prefix><counter>`: unique per process without a
    /// random read per request.
    fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("req_{}{n:010x}", self.prefix)
    }

    /// Milliseconds since the server started.
    fn millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    /// The instant `millis` milliseconds after the server started.
    fn instant(&self, millis: u64) -> tokio::time::Instant {
        self.epoch + Duration::from_millis(millis)
    }
}

fn first_header(headers: &HeaderMap, name: &str) -> Option<Bytes> {
    headers
        .get(name)
        .map(|v| Bytes::copy_from_slice(v.as_bytes()))
}

fn to_http(core: CoreResponse, request_id: &str) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(core.status);
    for (name, value) in &core.headers {
        builder = builder.header(*name, value.as_str());
    }
    builder = builder.header("X-Request-Id", request_id);
    builder
        .body(Full::new(Bytes::from(core.body)))
        .unwrap_or_else(|_| {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}

/// An RFC 9457 problem response for errors outside the receive decision
/// (the core builds it, in the shape of its own refusals).
pub fn problem(status: u16, code: &str, detail: &str, request_id: &str) -> CoreResponse {
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    CoreResponse::problem(status, code, title, detail, request_id)
}

/// 405 for a known path and a method it does not take, with `Allow`.
pub fn method_not_allowed(
    allow: &str,
    method: &hyper::Method,
    path: &str,
    request_id: &str,
) -> CoreResponse {
    let mut r = problem(
        405,
        "method_not_allowed",
        &format!("{path} does not take {method}; it takes {allow}"),
        request_id,
    );
    r.headers.push(("Allow", allow.to_owned()));
    r
}

/// The methods a path takes, as an `Allow` value; `None` for a path that
/// is no route.
fn allowed_methods(path: &str) -> Option<&'static str> {
    match path {
        wire::RECEIVE_PATH => Some("POST"),
        // HEAD as well: load balancers often health-check with it (hyper
        // sends the head of the GET answer without its body).
        "/healthz" | "/metrics" => Some("GET, HEAD"),
        _ if path.starts_with("/v1/") => crate::api::allowed_methods(path),
        _ => None,
    }
}

/// The decision's context from cached records.
fn context_of(records: &records::Cached) -> Context<'_> {
    Context {
        connector: records.records.0.as_ref(),
        tenant: records.records.1.as_ref(),
        ..Context::default()
    }
}

async fn receive(app: &App, req: Request<Incoming>, request_id: &str) -> CoreResponse {
    let (parts, incoming) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let method = parts.method.as_str().to_owned();
    let content_type = first_header(&parts.headers, "content-type");
    let signature = first_header(&parts.headers, wire::SIGNATURE_HEADER);
    let connector_id = first_header(&parts.headers, wire::CONNECTOR_ID_HEADER);
    let read = if parts.method == hyper::Method::POST {
        read_limited(
            declared,
            incoming,
            app.config.max_body_bytes(),
            app.limits.body_timeout,
        )
        .await
    } else {
        ReadBody::Complete(Bytes::new())
    };
    // Step 1 of the core's decision (405, 413, 415, 401 header checks and
    // the event id) needs no lookup: run it here, off the writer.
    let (bytes, length) = match read {
        ReadBody::Complete(b) => (b, None),
        ReadBody::TooLarge { length } => (Bytes::new(), Some(length)),
        ReadBody::Failed => {
            return problem(
                408,
                "body_read_failed",
                "the body did not arrive completely in time; send it again",
                request_id,
            )
        }
    };
    let request = InboundRequest {
        method: &method,
        content_type: content_type.as_deref(),
        signature: signature.as_deref(),
        connector_id: connector_id.as_deref(),
        body: match length {
            Some(length) => CoreBody::TooLarge { length },
            None => CoreBody::Bytes(&bytes),
        },
    };
    let auth = match authenticate(&request, &app.config, request_id) {
        Ok(auth) => auth,
        Err(response) => return response,
    };
    let (connector_id, signature) = (auth.connector_id, auth.signature);
    // The record rungs (403, 401 mismatch) and the parse, here rather than
    // in the writer: they need no state that accepted events change.
    let read_failed = |e: records::ReadError| match e {
        records::ReadError::Busy => {
            tracing::warn!("every record-reader connection stayed in use: answered 503");
            let mut r = problem(
                503,
                "store_busy",
                "the receiver's store connections are all in use; nothing was accepted, retry \
                 the same bytes later",
                request_id,
            );
            r.headers.push(("Retry-After", "1".to_owned()));
            r
        }
        records::ReadError::Store(e) => {
            tracing::error!(code = e.code(), error = %e, "record read failed");
            unavailable(request_id)
        }
    };
    let mut records = match app.records.records(&connector_id).await {
        Ok(r) => r,
        Err(e) => return read_failed(e),
    };
    let now = crate::clock::now();
    let mut admitted = admit(auth, &context_of(&records), &app.config, now, request_id);
    if admitted.is_err() && records.generation.is_some() {
        // Never refuse from memory: with the records as of now, if newer.
        let fresh = match app.records.fresh(&connector_id).await {
            Ok(r) => r,
            Err(e) => return read_failed(e),
        };
        if fresh.generation != records.generation {
            records = fresh;
            admitted = match authenticate(&request, &app.config, request_id) {
                Ok(auth) => admit(auth, &context_of(&records), &app.config, now, request_id),
                Err(response) => Err(response),
            };
        }
    }
    let admitted = match admitted {
        Ok(a) => a,
        Err(response) => return response,
    };
    let (tx, rx) = oneshot::channel();
    let job = Job {
        admitted,
        body: bytes.clone(),
        connector_id,
        signature,
        records_generation: records.generation,
        request_id: request_id.to_owned(),
        reply: tx,
    };
    if app.writer.send(Message::Receive(Box::new(job))).is_err() {
        return unavailable(request_id);
    }
    rx.await.unwrap_or_else(|_| unavailable(request_id))
}

/// Largest body of a REST API request (commands carry a short note).
const API_BODY_LIMIT: usize = 16 * 1024;

async fn api_request(app: &App, req: Request<Incoming>, request_id: &str) -> CoreResponse {
    let (parts, incoming) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = match read_limited(declared, incoming, API_BODY_LIMIT, app.limits.body_timeout).await
    {
        ReadBody::Complete(b) => b,
        ReadBody::TooLarge { .. } => {
            return problem(
                413,
                "body_too_large",
                "API request bodies are at most 16 KiB",
                request_id,
            )
        }
        ReadBody::Failed => {
            return problem(
                408,
                "body_read_failed",
                "the body did not arrive completely in time",
                request_id,
            )
        }
    };
    let request = crate::api::ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        authorization: parts
            .headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        // As sent, even when not visible ASCII: the API refuses such a key
        // (400) rather than acting as if none was sent.
        idempotency_key: parts
            .headers
            .get("idempotency-key")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        body,
        via: crate::api::Via::Api,
    };
    app.api.handle(request, request_id).await
}

async fn admin_request(
    app: &App,
    admin: &crate::admin_app::AdminApp,
    conn: &Conn,
    req: Request<Incoming>,
    request_id: &str,
) -> CoreResponse {
    let (parts, incoming) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = if parts.method == hyper::Method::POST {
        match read_limited(
            declared,
            incoming,
            crate::admin_app::BODY_LIMIT,
            app.limits.body_timeout,
        )
        .await
        {
            ReadBody::Complete(b) => b,
            ReadBody::TooLarge { .. } => {
                return crate::admin_app::secure(problem(
                    413,
                    "body_too_large",
                    "admin app forms are at most 64 KiB",
                    request_id,
                ))
            }
            ReadBody::Failed => {
                return crate::admin_app::secure(problem(
                    408,
                    "body_read_failed",
                    "the form did not arrive completely in time",
                    request_id,
                ))
            }
        }
    } else {
        Bytes::new()
    };
    let request = crate::admin_app::AdminRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        peer: conn.peer(),
    };
    admin.handle(&app.api, request, request_id).await
}

/// Answers one request and logs it.
async fn route(app: Arc<App>, conn: &Conn, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let request_id = app.request_id();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let response = answer(&app, conn, req, &path, &request_id).await;
    app.metrics.response(response.status);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        path = %path,
        status = response.status,
        code = response.code.map(|c| c.code()).unwrap_or(""),
        "request"
    );
    to_http(response, &request_id)
}

async fn answer(
    app: &App,
    conn: &Conn,
    req: Request<Incoming>,
    path: &str,
    request_id: &str,
) -> CoreResponse {
    let health = path == "/healthz" || path == "/metrics";
    if !health && conn.pool() == ConnectionPool::Reserve {
        // A reserved slot is for health checks: anything else needs a
        // general slot, which may have come free since the connection was
        // accepted.
        match app.slots.general_within(RESERVE_WAIT).await {
            Some(slot) => conn.replace_slot(slot),
            None => {
                let mut r = problem(
                    503,
                    "overloaded",
                    "every connection slot is in use; retry the same request shortly",
                    request_id,
                );
                r.headers.push(("Retry-After", "1".to_owned()));
                return r;
            }
        }
    }
    let method = req.method().clone();
    let wrong_method =
        allowed_methods(path).filter(|allow| !allow.split(", ").any(|m| m == method.as_str()));
    if path == wire::RECEIVE_PATH {
        // The core's decision answers other methods 405 with `Allow: POST`.
        receive(app, req, request_id).await
    } else if let Some(allow) = wrong_method {
        // Before the API key is checked, as the receive path answers 405
        // before its signature: the routes are public (docs/openapi.yaml).
        method_not_allowed(allow, &method, path, request_id)
    } else if path == "/v1" || path.starts_with("/v1/") {
        api_request(app, req, request_id).await
    } else if let (Some(admin), true) =
        (&app.admin, path == "/admin" || path.starts_with("/admin/"))
    {
        admin_request(app, admin, conn, req, request_id).await
    } else if path == "/metrics" {
        CoreResponse {
            status: 200,
            headers: vec![("Content-Type", "text/plain; version=0.0.4".to_owned())],
            body: app.metrics.render().into_bytes(),
            code: None,
            effects: Vec::new(),
        }
    } else if path == "/healthz" {
        let (tx, rx) = oneshot::channel();
        let ok = app.writer.send(Message::Ping(tx)).is_ok() && rx.await.unwrap_or(false);
        let failing = app.metrics.health.failure(std::time::Instant::now());
        let (status, body) = match (ok, failing) {
            (false, _) => (503, serde_json::json!({ "status": "store unreachable" })),
            (true, Some(reason)) => (
                503,
                serde_json::json!({
                    "status": "store not taking writes",
                    "detail": format!(
                        "the latest write failed ({reason}, logged with its cause); events are \
                         answered 503 until one succeeds: check the data directory's disk space \
                         or the database server"
                    ),
                }),
            ),
            (true, None) => (200, serde_json::json!({ "status": "ok" })),
        };
        CoreResponse {
            status,
            headers: vec![("Content-Type", "application/json".to_owned())],
            body: serde_json::to_vec(&body).unwrap_or_default(),
            code: None,
            effects: Vec::new(),
        }
    } else {
        problem(
            404,
            "not_found",
            &format!("no route {path}; events go to POST {}", wire::RECEIVE_PATH),
            request_id,
        )
    }
}

/// The bytes of a complete HTTP/1.1 response that closes the connection,
/// for answers written without hyper (a connection refused at accept).
fn raw_response(r: &CoreResponse, request_id: &str) -> Vec<u8> {
    let reason = StatusCode::from_u16(r.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", r.status);
    for (name, value) in &r.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "X-Request-Id: {request_id}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        r.body.len()
    ));
    let mut out = head.into_bytes();
    out.extend_from_slice(&r.body);
    out
}

/// Answers a connection over its address's cap with 503 and closes it,
/// without waiting for anything: the request is not read (what already
/// arrived is discarded first, so the close is not a reset that could
/// discard the answer at the client).
fn refuse_over_cap(app: &App, stream: TcpStream, peer: SocketAddr) {
    let mut scratch = [0u8; 4096];
    for _ in 0..4 {
        match stream.try_read(&mut scratch) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    let request_id = app.request_id();
    let cap = app.slots.per_address_cap();
    let mut r = problem(
        503,
        "too_many_connections",
        &format!(
            "this client address already holds {cap} connections to the receiver (its \
             max_connections_per_ip); reuse or close one, then retry"
        ),
        &request_id,
    );
    r.headers.push(("Retry-After", "1".to_owned()));
    let _ = stream.try_write(&raw_response(&r, &request_id));
    app.metrics.connection_refused_per_address();
    tracing::debug!(request_id = %request_id, peer = %peer.ip(), "connection over the per-address cap refused");
    if app.refuse_log.ready(app.millis()) {
        tracing::warn!(
            peer = %peer.ip(),
            max_connections_per_ip = cap,
            "connections refused: a client address holds max_connections_per_ip connections \
             (counted in erpops_connections_refused_per_address_total; behind a proxy or load \
             balancer, raise the setting or set it to 0)"
        );
    }
}

/// Whether an accept error means the process or system is out of a
/// resource (file descriptors, memory): then the accept loop pauses
/// instead of spinning on the same error.
fn out_of_resources(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
        .iter()
        .any(|errno| e.raw_os_error() == Some(errno.raw_os_error()))
}

/// A running server: its address and how to stop it.
#[derive(Debug)]
pub struct Running {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish and waits for it.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.done.await;
    }
}

/// Serves on `listener` until [`Running::shutdown`]. The writer handle is
/// dropped when the last connection ends, which lets the writer flush.
#[allow(clippy::too_many_arguments)]
pub fn spawn(
    listener: TcpListener,
    writer: WriterHandle,
    records: records::RecordReader,
    api: crate::api::Api,
    admin: Option<crate::admin_app::AdminApp>,
    metrics: Arc<crate::metrics::Metrics>,
    config: ReceiveConfig,
    limits: HttpLimits,
    prefix: String,
) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let (shutdown, mut stop) = watch::channel(false);
    let slots = Slots::new(
        limits.max_connections,
        limits.reserved_connections,
        limits.max_connections_per_ip,
        Arc::clone(&metrics),
    );
    let app = Arc::new(App {
        metrics,
        writer,
        records,
        api,
        admin,
        config,
        limits,
        prefix,
        counter: AtomicU64::new(0),
        slots: Arc::clone(&slots),
        epoch: tokio::time::Instant::now(),
        refuse_log: LogGate::default(),
        shed_log: LogGate::default(),
    });
    let done = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        // A slot is taken before accepting, so connections beyond every
        // slot wait in the kernel's accept queue.
        let mut held = None;
        loop {
            let slot = match held.take() {
                Some(slot) => slot,
                None => tokio::select! {
                    _ = stop.changed() => break,
                    s = slots.acquire() => match s { Some(s) => s, None => break },
                },
            };
            let accepted = tokio::select! {
                _ = stop.changed() => break,
                a = listener.accept() => a,
            };
            let (stream, peer) = match accepted {
                Ok(s) => s,
                Err(e) => {
                    held = Some(slot);
                    tracing::warn!(error = %e, "accept failed");
                    if out_of_resources(&e) {
                        tokio::select! {
                            _ = stop.changed() => break,
                            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                        }
                    }
                    continue;
                }
            };
            let Some(address) = slots.hold_address(peer.ip()) else {
                held = Some(slot);
                refuse_over_cap(&app, stream, peer);
                continue;
            };
            // A reserved slot only when no general one came free meanwhile.
            let slot = match slot.pool() {
                ConnectionPool::Reserve => slots.try_general().unwrap_or(slot),
                ConnectionPool::General => slot,
            };
            let _ = stream.set_nodelay(true);
            connections.spawn(connection::serve(
                Arc::clone(&app),
                stream,
                slot,
                address,
                stop.clone(),
            ));
            while connections.try_join_next().is_some() {}
        }
        // Stop accepting at once (new connections are refused), then let
        // the open ones finish their in-flight requests.
        drop(held);
        drop(listener);
        drop(app);
        while connections.join_next().await.is_some() {}
    });
    Ok(Running {
        addr,
        shutdown,
        done,
    })
}
