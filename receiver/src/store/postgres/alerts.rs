//! [`AlertStore`] for PostgreSQL (tables of `migrations/postgres/0003`), and
//! the plan lookup that knows custom plans.

use erpops_core::alert::{AlertRule, Heartbeat, Silence};
use erpops_core::quota::{Limit, Plan};
use erpops_core::Timestamp;
use postgres::types::ToSql;
use uuid::Uuid;

use super::{corrupt, from_db, json_of, missing_or, to_db, PgStore};
use crate::store::alerts::{
    AlertConfigRows, AlertFilter, AlertStore, Attempt, CustomPlan, DueNotification,
    NewNotification, RuleRow, WebhookRow,
};
use crate::store::{Cursor, Listed, StoreError, StoreResult};

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(corrupt)
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn limit_to_db(limit: Limit) -> Option<i64> {
    limit.finite().map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

pub(super) fn limit_from_db(n: Option<i64>) -> Limit {
    n.map_or(Limit::Unlimited, |n| {
        Limit::Finite(u64::try_from(n).unwrap_or(0))
    })
}

/// How long a deliverer's claim on due notifications lasts: longer than a
/// batch of attempts takes (the webhook deliverer gives up after 10 s), so
/// another receiver's deliverer never sends the same notification while
/// the claim holds, and short enough that notifications claimed by a
/// receiver that died are sent by another soon after.
pub const DELIVERY_LEASE: std::time::Duration = std::time::Duration::from_secs(120);

const BUMP: &str = "UPDATE config_generation SET generation = generation + 1 WHERE id = 1";

impl PgStore {
    /// A plan by the name stored on a tenant: a built-in one or a custom
    /// plan of `erpops admin plans create`.
    pub(super) fn resolve_plan(&mut self, name: &str) -> StoreResult<Option<Plan>> {
        if let Some(plan) = Plan::from_name(name) {
            return Ok(Some(plan));
        }
        Ok(self
            .opt(
                "SELECT inbound_events_per_day, ai_queries_per_month FROM custom_plans WHERE \
                 name = $1",
                &[&name],
            )?
            .map(|r| Plan::Custom {
                inbound_events: limit_from_db(r.get(0)),
                ai_queries: limit_from_db(r.get(1)),
            }))
    }

    fn delete_one(
        &mut self,
        sql: &str,
        p: &[&(dyn ToSql + Sync)],
        what: &'static str,
        id: &str,
    ) -> StoreResult<()> {
        self.atomically(|s| {
            if s.exec(sql, p)? == 0 {
                return Err(StoreError::NotFound {
                    what,
                    id: id.to_owned(),
                });
            }
            s.exec(BUMP, &[])?;
            Ok(())
        })
    }

    fn json_column<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        what: &str,
    ) -> StoreResult<Vec<T>> {
        self.all(sql, &[])?
            .iter()
            .map(|r| from_json(r.get(0), what))
            .collect()
    }
}

impl AlertStore for PgStore {
    fn config_generation(&mut self) -> StoreResult<i64> {
        Ok(self
            .opt("SELECT generation FROM config_generation WHERE id = 1", &[])?
            .map_or(0, |r| r.get(0)))
    }

