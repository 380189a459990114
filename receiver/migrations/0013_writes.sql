-- 0013: the REST writes (issue #24), the same file for SQLite and
-- PostgreSQL (BIGINT is an integer on both; times are Unix nanoseconds).
--
-- idempotency_keys: the first answer to a write sent with an
-- `Idempotency-Key` header, per tenant, so a retry within 24 h gets it
-- again and changes nothing. idem_key is the SHA-256 (hex) of the key and
-- body the answer sealed with a keystream of the key (an answer may hold a
-- secret shown once: the store never holds it in the clear; see
-- api/idempotency.rs). fingerprint is the SHA-256 (hex) of method, path
-- and body: the same key with another request is refused. status is
-- NULL while the first request is still being answered (only writes the
-- serving writer applies — incident commands — leave such a row between
-- two transactions; every other write stores its answer in the
-- transaction that makes the change, with its audit row). Rows go once
-- expires_at passed (retention, `idempotency_expires`).
CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status BIGINT,
    headers_json TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_expires ON idempotency_keys(expires_at);
-- audit_log: every write over the REST API (or the admin app through it)
-- that changed something: who (actor, key_id), what (action, resource),
-- which request, and what changed (detail_json; never a secret or key).
-- Kept as long as events (retention's events_days; 365 days when events
-- are kept forever).
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    key_id TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail_json TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, at, id);
CREATE INDEX audit_log_at ON audit_log(at);
-- Silences and maintenance windows made over REST belong to a tenant (and
-- only its API keys see and change them); NULL: operator-wide, made with
-- `erpops admin`, not visible over REST.
ALTER TABLE alert_silences ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
ALTER TABLE alert_windows ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
