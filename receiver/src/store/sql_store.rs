//! Every store method, written once for SQLite and PostgreSQL:
//! [`SqlStore`] runs each statement through the [`Conn`] of a
//! [`Backend`], which is where the two engines' genuinely different
//! machinery lives (the writer's transaction, how records are read and
//! cached, replay lookups, the shared engine's versions and locks).
//! Statement forms that differ only in spelling are asked of
//! [`Dialect`](super::dialect::Dialect).

use erpops_core::alert::{Job, JobKey, JobState, KeyAlertSnapshot};
use erpops_core::event::Event;
use erpops_core::incident::snapshot::SNAPSHOT_VERSION;
use erpops_core::incident::{
    CorrelationKey, Effect as IncidentEffect, IncidentSnapshot, KeySnapshot,
};
use erpops_core::pii::PiiPolicy;
use erpops_core::quota::shared_store::{self, Statement};
use erpops_core::quota::{self, Counter, Decision, Limit, Metric, Plan, Window};
use erpops_core::receive::{ConnectorRecord, ConnectorSecret, TenantRecord};
use erpops_core::signature::Secret;
use erpops_core::Timestamp;
use uuid::Uuid;

mod admin;
mod alerts;
mod retention;
mod usage;
mod writes;

use super::alerts::{AlertFilter, NewNotification};
use super::db::{
    args, event_of, event_second, from_db, from_json, json_of, to_db, to_json, Conn, Param,
};
use super::{
    charge_statements, charged, Charge, ConnectorRow, Cursor, Deferred, EngineChanges, EngineScope,
    EventFilter, IncidentFilter, Listed, NewEvent, Prunable, ReadStore, RecordStore, Records,
    StoreError, StoreResult, StoreSize, WriterStore,
};

