-- 0004 (PostgreSQL): the incident model as one row per correlation key, and
-- the replay expiry kept in the event's row (see ../0004_incident_rows.sql
-- for why). A PostgreSQL database never had the older layout's data, so
-- this only adds the columns and the table.
CREATE TABLE incident_keys (
    -- CorrelationKey::canonical_bytes.
    key BYTEA PRIMARY KEY,
    -- When the model forgets the quiet key (Unix ns); NULL while active.
    forget_at BIGINT,
    -- The core's KeySnapshot as JSON.
    state_json TEXT NOT NULL
);
CREATE INDEX incident_keys_forget ON incident_keys(forget_at) WHERE forget_at IS NOT NULL;
ALTER TABLE events ADD COLUMN event_second BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN replay_expires_at BIGINT;
CREATE INDEX events_replay ON events(event_second, event_id);
-- As in SQLite's 0004, no index is keyed by the event id alone: the same
-- bytes may be accepted again once their replay window has passed.
ALTER TABLE events DROP CONSTRAINT events_pkey;
