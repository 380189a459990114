-- 0003 (PostgreSQL): alerting, the same tables as ../0003_alerts.sql.
CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    rule_json TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE alert_silences (
    id TEXT PRIMARY KEY,
    silence_json TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE heartbeats (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    source TEXT NOT NULL,
    heartbeat_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (connector_id, source)
);
CREATE TABLE webhooks (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- NULL limit = unlimited.
CREATE TABLE custom_plans (
    name TEXT PRIMARY KEY,
    inbound_events_per_day BIGINT,
    ai_queries_per_month BIGINT,
    created_at BIGINT NOT NULL
);
CREATE TABLE config_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO config_generation (id, generation) VALUES (1, 0);
CREATE TABLE alert_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state_json TEXT NOT NULL
);
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    payload_json TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    last_error TEXT,
    delivered_at BIGINT
);
CREATE INDEX notifications_tenant ON notifications(tenant_id, created_at);
CREATE INDEX notifications_due ON notifications(state, next_attempt_at);
