//! `erpops serve`: hyper 1.x on tokio. Routes:
//!
//! - `/functions/v1/receive-event`: answered by the core's decision. The
//!   stateless half (headers, records, MAC, parsing: `authenticate` and
//!   `admit`) runs here, on every async worker; the stateful half (replay,
//!   quota, incidents) in the [writer](crate::writer). This module also
//!   reads the request and writes the response, adding `X-Request-Id`.
//! - `GET /healthz`: 200 when the store answers through the writer and
//!   its latest write did not fail (`health`).
//! - anything else: 404 problem.
//!
//! Header-read and body-read timeouts and a connection limit bound what a
//! slow or greedy client can hold; SIGINT/SIGTERM stop accepting, let
//! in-flight requests finish and flush the store.

pub mod body;
pub mod records;

use std::convert::Infallible;
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
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Semaphore};

use crate::writer::{unavailable, Job, Message, WriterHandle};
use body::{read_limited, ReadBody};

/// Limits of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Time allowed to send the request head.
    pub header_timeout: Duration,
    /// Time allowed to send the body.
    pub body_timeout: Duration,
    /// Connections served at once; more wait in the accept queue.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// Shared by every connection.
struct App {
    metrics: Arc<crate::metrics::Metrics>,
    writer: WriterHandle,
    records: records::RecordReader,
    api: crate::api::Api,
    config: ReceiveConfig,
    limits: HttpLimits,
    prefix: String,
    counter: AtomicU64,
}

impl App {
    /// `req_<random prefix><counter>`: unique per process without a
    /// random read per request.
    fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("req_{}{n:010x}", self.prefix)
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
        body,
    };
    app.api.handle(request, request_id).await
}

async fn route(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let request_id = app.request_id();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let response = if path == wire::RECEIVE_PATH {
        receive(&app, req, &request_id).await
    } else if path == "/v1" || path.starts_with("/v1/") {
        api_request(&app, req, &request_id).await
    } else if path == "/metrics" && method == hyper::Method::GET {
        CoreResponse {
            status: 200,
            headers: vec![("Content-Type", "text/plain; version=0.0.4".to_owned())],
            body: app.metrics.render().into_bytes(),
            code: None,
            effects: Vec::new(),
        }
    } else if path == "/healthz" && method == hyper::Method::GET {
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
            &request_id,
        )
    };
    app.metrics.response(response.status);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        path = %path,
        status = response.status,
        code = response.code.map(|c| c.code()).unwrap_or(""),
        "request"
    );
    Ok(to_http(response, &request_id))
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
    metrics: Arc<crate::metrics::Metrics>,
    config: ReceiveConfig,
    limits: HttpLimits,
    prefix: String,
) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let (shutdown, mut stop) = watch::channel(false);
    let app = Arc::new(App {
        metrics,
        writer,
        records,
        api,
        config,
        limits,
        prefix,
        counter: AtomicU64::new(0),
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let done = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            let permit = tokio::select! {
                _ = stop.changed() => break,
                p = Arc::clone(&slots).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            };
            let accepted = tokio::select! {
                _ = stop.changed() => break,
                a = listener.accept() => a,
            };
            let (stream, _) = match accepted {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let app = Arc::clone(&app);
            let mut stop = stop.clone();
            connections.spawn(async move {
                let _permit = permit;
                let service = service_fn(move |req| route(Arc::clone(&app), req));
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    _ = stop.changed() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    }
                }
            });
            while connections.try_join_next().is_some() {}
        }
        // Stop accepting at once (new connections are refused), then let
        // the open ones finish their in-flight requests.
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
