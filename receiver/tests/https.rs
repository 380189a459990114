//! Outbound https: a webhook destination and `erpops send` reach a TLS
//! server whose certificate chains to a trusted CA and names the URL's
//! host, and refuse one that does not (another CA, another host name).
//! The CA and the server certificate are made here (rcgen); the server is
//! tokio-rustls + hyper on an ephemeral port.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use erpops_core::signature::{verify, Secret};
use erpops_receiver::alerts::deliver::{Deliverer, Delivery};
use erpops_receiver::alerts::webhook::{check_url, WebhookDeliverer};
use erpops_receiver::store::alerts::WebhookRow;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::RootCertStore;

/// A CA and its key.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca() -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca { cert, key }
}

fn roots(ca: &Ca) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.cert.der().clone()).unwrap();
    Arc::new(roots)
}

/// What the server received: (headers, body) per request.
type Seen = Arc<Mutex<Vec<(hyper::HeaderMap, Vec<u8>)>>>;

/// A TLS server for `localhost` signed by `ca`, answering 202 with a
/// small JSON body; returns its port and what it received.
async fn tls_server(ca: &Ca) -> (u16, Seen) {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca.cert, &ca.key)
        .unwrap();
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone(), ca.cert.der().clone()];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                // A refused handshake (the client distrusts us) ends here.
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let record = Arc::clone(&record);
                    async move {
                        let headers = req.headers().clone();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        record.lock().unwrap().push((headers, body.to_vec()));
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(202)
                                .header("Content-Type", "application/json")
                                .body(Full::new(Bytes::from_static(b"{\"status\":\"accepted\"}")))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    (port, seen)
}

fn delivery(url: &str, secret: &str) -> Delivery {
    let body = r#"{"notification_id":"ntf_1","reason":"opened"}"#.to_owned();
    Delivery {
        id: "ntf_1".into(),
        tenant_id: "t".into(),
        payload: serde_json::from_str(&body).unwrap(),
        body,
        webhook: Some(WebhookRow {
            tenant_id: "t".into(),
            url: url.into(),
            secret: secret.into(),
        }),
        attempt: 1,
    }
}

#[tokio::test]
async fn a_webhook_goes_to_an_https_destination_signed() {
    let ca = ca();
    let (port, seen) = tls_server(&ca).await;
    let deliverer = WebhookDeliverer::with_roots(roots(&ca), Duration::from_secs(5));
    let d = delivery(&format!("https://localhost:{port}/hook"), "whsec");
    deliverer.deliver(&d).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(body, d.body.as_bytes());
    let signature = headers["x-erpops-signature"].to_str().unwrap();
    verify(
        &[Secret::new(b"whsec").unwrap()],
        body,
        Some(signature.as_bytes()),
    )
    .unwrap();
}

#[tokio::test]
async fn a_destination_another_ca_signed_or_for_another_host_is_refused() {
    let ca = ca();
    let (port, seen) = tls_server(&ca).await;
    // Trusting another CA only.
    let other = WebhookDeliverer::with_roots(roots(&self::ca()), Duration::from_secs(5));
    let err = other
        .deliver(&delivery(&format!("https://localhost:{port}/hook"), "s"))
        .await
        .unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    // The right CA, but the certificate names localhost, not 127.0.0.1.
    let right = WebhookDeliverer::with_roots(roots(&ca), Duration::from_secs(5));
    let err = right
        .deliver(&delivery(&format!("https://127.0.0.1:{port}/hook"), "s"))
        .await
        .unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the server"
    );
}

#[test]
fn destination_urls_are_https_or_http() {
    assert!(check_url("https://hooks.example.com/erpops").is_ok());
    assert!(check_url("http://10.0.0.5:8080/hook").is_ok());
    let err = check_url("ftp://example.com/x").unwrap_err();
    assert!(err.contains("https://"), "{err}");
    assert!(check_url("hooks.example.com/x").is_err());
}

/// `erpops send` to an https receiver: the CA it trusts comes from
/// `SSL_CERT_FILE`, which the system roots honour (as OpenSSL does).
#[tokio::test]
async fn erpops_send_posts_to_an_https_receiver() {
    let ca = ca();
    let (port, seen) = tls_server(&ca).await;
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, ca.cert.pem()).unwrap();
    let url = format!("https://localhost:{port}/functions/v1/receive-event");
    let send = |cert_file: std::path::PathBuf| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_erpops"))
                .args([
                    "send",
                    "--url",
                    &url,
                    "--connector-id",
                    "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
                    "--secret-env",
                    "ERPOPS_TEST_SECRET",
                    "--event-type",
                    "integration.failed",
                    "--severity",
                    "error",
                    "--message",
                    "Exit code 1",
                ])
                .env("ERPOPS_TEST_SECRET", "s3cret")
                .env("SSL_CERT_FILE", cert_file)
                .env_remove("SSL_CERT_DIR")
                .output()
                .unwrap()
        })
    };
    let out = send(pem).await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Trusting another CA: not sent, the error says why, and it is not
    // retried (no back-off would fix it): exit 1 after one attempt, not
    // 3 after the default eight.
    let other = dir.path().join("other.pem");
    std::fs::write(&other, self::ca().cert.pem()).unwrap();
    let out = send(other).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("certificate was refused"), "{stderr}");
    assert!(!stderr.contains("retrying"), "{stderr}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}