/// What one engine implements beside its [`Conn`]: the parts of the store
/// whose machinery, not only whose SQL, differs. Defaults are what a
/// store with one writer needs (nothing).
pub trait Backend: Conn + Sized {
    /// See [`WriterStore::begin`].
    fn begin(&mut self) -> StoreResult<()>;
    /// See [`WriterStore::commit`].
    fn commit(&mut self) -> StoreResult<()>;
    /// See [`WriterStore::rollback`].
    fn rollback(&mut self) -> StoreResult<()>;
    /// See [`WriterStore::defer_sync`].
    fn defer_sync(&mut self) -> StoreResult<Deferred>;
    /// See [`WriterStore::lock_group`].
    fn lock_group(
        &mut self,
        tenants: &[&str],
        event_ids: &[&str],
        now: Timestamp,
    ) -> StoreResult<()> {
        let _ = (tenants, event_ids, now);
        Ok(())
    }
    /// See [`WriterStore::lock_engine`].
    fn lock_engine(&mut self, scope: EngineScope) -> StoreResult<Option<EngineChanges>> {
        let _ = scope;
        Ok(None)
    }
    /// See [`RecordStore::records`].
    fn records(&mut self, connector: &Uuid) -> StoreResult<Records>;
    /// See [`RecordStore::records_generation`].
    fn records_generation(&mut self) -> StoreResult<Option<i64>> {
        Ok(None)
    }
    /// See [`RecordStore::records_with_generation`].
    fn records_with_generation(&mut self, connector: &Uuid) -> StoreResult<(Records, Option<i64>)> {
        Ok((self.records(connector)?, None))
    }
    /// This connection is about to change connector, secret or tenant
    /// rows: records it keeps are no longer current.
    fn records_changed(&mut self) {}
    /// The replay expiries of a group's events (id, the event's own time),
    /// in order, read in the writer's transaction (see
    /// [`WriterStore::lookup_replays`]).
    fn replay_expiries(
        &mut self,
        events: &[(&str, Timestamp)],
    ) -> StoreResult<Vec<Option<Timestamp>>>;
    /// Inserts a group's accepted `events`: `sql` run once per row of
    /// `rows` (the events' parameters, in order). The default sends them
    /// at once ([`Conn::execute_each`]); a store that indexes replay keys
    /// itself records each event's as it goes.
    fn insert_events(
        &mut self,
        sql: &str,
        rows: &[Vec<Param<'_>>],
        events: &[NewEvent<'_>],
    ) -> StoreResult<()> {
        let _ = events;
        self.execute_each(sql, rows)?;
        Ok(())
    }
    /// The inbound-event counter of `tenant` for the window starting at
    /// `window`, when the open transaction holds it (no query needed).
    fn held_counter(&mut self, tenant: &str, window: i64) -> Option<i64> {
        let _ = (tenant, window);
        None
    }
    /// This transaction charged the counter of `tenant` in `window` to
    /// `used`.
    fn counter_charged(&mut self, tenant: &str, window: i64, used: i64) {
        let _ = (tenant, window, used);
    }
    /// Deletes at most `limit` replay keys that expired before `cutoff`
    /// (Unix ns) where the store keeps them apart from the events
    /// (SQLite's `replay_index`); elsewhere the key is the event row and
    /// goes with it.
    fn prune_replay_keys(&mut self, cutoff: i64, limit: i64) -> StoreResult<u64> {
        let _ = (cutoff, limit);
        Ok(0)
    }
    /// See [`WriterStore::size`].
    fn store_size(&mut self) -> StoreResult<StoreSize>;
    /// See [`WriterStore::release_free_space`]; nothing by default.
    fn release_free_space(&mut self, max_bytes: u64) -> StoreResult<u64> {
        let _ = max_bytes;
        Ok(0)
    }
    /// The version engine rows written now carry (taking the lock that
    /// serialises writers of a shared engine), or `None` where rows are
    /// not versioned (one writer).
    fn engine_write_version(&mut self) -> StoreResult<Option<i64>> {
        Ok(None)
    }
    /// Whether key rows and alerting rows are versioned by the tenant's
    /// engine partition (a shared engine: the open transaction must hold
    /// the partitions of the rows it writes), taking the locks a writer
    /// outside a group needs.
    fn engine_rows_versioned(&mut self) -> StoreResult<bool> {
        Ok(false)
    }
    /// Called before the incident model's rows are read to load it.
    fn model_loading(&mut self) -> StoreResult<()> {
        Ok(())
    }
    /// The incident model as saved before it was kept as key rows, if this
    /// engine ever saved it so.
    fn legacy_model(&mut self) -> StoreResult<Option<IncidentSnapshot>> {
        Ok(None)
    }
    /// Drops the legacy model (the key rows replace it).
    fn drop_legacy_model(&mut self) -> StoreResult<()> {
        Ok(())
    }
    /// See [`DeliveryStore::release_claims`](super::DeliveryStore::release_claims).
    fn release_claims(&mut self, ids: &[String]) -> StoreResult<()> {
        let _ = ids;
        Ok(())
    }
}

/// A store on one connection of engine `B`: [`super::SqliteStore`] or
/// [`super::PgStore`].
#[derive(Debug)]
pub struct SqlStore<B> {
    pub(super) db: B,
}

/// Runs one of the core's quota statements; its first column.
pub(super) fn run_quota<C: Conn>(db: &mut C, st: &Statement) -> StoreResult<Option<i64>> {
    let params: Vec<Param<'_>> = st.params.iter().map(Param::from).collect();
    db.query_opt(st.sql, &params)?.map(|r| r.get(0)).transpose()
}

/// A stored limit (`NULL`: unlimited).
pub(super) fn limit_to_db(limit: Limit) -> Option<i64> {
    limit.finite().map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// A stored limit back.
pub(super) fn limit_from_db(n: Option<i64>) -> Limit {
    n.map_or(Limit::Unlimited, |n| {
        Limit::Finite(u64::try_from(n).unwrap_or(0))
    })
}

/// A plan by the name stored on a tenant: a built-in one or a custom plan
/// of `erpops admin plans create`.
pub(super) fn resolve_plan<C: Conn>(db: &mut C, name: &str) -> StoreResult<Option<Plan>> {
    if let Some(plan) = Plan::from_name(name) {
        return Ok(Some(plan));
    }
    db.query_opt(
        "SELECT inbound_events_per_day, ai_queries_per_month FROM custom_plans WHERE name = ?1",
        args![name],
    )?
    .map(|r| {
        Ok(Plan::Custom {
            inbound_events: limit_from_db(r.get(0)?),
            ai_queries: limit_from_db(r.get(1)?),
        })
    })
    .transpose()
}

/// A connector's secret as stored.
pub(super) fn secret_of(text: &str, expires: Option<i64>) -> StoreResult<ConnectorSecret> {
    let secret = Secret::new(text.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("connector secret: {e}")))?;
    Ok(ConnectorSecret {
        secret,
        expires_at: expires.map(from_db),
    })
}

/// A tenant's record from its stored plan (already resolved), PII policy
/// and suspension.
pub(super) fn tenant_record(
    plan: Option<Plan>,
    plan_name: &str,
    pii: &str,
    suspended: bool,
) -> StoreResult<TenantRecord> {
    Ok(TenantRecord {
        plan: plan.ok_or_else(|| StoreError::Corrupt(format!("unknown plan {plan_name:?}")))?,
        pii_policy: PiiPolicy::from_wire(pii)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown PII policy {pii:?}")))?,
        suspended,
    })
}

/// A connector's record, each of its secrets included.
pub(super) fn read_connector<C: Conn>(
    db: &mut C,
    cid: &str,
) -> StoreResult<Option<ConnectorRecord>> {
    let Some(row) = db.query_opt(
        "SELECT tenant_id, enabled FROM connectors WHERE id = ?1",
        args![cid],
    )?
    else {
        return Ok(None);
    };
    let secrets = db
        .query(
            "SELECT secret, expires_at FROM connector_secrets WHERE connector_id = ?1",
            args![cid],
        )?
        .iter()
        .map(|r| secret_of(&r.get::<String>(0)?, r.get(1)?))
        .collect::<StoreResult<_>>()?;
    Ok(Some(ConnectorRecord {
        tenant_id: row.get(0)?,
        enabled: row.get(1)?,
        secrets,
    }))
}

/// A tenant's record.
pub(super) fn read_tenant<C: Conn>(
    db: &mut C,
    tenant_id: &str,
) -> StoreResult<Option<TenantRecord>> {
    let Some(row) = db.query_opt(
        "SELECT plan, pii_policy, suspended FROM tenants WHERE id = ?1",
        args![tenant_id],
    )?
    else {
        return Ok(None);
    };
    let plan_name: String = row.get(0)?;
    let plan = resolve_plan(db, &plan_name)?;
    tenant_record(plan, &plan_name, &row.get::<String>(1)?, row.get(2)?).map(Some)
}

/// Whether every versioned row was written: a row of a tenant whose
/// engine partition the transaction did not lock writes nothing (the
/// statement joins the partition its own transaction bumped), and must
/// fail the transaction rather than vanish.
fn all_written(counts: &[u64]) -> StoreResult<()> {
    if counts.iter().all(|n| *n == 1) {
        return Ok(());
    }
    Err(StoreError::Corrupt(
        "a key row of a tenant whose engine partition this transaction did not lock".to_owned(),
    ))
}

/// How one table of per-key rows is written: the upsert where rows are
/// not versioned (`?1` the key, then the row's values), the upsert where
/// they are versioned by the tenant's engine partition (the same, then the
/// key's connector), and what dropping a key deletes.
struct KeyRowTable {
    plain: &'static str,
    versioned: &'static str,
    drops: &'static [&'static str],
}

const INCIDENT_KEYS: KeyRowTable = KeyRowTable {
    plain:
        "INSERT INTO incident_keys (key, forget_at, state_json) VALUES (?1, ?2, ?3) ON CONFLICT \
            (key) DO UPDATE SET forget_at = excluded.forget_at, state_json = excluded.state_json",
    versioned: "INSERT INTO incident_keys (key, forget_at, state_json, version, tenant_id) SELECT \
                ?1, ?2, ?3, p.version, p.tenant_id FROM connectors c JOIN engine_partitions p ON \
                p.tenant_id = c.tenant_id AND p.txid = txid_current() WHERE c.id = ?4 ON \
                CONFLICT (key) DO UPDATE SET forget_at = excluded.forget_at, state_json = \
                excluded.state_json, version = excluded.version, tenant_id = excluded.tenant_id",
    // A key the model forgot has no alerting state either.
    drops: &[
        "DELETE FROM incident_keys WHERE key = ?1",
        "DELETE FROM alert_key_state WHERE key = ?1",
    ],
};

const ALERT_KEYS: KeyRowTable = KeyRowTable {
    // Version 0: rows are not versioned (one writer).
    plain: "INSERT INTO alert_key_state (key, state_json, version) VALUES (?1, ?2, 0) ON CONFLICT \
            (key) DO UPDATE SET state_json = excluded.state_json, version = excluded.version",
    versioned: "INSERT INTO alert_key_state (key, state_json, version, tenant_id) SELECT ?1, ?2, \
                p.version, p.tenant_id FROM connectors c JOIN engine_partitions p ON p.tenant_id = \
                c.tenant_id AND p.txid = txid_current() WHERE c.id = ?3 ON CONFLICT (key) DO \
                UPDATE SET state_json = excluded.state_json, version = excluded.version, \
                tenant_id = excluded.tenant_id",
    drops: &["DELETE FROM alert_key_state WHERE key = ?1"],
};

/// One key's row to write: its key, its connector (whose tenant's
/// partition versions a shared engine's row) and its values after the
/// key, or `None` to drop the key.
struct KeyRow<'a> {
    key: Vec<u8>,
    connector: String,
    values: Option<Vec<Param<'a>>>,
}

