-- 0001: the receiver's own tables. Times are Unix nanoseconds (INTEGER),
-- except where a column says otherwise. Quota tables come from the core's
-- shared_store::SCHEMA_SQL (migration 0002) so the SQL rule lives once.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan TEXT NOT NULL,
    pii_policy TEXT NOT NULL,
    suspended INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX connectors_tenant ON connectors(tenant_id);
-- HMAC keys must be usable, so they are stored as given (protect the data
-- directory); expires_at NULL = no expiry.
CREATE TABLE connector_secrets (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (connector_id, secret)
);
-- API keys are only ever stored as SHA-256 hex of the key.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    key_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT,
    incident_id TEXT,
    event_json TEXT NOT NULL,
    -- The signed bytes; NULL when PII was redacted (they would keep it).
    raw_body BLOB
);
CREATE INDEX events_tenant_received ON events(tenant_id, received_at);
CREATE TABLE seen_digests (
    event_id TEXT PRIMARY KEY,
    connector_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX seen_digests_expiry ON seen_digests(expires_at);
-- One row per incident: its latest record (the core's Incident as JSON).
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    tenant_id TEXT,
    connector_id TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    record_json TEXT NOT NULL
);
CREATE INDEX incidents_tenant ON incidents(tenant_id, updated_at);
-- Every incident effect, in order (the feed alerting and /v1/alerts read).
CREATE TABLE incident_effects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    effect_json TEXT NOT NULL
);
-- The incident model's snapshot, so a restart resumes correlation.
CREATE TABLE incident_model (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    snapshot_json TEXT NOT NULL
);
-- What `serve --demo` created, so later starts reuse it.
CREATE TABLE demo (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id TEXT NOT NULL,
    connector_id TEXT NOT NULL
);
