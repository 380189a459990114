-- 0008: the alert engine's per-key state in rows of its own (issue #21); see
-- receiver/migrations/0008_alert_key_state.sql. The version column is the
-- shared engine's (migration 6): a receiver catching up reads the rows
-- newer than the version it holds.
CREATE TABLE alert_key_state (
    key BYTEA PRIMARY KEY,
    state_json TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX alert_key_state_version ON alert_key_state(version);