/// Writes per-key rows of `table`, each statement sent once for all rows.
fn write_key_rows<B: Backend>(
    db: &mut B,
    table: &KeyRowTable,
    rows: &[KeyRow<'_>],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    db.atomically(|db| {
        let versioned = db.engine_rows_versioned()?;
        let upserts: Vec<Vec<Param<'_>>> = rows
            .iter()
            .filter_map(|row| {
                let mut params = vec![Param::Blob(&row.key)];
                params.extend(row.values.as_ref()?.iter().copied());
                if versioned {
                    params.push(Param::Text(&row.connector));
                }
                Some(params)
            })
            .collect();
        if versioned {
            all_written(&db.execute_each(table.versioned, &upserts)?)?;
        } else {
            db.execute_each(table.plain, &upserts)?;
        }
        let dropped: Vec<Vec<Param<'_>>> = rows
            .iter()
            .filter(|row| row.values.is_none())
            .map(|row| vec![Param::Blob(&row.key)])
            .collect();
        for sql in table.drops {
            db.execute_each(sql, &dropped)?;
        }
        Ok(())
    })
}

/// Writes the rows of the correlation keys a group touched (see
/// [`WriterStore::write_incident_keys`]).
fn write_incident_keys<B: Backend>(
    db: &mut B,
    rows: &[(CorrelationKey, Option<KeySnapshot>)],
) -> StoreResult<()> {
    let json: Vec<Option<(String, Option<i64>)>> = rows
        .iter()
        .map(|(_, row)| {
            row.as_ref()
                .map(|r| Ok::<_, StoreError>((to_json(r)?, r.state.forget_at.map(to_db))))
                .transpose()
        })
        .collect::<StoreResult<_>>()?;
    let rows: Vec<KeyRow<'_>> = rows
        .iter()
        .zip(&json)
        .map(|((key, _), row)| KeyRow {
            key: key.canonical_bytes(),
            connector: key.connector_id.to_string(),
            values: row
                .as_ref()
                .map(|(json, forget_at)| args![*forget_at, json].to_vec()),
        })
        .collect();
    write_key_rows(db, &INCIDENT_KEYS, &rows)
}

