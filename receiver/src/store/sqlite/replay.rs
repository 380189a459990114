//! Replay lookups without a random page write per event.
//!
//! A duplicate is found by `(event second, event id)`: the id is a hash,
//! so within one second the keys are random. Kept as an index of the
//! events table, every accepted event dirtied its own leaf page of that
//! index: measured at 50 connections it was 21 of the 31 pages each group
//! commit wrote to the log (and the checkpoint then copied again), for
//! about 45 bytes of key per event.
//!
//! So the keys live in their own table, `replay_index`, written in key
//! order: an event's key is held here, in memory, until its second is over
//! (no new event of the current time lands before it any more), then
//! written with the other keys of its second at the index's end, a few
//! per page. Lookups read the open transaction's keys, the held keys and
//! the table.
//!
//! Nothing acknowledged is lost: the key is also in the event's row
//! (`event_second`, `event_id`, `replay_expires_at`), committed with the
//! event. `replay_flushed` names the last event row (rowid and id) up to
//! which every key is in the table; a receiver that stopped with keys
//! still held writes the keys of later rows into the table before its
//! first group. If that row no longer matches (rowids renumbered by a
//! `VACUUM`), every row's key is written again.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection, OptionalExtension};

use crate::store::StoreResult;

/// `(event second, event id)`: the table's primary key.
pub(super) type Key = (i64, EventId);

/// An event id as held in memory: `evt_` + 32 lowercase hex digits (every
/// id the receiver makes, contract §4) as its 16 bytes, which order like
/// the text; anything else as text. Half the memory of a `String` key,
/// and no allocation per key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum EventId {
    Hex([u8; 16]),
    Text(Box<str>),
}

impl EventId {
    pub(super) fn of(id: &str) -> Self {
        let mut bytes = [0u8; 16];
        match id.strip_prefix("evt_") {
            Some(hex)
                if hex.len() == 32
                    && !hex.bytes().any(|b| b.is_ascii_uppercase())
                    && hex::decode_to_slice(hex, &mut bytes).is_ok() =>
            {
                EventId::Hex(bytes)
            }
            _ => EventId::Text(id.into()),
        }
    }

    /// The id as stored.
    fn text(&self) -> String {
        match self {
            EventId::Hex(bytes) => format!("evt_{}", hex::encode(bytes)),
            EventId::Text(id) => id.to_string(),
        }
    }
}

/// A held key's expiry (Unix ns) and the rowid of its event row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Held {
    expires: i64,
    rowid: i64,
}

/// Most keys written to the table per commit: the steady state writes
/// about as many as the group accepted, so this only paces a backlog (the
/// keys of a second just over, or held past the limit) over several
/// groups instead of one long one.
const FLUSH_PER_COMMIT: usize = 512;

/// Seconds a key is held after the latest received second: events are
/// stamped a little before they arrive, so keys of the last seconds may
/// still come; writing them later would land among the written ones. Keys
/// stamped further ahead than this (a sender's clock running fast) are
/// written at once: holding them for minutes would hold back the recovery
/// mark, and a restart would rewrite every key since.
const HOLD_SECONDS: i64 = 2;

/// Most keys held in memory (about 100 bytes each); past this many the
/// least are written regardless of their second.
const HELD_LIMIT: usize = 262_144;

/// See the module docs. One per connection; only the writer's holds keys.
#[derive(Debug, Default)]
pub(super) struct ReplayKeys {
    /// Committed, not yet in the table.
    held: BTreeMap<Key, Held>,
    /// Rowids of the held keys' events: the recovery mark stays below the
    /// least of them.
    held_rows: BTreeSet<i64>,
    /// Recorded by the open transaction: held once it commits.
    open: BTreeMap<Key, Held>,
    /// Keys (and expiries) the open transaction writes to the table: no
    /// longer held once it commits, unless held with a later expiry.
    writing: Vec<(Key, i64)>,
    /// The latest received second recorded.
    latest_second: i64,
    /// Whether this connection has written the keys a previous run left
    /// held (in its first write transaction, committed).
    recovered: bool,
    /// The recovery is part of the open transaction.
    recovering: bool,
}

