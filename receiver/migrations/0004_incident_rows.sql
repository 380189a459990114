-- 0004: fewer pages written per accepted event (issue #11 load targets).
-- (Version 2 is the core's quota schema and 3 is reserved for the alert
-- tables, hence 0004.)
--
-- 1. The incident model as one row per correlation key, so a group commit
--    writes only the keys its events and commands touched instead of
--    re-saving the whole snapshot (`incident_model` is kept only to be read
--    and converted once by the first start after this migration).
CREATE TABLE incident_keys (
    -- CorrelationKey::canonical_bytes: injective, stable across versions.
    key BLOB PRIMARY KEY,
    -- When the model forgets the quiet key (Unix ns); NULL while an
    -- incident of the key is active. Rows past it are pruned.
    forget_at INTEGER,
    -- The core's KeySnapshot as JSON.
    state_json TEXT NOT NULL
);
CREATE INDEX incident_keys_forget ON incident_keys(forget_at) WHERE forget_at IS NOT NULL;

-- 2. The replay digest lives in the event's row, and no index is keyed by
--    the event id alone. `evt_…` ids are hashes: every index led by one
--    took a write on a random page per event (the events primary key and
--    the seen_digests primary key: two of the ~2.5 pages an event cost).
--    The replay index is led by the event's own time in seconds instead
--    (a duplicate has the same bytes, so the same time), which stays close
--    to now: a group of events appends to the same few pages.
CREATE TABLE events_v4 (
    event_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT,
    incident_id TEXT,
    event_json TEXT NOT NULL,
    -- The signed bytes; NULL when PII was redacted (they would keep it).
    raw_body BLOB,
    -- The event's timestamp, whole Unix seconds (floor): leads the replay
    -- index.
    event_second INTEGER NOT NULL,
    -- Until when (Unix ns, inclusive) the same bytes answer `duplicate`.
    replay_expires_at INTEGER
);
INSERT INTO events_v4 (event_id, tenant_id, connector_id, received_at, event_type, severity,
                       source, incident_id, event_json, raw_body, event_second,
                       replay_expires_at)
SELECT e.event_id, e.tenant_id, e.connector_id, e.received_at, e.event_type, e.severity,
       e.source, e.incident_id, e.event_json, e.raw_body,
       COALESCE(CAST(strftime('%s', json_extract(e.event_json, '$.timestamp')) AS INTEGER), 0),
       d.expires_at
FROM events e LEFT JOIN seen_digests d ON d.event_id = e.event_id
ORDER BY e.rowid;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE INDEX events_tenant_received ON events(tenant_id, received_at);
CREATE INDEX events_replay ON events(event_second, event_id);
DROP TABLE seen_digests;
