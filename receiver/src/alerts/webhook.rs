//! The outbound webhook deliverer (channel `webhook`): POSTs the
//! notification's JSON to the tenant's destination, signed exactly like
//! inbound events — `X-ERPOps-Signature: sha256=<hex HMAC-SHA256 of the
//! body>` with the tenant's webhook secret — so the receiving side can
//! verify it with any ERPOps binding (`verify(secret, body, header)`).
//!
//! A 2xx answer is delivered; anything else (other status, connection
//! error, timeout) is a failed attempt the delivery task retries. Plain
//! `http://` only: put a TLS-terminating proxy in front of an `https`
//! destination.

use std::time::Duration;

use bytes::Bytes;
use erpops_core::signature::{sign, Secret};
use http_body_util::Full;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

use super::deliver::{BoxFuture, Deliverer, Delivery};

/// Header carrying the notification id (the same on every attempt).
pub const NOTIFICATION_ID_HEADER: &str = "X-ERPOps-Notification-Id";
/// Header carrying the attempt number (1 for the first).
pub const ATTEMPT_HEADER: &str = "X-ERPOps-Delivery-Attempt";

/// See the module docs.
#[derive(Debug, Clone)]
pub struct WebhookDeliverer {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl Default for WebhookDeliverer {
    /// 10 s per attempt.
    fn default() -> Self {
        Self::with_timeout(Duration::from_secs(10))
    }
}

impl WebhookDeliverer {
    /// A deliverer whose attempts give up after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        WebhookDeliverer {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }
}

/// Checks a destination URL for `erpops admin webhooks set`.
pub fn check_url(url: &str) -> Result<hyper::Uri, String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| format!("{url:?} is not a URL; use http://host:port/path"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(format!(
            "{url:?}: the webhook URL must be http://host[:port]/path (for https, put a \
             TLS-terminating proxy in front)"
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
            match tokio::time::timeout(self.timeout, self.client.request(request)).await {
                Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
                Ok(Err(e)) => Err(format!("connection failed: {e}")),
                Ok(Ok(response)) if response.status().is_success() => Ok(()),
                Ok(Ok(response)) => Err(format!("HTTP {}", response.status().as_u16())),
            }
        })
    }
}
