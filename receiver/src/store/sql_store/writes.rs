//! [`WritesStore`] for both engines: what the REST writes need beside the
//! admin commands' [`AdminStore`] (idempotent answers, the audit log, the
//! rows of one tenant).

use erpops_core::Timestamp;
use serde_json::json;

use super::{limit_param, Backend, SqlStore};
use crate::store::db::{args, from_db, json_of, to_db};
use crate::store::{
    AuditRow, ConfigKind, Cursor, Listed, StoreError, StoreResult, StoredAnswer, WritesStore,
};

const BUMP: &str = "UPDATE config_generation SET generation = generation + 1 WHERE id = 1";

/// (table, id column, JSON column, what) of a configuration kind.
const fn table(kind: ConfigKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ConfigKind::Rule => ("alert_rules", "rule_json", "rule"),
        ConfigKind::Silence => ("alert_silences", "silence_json", "silence"),
        ConfigKind::Window => ("alert_windows", "window_json", "window"),
    }
}

fn status_of(n: Option<i64>) -> Option<u16> {
    n.and_then(|n| u16::try_from(n).ok())
}

impl<B: Backend> WritesStore for SqlStore<B> {
    fn tx_begin(&mut self) -> StoreResult<()> {
        self.db.begin_tx()
    }

    fn tx_end(&mut self, commit: bool) -> StoreResult<()> {
        self.db.end_tx(commit)
    }

    fn idempotent_answer(
        &mut self,
        tenant: &str,
        key: &str,
        now: Timestamp,
    ) -> StoreResult<Option<StoredAnswer>> {
        self.db
            .query_opt(
                "SELECT fingerprint, status, headers_json, body FROM idempotency_keys WHERE \
                 tenant_id = ?1 AND idem_key = ?2 AND expires_at > ?3",
                args![tenant, key, to_db(now)],
            )?
            .map(|r| {
                let headers: Vec<(String, String)> = serde_json::from_str(&r.get::<String>(2)?)
                    .map_err(|e| {
                        StoreError::Corrupt(format!("idempotency_keys.headers_json: {e}"))
                    })?;
                Ok(StoredAnswer {
                    fingerprint: r.get(0)?,
                    status: status_of(r.get(1)?),
                    headers,
                    body: r.get(3)?,
                })
            })
            .transpose()
    }

    fn put_idempotent_answer(
        &mut self,
        tenant: &str,
        key: &str,
        answer: &StoredAnswer,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        let headers = serde_json::to_string(&answer.headers)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let status = answer.status.map(i64::from);
        self.db.atomically(|db| {
            // An expired answer no longer holds the key (retention deletes
            // it later; until then it must not refuse the key's reuse).
            db.execute(
                "DELETE FROM idempotency_keys WHERE tenant_id = ?1 AND idem_key = ?2 AND \
                 expires_at <= ?3",
                args![tenant, key, to_db(now)],
            )?;
            db.execute(
                "INSERT INTO idempotency_keys (tenant_id, idem_key, fingerprint, status, \
                 headers_json, body, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                 ?8)",
                args![
                    tenant,
                    key,
                    &answer.fingerprint,
                    status,
                    &headers,
                    &answer.body,
                    to_db(now),
                    to_db(expires_at)
                ],
            )
            .map_err(|e| e.exists_or("idempotency key", key))?;
            Ok(())
        })
    }

    fn finish_idempotency_claim(
        &mut self,
        tenant: &str,
        key: &str,
        answer: Option<&StoredAnswer>,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        match answer {
            Some(a) => {
                let headers = serde_json::to_string(&a.headers)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                self.db.execute(
                    "UPDATE idempotency_keys SET status = ?3, headers_json = ?4, body = ?5, \
                     expires_at = ?6 WHERE tenant_id = ?1 AND idem_key = ?2 AND status IS NULL",
                    args![
                        tenant,
                        key,
                        a.status.map(i64::from),
                        &headers,
                        &a.body,
                        to_db(expires_at)
                    ],
                )?;
            }
            None => {
                self.db.execute(
                    "DELETE FROM idempotency_keys WHERE tenant_id = ?1 AND idem_key = ?2 AND \
                     status IS NULL",
                    args![tenant, key],
                )?;
            }
        }
        Ok(())
    }

