//! The open group: what the writer's transaction has decided but not yet
//! written. Its state is read once when the group opens (the replay
//! expiries of all its events, the quota counters of all its tenants) and
//! its writes are made once when it closes (the events, one charge per
//! tenant, the incident feed and records, the keys' rows), each as one
//! statement sent for all its rows ([`crate::store::db::Conn::execute_each`]).
//! So on a shared store a group costs a number of round trips that does
//! not grow with its size, and every decision in it still sees exactly
//! what the decisions before it left: the group answers replay lookups
//! for events it accepted itself, and advances each tenant's counter in
//! memory.

use std::collections::{BTreeSet, HashMap};

use erpops_core::event::Event;
use erpops_core::incident::{CorrelationKey, Effect as IncidentEffect};
use erpops_core::quota::{Counter, Plan};
use erpops_core::Timestamp;

use crate::store::db::event_second;
use crate::store::{Charge, NewEvent, StoreError, StoreResult, WriterStore};

/// A tenant's counter in the open group.
pub(super) struct GroupQuota {
    /// The counter as the group's decisions left it (`None`: no row yet).
    pub counter: Option<Counter>,
    /// Events accepted in the group, not yet written.
    pub consumed: u64,
    /// The plan of the last accepted event (its limit guards the upsert).
    pub plan: Plan,
}

/// An accepted event, written when the group closes.
pub(super) struct PendingEvent {
    pub event_id: String,
    pub tenant_id: String,
    pub event: Event,
    /// The signed bytes, when nothing was redacted.
    pub raw_body: Option<Vec<u8>>,
    pub incident_id: Option<String>,
    pub replay_expires_at: Option<Timestamp>,
}

/// `(event second, event id)`: how a replay is looked up.
type ReplayKey = (i64, String);

/// See the module docs.
#[derive(Default)]
pub(super) struct OpenGroup {
    /// Incident transitions (every kind but `updated`), written to the
    /// feed at the end.
    pub effects: Vec<IncidentEffect>,
    /// Keys whose incident changed: the latest record of each is written
    /// once at the end, read from the model. Holding no `updated` effect
    /// keeps the model's record unshared, so the next event on it changes
    /// it in place instead of copying it.
    pub incident_keys: BTreeSet<CorrelationKey>,
    /// Correlation keys the group changed: their rows are written at the
    /// end.
    pub keys: BTreeSet<CorrelationKey>,
    /// Each tenant's inbound-event counter: read when the group opens,
    /// advanced by each accepted event in order, charged once at the end.
    pub quota: HashMap<String, GroupQuota>,
    /// The replay expiry of each event of the group, as stored when the
    /// group opened and as the group's own acceptances left it.
    replays: HashMap<ReplayKey, Option<Timestamp>>,
    /// Accepted events, written at the end.
    pub events: Vec<PendingEvent>,
}

impl OpenGroup {
    /// Forgets everything (after a commit or a rollback).
    pub fn clear(&mut self) {
        *self = OpenGroup::default();
    }

    /// Reads, in the open transaction, the state the group's decisions
    /// need: the replay expiry of each `(event id, event time)` and the
    /// counter of each `(tenant, plan)`, all at once.
    pub fn read_state(
        &mut self,
        store: &mut dyn WriterStore,
        replays: &[(&str, Timestamp)],
        tenants: &[(&str, Plan)],
        now: Timestamp,
    ) -> StoreResult<()> {
        let expiries = store.lookup_replays(replays)?;
        for ((id, at), expiry) in replays.iter().zip(expiries) {
            self.replays
                .insert((event_second(*at), (*id).to_owned()), expiry);
        }
        let mut unique: Vec<(&str, Plan)> = Vec::with_capacity(tenants.len());
        for (tenant, plan) in tenants {
            if !self.quota.contains_key(*tenant) && !unique.iter().any(|(t, _)| t == tenant) {
                unique.push((tenant, *plan));
            }
        }
        let names: Vec<&str> = unique.iter().map(|(t, _)| *t).collect();
        let counters = store.lookup_counters(&names, now)?;
        for ((tenant, plan), counter) in unique.into_iter().zip(counters) {
            self.quota.insert(
                tenant.to_owned(),
                GroupQuota {
                    counter,
                    consumed: 0,
                    plan,
                },
            );
        }
        Ok(())
    }

