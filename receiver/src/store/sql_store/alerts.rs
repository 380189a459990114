//! [`ConfigStore`] and [`DeliveryStore`] for both engines (tables of
//! migration 0003; the delivery claims of PostgreSQL's migration 6).

use erpops_core::alert::{AlertRule, Heartbeat, Job, MaintenanceWindow, Silence};
use erpops_core::Timestamp;
use uuid::Uuid;

use super::{limit_from_db, limit_param, Backend, SqlStore};
use crate::store::alerts::{
    AlertConfigRows, Attempt, ConfigStore, CustomPlan, DeliveryStore, DueNotification, RuleRow,
    WebhookRow,
};
use crate::store::db::{args, from_db, from_json, to_db, Conn};
use crate::store::StoreResult;

/// How long a deliverer's claim on due notifications lasts where they are
/// claimed (a store shared by several receivers): longer than a batch of
/// attempts takes (the webhook deliverer gives up after 10 s), so another
/// receiver's deliverer never sends the same notification while the claim
/// holds, and short enough that notifications claimed by a receiver that
/// died are sent by another soon after.
pub const DELIVERY_LEASE: std::time::Duration = std::time::Duration::from_secs(120);

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

impl<B: Backend> ConfigStore for SqlStore<B> {
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
        let jobs = json_column::<Job>(
            &mut self.db,
            "SELECT job_json FROM alert_jobs ORDER BY connector_id, source",
            "job",
        )?;
        let windows = json_column::<MaintenanceWindow>(
            &mut self.db,
            "SELECT window_json FROM alert_windows ORDER BY id",
            "maintenance window",
        )?;
        Ok(AlertConfigRows {
            generation,
            rules,
            silences,
            heartbeats,
            jobs,
            windows,
        })
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
}

impl<B: Backend> DeliveryStore for SqlStore<B> {
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
}
