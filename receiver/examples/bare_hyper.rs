//! Benchmark anchor: a bare hyper 1.x server that verifies the signature
//! and parses the event with erpops-core, stores nothing and answers 202.
//! `ERPOPS_BENCH_SECRET` and `ERPOPS_BENCH_CONNECTOR` configure it; the
//! first argument is the listen address. With `--no-work` as the second
//! argument it reads the body and answers 202 without verifying or parsing:
//! the HTTP stack's own ceiling on this machine. See
//! benches/receiver/README.md.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use erpops_core::event::{parse_event, ParseOptions};
use erpops_core::signature::{verify, Secret};
use http_body_util::{BodyExt, Full, Limited};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: std::net::SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".into())
        .parse()?;
    let secret = Secret::new(std::env::var("ERPOPS_BENCH_SECRET")?.as_bytes())?;
    let connector = uuid::Uuid::parse_str(&std::env::var("ERPOPS_BENCH_CONNECTOR")?)?;
    let no_work = std::env::args().nth(2).as_deref() == Some("--no-work");
    let secrets = Arc::new(vec![secret]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let secrets = Arc::clone(&secrets);
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let secrets = Arc::clone(&secrets);
                    async move {
                        let sig = req
                            .headers()
                            .get("x-erpops-signature")
                            .map(|v| v.as_bytes().to_vec());
                        let body = Limited::new(req.into_body(), 64 * 1024)
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let status = if no_work {
                            202
                        } else if verify(&secrets, &body, sig.as_deref()).is_err() {
                            401
                        } else {
                            let now = erpops_receiver::clock::now();
                            let opts = ParseOptions::new(now).with_header_connector_id(connector);
                            match parse_event(&body, &opts) {
                                Ok(_) => 202,
                                Err(_) => 422,
                            }
                        };
                        let response = hyper::Response::builder()
                            .status(status)
                            .header("Content-Type", "application/json")
                            .body(Full::new(Bytes::from_static(b"{\"status\":\"accepted\"}")));
                        Ok::<_, Infallible>(response.unwrap_or_default())
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
        #[allow(unreachable_code)]
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