    fn alert_config(&mut self) -> StoreResult<AlertConfigRows> {
        let generation = self.config_generation()?;
        let rules = self
            .all(
                "SELECT tenant_id, rule_json FROM alert_rules ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(RuleRow {
                    tenant_id: r.get(0),
                    rule: from_json::<AlertRule>(r.get(1), "alert rule")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let silences = self.json_column::<Silence>(
            "SELECT silence_json FROM alert_silences ORDER BY id",
            "silence",
        )?;
        let heartbeats = self.json_column::<Heartbeat>(
            "SELECT heartbeat_json FROM heartbeats ORDER BY connector_id, source",
            "heartbeat",
        )?;
        Ok(AlertConfigRows {
            generation,
            rules,
            silences,
            heartbeats,
        })
    }

    fn put_rule(&mut self, tenant: &str, rule: &AlertRule, now: Timestamp) -> StoreResult<()> {
        let json = to_json(rule)?;
        self.atomically(|s| {
            let owner: Option<String> = s
                .opt(
                    "SELECT tenant_id FROM alert_rules WHERE id = $1 FOR UPDATE",
                    &[&rule.id],
                )?
                .map(|r| r.get(0));
            if owner.as_deref().is_some_and(|o| o != tenant) {
                // Rule ids are global: a tenant cannot take over another
                // tenant's rule.
                return Err(StoreError::Exists {
                    what: "rule",
                    id: rule.id.clone(),
                });
            }
            s.exec_or(
                "INSERT INTO alert_rules (id, tenant_id, rule_json, created_at) VALUES ($1, $2, \
                 $3, $4) ON CONFLICT (id) DO UPDATE SET rule_json = excluded.rule_json",
                &[&rule.id, &tenant, &json, &to_db(now)],
                |e| missing_or(e, "tenant", tenant),
            )?;
            s.exec(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_rule(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one("DELETE FROM alert_rules WHERE id = $1", &[&id], "rule", id)
    }

    fn put_silence(&mut self, silence: &Silence, now: Timestamp) -> StoreResult<()> {
        let json = to_json(silence)?;
        self.atomically(|s| {
            s.exec(
                "INSERT INTO alert_silences (id, silence_json, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET silence_json = excluded.silence_json",
                &[&silence.id, &json, &to_db(now)],
            )?;
            s.exec(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_silence(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one(
            "DELETE FROM alert_silences WHERE id = $1",
            &[&id],
            "silence",
            id,
        )
    }

    fn put_heartbeat(&mut self, heartbeat: &Heartbeat, now: Timestamp) -> StoreResult<()> {
        let json = to_json(heartbeat)?;
        let cid = heartbeat.connector_id.to_string();
        self.atomically(|s| {
            s.exec_or(
                "INSERT INTO heartbeats (connector_id, source, heartbeat_json, created_at) VALUES \
                 ($1, $2, $3, $4) ON CONFLICT (connector_id, source) DO UPDATE SET \
                 heartbeat_json = excluded.heartbeat_json",
                &[&cid, &heartbeat.source, &json, &to_db(now)],
                |e| missing_or(e, "connector", &cid),
            )?;
            s.exec(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_heartbeat(&mut self, connector: &Uuid, source: &str) -> StoreResult<()> {
        let cid = connector.to_string();
        self.delete_one(
            "DELETE FROM heartbeats WHERE connector_id = $1 AND source = $2",
            &[&cid, &source],
            "heartbeat",
            &format!("{cid} {source}"),
        )
    }

    fn put_webhook(&mut self, webhook: &WebhookRow, now: Timestamp) -> StoreResult<()> {
        self.exec_or(
            "INSERT INTO webhooks (tenant_id, url, secret, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, \
             updated_at = excluded.updated_at",
            &[
                &webhook.tenant_id,
                &webhook.url,
                &webhook.secret,
                &to_db(now),
            ],
            |e| missing_or(e, "tenant", &webhook.tenant_id),
        )?;
        Ok(())
    }

    fn webhook(&mut self, tenant: &str) -> StoreResult<Option<WebhookRow>> {
        Ok(self
            .opt(
                "SELECT url, secret FROM webhooks WHERE tenant_id = $1",
                &[&tenant],
            )?
            .map(|r| WebhookRow {
                tenant_id: tenant.to_owned(),
                url: r.get(0),
                secret: r.get(1),
            }))
    }

    fn delete_webhook(&mut self, tenant: &str) -> StoreResult<()> {
        if self.exec("DELETE FROM webhooks WHERE tenant_id = $1", &[&tenant])? == 0 {
            return Err(StoreError::NotFound {
                what: "webhook of tenant",
                id: tenant.to_owned(),
            });
        }
        Ok(())
    }

    fn create_plan(&mut self, name: &str, plan: CustomPlan, now: Timestamp) -> StoreResult<()> {
        self.exec_or(
            "INSERT INTO custom_plans (name, inbound_events_per_day, ai_queries_per_month, \
             created_at) VALUES ($1, $2, $3, $4)",
            &[
                &name,
                &limit_to_db(plan.inbound_events),
                &limit_to_db(plan.ai_queries),
                &to_db(now),
            ],
            |e| super::exists_or(e, "plan", name),
        )?;
        Ok(())
    }

    fn plans(&mut self) -> StoreResult<Vec<(String, CustomPlan)>> {
        Ok(self
            .all(
                "SELECT name, inbound_events_per_day, ai_queries_per_month FROM custom_plans \
                 ORDER BY name",
                &[],
            )?
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    CustomPlan {
                        inbound_events: limit_from_db(r.get(1)),
                        ai_queries: limit_from_db(r.get(2)),
                    },
                )
            })
            .collect())
    }

    fn connector_tenant(&mut self, connector: &Uuid) -> StoreResult<Option<String>> {
        Ok(self
            .opt(
                "SELECT tenant_id FROM connectors WHERE id = $1",
                &[&connector.to_string()],
            )?
            .map(|r| r.get(0)))
    }

    fn save_alert_state(&mut self, state: &serde_json::Value) -> StoreResult<()> {
        let json = to_json(state)?;
        self.atomically(|s| {
            // Versioned like the key rows, so other receivers reload it.
            let version = s.write_version()?;
            s.exec(
                "INSERT INTO alert_state (id, state_json, version) VALUES (1, $1, $2) ON \
                 CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, version = \
                 excluded.version",
                &[&json, &version],
            )?;
            Ok(())
        })
    }

    fn load_alert_state(&mut self) -> StoreResult<Option<serde_json::Value>> {
        self.opt("SELECT state_json FROM alert_state WHERE id = 1", &[])?
            .map(|r| from_json(r.get(0), "alert state"))
            .transpose()
    }

    fn insert_notification(&mut self, n: &NewNotification<'_>) -> StoreResult<()> {
        let at = to_db(n.created_at);
        self.exec(
            "INSERT INTO notifications (id, tenant_id, rule_id, channel, incident_id, reason, \
             created_at, payload_json, state, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, \
             $5, $6, $7, $8, 'pending', 0, $7)",
            &[
                &n.id,
                &n.tenant_id,
                &n.rule_id,
                &n.channel,
                &n.incident_id,
                &n.reason,
                &at,
                &n.payload,
            ],
        )?;
        Ok(())
    }

    fn due_notifications(
        &mut self,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DueNotification>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let lease = to_db(now.saturating_add(DELIVERY_LEASE));
        // Claimed in one statement: rows another receiver's deliverer is
        // claiming at this moment are skipped, not waited for, and a
        // claim ends with the attempt's outcome or with the lease.
        let mut rows = self.all(
            "UPDATE notifications SET claimed_until = $3 WHERE id IN (SELECT id FROM \
             notifications WHERE state = 'pending' AND next_attempt_at <= $1 AND (claimed_until \
             IS NULL OR claimed_until <= $1) ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE \
             SKIP LOCKED) RETURNING id, tenant_id, channel, payload_json, attempts, \
             next_attempt_at",
            &[&to_db(now), &limit, &lease],
        )?;
        // RETURNING has no order: oldest first, as documented.
        rows.sort_by(|a, b| {
            (a.get::<_, Option<i64>>(5), a.get::<_, &str>(0))
                .cmp(&(b.get::<_, Option<i64>>(5), b.get::<_, &str>(0)))
        });
        Ok(rows
            .iter()
            .map(|r| DueNotification {
                id: r.get(0),
                tenant_id: r.get(1),
                channel: r.get(2),
                payload: r.get(3),
                attempts: u32::try_from(r.get::<_, i32>(4)).unwrap_or(0),
            })
            .collect())
    }

    fn next_due(&mut self) -> StoreResult<Option<Timestamp>> {
        Ok(self
            .opt(
                "SELECT MIN(GREATEST(next_attempt_at, claimed_until)) FROM notifications WHERE \
                 state = 'pending'",
                &[],
            )?
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .map(from_db))
    }

    fn release_claims(&mut self, ids: &[String]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.exec(
            "UPDATE notifications SET claimed_until = NULL WHERE id = ANY($1) AND state = \
             'pending'",
            &[&ids],
        )?;
        Ok(())
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt, now: Timestamp) -> StoreResult<()> {
        let (state, error, next, delivered): (&str, Option<&str>, Option<i64>, Option<i64>) =
            match outcome {
                Attempt::Delivered => ("delivered", None, None, Some(to_db(now))),
                Attempt::Retry { error, at } => ("pending", Some(error), Some(to_db(*at)), None),
                Attempt::Failed { error } => ("failed", Some(error), None, None),
            };
        self.exec(
            "UPDATE notifications SET state = $2, attempts = attempts + 1, last_error = \
             COALESCE($3, last_error), next_attempt_at = $4, delivered_at = $5, claimed_until = \
             NULL WHERE id = $1",
            &[&id, &state, &error, &next, &delivered],
        )?;
        Ok(())
    }

    fn list_alerts(
        &mut self,
        tenant: &str,
        filter: &AlertFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let rows = self.all(
            "SELECT id, created_at, rule_id, channel, incident_id, reason, payload_json, state, \
             attempts, last_error, next_attempt_at, delivered_at FROM notifications WHERE \
             tenant_id = $1 AND ($2::TEXT IS NULL OR state = $2) AND ($3::TEXT IS NULL OR \
             incident_id = $3) AND ($4::TEXT IS NULL OR rule_id = $4) AND ($5::TEXT IS NULL OR \
             reason = $5) AND ($6::BIGINT IS NULL OR created_at >= $6) AND ($7::BIGINT IS NULL \
             OR created_at < $7 OR (created_at = $7 AND id < $8)) ORDER BY created_at DESC, id \
             DESC LIMIT $9",
            &[
                &tenant,
                &filter.state,
                &filter.incident,
                &filter.rule,
                &filter.reason,
                &filter.since.map(to_db),
                &after.map(|c| c.at),
                &after.map(|c| c.id.as_str()),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.get(0);
            let at: i64 = r.get(1);
            let payload = json_of(r.get(6))?;
            let next: Option<i64> = r.get(10);
            let delivered: Option<i64> = r.get(11);
            let json = serde_json::json!({
                "id": id,
                "created_at": from_db(at),
                "rule_id": r.get::<_, String>(2),
                "channel": r.get::<_, String>(3),
                "incident_id": r.get::<_, String>(4),
                "reason": r.get::<_, String>(5),
                "incident": payload.get("incident").cloned().unwrap_or_default(),
                "delivery": {
                    "state": r.get::<_, String>(7),
                    "attempts": i64::from(r.get::<_, i32>(8)),
                    "last_error": r.get::<_, Option<String>>(9),
                    "next_attempt_at": next.map(from_db),
                    "delivered_at": delivered.map(from_db),
                },
            });
            out.push(Listed { at, id, json });
        }
        Ok(out)
    }
}
