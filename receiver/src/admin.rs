//! `erpops admin`: tenants, connectors and API keys in a data directory
//! (alert configuration and custom plans: [`crate::alerts::admin`]). Each command
//! opens the store, does one change and exits; SQLite serializes it with a
//! running server's writer.

use std::time::Duration;

use erpops_core::pii::PiiPolicy;
use uuid::Uuid;

use crate::cli::{AdminCommand, ApiKeyCommand, ConnectorCommand, TenantCommand};
use crate::clock;
use crate::store::{AdminStore, Location};

/// Runs one admin command; the text to print, or an error message.
pub fn run(location: &Location, command: &AdminCommand) -> Result<String, String> {
    // These work on the files, and must not create or migrate a store.
    match command {
        AdminCommand::Backup { to } => return crate::backup::backup(location, to),
        AdminCommand::Restore { from } => return crate::backup::restore(location, from),
        _ => {}
    }
    let mut store = location.open().map_err(|e| e.to_string())?;
    run_on(store.as_mut(), command)
}

fn check_tenant_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "tenant id {id:?} must be 1-64 letters, digits, '-' or '_'"
        ))
    }
}

/// An operation's refusal as the CLI prints it.
fn op(e: crate::ops::OpError) -> String {
    e.to_string()
}

fn parse_connector(id: &str) -> Result<Uuid, String> {
    Uuid::parse_str(id.trim()).map_err(|_| format!("{id:?} is not a connector UUID"))
}

/// Runs `command` on an open store (tests use this directly).
pub fn run_on(store: &mut dyn AdminStore, command: &AdminCommand) -> Result<String, String> {
    let now = clock::now();
    let err = |e: crate::store::StoreError| e.to_string();
    match command {
        AdminCommand::Tenants(TenantCommand::Create {
            id,
            name,
            plan,
            pii,
        }) => {
            check_tenant_id(id)?;
            crate::alerts::admin::check_plan(store, plan)?;
            let policy = PiiPolicy::from_wire(pii).ok_or_else(|| {
                format!("unknown PII policy {pii:?}; use redact, reject or allow")
            })?;
            store
                .create_tenant(id, name.as_deref().unwrap_or(id), plan, policy, now)
                .map_err(err)?;
            Ok(format!("tenant {id} created (plan {plan}, PII {pii})"))
        }
        AdminCommand::Tenants(TenantCommand::List) => {
            let rows = store.tenants().map_err(err)?;
            let mut out = String::from("ID\tPLAN\tPII\tSUSPENDED\tNAME\n");
            for t in rows {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    t.id, t.plan, t.pii_policy, t.suspended, t.name
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        AdminCommand::Tenants(TenantCommand::Plan { id, plan }) => {
            crate::alerts::admin::check_plan(store, plan)?;
            store.set_plan(id, plan).map_err(err)?;
            Ok(format!("tenant {id} is now on plan {plan}"))
        }
        AdminCommand::Tenants(TenantCommand::Suspend { id }) => {
            store.set_suspended(id, true).map_err(err)?;
            Ok(format!("tenant {id} suspended"))
        }
        AdminCommand::Tenants(TenantCommand::Resume { id }) => {
            store.set_suspended(id, false).map_err(err)?;
            Ok(format!("tenant {id} active"))
        }
        AdminCommand::Connectors(ConnectorCommand::Create { tenant, name }) => {
            let new = crate::ops::create_connector(store, tenant, name, now).map_err(op)?;
            Ok(format!(
                "connector_id: {}\nsecret: {}\n(the secret is shown only now; store it in the \
                 sender's secret manager)",
                new.id, new.secret
            ))
        }
        AdminCommand::Connectors(ConnectorCommand::List { tenant }) => {
            let rows = store.connectors(tenant.as_deref(), now).map_err(err)?;
            let mut out = String::from("ID\tTENANT\tENABLED\tACTIVE_SECRETS\tNAME\n");
            for c in rows {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    c.id, c.tenant_id, c.enabled, c.active_secrets, c.name
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        AdminCommand::Connectors(ConnectorCommand::Rotate { id, overlap_secs }) => {
            let id = parse_connector(id)?;
            let (secret, until) =
                crate::ops::rotate_secret(store, &id, Duration::from_secs(*overlap_secs), now)
                    .map_err(|e| format!("--overlap-secs: {e}"))?;
            Ok(format!(
                "connector_id: {id}\nsecret: {secret}\nprevious secrets verify until {until}\n(the \
                 secret is shown only now)"
            ))
        }
        AdminCommand::Connectors(ConnectorCommand::Disable { id }) => {
            let id = parse_connector(id)?;
            store.set_connector_enabled(&id, false).map_err(err)?;
            Ok(format!("connector {id} disabled"))
        }
        AdminCommand::ApiKeys(ApiKeyCommand::Create { tenant, label }) => {
            let (id, key) = crate::ops::create_api_key(store, tenant, label, now).map_err(op)?;
            Ok(format!(
                "key_id: {id}\napi_key: {key}\n(the key is shown only now; only its hash is stored)"
            ))
        }
        AdminCommand::ApiKeys(ApiKeyCommand::List { tenant }) => {
            let rows = store.api_keys(tenant.as_deref()).map_err(err)?;
            let mut out = String::from("ID\tTENANT\tREVOKED\tLABEL\n");
            for k in rows {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    k.id, k.tenant_id, k.revoked, k.label
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        AdminCommand::ApiKeys(ApiKeyCommand::Revoke { id }) => {
            store.revoke_api_key(id, now).map_err(err)?;
            Ok(format!("API key {id} revoked"))
        }
        AdminCommand::Connectors(ConnectorCommand::Enable { id }) => {
            let id = parse_connector(id)?;
            store.set_connector_enabled(&id, true).map_err(err)?;
            Ok(format!("connector {id} enabled"))
        }
        AdminCommand::Rules(c) => crate::alerts::admin::rules(store, c),
        AdminCommand::Silences(c) => crate::alerts::admin::silences(store, c),
        AdminCommand::Heartbeats(c) => crate::alerts::admin::heartbeats(store, c),
        AdminCommand::Jobs(c) => crate::alerts::jobs::jobs(store, c),
        AdminCommand::Windows(c) => crate::alerts::jobs::windows(store, c),
        AdminCommand::Webhooks(c) => crate::alerts::admin::webhooks(store, c),
        AdminCommand::Plans(c) => crate::alerts::admin::plans(store, c),
        AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => Err(
            "backup and restore work on a data directory, not on an open store: run them with \
             `erpops admin` (admin::run)"
                .to_owned(),
        ),
    }
}
