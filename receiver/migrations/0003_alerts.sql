-- 0003: alerting (issue #11). Times are Unix nanoseconds (INTEGER).
-- Rules, silences and heartbeats are the operator's configuration: the
-- admin command writes them here and bumps config_generation; the server's
-- writer sees the new generation and loads them into the core's alert
-- engine. The engine's own state (throttling, flapping, held and grouped
-- notifications) is saved in alert_state with each commit that changes it.

-- An alert rule belongs to one tenant: it only notifies about incidents of
-- that tenant's connectors. rule_json is the core's AlertRule.
CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    rule_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- A silence is an operator-wide mute (its matchers say what it covers).
CREATE TABLE alert_silences (
    id TEXT PRIMARY KEY,
    silence_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- A heartbeat expectation per (connector, source); heartbeat_json is the
-- core's Heartbeat.
CREATE TABLE heartbeats (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    source TEXT NOT NULL,
    heartbeat_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (connector_id, source)
);
-- Where a tenant's `webhook` channel posts, and the HMAC key it signs with
-- (stored as given, like connector secrets: protect the data directory).
CREATE TABLE webhooks (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Negotiated plans, assignable to tenants by name like the built-in ones.
-- NULL limit = unlimited.
CREATE TABLE custom_plans (
    name TEXT PRIMARY KEY,
    inbound_events_per_day INTEGER,
    ai_queries_per_month INTEGER,
    created_at INTEGER NOT NULL
);
-- Bumped by every admin change to rules, silences or heartbeats.
CREATE TABLE config_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO config_generation (id, generation) VALUES (1, 0);
-- The alert engine's snapshot without its incidents (those are saved by
-- the incident model's own persistence in the same transaction).
CREATE TABLE alert_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state_json TEXT NOT NULL
);
-- Every notification the engine produced, recorded in the transaction of
-- the event or tick that caused it, then delivered by the delivery task.
-- state: pending (to try at next_attempt_at), delivered, failed (gave up).
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    payload_json TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    delivered_at INTEGER
);
CREATE INDEX notifications_tenant ON notifications(tenant_id, created_at);
CREATE INDEX notifications_due ON notifications(state, next_attempt_at);
