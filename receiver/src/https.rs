//! TLS for the receiver's outbound connections: the operating system's
//! trusted CA certificates, read once per process (what an `https://`
//! webhook destination, `erpops send --url https://…` and a PostgreSQL
//! store with `sslrootcert=system` are verified against), and the hyper
//! client that speaks `https://` and `http://` with rustls (ring, TLS 1.2
//! and 1.3, the URL's host name checked).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;

/// A hyper client for `https://` and `http://` URLs.
pub type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client verifying https servers against `roots`; connecting gives up
/// after `connect_timeout`. `Err` only if rustls refuses the configuration
/// (it does not with ring, which offers TLS 1.2 and 1.3).
pub fn client(
    roots: Arc<RootCertStore>,
    connect_timeout: Option<Duration>,
) -> Result<HttpsClient, String> {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(connect_timeout);
    http.enforce_http(false);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed ({e})"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

/// Whether `e` (or one of its causes) is a refused TLS certificate: a
/// configuration problem (the URL's host name, the trusted CAs) that no
/// retry fixes.
pub fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        // The connector wraps rustls' error in I/O errors, twice: look
        // inside them (their own `source` skips what they hold).
        let mut inner: &(dyn std::error::Error + 'static) = c;
        while let Some(io) = inner.downcast_ref::<std::io::Error>() {
            match io.get_ref() {
                Some(wrapped) => inner = wrapped,
                None => break,
            }
        }
        if matches!(
            inner.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
        ) {
            return true;
        }
        cause = c.source();
    }
    false
}

/// An error with its causes: the client's own message says only "client
/// error (Connect)"; the causes say which certificate check failed.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// See the module docs. `Err` says what to install (no certificate could
/// be read: every TLS connection verified against them would fail).
pub fn system_roots() -> Result<Arc<RootCertStore>, String> {
    static ROOTS: OnceLock<Result<Arc<RootCertStore>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                Err(format!(
                    "no trusted CA certificates found on this system{why}: install the \
                     ca-certificates package"
                ))
            } else {
                Ok(Arc::new(roots))
            }
        })
        .clone()
}
