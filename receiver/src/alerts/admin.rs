//! `erpops admin rules|silences|heartbeats|webhooks|plans`: the operator's
//! alert configuration and custom plans (jobs and maintenance windows:
//! [`super::jobs`]). Every change to rules, silences, heartbeats, jobs
//! and windows bumps the store's configuration generation, which a
//! running server's writer checks (at least once a second) and then loads
//! the new configuration into its alert engine — no restart needed.
//!
//! Inputs are checked here with the core's own validation (`AlertRule::
//! validate`, …) so a bad rule is refused by the command, not discovered by
//! the server.

use std::collections::BTreeSet;
use std::time::Duration;

use erpops_core::alert::{AlertError, AlertRule, Heartbeat, Matchers, Silence, TransitionKind};
use erpops_core::event::Severity;
use erpops_core::quota::{Limit, Plan};
use erpops_core::Timestamp;
use uuid::Uuid;

use crate::cli::{
    HeartbeatCommand, MatchArgs, PlanCommand, RuleCommand, SilenceCommand, WebhookCommand,
};
use crate::clock;
use crate::store::alerts::{CustomPlan, WebhookRow};
use crate::store::{AdminStore, StoreError};

pub(crate) fn err(e: StoreError) -> String {
    e.to_string()
}

pub(crate) fn parse_connector(id: &str) -> Result<Uuid, String> {
    Uuid::parse_str(id.trim()).map_err(|_| format!("{id:?} is not a connector UUID"))
}

pub(crate) fn parse_severity(s: &str) -> Result<Severity, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("unknown severity {s:?}; use info, warn, error or critical"))
}

fn parse_kind(s: &str) -> Result<TransitionKind, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).map_err(|_| {
        format!(
            "unknown transition {s:?}; use opened, escalated, reopened, resolved, ack_expired, \
             missed_run, flapping_started, flapping_stopped, missed_start, run_too_long, \
             run_too_short, deadline_missed, too_few_records or runs_failing"
        )
    })
}

fn parse_time(s: &str, flag: &str) -> Result<Timestamp, String> {
    erpops_core::event::parse_timestamp(s)
        .map_err(|_| format!("{flag} must be an RFC 3339 date-time like 2026-11-27T06:00:00Z"))
}

fn parse_limit(s: &str, flag: &str) -> Result<Limit, String> {
    if s.eq_ignore_ascii_case("unlimited") {
        return Ok(Limit::Unlimited);
    }
    s.parse::<u64>()
        .ok()
        .filter(|n| i64::try_from(*n).is_ok())
        .map(Limit::Finite)
        .ok_or_else(|| format!("{flag} must be a whole number or `unlimited`"))
}

fn show_limit(limit: Limit) -> String {
    limit
        .finite()
        .map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
}

/// Whether a plan name exists (built-in or custom), for `tenants create`
/// and `tenants plan`.
pub fn check_plan(store: &mut dyn AdminStore, plan: &str) -> Result<(), String> {
    if Plan::from_name(plan).is_some() {
        return Ok(());
    }
    let custom = store.plans().map_err(err)?;
    if custom.iter().any(|(name, _)| name == plan) {
        return Ok(());
    }
    Err(format!(
        "unknown plan {plan:?}; use free, professional, enterprise or a plan of `erpops admin \
         plans list`"
    ))
}

pub(crate) fn matchers(m: &MatchArgs) -> Result<Matchers, String> {
    Ok(Matchers {
        connector_id: m.connector.as_deref().map(parse_connector).transpose()?,
        source: m.source.clone(),
        event_type: m.event_type.clone(),
        min_severity: m.min_severity.as_deref().map(parse_severity).transpose()?,
    })
}

pub(crate) fn describe(m: &Matchers) -> String {
    let mut parts = Vec::new();
    if let Some(c) = m.connector_id {
        parts.push(format!("connector={c}"));
    }
    if let Some(s) = &m.source {
        parts.push(format!("source={s}"));
    }
    if let Some(t) = &m.event_type {
        parts.push(format!("event_type={t}"));
    }
    if let Some(s) = m.min_severity {
        parts.push(format!("min_severity={}", s.as_str()));
    }
    if parts.is_empty() {
        "*".to_owned()
    } else {
        parts.join(",")
    }
}

