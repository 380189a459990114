//! [`AlertStore`] for SQLite (tables of migration 0003), and the plan
//! lookup that knows custom plans.

use erpops_core::alert::{AlertRule, Heartbeat, Silence};
use erpops_core::quota::{Limit, Plan};
use erpops_core::Timestamp;
use rusqlite::{params, OptionalExtension, ToSql};
use uuid::Uuid;

use super::{from_db, is_unique_violation, json_of, to_db, SqliteStore};
use crate::store::alerts::{
    AlertConfigRows, AlertFilter, AlertStore, Attempt, CustomPlan, DueNotification,
    NewNotification, RuleRow, WebhookRow,
};
use crate::store::{Cursor, Listed, StoreError, StoreResult};

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn limit_to_db(limit: Limit) -> Option<i64> {
    limit.finite().map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

fn limit_from_db(n: Option<i64>) -> Limit {
    n.map_or(Limit::Unlimited, |n| {
        Limit::Finite(u64::try_from(n).unwrap_or(0))
    })
}

impl SqliteStore {
    /// A plan by the name stored on a tenant: a built-in one or a custom
    /// plan of `erpops admin plans create`.
    pub(super) fn resolve_plan(&mut self, name: &str) -> StoreResult<Option<Plan>> {
        if let Some(plan) = Plan::from_name(name) {
            return Ok(Some(plan));
        }
        let row: Option<(Option<i64>, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT inbound_events_per_day, ai_queries_per_month FROM custom_plans WHERE \
                 name = ?1",
            )?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map(|(events, ai)| Plan::Custom {
            inbound_events: limit_from_db(events),
            ai_queries: limit_from_db(ai),
        }))
    }

    fn bump_generation(&mut self) -> StoreResult<()> {
        self.conn.execute(
            "UPDATE config_generation SET generation = generation + 1 WHERE id = 1",
            [],
        )?;
        Ok(())
    }

    fn delete_one(
        &mut self,
        sql: &str,
        p: &[&dyn ToSql],
        what: &'static str,
        id: &str,
    ) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(sql, p)?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what,
                id: id.to_owned(),
            });
        }
        tx.execute(
            "UPDATE config_generation SET generation = generation + 1 WHERE id = 1",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl AlertStore for SqliteStore {
    fn config_generation(&mut self) -> StoreResult<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT generation FROM config_generation WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    fn alert_config(&mut self) -> StoreResult<AlertConfigRows> {
        let generation = self.config_generation()?;
        let mut rules = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT tenant_id, rule_json FROM alert_rules ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let tenant_id: String = r.get(0)?;
            let json: String = r.get(1)?;
            rules.push(RuleRow {
                tenant_id,
                rule: from_json::<AlertRule>(&json, "alert rule")?,
            });
        }
        drop(rows);
        drop(stmt);
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
        let tx = self.conn.transaction()?;
        let owner: Option<String> = tx
            .query_row(
                "SELECT tenant_id FROM alert_rules WHERE id = ?1",
                [&rule.id],
                |r| r.get(0),
            )
            .optional()?;
        if owner.as_deref().is_some_and(|o| o != tenant) {
            // Rule ids are global (the engine keys its state by them): a
            // tenant cannot take over another tenant's rule.
            return Err(StoreError::Exists {
                what: "rule",
                id: rule.id.clone(),
            });
        }
        tx.execute(
            "INSERT INTO alert_rules (id, tenant_id, rule_json, created_at) VALUES (?1, ?2, ?3, \
             ?4) ON CONFLICT (id) DO UPDATE SET rule_json = excluded.rule_json",
            params![rule.id, tenant, json, to_db(now)],
        )
        .map_err(|e| {
            if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
            {
                StoreError::NotFound {
                    what: "tenant",
                    id: tenant.to_owned(),
                }
            } else {
                e.into()
            }
        })?;
        tx.execute(
            "UPDATE config_generation SET generation = generation + 1 WHERE id = 1",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn delete_rule(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one("DELETE FROM alert_rules WHERE id = ?1", &[&id], "rule", id)
    }

    fn put_silence(&mut self, silence: &Silence, now: Timestamp) -> StoreResult<()> {
        let json = to_json(silence)?;
        self.conn.execute(
            "INSERT INTO alert_silences (id, silence_json, created_at) VALUES (?1, ?2, ?3) ON \
             CONFLICT (id) DO UPDATE SET silence_json = excluded.silence_json",
            params![silence.id, json, to_db(now)],
        )?;
        self.bump_generation()
    }

    fn delete_silence(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one(
            "DELETE FROM alert_silences WHERE id = ?1",
            &[&id],
            "silence",
            id,
        )
    }

    fn put_heartbeat(&mut self, heartbeat: &Heartbeat, now: Timestamp) -> StoreResult<()> {
        let json = to_json(heartbeat)?;
        let cid = heartbeat.connector_id.to_string();
        self.conn
            .execute(
                "INSERT INTO heartbeats (connector_id, source, heartbeat_json, created_at) VALUES \
                 (?1, ?2, ?3, ?4) ON CONFLICT (connector_id, source) DO UPDATE SET \
                 heartbeat_json = excluded.heartbeat_json",
                params![cid, heartbeat.source, json, to_db(now)],
            )
            .map_err(|e| {
                if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
                {
                    StoreError::NotFound {
                        what: "connector",
                        id: cid.clone(),
                    }
                } else {
                    e.into()
                }
            })?;
        self.bump_generation()
    }

    fn delete_heartbeat(&mut self, connector: &Uuid, source: &str) -> StoreResult<()> {
        let cid = connector.to_string();
        self.delete_one(
            "DELETE FROM heartbeats WHERE connector_id = ?1 AND source = ?2",
            &[&cid, &source],
            "heartbeat",
            &format!("{cid} {source}"),
        )
    }

    fn put_webhook(&mut self, webhook: &WebhookRow, now: Timestamp) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO webhooks (tenant_id, url, secret, updated_at) VALUES (?1, ?2, ?3, \
                 ?4) ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = \
                 excluded.secret, updated_at = excluded.updated_at",
                params![webhook.tenant_id, webhook.url, webhook.secret, to_db(now)],
            )
            .map_err(|e| {
                if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
                {
                    StoreError::NotFound {
                        what: "tenant",
                        id: webhook.tenant_id.clone(),
                    }
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    fn webhook(&mut self, tenant: &str) -> StoreResult<Option<WebhookRow>> {
        Ok(self
            .conn
            .prepare_cached("SELECT url, secret FROM webhooks WHERE tenant_id = ?1")?
            .query_row([tenant], |r| {
                Ok(WebhookRow {
                    tenant_id: tenant.to_owned(),
                    url: r.get(0)?,
                    secret: r.get(1)?,
                })
            })
            .optional()?)
    }

    fn delete_webhook(&mut self, tenant: &str) -> StoreResult<()> {
        let n = self
            .conn
            .execute("DELETE FROM webhooks WHERE tenant_id = ?1", [tenant])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "webhook of tenant",
                id: tenant.to_owned(),
            });
        }
        Ok(())
    }

    fn create_plan(&mut self, name: &str, plan: CustomPlan, now: Timestamp) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO custom_plans (name, inbound_events_per_day, ai_queries_per_month, \
                 created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    name,
                    limit_to_db(plan.inbound_events),
                    limit_to_db(plan.ai_queries),
                    to_db(now)
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Exists {
                        what: "plan",
                        id: name.to_owned(),
                    }
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    fn plans(&mut self) -> StoreResult<Vec<(String, CustomPlan)>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, inbound_events_per_day, ai_queries_per_month FROM custom_plans ORDER \
             BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                CustomPlan {
                    inbound_events: limit_from_db(r.get(1)?),
                    ai_queries: limit_from_db(r.get(2)?),
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn connector_tenant(&mut self, connector: &Uuid) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT tenant_id FROM connectors WHERE id = ?1")?
            .query_row([connector.to_string()], |r| r.get(0))
            .optional()?)
    }

    fn save_alert_state(&mut self, state: &serde_json::Value) -> StoreResult<()> {
        let json = to_json(state)?;
        self.conn
            .prepare_cached(
                "INSERT INTO alert_state (id, state_json) VALUES (1, ?1) ON CONFLICT (id) DO \
                 UPDATE SET state_json = excluded.state_json",
            )?
            .execute([json])?;
        Ok(())
    }

    fn load_alert_state(&mut self) -> StoreResult<Option<serde_json::Value>> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT state_json FROM alert_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        json.map(|j| from_json(&j, "alert state")).transpose()
    }

    fn insert_notification(&mut self, n: &NewNotification<'_>) -> StoreResult<()> {
        let at = to_db(n.created_at);
        self.conn
            .prepare_cached(
                "INSERT INTO notifications (id, tenant_id, rule_id, channel, incident_id, \
                 reason, created_at, payload_json, state, attempts, next_attempt_at) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?7)",
            )?
            .execute(params![
                n.id,
                n.tenant_id,
                n.rule_id,
                n.channel,
                n.incident_id,
                n.reason,
                at,
                n.payload
            ])?;
        Ok(())
    }

    fn due_notifications(
        &mut self,
        now: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<DueNotification>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, tenant_id, channel, payload_json, attempts FROM notifications WHERE \
             state = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![to_db(now), limit], |r| {
            Ok(DueNotification {
                id: r.get(0)?,
                tenant_id: r.get(1)?,
                channel: r.get(2)?,
                payload: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn next_due(&mut self) -> StoreResult<Option<Timestamp>> {
        let at: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT MIN(next_attempt_at) FROM notifications WHERE state = 'pending'",
            )?
            .query_row([], |r| r.get(0))?;
        Ok(at.map(from_db))
    }

    fn record_attempt(&mut self, id: &str, outcome: &Attempt, now: Timestamp) -> StoreResult<()> {
        let (state, error, next, delivered): (&str, Option<&str>, Option<i64>, Option<i64>) =
            match outcome {
                Attempt::Delivered => ("delivered", None, None, Some(to_db(now))),
                Attempt::Retry { error, at } => ("pending", Some(error), Some(to_db(*at)), None),
                Attempt::Failed { error } => ("failed", Some(error), None, None),
            };
        self.conn
            .prepare_cached(
                "UPDATE notifications SET state = ?2, attempts = attempts + 1, last_error = \
                 COALESCE(?3, last_error), next_attempt_at = ?4, delivered_at = ?5 WHERE id = ?1",
            )?
            .execute(params![id, state, error, next, delivered])?;
        Ok(())
    }

    fn list_alerts(
        &mut self,
        tenant: &str,
        filter: &AlertFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let mut sql = String::from(
            "SELECT id, created_at, rule_id, channel, incident_id, reason, payload_json, state, \
             attempts, last_error, next_attempt_at, delivered_at FROM notifications WHERE \
             tenant_id = ?",
        );
        let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(tenant.to_owned())];
        let mut eq = |column: &str, value: &Option<String>, sql: &mut String| {
            if let Some(v) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                args.push(Box::new(v.clone()));
            }
        };
        eq("state", &filter.state, &mut sql);
        eq("incident_id", &filter.incident, &mut sql);
        eq("rule_id", &filter.rule, &mut sql);
        eq("reason", &filter.reason, &mut sql);
        if let Some(since) = filter.since {
            sql.push_str(" AND created_at >= ?");
            args.push(Box::new(to_db(since)));
        }
        if let Some(c) = after {
            sql.push_str(" AND (created_at < ? OR (created_at = ? AND id < ?))");
            args.push(Box::new(c.at));
            args.push(Box::new(c.at));
            args.push(Box::new(c.id.clone()));
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
        args.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
        let refs: Vec<&dyn ToSql> = args.iter().map(AsRef::as_ref).collect();
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(refs.as_slice())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let at: i64 = r.get(1)?;
            let payload: String = r.get(6)?;
            let payload = json_of(&payload)?;
            let next: Option<i64> = r.get(10)?;
            let delivered: Option<i64> = r.get(11)?;
            let json = serde_json::json!({
                "id": id,
                "created_at": from_db(at),
                "rule_id": r.get::<_, String>(2)?,
                "channel": r.get::<_, String>(3)?,
                "incident_id": r.get::<_, String>(4)?,
                "reason": r.get::<_, String>(5)?,
                "incident": payload.get("incident").cloned().unwrap_or_default(),
                "delivery": {
                    "state": r.get::<_, String>(7)?,
                    "attempts": r.get::<_, i64>(8)?,
                    "last_error": r.get::<_, Option<String>>(9)?,
                    "next_attempt_at": next.map(from_db),
                    "delivered_at": delivered.map(from_db),
                },
            });
            out.push(Listed { at, id, json });
        }
        Ok(out)
    }
}

impl SqliteStore {
    fn json_column<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        what: &str,
    ) -> StoreResult<Vec<T>> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let json: String = r.get(0)?;
            out.push(from_json(&json, what)?);
        }
        Ok(out)
    }
}