impl ReplayKeys {
    /// At the start of a write transaction: the first one writes the keys a
    /// previous run left held.
    pub(super) fn begin(&mut self, conn: &Connection) -> StoreResult<()> {
        self.open.clear();
        self.writing.clear();
        self.ensure_recovered(conn)
    }

    /// Writes the keys a previous run left held, once per connection: in
    /// the open transaction, or in one of its own outside any.
    fn ensure_recovered(&mut self, conn: &Connection) -> StoreResult<()> {
        if self.recovered || self.recovering {
            return Ok(());
        }
        if !conn.is_autocommit() {
            recover(conn)?;
            self.recovering = true;
            return Ok(());
        }
        conn.execute_batch("BEGIN IMMEDIATE")?;
        match recover(conn) {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        self.recovered = true;
        Ok(())
    }

    /// Records an accepted event's key (`rowid`: its event row). Outside a
    /// transaction (a caller without `begin`) it is written at once.
    pub(super) fn record(
        &mut self,
        conn: &Connection,
        key: Key,
        expires: i64,
        rowid: i64,
        received_second: i64,
    ) -> StoreResult<()> {
        if conn.is_autocommit() {
            return write(conn, &key, expires);
        }
        self.latest_second = self.latest_second.max(received_second);
        self.open
            .entry(key)
            .and_modify(|h| h.expires = h.expires.max(expires))
            .or_insert(Held { expires, rowid });
        Ok(())
    }

    /// The latest expiry recorded for `key` (Unix ns), if any.
    pub(super) fn lookup(&mut self, conn: &Connection, key: &Key) -> StoreResult<Option<i64>> {
        self.ensure_recovered(conn)?;
        let in_memory = [self.open.get(key), self.held.get(key)]
            .into_iter()
            .flatten()
            .map(|h| h.expires)
            .max();
        let stored: Option<i64> = conn
            .prepare_cached(
                "SELECT expires_at FROM replay_index WHERE event_second = ?1 AND event_id = ?2",
            )?
            .query_row(params![key.0, key.1.text()], |r| r.get(0))
            .optional()?;
        Ok(in_memory.max(stored))
    }

    /// Before the commit: writes the due keys in key order (at most
    /// [`FLUSH_PER_COMMIT`]) and moves the recovery mark past them.
    pub(super) fn write_due(&mut self, conn: &Connection) -> StoreResult<()> {
        let over = (self.held.len() + self.open.len()).saturating_sub(HELD_LIMIT);
        let held = self.latest_second.saturating_sub(HOLD_SECONDS)
            ..=self.latest_second.saturating_add(HOLD_SECONDS);
        let mut batch = due(&self.held, &held, over);
        batch.extend(due(&self.open, &held, over));
        if batch.is_empty() {
            return Ok(());
        }
        // A key both held and recorded again is written twice (the later
        // expiry wins in the table).
        batch.sort_unstable_by(|a, b| a.0.cmp(b.0));
        batch.truncate(FLUSH_PER_COMMIT);
        for (key, held) in &batch {
            write(conn, key, held.expires)?;
        }
        // The mark: the greatest written row below every row still held.
        let written: BTreeSet<i64> = batch.iter().map(|(_, h)| h.rowid).collect();
        let least_kept = self
            .held_rows
            .iter()
            .find(|r| !written.contains(r))
            .copied()
            .into_iter()
            .chain(
                self.open
                    .values()
                    .map(|h| h.rowid)
                    .filter(|r| !written.contains(r)),
            )
            .min();
        let mark = batch
            .iter()
            .filter(|(_, h)| least_kept.is_none_or(|least| h.rowid < least))
            .max_by_key(|(_, h)| h.rowid);
        if let Some((key, held)) = mark {
            conn.prepare_cached(
                "UPDATE replay_flushed SET event_rowid = ?1, event_id = ?2 \
                 WHERE id = 1 AND event_rowid < ?1",
            )?
            .execute(params![held.rowid, key.1.text()])?;
        }
        self.writing = batch
            .into_iter()
            .map(|(k, h)| (k.clone(), h.expires))
            .collect();
        Ok(())
    }

    /// After a successful commit: the transaction's keys are held, the
    /// written ones no longer.
    pub(super) fn committed(&mut self) {
        for (key, held) in std::mem::take(&mut self.open) {
            let entry = self.held.entry(key).or_insert(held);
            entry.expires = entry.expires.max(held.expires);
            self.held_rows.insert(entry.rowid);
        }
        for (key, written) in std::mem::take(&mut self.writing) {
            if let Some(held) = self.held.get(&key).copied() {
                if held.expires <= written {
                    self.held.remove(&key);
                    self.held_rows.remove(&held.rowid);
                }
            }
        }
        if self.recovering {
            self.recovered = true;
            self.recovering = false;
        }
    }

    /// After a rollback: the transaction's keys and writes never happened.
    pub(super) fn rolled_back(&mut self) {
        self.open.clear();
        self.writing.clear();
        self.recovering = false;
    }

    /// Keys held in memory, not yet in the table.
    pub(super) fn held(&self) -> usize {
        self.held.len()
    }
}

/// The keys of `map` that are due, at most [`FLUSH_PER_COMMIT`]: the least
/// ones of a second before the `held` seconds or among the `over` least
/// (the held limit), and those of a second after them.
fn due<'a>(
    map: &'a BTreeMap<Key, Held>,
    held: &std::ops::RangeInclusive<i64>,
    over: usize,
) -> Vec<(&'a Key, &'a Held)> {
    let mut due: Vec<_> = map
        .iter()
        .take(FLUSH_PER_COMMIT)
        .enumerate()
        .take_while(|(i, (k, _))| k.0 < *held.start() || *i < over)
        .map(|(_, e)| e)
        .collect();
    let ahead = map
        .range((held.end().saturating_add(1), EventId::Hex([0; 16]))..)
        .take(FLUSH_PER_COMMIT - due.len());
    due.extend(ahead);
    due
}

