//! [`AdminStore`] for both engines: what the admin commands change.

use erpops_core::alert::{AlertRule, Heartbeat, Job, MaintenanceWindow, Silence};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;
use uuid::Uuid;

use super::{limit_to_db, Backend, SqlStore};
use crate::store::alerts::{CustomPlan, WebhookRow};
use crate::store::db::{args, to_db, to_json, Conn, Param};
use crate::store::{AdminStore, ApiKeyRow, StoreError, StoreResult, TenantRow};

const BUMP: &str = "UPDATE config_generation SET generation = generation + 1 WHERE id = 1";

/// Runs a statement that must change one row: `NotFound` when it changed
/// none.
fn one_row<C: Conn>(
    db: &mut C,
    sql: &str,
    params: &[Param<'_>],
    what: &'static str,
    id: &str,
) -> StoreResult<()> {
    if db.execute(sql, params)? == 0 {
        return Err(StoreError::NotFound {
            what,
            id: id.to_owned(),
        });
    }
    Ok(())
}

impl<B: Backend> SqlStore<B> {
    /// Updates one connector, secret or tenant row that must exist.
    fn touch(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        what: &'static str,
        id: &str,
    ) -> StoreResult<()> {
        self.db.records_changed();
        one_row(&mut self.db, sql, params, what, id)
    }

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
            one_row(db, sql, params, what, id)?;
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }
}

impl<B: Backend> AdminStore for SqlStore<B> {
    fn create_tenant(
        &mut self,
        id: &str,
        name: &str,
        plan: &str,
        pii: PiiPolicy,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.db.records_changed();
        self.db
            .execute(
                "INSERT INTO tenants (id, name, plan, pii_policy, suspended, created_at) VALUES \
                 (?1, ?2, ?3, ?4, FALSE, ?5)",
                args![id, name, plan, pii.as_str(), to_db(now)],
            )
            .map_err(|e| e.exists_or("tenant", id))?;
        Ok(())
    }

