-- 0014: the admin app's sign-in sessions (issue #24), the same file for
-- SQLite and PostgreSQL, so several receivers on one PostgreSQL database
-- share them (a browser may reach any of them).
--
-- id: SHA-256 hex of the cookie's 32 random bytes; the cookie value itself
-- is never stored, so a copy of the database signs nobody in. key_id: the
-- API key the session signed in with; every request joins api_keys and
-- refuses a revoked key, so revoking the key ends its sessions at once.
-- csrf_token: the per-session token every form carries. Times are Unix
-- nanoseconds: expires_at is the absolute end (created_at + the maximum
-- session length); last_seen moves with use (the idle limit counts from it).
CREATE TABLE admin_sessions (
    id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES api_keys(id),
    tenant_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL
);
CREATE INDEX admin_sessions_key ON admin_sessions(key_id);
CREATE INDEX admin_sessions_expires ON admin_sessions(expires_at);
