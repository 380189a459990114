-- 0010 (PostgreSQL only): the shared alert engine partitioned by tenant
-- (issue #21). A group locks and versions the partitions of its tenants
-- only, so two receivers settle groups of different tenants at the same
-- time; the engine-wide row (`engine_version`, migration 6) is locked only
-- by what changes the engine-wide state (heartbeats' signs of life,
-- `group_wait` batches, operator commands, configuration changes, ticks).
--
-- Each tenant's key rows and alerting rows carry the tenant and the
-- version of its partition that wrote them; a receiver catches up on a
-- tenant by reading its rows newer than the partition version it saw.
-- `txid` is the transaction holding the partition's latest bump: a row is
-- only written with a version its own transaction took (see
-- `store/postgres/engine.rs`).
CREATE TABLE engine_partitions (
    tenant_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    txid BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE incident_keys ADD COLUMN tenant_id TEXT;
ALTER TABLE alert_key_state ADD COLUMN tenant_id TEXT;
UPDATE incident_keys k SET tenant_id = c.tenant_id
    FROM connectors c WHERE c.id = (k.state_json::jsonb -> 'key' ->> 'connector_id');
UPDATE alert_key_state a SET tenant_id = c.tenant_id
    FROM connectors c WHERE c.id = (a.state_json::jsonb -> 'key' ->> 'connector_id');
CREATE INDEX incident_keys_tenant_version ON incident_keys(tenant_id, version);
CREATE INDEX alert_key_state_tenant_version ON alert_key_state(tenant_id, version);
-- Each tenant's partition starts at the newest version of its rows, so a
-- receiver started on this schema reads none of them again.
INSERT INTO engine_partitions (tenant_id, version)
    SELECT tenant_id, MAX(version) FROM (
        SELECT tenant_id, version FROM incident_keys
        UNION ALL SELECT tenant_id, version FROM alert_key_state
    ) AS rows WHERE tenant_id IS NOT NULL GROUP BY tenant_id;