    fn tenants(&mut self) -> StoreResult<Vec<TenantRow>> {
        self.db
            .query(
                "SELECT id, name, plan, pii_policy, suspended FROM tenants ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(TenantRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    plan: r.get(2)?,
                    pii_policy: r.get(3)?,
                    suspended: r.get(4)?,
                })
            })
            .collect()
    }

    fn set_plan(&mut self, id: &str, plan: &str) -> StoreResult<()> {
        self.touch(
            "UPDATE tenants SET plan = ?2 WHERE id = ?1",
            args![id, plan],
            "tenant",
            id,
        )
    }

    fn set_suspended(&mut self, id: &str, suspended: bool) -> StoreResult<()> {
        self.touch(
            "UPDATE tenants SET suspended = ?2 WHERE id = ?1",
            args![id, suspended],
            "tenant",
            id,
        )
    }

    fn create_connector(
        &mut self,
        id: &Uuid,
        tenant: &str,
        name: &str,
        secret: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.db.records_changed();
        let cid = id.to_string();
        self.db.atomically(|db| {
            if db
                .query_opt("SELECT 1 FROM tenants WHERE id = ?1", args![tenant])?
                .is_none()
            {
                return Err(StoreError::NotFound {
                    what: "tenant",
                    id: tenant.to_owned(),
                });
            }
            db.execute(
                "INSERT INTO connectors (id, tenant_id, name, enabled, created_at) VALUES (?1, \
                 ?2, ?3, TRUE, ?4)",
                args![&cid, tenant, name, to_db(now)],
            )
            .map_err(|e| e.exists_or("connector", &cid))?;
            db.execute(
                "INSERT INTO connector_secrets (connector_id, secret, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, NULL)",
                args![&cid, secret, to_db(now)],
            )?;
            Ok(())
        })
    }

    fn rotate_secret(
        &mut self,
        id: &Uuid,
        secret: &str,
        old_expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.db.records_changed();
        let cid = id.to_string();
        self.db.atomically(|db| {
            // Older secrets keep verifying until the overlap ends (never
            // longer than an expiry they already had).
            one_row(
                db,
                "UPDATE connector_secrets SET expires_at = CASE WHEN expires_at IS NULL OR \
                 expires_at > ?2 THEN ?2 ELSE expires_at END WHERE connector_id = ?1",
                args![&cid, to_db(old_expires_at)],
                "connector",
                &cid,
            )?;
            db.execute(
                "INSERT INTO connector_secrets (connector_id, secret, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, NULL)",
                args![&cid, secret, to_db(now)],
            )?;
            Ok(())
        })
    }

    fn set_connector_enabled(&mut self, id: &Uuid, enabled: bool) -> StoreResult<()> {
        let cid = id.to_string();
        self.touch(
            "UPDATE connectors SET enabled = ?2 WHERE id = ?1",
            args![&cid, enabled],
            "connector",
            &cid,
        )
    }

    fn active_secrets(&mut self, id: &Uuid, now: Timestamp) -> StoreResult<Vec<String>> {
        self.db
            .query(
                "SELECT secret FROM connector_secrets WHERE connector_id = ?1 AND (expires_at IS \
                 NULL OR expires_at > ?2) ORDER BY created_at DESC",
                args![&id.to_string(), to_db(now)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    fn demo(&mut self) -> StoreResult<Option<(String, Uuid)>> {
        self.db
            .query_opt("SELECT tenant_id, connector_id FROM demo WHERE id = 1", &[])?
            .map(|r| {
                let c: String = r.get(1)?;
                Uuid::parse_str(&c)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
                    .and_then(|u| Ok((r.get(0)?, u)))
            })
            .transpose()
    }

    fn set_demo(&mut self, tenant: &str, connector: &Uuid) -> StoreResult<()> {
        self.db.execute(
            "INSERT INTO demo (id, tenant_id, connector_id) VALUES (1, ?1, ?2)",
            args![tenant, &connector.to_string()],
        )?;
        Ok(())
    }

    fn event_count(&mut self, tenant: &str) -> StoreResult<u64> {
        let n: i64 = self
            .db
            .query_opt(
                "SELECT COUNT(*) FROM events WHERE tenant_id = ?1",
                args![tenant],
            )?
            .map_or(Ok(0), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn create_api_key(
        &mut self,
        id: &str,
        tenant: &str,
        key_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO api_keys (id, tenant_id, key_hash, label, created_at) VALUES (?1, \
                 ?2, ?3, ?4, ?5)",
                args![id, tenant, key_hash, label, to_db(now)],
            )
            .map_err(|e| e.missing_or("tenant", tenant))?;
        Ok(())
    }

    fn api_keys(&mut self, tenant: Option<&str>) -> StoreResult<Vec<ApiKeyRow>> {
        self.db
            .query(
                "SELECT id, tenant_id, label, revoked_at IS NOT NULL FROM api_keys WHERE \
                 (CAST(?1 AS TEXT) IS NULL OR tenant_id = ?1) ORDER BY tenant_id, created_at, id",
                args![tenant],
            )?
            .iter()
            .map(|r| {
                Ok(ApiKeyRow {
                    id: r.get(0)?,
                    tenant_id: r.get(1)?,
                    label: r.get(2)?,
                    revoked: r.get(3)?,
                })
            })
            .collect()
    }

    fn revoke_api_key(&mut self, id: &str, now: Timestamp) -> StoreResult<()> {
        self.touch(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            args![id, to_db(now)],
            "api key",
            id,
        )
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

    fn put_job(&mut self, job: &Job, now: Timestamp) -> StoreResult<()> {
        let json = to_json(job)?;
        let cid = job.connector_id.to_string();
        let job_id = job.key().job_id();
        self.db.atomically(|db| {
            db.execute(
                "INSERT INTO alert_jobs (connector_id, source, job_id, job_json, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (connector_id, source) DO UPDATE SET \
                 job_json = excluded.job_json",
                args![&cid, &job.source, &job_id, &json, to_db(now)],
            )
            .map_err(|e| e.missing_or("connector", &cid))?;
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_job(&mut self, connector: &Uuid, source: &str) -> StoreResult<()> {
        let cid = connector.to_string();
        self.delete_one(
            "DELETE FROM alert_jobs WHERE connector_id = ?1 AND source = ?2",
            args![&cid, source],
            "job",
            &format!("{cid} {source}"),
        )
    }

    fn put_window(&mut self, window: &MaintenanceWindow, now: Timestamp) -> StoreResult<()> {
        let json = to_json(window)?;
        self.db.atomically(|db| {
            db.execute(
                "INSERT INTO alert_windows (id, window_json, created_at) VALUES (?1, ?2, ?3) ON \
                 CONFLICT (id) DO UPDATE SET window_json = excluded.window_json",
                args![&window.id, &json, to_db(now)],
            )?;
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_window(&mut self, id: &str) -> StoreResult<()> {
        self.delete_one(
            "DELETE FROM alert_windows WHERE id = ?1",
            args![id],
            "window",
            id,
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

    fn delete_webhook(&mut self, tenant: &str) -> StoreResult<()> {
        one_row(
            &mut self.db,
            "DELETE FROM webhooks WHERE tenant_id = ?1",
            args![tenant],
            "webhook of tenant",
            tenant,
        )
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
}
