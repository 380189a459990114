//! [`AlertStore`] for both engines (tables of migration 0003; the
//! delivery claims of PostgreSQL's migration 6).

use erpops_core::alert::{AlertRule, Heartbeat, Silence};
use erpops_core::Timestamp;
use uuid::Uuid;

use super::{limit_from_db, limit_param, limit_to_db, Backend, SqlStore};
use crate::store::alerts::{
    AlertConfigRows, AlertFilter, AlertStore, Attempt, CustomPlan, DueNotification,
    NewNotification, RuleRow, WebhookRow,
};
use crate::store::db::{args, from_db, from_json, json_of, to_db, to_json, Conn, Param};
use crate::store::{Cursor, Listed, StoreError, StoreResult};

/// How long a deliverer's claim on due notifications lasts where they are
/// claimed (a store shared by several receivers): longer than a batch of
/// attempts takes (the webhook deliverer gives up after 10 s), so another
/// receiver's deliverer never sends the same notification while the claim
/// holds, and short enough that notifications claimed by a receiver that
/// died are sent by another soon after.
pub const DELIVERY_LEASE: std::time::Duration = std::time::Duration::from_secs(120);

const BUMP: &str = "UPDATE config_generation SET generation = generation + 1 WHERE id = 1";

/// The first column of every row, as JSON of `T`.
fn json_column<T: serde::de::DeserializeOwned>(
    db: &mut impl Conn,
    sql: &str,
    what: &str,
) -> StoreResult<Vec<T>> {
    db.query(sql, &[])?
        .iter()
        .map(|r| from_json(&r.get::<String>(0)?, what))
        .collect()
}