/// Writes one key (the latest expiry wins).
fn write(conn: &Connection, key: &Key, expires: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO replay_index (event_second, event_id, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (event_second, event_id) DO UPDATE SET \
         expires_at = MAX(expires_at, excluded.expires_at)",
    )?
    .execute(params![key.0, key.1.text(), expires])?;
    Ok(())
}

/// Writes the keys of the event rows after the recovery mark (all rows if
/// the mark's row no longer matches) and moves the mark to the last row.
fn recover(conn: &Connection) -> StoreResult<()> {
    let (mark, mark_id): (i64, String) = conn.query_row(
        "SELECT event_rowid, event_id FROM replay_flushed WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let matches = mark == 0
        || conn
            .query_row(
                "SELECT event_id FROM events WHERE rowid = ?1",
                [mark],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .is_some_and(|id| id == mark_id);
    let from = if matches { mark } else { 0 };
    conn.execute(
        "INSERT INTO replay_index (event_second, event_id, expires_at) \
         SELECT event_second, event_id, replay_expires_at FROM events \
         WHERE rowid > ?1 AND replay_expires_at IS NOT NULL ORDER BY event_second, event_id \
         ON CONFLICT (event_second, event_id) DO UPDATE SET \
         expires_at = MAX(expires_at, excluded.expires_at)",
        [from],
    )?;
    conn.execute(
        "UPDATE replay_flushed SET (event_rowid, event_id) = \
         (SELECT rowid, event_id FROM events ORDER BY rowid DESC LIMIT 1) \
         WHERE id = 1 AND EXISTS (SELECT 1 FROM events)",
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::EventId;

    #[test]
    fn ids_are_held_compactly_and_read_back_as_stored() {
        let made = "evt_0123456789abcdef0123456789abcdef";
        assert!(matches!(EventId::of(made), EventId::Hex(_)));
        assert_eq!(EventId::of(made).text(), made);
        // Anything else (upper case, other lengths, no prefix) stays text,
        // so it reads back exactly.
        for odd in [
            "evt_0123456789ABCDEF0123456789abcdef",
            "evt_0123",
            "evt_raw",
            "0123456789abcdef0123456789abcdef",
        ] {
            assert!(matches!(EventId::of(odd), EventId::Text(_)), "{odd}");
            assert_eq!(EventId::of(odd).text(), odd);
        }
        // Made ids order like their text.
        let a = "evt_0fffffffffffffffffffffffffffffff";
        let b = "evt_f0000000000000000000000000000000";
        assert!(EventId::of(a) < EventId::of(b));
        assert!(a < b);
    }
}
