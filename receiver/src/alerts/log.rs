//! The log deliverer (channel `log`): one structured `tracing` line per
//! notification, for operators who read the receiver's logs or ship them to
//! a log platform. It logs ids and the reason only — never the payload,
//! which may carry event metadata, and never a secret.

use super::deliver::{BoxFuture, Deliverer, Delivery};

/// See the module docs.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogDeliverer;

impl Deliverer for LogDeliverer {
    fn channel(&self) -> &'static str {
        "log"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let field = |name: &str| {
                delivery
                    .payload
                    .get(name)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let incident = delivery
                .payload
                .get("incident")
                .and_then(|i| i.get("id"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            tracing::warn!(
                notification = %delivery.id,
                tenant = %delivery.tenant_id,
                rule = %field("rule_id"),
                reason = %field("reason"),
                incident = %incident,
                "alert notification"
            );
            Ok(())
        })
    }
}
