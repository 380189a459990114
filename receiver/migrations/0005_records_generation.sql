-- 0005: a generation of the records the receive decision reads before the
-- writer (issue #11 load targets). The HTTP tasks keep connector and tenant
-- records in memory, tagged with this generation; the writer reads it once
-- per group inside its transaction and re-admits any request whose records
-- were older, so a change made by `erpops admin` (disable, rotate, suspend,
-- change plan or PII policy, a custom plan's limits) applies exactly as if
-- every request read the records itself, without a read per request.
-- Triggers bump it, so every writer of these tables (admin commands, older
-- binaries) keeps it right without knowing about it.
CREATE TABLE records_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO records_generation (id, generation) VALUES (1, 0);
CREATE TRIGGER tenants_insert_generation AFTER INSERT ON tenants BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER tenants_update_generation AFTER UPDATE ON tenants BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER tenants_delete_generation AFTER DELETE ON tenants BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER connectors_insert_generation AFTER INSERT ON connectors BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER connectors_update_generation AFTER UPDATE ON connectors BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER connectors_delete_generation AFTER DELETE ON connectors BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER connector_secrets_insert_generation AFTER INSERT ON connector_secrets BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER connector_secrets_update_generation AFTER UPDATE ON connector_secrets BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER connector_secrets_delete_generation AFTER DELETE ON connector_secrets BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER custom_plans_insert_generation AFTER INSERT ON custom_plans BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER custom_plans_update_generation AFTER UPDATE ON custom_plans BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER custom_plans_delete_generation AFTER DELETE ON custom_plans BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
END;
