-- 0001 (PostgreSQL): the receiver's own tables, the same shape as
-- ../0001_init.sql with PostgreSQL types (BIGINT Unix nanoseconds, BOOLEAN,
-- BYTEA). Version 2 is the core's quota SCHEMA_SQL, shared with SQLite.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan TEXT NOT NULL,
    pii_policy TEXT NOT NULL,
    suspended BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX connectors_tenant ON connectors(tenant_id);
-- HMAC keys must be usable, so they are stored as given (restrict who can
-- read this database); expires_at NULL = no expiry.
CREATE TABLE connector_secrets (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (connector_id, secret)
);
-- API keys are only ever stored as SHA-256 hex of the key.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    key_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT,
    incident_id TEXT,
    event_json TEXT NOT NULL,
    -- The signed bytes; NULL when PII was redacted (they would keep it).
    raw_body BYTEA
);
CREATE INDEX events_tenant_received ON events(tenant_id, received_at);
-- One row per incident: its latest record (the core's Incident as JSON).
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    tenant_id TEXT,
    connector_id TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    record_json TEXT NOT NULL
);
CREATE INDEX incidents_tenant ON incidents(tenant_id, updated_at);
-- Every incident transition, in order (the feed alerting reads).
CREATE TABLE incident_effects (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    effect_json TEXT NOT NULL
);
-- What `serve --demo` created, so later starts reuse it.
CREATE TABLE demo (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tenant_id TEXT NOT NULL,
    connector_id TEXT NOT NULL
);