    fn insert_audit(&mut self, row: &AuditRow) -> StoreResult<()> {
        let detail =
            serde_json::to_string(&row.detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.db.execute(
            "INSERT INTO audit_log (id, tenant_id, at, actor, key_id, action, resource_type, \
             resource_id, request_id, detail_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
             ?10)",
            args![
                &row.id,
                &row.tenant_id,
                to_db(row.at),
                &row.actor,
                &row.key_id,
                &row.action,
                &row.resource_type,
                &row.resource_id,
                &row.request_id,
                &detail
            ],
        )?;
        Ok(())
    }

    fn list_audit(
        &mut self,
        tenant: &str,
        since: Option<Timestamp>,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        self.db
            .query(
                "SELECT at, id, actor, key_id, action, resource_type, resource_id, request_id, \
                 detail_json FROM audit_log WHERE tenant_id = ?1 AND (CAST(?2 AS BIGINT) IS NULL \
                 OR at >= ?2) AND (CAST(?3 AS BIGINT) IS NULL OR at < ?3 OR (at = ?3 AND id < \
                 ?4)) ORDER BY at DESC, id DESC LIMIT ?5",
                args![
                    tenant,
                    since.map(to_db),
                    after.map(|c| c.at),
                    after.map(|c| c.id.as_str()),
                    limit_param(limit)
                ],
            )?
            .iter()
            .map(|r| {
                let at: i64 = r.get(0)?;
                let id: String = r.get(1)?;
                Ok(Listed {
                    at,
                    id: id.clone(),
                    json: json!({
                        "id": id,
                        "at": from_db(at),
                        "actor": r.get::<String>(2)?,
                        "key_id": r.get::<String>(3)?,
                        "action": r.get::<String>(4)?,
                        "resource_type": r.get::<String>(5)?,
                        "resource_id": r.get::<String>(6)?,
                        "request_id": r.get::<String>(7)?,
                        "detail": json_of(&r.get::<String>(8)?)?,
                    }),
                })
            })
            .collect()
    }

    fn list_api_keys(
        &mut self,
        tenant: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        self.db
            .query(
                "SELECT created_at, id, label, revoked_at FROM api_keys WHERE tenant_id = ?1 AND \
                 (CAST(?2 AS BIGINT) IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < \
                 ?3)) ORDER BY created_at DESC, id DESC LIMIT ?4",
                args![
                    tenant,
                    after.map(|c| c.at),
                    after.map(|c| c.id.as_str()),
                    limit_param(limit)
                ],
            )?
            .iter()
            .map(|r| {
                let at: i64 = r.get(0)?;
                let id: String = r.get(1)?;
                Ok(Listed {
                    at,
                    id: id.clone(),
                    json: api_key_json(r)?,
                })
            })
            .collect()
    }

    fn api_key_of(&mut self, tenant: &str, id: &str) -> StoreResult<Option<serde_json::Value>> {
        self.db
            .query_opt(
                "SELECT created_at, id, label, revoked_at FROM api_keys WHERE tenant_id = ?1 AND \
                 id = ?2",
                args![tenant, id],
            )?
            .map(|r| api_key_json(&r))
            .transpose()
    }

    fn config_owner(&mut self, kind: ConfigKind, id: &str) -> StoreResult<Option<Option<String>>> {
        let (t, _, _) = table(kind);
        self.db
            .query_opt(
                &format!("SELECT tenant_id FROM {t} WHERE id = ?1"),
                args![id],
            )?
            .map(|r| r.get::<Option<String>>(0))
            .transpose()
    }

