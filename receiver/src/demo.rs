//! `erpops serve --demo`: a demo tenant (Free plan) and connector created
//! once per data directory and reused on later starts, plus a curl command
//! equivalent to the API reference's cURL example (with the current time,
//! since the reference's fixed 2026-04-20 timestamp is outside the 24 h
//! window), and an API key to sign in to the admin app with.
//!
//! Only an API key's hash is stored, so the demo cannot show last start's
//! key again: each start makes a fresh one and revokes the demo's earlier
//! keys (label [`DEMO_KEY_LABEL`]), so at most one demo key works at a
//! time.

use std::net::SocketAddr;

use erpops_core::pii::PiiPolicy;
use uuid::Uuid;

use crate::clock;
use crate::store::AdminStore;

/// Tenant id of the demo.
pub const DEMO_TENANT: &str = "demo";

/// The label of the API keys `serve --demo` makes.
pub const DEMO_KEY_LABEL: &str = "serve --demo";

/// The demo connector and its current secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demo {
    /// Connector id.
    pub connector_id: Uuid,
    /// Its newest active secret.
    pub secret: String,
    /// This start's API key of the demo tenant (for the admin app and the
    /// REST API); earlier starts' keys are revoked.
    pub api_key: String,
}

/// Creates the demo once, or finds it again.
pub fn ensure(store: &mut dyn AdminStore) -> Result<Demo, String> {
    let now = clock::now();
    let err = |e: crate::store::StoreError| e.to_string();
    let connector_id = match store.demo().map_err(err)? {
        Some((_, id)) => id,
        None => {
            let id = clock::new_uuid()?;
            let secret = clock::new_secret()?;
            if !store
                .tenants()
                .map_err(err)?
                .iter()
                .any(|t| t.id == DEMO_TENANT)
            {
                store
                    .create_tenant(DEMO_TENANT, "Demo", "free", PiiPolicy::Redact, now)
                    .map_err(err)?;
            }
            store
                .create_connector(&id, DEMO_TENANT, "demo connector", &secret, now)
                .map_err(err)?;
            store.set_demo(DEMO_TENANT, &id).map_err(err)?;
            id
        }
    };
    let secret = store
        .active_secrets(&connector_id, now)
        .map_err(err)?
        .into_iter()
        .next()
        .ok_or("the demo connector has no active secret; rotate it with `erpops admin connectors rotate`")?;
    Ok(Demo {
        connector_id,
        secret,
        api_key: fresh_api_key(store)?,
    })
}

/// Revokes the demo's earlier keys and makes this start's.
fn fresh_api_key(store: &mut dyn AdminStore) -> Result<String, String> {
    let now = clock::now();
    let earlier = store
        .api_keys(Some(DEMO_TENANT))
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|k| k.label == DEMO_KEY_LABEL && !k.revoked);
    for key in earlier {
        store
            .revoke_api_key(&key.id, now)
            .map_err(|e| e.to_string())?;
    }
    let (_, key) = crate::ops::create_api_key(store, DEMO_TENANT, DEMO_KEY_LABEL, now)
        .map_err(|e| e.to_string())?;
    Ok(key)
}

/// The curl command of the API reference, pointed at `addr`.
pub fn curl_command(demo: &Demo, addr: SocketAddr) -> String {
    format!(
        "BODY='{{\"connector_id\":\"{id}\",\"event_type\":\"integration.failed\",\"timestamp\":\"'\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"'\",\"severity\":\"error\",\"source\":\"PSFT_PAYROLL_BATCH\",\"message\":\"Exit code 1 at record 18441\"}}'\n\
SIG=$(echo -n \"$BODY\" | openssl dgst -sha256 -hmac \"{secret}\" | awk '{{print $2}}')\n\
curl -X POST http://{addr}/functions/v1/receive-event \\\n\
-H \"Content-Type: application/json\" \\\n\
-H \"X-ERPOps-Connector-Id: {id}\" \\\n\
-H \"X-ERPOps-Signature: sha256=$SIG\" \\\n\
-d \"$BODY\"",
        id = demo.connector_id,
        secret = demo.secret,
    )
}