    /// The replay expiry of an event: what the group read or accepted, or
    /// (an event it did not read, which the writer never asks for) read
    /// now.
    pub fn replay_expiry(
        &mut self,
        store: &mut dyn WriterStore,
        event_id: &str,
        event_time: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        let key = (event_second(event_time), event_id.to_owned());
        if let Some(expiry) = self.replays.get(&key) {
            return Ok(*expiry);
        }
        let expiry = store
            .lookup_replays(&[(event_id, event_time)])?
            .pop()
            .flatten();
        self.replays.insert(key, expiry);
        Ok(expiry)
    }

    /// The counter of `tenant` as the group's decisions left it (read now
    /// for a tenant the group did not read).
    pub fn counter(
        &mut self,
        store: &mut dyn WriterStore,
        tenant: &str,
        plan: Plan,
        now: Timestamp,
    ) -> StoreResult<Option<Counter>> {
        if !self.quota.contains_key(tenant) {
            self.read_state(store, &[], &[(tenant, plan)], now)?;
        }
        Ok(self.quota.get(tenant).and_then(|q| q.counter.clone()))
    }

    /// An event the group accepted: later duplicates in the group see its
    /// expiry, and it is written at the end.
    pub fn accept_event(&mut self, event: PendingEvent) {
        self.replays.insert(
            (event_second(event.event.timestamp), event.event_id.clone()),
            event.replay_expires_at,
        );
        self.events.push(event);
    }

    /// One accepted event charged to `tenant`'s counter, which is now
    /// `next`.
    pub fn charge(&mut self, tenant: &str, next: Counter, plan: Plan) -> StoreResult<()> {
        let q = self.quota.get_mut(tenant).ok_or_else(|| {
            StoreError::Corrupt("an accepted event of a tenant the group did not read".to_owned())
        })?;
        q.counter = Some(next);
        q.consumed = q.consumed.saturating_add(1);
        q.plan = plan;
        Ok(())
    }

    /// Takes one incident effect: its key's row and its incident's record
    /// are written at the end; only transitions (not `updated`) are held,
    /// so the model's record stays unshared.
    pub fn note_incident_effect(&mut self, effect: IncidentEffect) {
        let key = effect.incident().key.clone();
        self.keys.insert(key.clone());
        self.incident_keys.insert(key);
        if effect.kind() != "updated" {
            self.effects.push(effect);
        }
    }

    /// Writes the accepted events (one statement for all) and charges each
    /// tenant's with one upsert (sent together). The shared-store upsert
    /// re-runs the rule atomically; as the only writer (or, on
    /// PostgreSQL, holding the rows' locks since `lock_group`) it must
    /// agree with the decisions.
    pub fn write_events(&mut self, store: &mut dyn WriterStore, now: Timestamp) -> StoreResult<()> {
        let events = std::mem::take(&mut self.events);
        let rows: Vec<NewEvent<'_>> = events
            .iter()
            .map(|e| NewEvent {
                event_id: &e.event_id,
                tenant_id: &e.tenant_id,
                event: &e.event,
                raw_body: e.raw_body.as_deref(),
                incident_id: e.incident_id.as_deref(),
                received_at: now,
                replay_expires_at: e.replay_expires_at,
            })
            .collect();
        store.insert_events(&rows)?;
        let quota = std::mem::take(&mut self.quota);
        let charges: Vec<Charge<'_>> = quota
            .iter()
            .filter(|(_, q)| q.consumed > 0)
            .map(|(tenant, q)| Charge {
                tenant,
                plan: q.plan,
                count: q.consumed,
            })
            .collect();
        if charges.is_empty() {
            return Ok(());
        }
        let decisions = store.charge_group(&charges, now)?;
        if decisions.len() != charges.len() || decisions.iter().any(|d| !d.is_permitted()) {
            return Err(StoreError::Corrupt(
                "the quota row changed under the writer".to_owned(),
            ));
        }
        Ok(())
    }
}