/// Writes the alerting state of the keys a group changed (see
/// [`WriterStore::write_alert_keys`]).
fn write_alert_keys<B: Backend>(
    db: &mut B,
    rows: &[(CorrelationKey, Option<KeyAlertSnapshot>)],
) -> StoreResult<()> {
    let json: Vec<Option<String>> = rows
        .iter()
        .map(|(_, row)| row.as_ref().map(to_json).transpose())
        .collect::<StoreResult<_>>()?;
    let rows: Vec<KeyRow<'_>> = rows
        .iter()
        .zip(&json)
        .map(|((key, _), json)| KeyRow {
            key: key.canonical_bytes(),
            connector: key.connector_id.to_string(),
            values: json.as_ref().map(|json| args![json].to_vec()),
        })
        .collect();
    write_key_rows(db, &ALERT_KEYS, &rows)
}

impl<B: Backend> RecordStore for SqlStore<B> {
    fn ping(&mut self) -> StoreResult<()> {
        self.db.query_opt("SELECT 1", &[])?;
        Ok(())
    }

    fn records(&mut self, connector: &Uuid) -> StoreResult<Records> {
        self.db.records(connector)
    }

    fn records_generation(&mut self) -> StoreResult<Option<i64>> {
        self.db.records_generation()
    }

    fn records_with_generation(&mut self, connector: &Uuid) -> StoreResult<(Records, Option<i64>)> {
        self.db.records_with_generation(connector)
    }
}

impl<B: Backend> WriterStore for SqlStore<B> {
    fn begin(&mut self) -> StoreResult<()> {
        self.db.begin()
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.db.commit()
    }

    fn lock_group(
        &mut self,
        tenants: &[&str],
        event_ids: &[&str],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.db.lock_group(tenants, event_ids, now)
    }

    fn lock_engine(&mut self, scope: EngineScope) -> StoreResult<Option<EngineChanges>> {
        self.db.lock_engine(scope)
    }

    fn rollback(&mut self) -> StoreResult<()> {
        self.db.rollback()
    }

    fn defer_sync(&mut self) -> StoreResult<Deferred> {
        self.db.defer_sync()
    }

    fn lookup_replays(
        &mut self,
        events: &[(&str, Timestamp)],
    ) -> StoreResult<Vec<Option<Timestamp>>> {
        self.db.replay_expiries(events)
    }

    fn lookup_counters(
        &mut self,
        tenants: &[&str],
        now: Timestamp,
    ) -> StoreResult<Vec<Option<Counter>>> {
        let window = Window::containing(Metric::InboundEvent.period(), now);
        // What the open transaction holds (a shared store's group locks)
        // needs no query; the rest are read at once.
        let mut used: Vec<Option<Option<i64>>> = tenants
            .iter()
            .map(|t| self.db.held_counter(t, window.start).map(Some))
            .collect();
        let reads: Vec<Statement> = tenants
            .iter()
            .zip(&used)
            .filter(|(_, held)| held.is_none())
            .map(|(t, _)| {
                let probe = quota::Request::new(t, Metric::InboundEvent, Limit::Unlimited, now);
                shared_store::read_statement(&probe)
            })
            .collect();
        if let Some(first) = reads.first() {
            let params: Vec<Vec<Param<'_>>> = reads
                .iter()
                .map(|st| st.params.iter().map(Param::from).collect())
                .collect();
            let answers = self.db.query_each(first.sql, &params)?;
            let mut answers = answers.into_iter();
            for slot in used.iter_mut().filter(|u| u.is_none()) {
                let rows = answers.next().unwrap_or_default();
                *slot = Some(match rows.first() {
                    Some(row) => row.get(0)?,
                    None => None,
                });
            }
        }
        Ok(used
            .into_iter()
            .map(|u| {
                u.flatten().map(|u| Counter {
                    window_start: window.start,
                    used: u64::try_from(u).unwrap_or(0),
                    idempotency_keys: Default::default(),
                })
            })
            .collect())
    }

