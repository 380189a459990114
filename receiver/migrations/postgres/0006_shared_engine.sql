-- 0005 (PostgreSQL only): the alert engine (incident model inside) shared by
-- several receivers. SQLite has one writer and needs none of this.
--
-- One row whose version every writing transaction of a receiver's writer
-- bumps while holding its row lock (`UPDATE … RETURNING`): the lock
-- serialises the receivers' groups, ticks and commands, and the version
-- tells a receiver whether another one wrote since it last did.
CREATE TABLE engine_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO engine_version (id, version) VALUES (1, 0);
-- The engine version that last wrote each row, so a receiver reloads only
-- the key rows (and the alert state) newer than what it holds.
ALTER TABLE incident_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX incident_keys_version ON incident_keys(version);
ALTER TABLE alert_state ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- Delivery claims: a receiver's deliverer takes due notifications until
-- this instant (Unix ns); a receiver that dies mid-delivery releases them
-- when the lease ends.
ALTER TABLE notifications ADD COLUMN claimed_until BIGINT;
