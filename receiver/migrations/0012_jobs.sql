-- 0012: batch jobs and maintenance windows (issue #23), the same file for
-- SQLite and PostgreSQL (BIGINT is an integer on both). Times are Unix
-- nanoseconds.
--
-- alert_jobs and alert_windows are the operator's configuration, like
-- heartbeats and silences (0003): `erpops admin jobs|windows` writes them
-- and bumps config_generation; the writer loads them into the alert engine.
-- job_id is the core's JobKey::job_id (`job_` + hex), the id the REST API
-- names a job by.
CREATE TABLE alert_jobs (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    source TEXT NOT NULL,
    job_id TEXT NOT NULL UNIQUE,
    job_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (connector_id, source)
);
CREATE TABLE alert_windows (
    id TEXT PRIMARY KEY,
    window_json TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- What the engine tracks per job (the core's JobState as JSON: due time,
-- runs in progress, recent runs, pending deadlines, open incidents), one
-- row per job, written by the commits that changed that job: a run signal
-- rewrites its job's row, not every job's. A receiver that restarts
-- restores its timers from these rows. version: the shared engine's
-- engine-wide version that wrote it (PostgreSQL; 0 on SQLite, one writer).
CREATE TABLE job_state (
    connector_id TEXT NOT NULL,
    source TEXT NOT NULL,
    state_json TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (connector_id, source)
);
CREATE INDEX job_state_version ON job_state(version);
