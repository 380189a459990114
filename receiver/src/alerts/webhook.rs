//! The outbound webhook deliverer (channel `webhook`): POSTs the
//! notification's JSON to the tenant's destination, signed exactly like
//! inbound events — `X-ERPOps-Signature: sha256=<hex HMAC-SHA256 of the
//! body>` with the tenant's webhook secret — so the receiving side can
//! verify it with any ERPOps binding (`verify(secret, body, header)`).
//!
//! A 2xx answer is delivered; anything else (other status, connection
//! error, timeout) is a failed attempt the delivery task retries.
//!
//! `https://` destinations (what chat, paging and ticketing services
//! accept) are verified against the system's trusted CAs
//! ([`crate::https`]) and the URL's host name, with rustls (TLS 1.2 and
//! 1.3); `http://` stays allowed for a destination on a private network.
//! Without trusted CAs on the machine an https attempt fails with a message
//! that says what to install.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use erpops_core::signature::{sign, Secret};
use http_body_util::Full;
use rustls::RootCertStore;

use super::deliver::{BoxFuture, Deliverer, Delivery};

/// Header carrying the notification id (the same on every attempt).
pub const NOTIFICATION_ID_HEADER: &str = "X-ERPOps-Notification-Id";
/// Header carrying the attempt number (1 for the first).
pub const ATTEMPT_HEADER: &str = "X-ERPOps-Delivery-Attempt";

/// See the module docs.
#[derive(Debug, Clone)]
pub struct WebhookDeliverer {
    /// `Err`: the TLS configuration could not be built (it cannot with
    /// ring, which offers TLS 1.2 and 1.3); every attempt fails with it.
    client: Result<crate::https::HttpsClient, String>,
    timeout: Duration,
    /// Why https destinations cannot be verified (no trusted CAs found):
    /// every https attempt fails with it, http ones still go out.
    no_roots: Option<String>,
}

impl Default for WebhookDeliverer {
    /// 10 s per attempt, https verified against the system's CAs.
    fn default() -> Self {
        Self::with_timeout(Duration::from_secs(10))
    }
}

impl WebhookDeliverer {
    /// A deliverer whose attempts give up after `timeout`; https
    /// destinations are verified against the system's trusted CAs.
    pub fn with_timeout(timeout: Duration) -> Self {
        match crate::https::system_roots() {
            Ok(roots) => Self::with_roots(roots, timeout),
            Err(why) => {
                let mut deliverer = Self::with_roots(Arc::new(RootCertStore::empty()), timeout);
                deliverer.no_roots = Some(why);
                deliverer
            }
        }
    }

    /// A deliverer that verifies https destinations against `roots` only
    /// (tests, or a private CA).
    pub fn with_roots(roots: Arc<RootCertStore>, timeout: Duration) -> Self {
        WebhookDeliverer {
            client: crate::https::client(roots, Some(timeout)),
            timeout,
            no_roots: None,
        }
    }
}

/// Checks a destination URL for `erpops admin webhooks set`.
pub fn check_url(url: &str) -> Result<hyper::Uri, String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| format!("{url:?} is not a URL; use https://host[:port]/path"))?;
    if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.host().is_none() {
        return Err(format!(
            "{url:?}: the webhook URL must be https://host[:port]/path (or http:// on a \
             private network)"
        ));
    }
    Ok(uri)
}

impl Deliverer for WebhookDeliverer {
    fn channel(&self) -> &'static str {
        "webhook"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let webhook = delivery.webhook.as_ref().ok_or_else(|| {
                "the tenant has no webhook destination; set one with `erpops admin webhooks set`"
                    .to_owned()
            })?;
            let uri = check_url(&webhook.url)?;
            if let (Some("https"), Some(why)) = (uri.scheme_str(), &self.no_roots) {
                return Err(format!("cannot verify an https destination: {why}"));
            }
            let secret = Secret::new(webhook.secret.as_bytes())
                .map_err(|_| "the tenant's webhook secret is empty".to_owned())?;
            let body = Bytes::from(delivery.body.clone().into_bytes());
            let signature = sign(&secret, &body);
            let request = hyper::Request::post(uri)
                .header("Content-Type", "application/json")
                .header("User-Agent", concat!("erpops/", env!("CARGO_PKG_VERSION")))
                .header(erpops_core::wire::SIGNATURE_HEADER, signature.as_str())
                .header(NOTIFICATION_ID_HEADER, delivery.id.as_str())
                .header(ATTEMPT_HEADER, delivery.attempt.to_string())
                .body(Full::new(body))
                .map_err(|e| format!("cannot build the request: {e}"))?;
            let client = self.client.as_ref().map_err(Clone::clone)?;
            match tokio::time::timeout(self.timeout, client.request(request)).await {
                Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
                Ok(Err(e)) => Err(format!(
                    "connection failed: {}",
                    crate::https::error_chain(&e)
                )),
                Ok(Ok(response)) if response.status().is_success() => Ok(()),
                Ok(Ok(response)) => Err(format!("HTTP {}", response.status().as_u16())),
            }
        })
    }
}