    fn config_of(
        &mut self,
        kind: ConfigKind,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let (t, column, what) = table(kind);
        self.db
            .query(
                &format!(
                    "SELECT id, {column} FROM {t} WHERE tenant_id = ?1 AND (CAST(?2 AS TEXT) IS \
                     NULL OR id > ?2) ORDER BY id LIMIT ?3"
                ),
                args![tenant, after, limit_param(limit)],
            )?
            .iter()
            .map(|r| {
                let id: String = r.get(0)?;
                let json = serde_json::from_str(&r.get::<String>(1)?)
                    .map_err(|e| StoreError::Corrupt(format!("{what} {id}: {e}")))?;
                Ok(Listed { at: 0, id, json })
            })
            .collect()
    }

    fn config_one(
        &mut self,
        kind: ConfigKind,
        tenant: &str,
        id: &str,
    ) -> StoreResult<Option<serde_json::Value>> {
        let (t, column, what) = table(kind);
        self.db
            .query_opt(
                &format!("SELECT {column} FROM {t} WHERE tenant_id = ?1 AND id = ?2"),
                args![tenant, id],
            )?
            .map(|r| {
                serde_json::from_str(&r.get::<String>(0)?)
                    .map_err(|e| StoreError::Corrupt(format!("{what} {id}: {e}")))
            })
            .transpose()
    }

    fn put_config_of(
        &mut self,
        kind: ConfigKind,
        tenant: &str,
        id: &str,
        json: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let (t, column, what) = table(kind);
        // Only a row of the same tenant is replaced: the WHERE of the
        // upsert leaves another owner's row (or an operator-wide one) as
        // it is, and then no row changed.
        let sql = format!(
            "INSERT INTO {t} (id, tenant_id, {column}, created_at) VALUES (?1, ?2, ?3, ?4) ON \
             CONFLICT (id) DO UPDATE SET {column} = excluded.{column} WHERE {t}.tenant_id = \
             excluded.tenant_id"
        );
        self.db.atomically(|db| {
            let changed = db
                .execute(&sql, args![id, tenant, json, to_db(now)])
                .map_err(|e| e.missing_or("tenant", tenant))?;
            if changed == 0 {
                return Err(StoreError::Exists {
                    what,
                    id: id.to_owned(),
                });
            }
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn delete_config_of(&mut self, kind: ConfigKind, tenant: &str, id: &str) -> StoreResult<()> {
        let (t, _, what) = table(kind);
        let sql = format!("DELETE FROM {t} WHERE id = ?1 AND tenant_id = ?2");
        self.db.atomically(|db| {
            if db.execute(&sql, args![id, tenant])? == 0 {
                return Err(StoreError::NotFound {
                    what,
                    id: id.to_owned(),
                });
            }
            db.execute(BUMP, &[])?;
            Ok(())
        })
    }

    fn heartbeats_of(
        &mut self,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        self.db
            .query(
                "SELECT h.connector_id || '/' || h.source, h.heartbeat_json FROM heartbeats h \
                 JOIN connectors c ON c.id = h.connector_id WHERE c.tenant_id = ?1 AND (CAST(?2 \
                 AS TEXT) IS NULL OR h.connector_id || '/' || h.source > ?2) ORDER BY \
                 h.connector_id || '/' || h.source LIMIT ?3",
                args![tenant, after, limit_param(limit)],
            )?
            .iter()
            .map(|r| {
                let id: String = r.get(0)?;
                let json = serde_json::from_str(&r.get::<String>(1)?)
                    .map_err(|e| StoreError::Corrupt(format!("heartbeat {id}: {e}")))?;
                Ok(Listed { at: 0, id, json })
            })
            .collect()
    }
}

/// An API key row (`created_at, id, label, revoked_at`) as the API shows it.
fn api_key_json(r: &crate::store::db::Row) -> StoreResult<serde_json::Value> {
    let revoked: Option<i64> = r.get(3)?;
    Ok(json!({
        "id": r.get::<String>(1)?,
        "label": r.get::<String>(2)?,
        "created_at": from_db(r.get(0)?),
        "revoked_at": revoked.map(from_db),
    }))
}
