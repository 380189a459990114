-- 0009 (PostgreSQL): the records generation of SQLite's 0005 (issue #21).
-- The HTTP tasks keep connector and tenant records in memory, tagged with
-- this generation; each receiver's writer reads it once per group inside its
-- transaction and re-admits any request whose records were older, so a
-- change made by `erpops admin` or by another receiver (disable, rotate,
-- suspend, change plan or PII policy, a custom plan's limits) applies from
-- the next group on every receiver, without a records read per request.
--
-- One statement-level trigger per table and event kind (TRUNCATE included)
-- bumps it in the changing transaction, so every writer of these tables
-- (admin commands, older binaries, an operator's psql) keeps it right. The
-- bump's row lock is held until that transaction ends, so bumps are made in
-- commit order: a snapshot that sees generation g sees every change
-- numbered up to g and none after. (A statement that changes no row bumps it
-- too: that only costs the receivers one records read per connector.)
CREATE TABLE records_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO records_generation (id, generation) VALUES (1, 0);
CREATE FUNCTION erpops_bump_records_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE records_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tenants_records_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION erpops_bump_records_generation();
CREATE TRIGGER connectors_records_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connectors
    FOR EACH STATEMENT EXECUTE FUNCTION erpops_bump_records_generation();
CREATE TRIGGER connector_secrets_records_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connector_secrets
    FOR EACH STATEMENT EXECUTE FUNCTION erpops_bump_records_generation();
CREATE TRIGGER custom_plans_records_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_plans
    FOR EACH STATEMENT EXECUTE FUNCTION erpops_bump_records_generation();