/// Runs a rules command.
pub fn rules(store: &mut dyn AdminStore, command: &RuleCommand) -> Result<String, String> {
    let now = clock::now();
    match command {
        RuleCommand::Create {
            tenant,
            id,
            name,
            channel,
            kinds,
            matchers: m,
            repeat_secs,
            group_wait_secs,
        } => {
            let kinds = kinds
                .iter()
                .filter(|k| !k.trim().is_empty())
                .map(|k| parse_kind(k))
                .collect::<Result<BTreeSet<_>, _>>()?;
            let rule = AlertRule {
                id: id.clone(),
                name: name.clone().unwrap_or_else(|| id.clone()),
                kinds,
                matchers: matchers(m)?,
                channel: channel.clone(),
                repeat_interval: repeat_secs.map(Duration::from_secs),
                group_wait: group_wait_secs.map(Duration::from_secs),
            };
            let no_webhook =
                crate::ops::check_rule(store, tenant, &rule).map_err(|e| e.to_string())?;
            store.put_rule(tenant, &rule, now).map_err(err)?;
            if no_webhook {
                return Ok(format!(
                    "rule {id} saved for tenant {tenant} (channel webhook)\nnote: tenant {tenant} \
                     has no webhook destination yet; set one with `erpops admin webhooks set`"
                ));
            }
            Ok(format!(
                "rule {id} saved for tenant {tenant} (channel {channel})"
            ))
        }
        RuleCommand::List { tenant } => {
            let config = store.alert_config().map_err(err)?;
            let mut out =
                String::from("ID\tTENANT\tCHANNEL\tKINDS\tMATCH\tREPEAT_S\tGROUP_WAIT_S\n");
            for row in config
                .rules
                .iter()
                .filter(|r| tenant.as_deref().is_none_or(|t| t == r.tenant_id))
            {
                let r = &row.rule;
                let kinds = if r.kinds.is_empty() {
                    "*".to_owned()
                } else {
                    r.kinds
                        .iter()
                        .filter_map(|k| serde_json::to_value(k).ok())
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let secs =
                    |d: Option<Duration>| d.map_or("-".to_owned(), |d| d.as_secs().to_string());
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    r.id,
                    row.tenant_id,
                    r.channel,
                    kinds,
                    describe(&r.matchers),
                    secs(r.repeat_interval),
                    secs(r.group_wait)
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        RuleCommand::Delete { id } => {
            store.delete_rule(id).map_err(err)?;
            Ok(format!("rule {id} deleted"))
        }
    }
}

/// Runs a silences command.
pub fn silences(store: &mut dyn AdminStore, command: &SilenceCommand) -> Result<String, String> {
    let now = clock::now();
    match command {
        SilenceCommand::Create {
            id,
            matchers: m,
            starts_at,
            ends_at,
            duration_secs,
            comment,
        } => {
            let starts_at = starts_at
                .as_deref()
                .map(|s| parse_time(s, "--starts-at"))
                .transpose()?
                .unwrap_or(now);
            let ends_at = match (ends_at, duration_secs) {
                (Some(e), _) => parse_time(e, "--ends-at")?,
                (None, Some(secs)) => starts_at.saturating_add(Duration::from_secs(*secs)),
                (None, None) => return Err("give --ends-at or --duration-secs".to_owned()),
            };
            let silence = Silence {
                id: id.clone(),
                matchers: matchers(m)?,
                starts_at,
                ends_at,
                comment: comment.clone(),
            };
            crate::ops::check_silence(&silence).map_err(|e| e.to_string())?;
            store.put_silence(&silence, now).map_err(err)?;
            Ok(format!("silence {id} saved ({starts_at} to {ends_at})"))
        }
        SilenceCommand::List => {
            let config = store.alert_config().map_err(err)?;
            let mut out = String::from("ID\tSTARTS_AT\tENDS_AT\tMATCH\tCOMMENT\n");
            for s in &config.silences {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    s.id,
                    s.starts_at,
                    s.ends_at,
                    describe(&s.matchers),
                    s.comment.as_deref().unwrap_or("")
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        SilenceCommand::Delete { id } => {
            store.delete_silence(id).map_err(err)?;
            Ok(format!("silence {id} deleted"))
        }
    }
}

/// Runs a heartbeats command.
pub fn heartbeats(
    store: &mut dyn AdminStore,
    command: &HeartbeatCommand,
) -> Result<String, String> {
    let now = clock::now();
    match command {
        HeartbeatCommand::Create {
            connector,
            source,
            period_secs,
            grace_secs,
            severity,
        } => {
            let heartbeat = Heartbeat {
                connector_id: parse_connector(connector)?,
                source: source.clone(),
                period: Duration::from_secs(*period_secs),
                grace: Duration::from_secs(*grace_secs),
                severity: parse_severity(severity)?,
                paused: false,
            };
            crate::ops::check_heartbeat(store, &heartbeat).map_err(|e| match e {
                crate::ops::OpError::Alert(AlertError::WatchedTwice) => format!(
                    "{} (code watched_twice); `erpops admin jobs remove --connector {} --source \
                     {source}` first, or give the job a --period instead",
                    AlertError::WatchedTwice,
                    heartbeat.connector_id
                ),
                other => other.to_string(),
            })?;
            store.put_heartbeat(&heartbeat, now).map_err(err)?;
            Ok(format!(
                "heartbeat saved: {source} of connector {connector} every {period_secs} s \
                 (+{grace_secs} s grace)"
            ))
        }
        HeartbeatCommand::List { tenant } => {
            let config = store.alert_config().map_err(err)?;
            let mut out = String::from("CONNECTOR\tSOURCE\tPERIOD_S\tGRACE_S\tSEVERITY\tPAUSED\n");
            for h in &config.heartbeats {
                if let Some(t) = tenant {
                    let owner = store.connector_tenant(&h.connector_id).map_err(err)?;
                    if owner.as_deref() != Some(t.as_str()) {
                        continue;
                    }
                }
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\n",
                    h.connector_id,
                    h.source,
                    h.period.as_secs(),
                    h.grace.as_secs(),
                    h.severity.as_str(),
                    h.paused
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        HeartbeatCommand::Pause { connector, source }
        | HeartbeatCommand::Resume { connector, source } => {
            let paused = matches!(command, HeartbeatCommand::Pause { .. });
            let id = parse_connector(connector)?;
            let config = store.alert_config().map_err(err)?;
            let mut heartbeat = config
                .heartbeats
                .into_iter()
                .find(|h| h.connector_id == id && h.source == *source)
                .ok_or_else(|| {
                    format!(
                        "no heartbeat {source:?} for connector {id}; see `erpops admin heartbeats \
                         list`"
                    )
                })?;
            heartbeat.paused = paused;
            store.put_heartbeat(&heartbeat, now).map_err(err)?;
            let what = if paused { "paused" } else { "resumed" };
            Ok(format!("heartbeat {source} of connector {id} {what}"))
        }
        HeartbeatCommand::Delete { connector, source } => {
            let id = parse_connector(connector)?;
            store.delete_heartbeat(&id, source).map_err(err)?;
            Ok(format!("heartbeat {source} of connector {id} deleted"))
        }
    }
}

/// Runs a webhooks command.
pub fn webhooks(store: &mut dyn AdminStore, command: &WebhookCommand) -> Result<String, String> {
    let now = clock::now();
    match command {
        WebhookCommand::Set { tenant, url } => {
            super::webhook::check_url(url)?;
            let secret = clock::new_secret()?;
            store
                .put_webhook(
                    &WebhookRow {
                        tenant_id: tenant.clone(),
                        url: url.clone(),
                        secret: secret.clone(),
                    },
                    now,
                )
                .map_err(err)?;
            Ok(format!(
                "webhook of tenant {tenant}: {url}\nsecret: {secret}\n(the secret is shown only \
                 now; the endpoint verifies X-ERPOps-Signature with it)"
            ))
        }
        WebhookCommand::Show { tenant } => match store.webhook(tenant).map_err(err)? {
            Some(w) => Ok(format!("webhook of tenant {tenant}: {}", w.url)),
            None => Err(format!("tenant {tenant:?} has no webhook destination")),
        },
        WebhookCommand::Delete { tenant } => {
            store.delete_webhook(tenant).map_err(err)?;
            Ok(format!("webhook of tenant {tenant} removed"))
        }
    }
}

/// Runs a plans command.
pub fn plans(store: &mut dyn AdminStore, command: &PlanCommand) -> Result<String, String> {
    let now = clock::now();
    match command {
        PlanCommand::Create {
            name,
            events_per_day,
            ai_queries_per_month,
        } => {
            let ok = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(format!(
                    "plan name {name:?} must be 1-64 letters, digits, '-' or '_'"
                ));
            }
            if Plan::from_name(name).is_some() {
                return Err(format!(
                    "{name:?} is a built-in plan; pick another name for a custom plan"
                ));
            }
            let plan = CustomPlan {
                inbound_events: parse_limit(events_per_day, "--events-per-day")?,
                ai_queries: parse_limit(ai_queries_per_month, "--ai-queries-per-month")?,
            };
            store.create_plan(name, plan, now).map_err(err)?;
            Ok(format!(
                "plan {name} created ({} events/day, {} AI queries/month); assign it with \
                 `erpops admin tenants plan <tenant> {name}`",
                show_limit(plan.inbound_events),
                show_limit(plan.ai_queries)
            ))
        }
        PlanCommand::List => {
            let mut out = String::from("NAME\tEVENTS_PER_DAY\tAI_QUERIES_PER_MONTH\n");
            for (name, p) in store.plans().map_err(err)? {
                out.push_str(&format!(
                    "{name}\t{}\t{}\n",
                    show_limit(p.inbound_events),
                    show_limit(p.ai_queries)
                ));
            }
            Ok(out.trim_end().to_owned())
        }
    }
}