    /// One conditional upsert per tenant, sent together (at most one batch
    /// per statement form: finite and unlimited plans).
    fn charge_group(
        &mut self,
        charges: &[Charge<'_>],
        now: Timestamp,
    ) -> StoreResult<Vec<Decision>> {
        let planned = charge_statements(charges, now)?;
        let mut used: Vec<Option<i64>> = vec![None; planned.len()];
        let mut forms: Vec<&'static str> = planned
            .iter()
            .filter_map(|(_, st)| st.as_ref().map(|st| st.sql))
            .collect();
        forms.sort_unstable();
        forms.dedup();
        for sql in forms {
            let (slots, params): (Vec<usize>, Vec<Vec<Param<'_>>>) = planned
                .iter()
                .enumerate()
                .filter_map(|(i, (_, st))| {
                    st.as_ref()
                        .filter(|st| st.sql == sql)
                        .map(|st| (i, st.params.iter().map(Param::from).collect()))
                })
                .unzip();
            let answers = self.db.query_each(sql, &params)?;
            for (slot, rows) in slots.into_iter().zip(answers) {
                let value = match rows.first() {
                    Some(row) => row.get::<Option<i64>>(0)?,
                    None => None,
                };
                if let Some(u) = used.get_mut(slot) {
                    *u = value;
                }
            }
        }
        planned
            .iter()
            .zip(used)
            .map(|((request, _), used)| {
                if let Some(used) = used {
                    self.db
                        .counter_charged(request.tenant, request.window().start, used);
                }
                charged(request, used)
            })
            .collect()
    }

    fn insert_events(&mut self, events: &[NewEvent<'_>]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        // Where the dialect elides it, the event is stored once: when the
        // raw body reads back as exactly the normalized event (no PII
        // redacted, nothing normalized), the JSON column stays empty and
        // readers take the raw body (see `event_of`).
        let elides = self.db.dialect().elides_event_json();
        let owned: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let elide = elides
                    && e.raw_body.is_some_and(|raw| {
                        serde_json::from_slice::<Event>(raw).is_ok_and(|b| &b == e.event)
                    });
                let json = if elide {
                    String::new()
                } else {
                    to_json(e.event)?
                };
                Ok((e.event.connector_id.to_string(), json))
            })
            .collect::<StoreResult<_>>()?;
        let rows: Vec<Vec<Param<'_>>> = events
            .iter()
            .zip(&owned)
            .map(|(e, (connector, json))| {
                args![
                    e.event_id,
                    e.tenant_id,
                    connector,
                    to_db(e.received_at),
                    &e.event.event_type,
                    e.event.severity.as_str(),
                    e.event.source.as_deref(),
                    e.incident_id,
                    json,
                    e.raw_body,
                    event_second(e.event.timestamp),
                    e.replay_expires_at.map(to_db),
                ]
                .to_vec()
            })
            .collect();
        self.db.insert_events(
            "INSERT INTO events (event_id, tenant_id, connector_id, received_at, event_type, \
             severity, source, incident_id, event_json, raw_body, event_second, \
             replay_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &rows,
            events,
        )
    }

    fn record_incident_effects(
        &mut self,
        effects: &[IncidentEffect],
        now: Timestamp,
    ) -> StoreResult<()> {
        // The incident row keeps the latest record: write each incident
        // once per call (a group of events on one incident is one upsert).
        let mut latest: std::collections::BTreeMap<&str, &erpops_core::incident::Incident> =
            std::collections::BTreeMap::new();
        let mut feed: Vec<(&str, &str, String)> = Vec::new();
        for effect in effects {
            let incident = effect.incident();
            latest.insert(incident.id.as_str(), incident);
            // The feed keeps transitions; `updated` (one per attached
            // event) is already in the incident row and the events table.
            if effect.kind() != "updated" {
                feed.push((&incident.id, effect.kind(), to_json(effect)?));
            }
        }
        let at = to_db(now);
        let feed: Vec<Vec<Param<'_>>> = feed
            .iter()
            .map(|(id, kind, json)| args![*id, *kind, at, json].to_vec())
            .collect();
        self.db.execute_each(
            "INSERT INTO incident_effects (incident_id, kind, at, effect_json) VALUES (?1, ?2, \
             ?3, ?4)",
            &feed,
        )?;
        let records: Vec<(&str, String, String, String)> = latest
            .into_values()
            .map(|incident| {
                let status = serde_json::to_value(incident.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                Ok((
                    incident.id.as_str(),
                    incident.connector_id.to_string(),
                    status,
                    to_json(incident)?,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let records: Vec<Vec<Param<'_>>> = records
            .iter()
            .map(|(id, connector, status, record)| {
                args![*id, connector, status, at, record].to_vec()
            })
            .collect();
        self.db.execute_each(
            "INSERT INTO incidents (id, tenant_id, connector_id, status, updated_at, record_json) \
             VALUES (?1, (SELECT tenant_id FROM connectors WHERE id = ?2), ?2, ?3, ?4, ?5) ON \
             CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = \
             excluded.updated_at, record_json = excluded.record_json",
            &records,
        )?;
        Ok(())
    }

    fn incident_tenant(&mut self, incident_id: &str) -> StoreResult<Option<String>> {
        Ok(self
            .db
            .query_opt(
                "SELECT tenant_id FROM incidents WHERE id = ?1",
                args![incident_id],
            )?
            .map(|r| r.get::<Option<String>>(0))
            .transpose()?
            .flatten())
    }

    fn write_incident_keys(
        &mut self,
        rows: &[(CorrelationKey, Option<KeySnapshot>)],
    ) -> StoreResult<()> {
        write_incident_keys(&mut self.db, rows)
    }

    fn save_incident_model(&mut self, snapshot: &IncidentSnapshot) -> StoreResult<()> {
        self.db.atomically(|db| {
            // Every engine partition before the rows, as a tick takes them.
            db.engine_write_version()?;
            db.execute("DELETE FROM incident_keys", &[])?;
            db.drop_legacy_model()?;
            let rows: Vec<(CorrelationKey, Option<KeySnapshot>)> = snapshot
                .keys
                .iter()
                .map(|k| (k.key.clone(), Some(k.clone())))
                .collect();
            write_incident_keys(db, &rows)
        })
    }

    fn load_incident_model(&mut self) -> StoreResult<Option<IncidentSnapshot>> {
        self.db.model_loading()?;
        let keys = self
            .db
            .query("SELECT state_json FROM incident_keys ORDER BY key", &[])?
            .iter()
            .map(|r| super::db::from_json::<KeySnapshot>(&r.get::<String>(0)?, "incident key row"))
            .collect::<StoreResult<Vec<_>>>()?;
        if !keys.is_empty() {
            return Ok(Some(IncidentSnapshot {
                version: SNAPSHOT_VERSION,
                keys,
            }));
        }
        let Some(snapshot) = self.db.legacy_model()? else {
            return Ok(None);
        };
        // Converted to rows once, when not inside a caller's transaction
        // (it is never written again).
        if !self.db.in_transaction() {
            self.save_incident_model(&snapshot)?;
        }
        Ok(Some(snapshot))
    }

    fn prune(&mut self, now: Timestamp) -> StoreResult<()> {
        // Keys the model forgets by retention at `now` (it forgets them
        // silently, so no write removed their rows), their alerting state
        // first (found through the same index).
        self.db.execute(
            "DELETE FROM alert_key_state WHERE key IN (SELECT key FROM incident_keys WHERE \
             forget_at IS NOT NULL AND forget_at <= ?1)",
            args![to_db(now)],
        )?;
        self.db.execute(
            "DELETE FROM incident_keys WHERE forget_at IS NOT NULL AND forget_at <= ?1",
            args![to_db(now)],
        )?;
        for st in shared_store::prune_statements(now) {
            let params: Vec<Param<'_>> = st.params.iter().map(Param::from).collect();
            self.db.execute(st.sql, &params)?;
        }
        Ok(())
    }

    fn prune_expired(
        &mut self,
        kind: Prunable,
        cutoff: Timestamp,
        limit: usize,
    ) -> StoreResult<usize> {
        retention::prune_expired(&mut self.db, kind, cutoff, limit)
    }

    fn size(&mut self) -> StoreResult<StoreSize> {
        self.db.store_size()
    }

    fn release_free_space(&mut self, max_bytes: u64) -> StoreResult<u64> {
        self.db.release_free_space(max_bytes)
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

    fn write_alert_keys(
        &mut self,
        rows: &[(CorrelationKey, Option<KeyAlertSnapshot>)],
    ) -> StoreResult<()> {
        write_alert_keys(&mut self.db, rows)
    }

    fn load_alert_keys(&mut self) -> StoreResult<Vec<KeyAlertSnapshot>> {
        self.db
            .query("SELECT state_json FROM alert_key_state ORDER BY key", &[])?
            .iter()
            .map(|r| from_json(&r.get::<String>(0)?, "alert key row"))
            .collect()
    }

    fn write_job_states(&mut self, rows: &[(JobKey, Option<JobState>)]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let json: Vec<Option<String>> = rows
            .iter()
            .map(|(_, row)| row.as_ref().map(to_json).transpose())
            .collect::<StoreResult<_>>()?;
        let ids: Vec<String> = rows
            .iter()
            .map(|(k, _)| k.connector_id.to_string())
            .collect();
        self.db.atomically(|db| {
            // Versioned with the engine-wide state where the engine is
            // shared (other receivers read the rows newer than the
            // version they hold); 0 on SQLite.
            let version = db.engine_write_version()?.unwrap_or(0);
            let upserts: Vec<Vec<Param<'_>>> = rows
                .iter()
                .zip(&json)
                .zip(&ids)
                .filter_map(|(((key, _), json), cid)| {
                    Some(args![cid, &key.source, json.as_ref()?, version].to_vec())
                })
                .collect();
            db.execute_each(
                "INSERT INTO job_state (connector_id, source, state_json, version) VALUES (?1, \
                 ?2, ?3, ?4) ON CONFLICT (connector_id, source) DO UPDATE SET state_json = \
                 excluded.state_json, version = excluded.version",
                &upserts,
            )?;
            let dropped: Vec<Vec<Param<'_>>> = rows
                .iter()
                .zip(&json)
                .zip(&ids)
                .filter(|((_, json), _)| json.is_none())
                .map(|(((key, _), _), cid)| args![cid, &key.source].to_vec())
                .collect();
            db.execute_each(
                "DELETE FROM job_state WHERE connector_id = ?1 AND source = ?2",
                &dropped,
            )?;
            Ok(())
        })
    }

    fn load_job_states(&mut self) -> StoreResult<Vec<JobState>> {
        self.db
            .query(
                "SELECT state_json FROM job_state ORDER BY connector_id, source",
                &[],
            )?
            .iter()
            .map(|r| from_json(&r.get::<String>(0)?, "job row"))
            .collect()
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
}

impl<B: Backend> ReadStore for SqlStore<B> {
    fn charge(
        &mut self,
        tenant: &str,
        metric: Metric,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Option<Decision>> {
        self.charge_metric(tenant, metric, idempotency_key, now)
    }

    fn daily_events(
        &mut self,
        tenant: &str,
        days: u32,
        now: Timestamp,
    ) -> StoreResult<Vec<(i64, u64)>> {
        self.daily_event_counts(tenant, days, now)
    }

    fn api_key(&mut self, key_hash: &str) -> StoreResult<Option<(String, String)>> {
        self.db
            .query_opt(
                "SELECT id, tenant_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
                args![key_hash],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
    }

    fn list_incidents(
        &mut self,
        tenant: &str,
        f: &IncidentFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        let dialect = self.db.dialect();
        let sql = format!(
            "SELECT updated_at, id, record_json FROM incidents WHERE tenant_id = ?1 AND \
             (CAST(?2 AS TEXT) IS NULL OR status = ?2) AND (CAST(?3 AS TEXT) IS NULL OR {} = ?3) \
             AND (CAST(?4 AS TEXT) IS NULL OR connector_id = ?4) AND (CAST(?5 AS TEXT) IS NULL \
             OR {} = ?5) AND (CAST(?6 AS BIGINT) IS NULL OR updated_at >= ?6) AND (CAST(?7 AS \
             BIGINT) IS NULL OR updated_at < ?7 OR (updated_at = ?7 AND id < ?8)) ORDER BY \
             updated_at DESC, id DESC LIMIT ?9",
            dialect.json_text("record_json", "severity"),
            dialect.json_text("record_json", "source"),
        );
        self.db
            .query(
                &sql,
                args![
                    tenant,
                    f.status.as_deref(),
                    f.severity.as_deref(),
                    f.connector.as_deref(),
                    f.source.as_deref(),
                    f.since.map(to_db),
                    after.map(|c| c.at),
                    after.map(|c| c.id.as_str()),
                    limit_param(limit),
                ],
            )?
            .iter()
            .map(|r| {
                Ok(Listed {
                    at: r.get(0)?,
                    id: r.get(1)?,
                    json: json_of(&r.get::<String>(2)?)?,
                })
            })
            .collect()
    }

    fn incident(&mut self, tenant: &str, id: &str) -> StoreResult<Option<serde_json::Value>> {
        self.db
            .query_opt(
                "SELECT record_json FROM incidents WHERE tenant_id = ?1 AND id = ?2",
                args![tenant, id],
            )?
            .map(|r| json_of(&r.get::<String>(0)?))
            .transpose()
    }

    fn list_events(
        &mut self,
        tenant: &str,
        f: &EventFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        self.db
            .query(
                "SELECT received_at, event_id, event_json, incident_id, CASE WHEN event_json = \
                 '' THEN raw_body END FROM events WHERE tenant_id = ?1 AND (CAST(?2 AS TEXT) IS \
                 NULL OR connector_id = ?2) AND (CAST(?3 AS TEXT) IS NULL OR event_type = ?3) AND \
                 (CAST(?4 AS TEXT) IS NULL OR severity = ?4) AND (CAST(?5 AS TEXT) IS NULL OR \
                 source = ?5) AND (CAST(?6 AS BIGINT) IS NULL OR received_at >= ?6) AND (CAST(?7 \
                 AS BIGINT) IS NULL OR received_at < ?7 OR (received_at = ?7 AND event_id < ?8)) \
                 ORDER BY received_at DESC, event_id DESC LIMIT ?9",
                args![
                    tenant,
                    f.connector.as_deref(),
                    f.event_type.as_deref(),
                    f.severity.as_deref(),
                    f.source.as_deref(),
                    f.since.map(to_db),
                    after.map(|c| c.at),
                    after.map(|c| c.id.as_str()),
                    limit_param(limit),
                ],
            )?
            .iter()
            .map(|r| {
                let at: i64 = r.get(0)?;
                let id: String = r.get(1)?;
                let raw: Option<Vec<u8>> = r.get(4)?;
                let json = serde_json::json!({
                    "event_id": id,
                    "received_at": from_db(at),
                    "incident_id": r.get::<Option<String>>(3)?,
                    "event": event_of(&r.get::<String>(2)?, raw.as_deref())?,
                });
                Ok(Listed { at, id, json })
            })
            .collect()
    }

    fn usage(&mut self, tenant: &str, now: Timestamp) -> StoreResult<serde_json::Value> {
        let plan_name: String = self
            .db
            .query_opt("SELECT plan FROM tenants WHERE id = ?1", args![tenant])?
            .ok_or_else(|| StoreError::NotFound {
                what: "tenant",
                id: tenant.to_owned(),
            })?
            .get(0)?;
        let plan = resolve_plan(&mut self.db, &plan_name)?
            .ok_or_else(|| StoreError::Corrupt(format!("unknown plan {plan_name:?}")))?;
        let mut metrics = Vec::new();
        for metric in Metric::ALL {
            let limit = plan.limit(metric);
            let request = quota::Request::new(tenant, metric, limit, now);
            let used =
                run_quota(&mut self.db, &shared_store::read_statement(&request))?.unwrap_or(0);
            let window = request.window();
            metrics.push(serde_json::json!({
                "metric": metric.as_str(),
                "used": used,
                "limit": limit.finite(),
                "window_start": Timestamp::from_unix_seconds(window.start),
                "window_end": Timestamp::from_unix_seconds(window.end),
            }));
        }
        Ok(serde_json::json!({ "tenant_id": tenant, "plan": plan_name, "metrics": metrics }))
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

    fn connectors(
        &mut self,
        tenant: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Vec<ConnectorRow>> {
        self.db
            .query(
                "SELECT c.id, c.tenant_id, c.name, c.enabled, (SELECT COUNT(*) FROM \
                 connector_secrets s WHERE s.connector_id = c.id AND (s.expires_at IS NULL OR \
                 s.expires_at > ?2)) FROM connectors c WHERE (CAST(?1 AS TEXT) IS NULL OR \
                 c.tenant_id = ?1) ORDER BY c.tenant_id, c.name, c.id",
                args![tenant, to_db(now)],
            )?
            .iter()
            .map(|r| connector_row(r, 0))
            .collect()
    }

    fn list_connectors(
        &mut self,
        tenant: &str,
        after: Option<&Cursor>,
        limit: usize,
        now: Timestamp,
    ) -> StoreResult<Vec<Listed>> {
        self.db
            .query(
                "SELECT c.created_at, c.id, c.tenant_id, c.name, c.enabled, (SELECT COUNT(*) \
                 FROM connector_secrets s WHERE s.connector_id = c.id AND (s.expires_at IS NULL \
                 OR s.expires_at > ?2)) FROM connectors c WHERE c.tenant_id = ?1 AND (CAST(?3 AS \
                 BIGINT) IS NULL OR c.created_at < ?3 OR (c.created_at = ?3 AND c.id < ?4)) \
                 ORDER BY c.created_at DESC, c.id DESC LIMIT ?5",
                args![
                    tenant,
                    to_db(now),
                    after.map(|c| c.at),
                    after.map(|c| c.id.as_str()),
                    limit_param(limit),
                ],
            )?
            .iter()
            .map(|r| {
                let row = connector_row(r, 1)?;
                Ok(Listed {
                    at: r.get(0)?,
                    id: row.id.to_string(),
                    json: serde_json::to_value(&row)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    fn list_jobs(
        &mut self,
        tenant: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> StoreResult<Vec<Listed>> {
        self.db
            .query(
                "SELECT j.created_at, j.job_id, j.job_json, s.state_json FROM alert_jobs j JOIN \
                 connectors c ON c.id = j.connector_id LEFT JOIN job_state s ON s.connector_id \
                 = j.connector_id AND s.source = j.source WHERE c.tenant_id = ?1 AND (CAST(?2 \
                 AS BIGINT) IS NULL OR j.created_at < ?2 OR (j.created_at = ?2 AND j.job_id < \
                 ?3)) ORDER BY j.created_at DESC, j.job_id DESC LIMIT ?4",
                args![
                    tenant,
                    after.map(|c| c.at),
                    after.map(|c| c.id.as_str()),
                    limit_param(limit),
                ],
            )?
            .iter()
            .map(|r| {
                let (job, state) = job_of(r, 2)?;
                Ok(Listed {
                    at: r.get(0)?,
                    id: r.get(1)?,
                    json: crate::alerts::jobs::job_view(&job, state.as_ref()),
                })
            })
            .collect()
    }

    fn job(&mut self, tenant: &str, job_id: &str) -> StoreResult<Option<(Job, Option<JobState>)>> {
        self.db
            .query_opt(
                "SELECT j.job_json, s.state_json FROM alert_jobs j JOIN connectors c ON c.id = \
                 j.connector_id LEFT JOIN job_state s ON s.connector_id = j.connector_id AND \
                 s.source = j.source WHERE c.tenant_id = ?1 AND j.job_id = ?2",
                args![tenant, job_id],
            )?
            .map(|r| job_of(&r, 0))
            .transpose()
    }
}

/// A job's configuration and saved state from the columns `job_json` and
/// `state_json` (NULL until a writer loaded the job), starting at `at`.
fn job_of(r: &super::db::Row, at: usize) -> StoreResult<(Job, Option<JobState>)> {
    let job: Job = from_json(&r.get::<String>(at)?, "job")?;
    let state = r
        .get::<Option<String>>(at + 1)?
        .map(|s| from_json::<JobState>(&s, "job row"))
        .transpose()?;
    Ok((job, state))
}

/// A [`ConnectorRow`] from the columns id, tenant, name, enabled and the
/// count of active secrets, starting at column `at`.
fn connector_row(r: &super::db::Row, at: usize) -> StoreResult<ConnectorRow> {
    let id: String = r.get(at)?;
    let active: i64 = r.get(at + 4)?;
    Ok(ConnectorRow {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        tenant_id: r.get(at + 1)?,
        name: r.get(at + 2)?,
        enabled: r.get(at + 3)?,
        active_secrets: usize::try_from(active).unwrap_or(0),
    })
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