impl<B: Backend> SqlStore<B> {
    /// Deletes one configuration row that must exist and bumps the
    /// generation, atomically.
    fn delete_one(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        what: &'static str,
        id: &str,
    ) -> StoreResult<()> {
        self.db.atomically(|db| {
            if db.execute(sql, params)? == 0 {
                return Err(StoreError::NotFound {
                    what,
                    id: id.to_owned(),
                });
            }
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }
}

impl<B: Backend> AlertStore for SqlStore<B> {
    fn config_generation(&mut self) -> StoreResult<i64> {
        self.db
            .query_opt("SELECT generation FROM config_generation WHERE id = 1", &[])?
            .map_or(Ok(0), |r| r.get(0))
    }

    fn alert_config(&mut self) -> StoreResult<AlertConfigRows> {
        let generation = self.config_generation()?;
        let rules = self
            .db
            .query(
                "SELECT tenant_id, rule_json FROM alert_rules ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(RuleRow {
                    tenant_id: r.get(0)?,
                    rule: from_json::<AlertRule>(&r.get::<String>(1)?, "alert rule")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let silences = json_column::<Silence>(
            &mut self.db,
            "SELECT silence_json FROM alert_silences ORDER BY id",
            "silence",
        )?;
        let heartbeats = json_column::<Heartbeat>(
            &mut self.db,
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
        let owner_sql = format!(
            "SELECT tenant_id FROM alert_rules WHERE id = ?1{}",
            self.db.dialect().for_update()
        );
        self.db.atomically(|db| {
            let owner: Option<String> = db
                .query_opt(&owner_sql, args![&rule.id])?
                .map(|r| r.get(0))
                .transpose()?;
            if owner.as_deref().is_some_and(|o| o != tenant) {
                // Rule ids are global (the engine keys its state by them):
                // a tenant cannot take over another tenant's rule.
                return Err(StoreError::Exists {
                    what: "rule",
                    id: rule.id.clone(),
                });
            }
            db.execute(
                "INSERT INTO alert_rules (id, tenant_id, rule_json, created_at) VALUES (?1, ?2, \
                 ?3, ?4) ON CONFLICT (id) DO UPDATE SET rule_json = excluded.rule_json",
                args![&rule.id, tenant, &json, to_db(now)],
            )
            .map_err(|e| e.missing_or("tenant", tenant))?;
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_rule(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one(
            "DELETE FROM alert_rules WHERE id = ?1",
            args![id],
            "rule",
            id,
        )
    }

    fn put_silence(&mut self, silence: &Silence, now: Timestamp) -> StoreResult<()> {
        let json = to_json(silence)?;
        self.db.atomically(|db| {
            db.execute(
                "INSERT INTO alert_silences (id, silence_json, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (id) DO UPDATE SET silence_json = excluded.silence_json",
                args![&silence.id, &json, to_db(now)],
            )?;
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_silence(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one(
            "DELETE FROM alert_silences WHERE id = ?1",
            args![id],
            "silence",
            id,
        )
    }

    fn put_heartbeat(&mut self, heartbeat: &Heartbeat, now: Timestamp) -> StoreResult<()> {
        let json = to_json(heartbeat)?;
        let cid = heartbeat.connector_id.to_string();
        self.db.atomically(|db| {
            db.execute(
                "INSERT INTO heartbeats (connector_id, source, heartbeat_json, created_at) VALUES \
                 (?1, ?2, ?3, ?4) ON CONFLICT (connector_id, source) DO UPDATE SET \
                 heartbeat_json = excluded.heartbeat_json",
                args![&cid, &heartbeat.source, &json, to_db(now)],
            )
            .map_err(|e| e.missing_or("connector", &cid))?;
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_heartbeat(&mut self, connector: &Uuid, source: &str) -> StoreResult<()> {
        let cid = connector.to_string();
        self.delete_one(
            "DELETE FROM heartbeats WHERE connector_id = ?1 AND source = ?2",
            args![&cid, source],
            "heartbeat",
            &format!("{cid} {source}"),
        )
    }

    fn put_webhook(&mut self, webhook: &WebhookRow, now: Timestamp) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO webhooks (tenant_id, url, secret, updated_at) VALUES (?1, ?2, ?3, \
                 ?4) ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = \
                 excluded.secret, updated_at = excluded.updated_at",
                args![
                    &webhook.tenant_id,
                    &webhook.url,
                    &webhook.secret,
                    to_db(now)
                ],
            )
            .map_err(|e| e.missing_or("tenant", &webhook.tenant_id))?;
        Ok(())
    }

    fn webhook(&mut self, tenant: &str) -> StoreResult<Option<WebhookRow>> {
        self.db
            .query_opt(
                "SELECT url, secret FROM webhooks WHERE tenant_id = ?1",
                args![tenant],
            )?
            .map(|r| {
                Ok(WebhookRow {
                    tenant_id: tenant.to_owned(),
                    url: r.get(0)?,
                    secret: r.get(1)?,
                })
            })
            .transpose()
    }

    fn delete_webhook(&mut self, tenant: &str) -> StoreResult<()> {
        if self
            .db
            .execute("DELETE FROM webhooks WHERE tenant_id = ?1", args![tenant])?
            == 0
        {
            return Err(StoreError::NotFound {
                what: "webhook of tenant",
                id: tenant.to_owned(),
            });
        }
        Ok(())
    }

    fn create_plan(&mut self, name: &str, plan: CustomPlan, now: Timestamp) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO custom_plans (name, inbound_events_per_day, ai_queries_per_month, \
                 created_at) VALUES (?1, ?2, ?3, ?4)",
                args![
                    name,
                    limit_to_db(plan.inbound_events),
                    limit_to_db(plan.ai_queries),
                    to_db(now)
                ],
            )
            .map_err(|e| e.exists_or("plan", name))?;
        Ok(())
    }

    fn plans(&mut self) -> StoreResult<Vec<(String, CustomPlan)>> {
        self.db
            .query(
                "SELECT name, inbound_events_per_day, ai_queries_per_month FROM custom_plans \
                 ORDER BY name",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.get(0)?,
                    CustomPlan {
                        inbound_events: limit_from_db(r.get(1)?),
                        ai_queries: limit_from_db(r.get(2)?),
                    },
                ))
            })
            .collect()
    }

    fn connector_tenant(&mut self, connector: &Uuid) -> StoreResult<Option<String>> {
        self.db
            .query_opt(
                "SELECT tenant_id FROM connectors WHERE id = ?1",
                args![&connector.to_string()],
            )?
            .map(|r| r.get(0))
            .transpose()
    }

    fn save_alert_state(&mut self, state: &serde_json::Value) -> StoreResult<()> {
        let json = to_json(state)?;
        self.db.atomically(|db| {
            // Versioned like the key rows where the engine is shared, so
            // other receivers reload it.
            match db.engine_write_version()? {
                None => db.execute(
                    "INSERT INTO alert_state (id, state_json) VALUES (1, ?1) ON CONFLICT (id) DO \
                     UPDATE SET state_json = excluded.state_json",
                    args![&json],
                )?,
                Some(version) => db.execute(
                    "INSERT INTO alert_state (id, state_json, version) VALUES (1, ?1, ?2) ON \
                     CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, version = \
                     excluded.version",
                    args![&json, version],
                )?,
            };
            Ok(())
        })
    }

    fn load_alert_state(&mut self) -> StoreResult<Option<serde_json::Value>> {
        self.db
            .query_opt("SELECT state_json FROM alert_state WHERE id = 1", &[])?
            .map(|r| from_json(&r.get::<String>(0)?, "alert state"))
            .transpose()
    }

    fn insert_notification(&mut self, n: &NewNotification<'_>) -> StoreResult<()> {
        self.db.execute(
            "INSERT INTO notifications (id, tenant_id, rule_id, channel, incident_id, reason, \
             created_at, payload_json, state, attempts, next_attempt_at) VALUES (?1, ?2, ?3, ?4, \
             ?5, ?6, ?7, ?8, 'pending', 0, ?7)",
            args![
                n.id,
                n.tenant_id,
                n.rule_id,
                n.channel,
                n.incident_id,
                n.reason,
                to_db(n.created_at),
                n.payload
            ],
        )?;
        Ok(())
    }

    fn due_notifications(
        &mut self,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DueNotification>> {
        let limit = limit_param(limit);
        let rows = if self.db.dialect().claims_notifications() {
            let lease = to_db(now.saturating_add(DELIVERY_LEASE));
            // Claimed in one statement: rows another receiver's deliverer
            // is claiming at this moment are skipped, not waited for, and
            // a claim ends with the attempt's outcome or with the lease.
            let mut rows = self.db.query(
                "UPDATE notifications SET claimed_until = ?3 WHERE id IN (SELECT id FROM \
                 notifications WHERE state = 'pending' AND next_attempt_at <= ?1 AND \
                 (claimed_until IS NULL OR claimed_until <= ?1) ORDER BY next_attempt_at, id \
                 LIMIT ?2 FOR UPDATE SKIP LOCKED) RETURNING id, tenant_id, channel, \
                 payload_json, attempts, next_attempt_at",
                args![to_db(now), limit, lease],
            )?;
            // RETURNING has no order: oldest first, as documented.
            let key =
                |r: &crate::store::db::Row| (r.get::<Option<i64>>(5).ok(), r.get::<String>(0).ok());
            rows.sort_by_cached_key(key);
            rows
        } else {
            self.db.query(
                "SELECT id, tenant_id, channel, payload_json, attempts FROM notifications WHERE \
                 state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT \
                 ?2",
                args![to_db(now), limit],
            )?
        };
        rows.iter()
            .map(|r| {
                Ok(DueNotification {
                    id: r.get(0)?,
                    tenant_id: r.get(1)?,
                    channel: r.get(2)?,
                    payload: r.get(3)?,
                    attempts: r.get(4)?,
                })
            })
            .collect()
    }

    fn next_due(&mut self) -> StoreResult<Option<Timestamp>> {
        // A claimed notification is due again when its claim ends.
        let sql = if self.db.dialect().claims_notifications() {
            "SELECT MIN(GREATEST(next_attempt_at, claimed_until)) FROM notifications WHERE state \
             = 'pending'"
        } else {
            "SELECT MIN(next_attempt_at) FROM notifications WHERE state = 'pending'"
        };
        Ok(self
            .db
            .query_opt(sql, &[])?
            .map(|r| r.get::<Option<i64>>(0))
            .transpose()?
            .flatten()
            .map(from_db))
    }

    fn release_claims(&mut self, ids: &[String]) -> StoreResult<()> {
        self.db.release_claims(ids)
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt, now: Timestamp) -> StoreResult<()> {
        let (state, error, next, delivered): (&str, Option<&str>, Option<i64>, Option<i64>) =
            match outcome {
                Attempt::Delivered => ("delivered", None, None, Some(to_db(now))),
                Attempt::Retry { error, at } => ("pending", Some(error), Some(to_db(*at)), None),
                Attempt::Failed { error } => ("failed", Some(error), None, None),
            };
        // The attempt's outcome ends its claim, where there are claims.
        let sql = if self.db.dialect().claims_notifications() {
            "UPDATE notifications SET state = ?2, attempts = attempts + 1, last_error = \
             COALESCE(?3, last_error), next_attempt_at = ?4, delivered_at = ?5, claimed_until = \
             NULL WHERE id = ?1"
        } else {
            "UPDATE notifications SET state = ?2, attempts = attempts + 1, last_error = \
             COALESCE(?3, last_error), next_attempt_at = ?4, delivered_at = ?5 WHERE id = ?1"
        };
        self.db
            .execute(sql, args![id, state, error, next, delivered])?;
        Ok(())
    }

    fn list_alerts(
        &mut self,
        tenant: &str,
        filter: &AlertFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let rows = self.db.query(
            "SELECT id, created_at, rule_id, channel, incident_id, reason, payload_json, state, \
             attempts, last_error, next_attempt_at, delivered_at FROM notifications WHERE \
             tenant_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR state = ?2) AND (CAST(?3 AS TEXT) \
             IS NULL OR incident_id = ?3) AND (CAST(?4 AS TEXT) IS NULL OR rule_id = ?4) AND \
             (CAST(?5 AS TEXT) IS NULL OR reason = ?5) AND (CAST(?6 AS BIGINT) IS NULL OR \
             created_at >= ?6) AND (CAST(?7 AS BIGINT) IS NULL OR created_at < ?7 OR (created_at \
             = ?7 AND id < ?8)) ORDER BY created_at DESC, id DESC LIMIT ?9",
            args![
                tenant,
                filter.state.as_deref(),
                filter.incident.as_deref(),
                filter.rule.as_deref(),
                filter.reason.as_deref(),
                filter.since.map(to_db),
                after.map(|c| c.at),
                after.map(|c| c.id.as_str()),
                limit_param(limit),
            ],
        )?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.get(0)?;
            let at: i64 = r.get(1)?;
            let payload = json_of(&r.get::<String>(6)?)?;
            let next: Option<i64> = r.get(10)?;
            let delivered: Option<i64> = r.get(11)?;
            let json = serde_json::json!({
                "id": id,
                "created_at": from_db(at),
                "rule_id": r.get::<String>(2)?,
                "channel": r.get::<String>(3)?,
                "incident_id": r.get::<String>(4)?,
                "reason": r.get::<String>(5)?,
                "incident": payload.get("incident").cloned().unwrap_or_default(),
                "delivery": {
                    "state": r.get::<String>(7)?,
                    "attempts": r.get::<i64>(8)?,
                    "last_error": r.get::<Option<String>>(9)?,
                    "next_attempt_at": next.map(from_db),
                    "delivered_at": delivered.map(from_db),
                },
            });
            out.push(Listed { at, id, json });
        }
        Ok(out)
    }
}
