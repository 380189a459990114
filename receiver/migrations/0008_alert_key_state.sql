-- 0008: the alert engine's per-key state in rows of its own (issue #21), as
-- the incident model's keys are since 0004. The one alert_state row held the
-- flapping, throttling and held notifications of every correlation key and
-- was rewritten whole by each group commit that changed any of them: the
-- work per commit grew with every key ever seen. Now a group writes the rows
-- of the keys it changed, and alert_state keeps only the engine-wide part
-- (rules, silences, heartbeats, group_wait batches), written when that
-- changes. An alert_state row written before this migration still holds
-- every key: the first start converts it into these rows (once).
CREATE TABLE alert_key_state (
    -- CorrelationKey::canonical_bytes, as incident_keys.key.
    key BLOB PRIMARY KEY,
    -- The core's KeyAlertSnapshot as JSON (key included).
    state_json TEXT NOT NULL,
    -- The engine version that wrote it (PostgreSQL's shared engine; 0 on
    -- SQLite, which has one writer).
    version INTEGER NOT NULL DEFAULT 0
);
