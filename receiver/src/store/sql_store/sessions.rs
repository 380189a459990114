//! The admin app's sessions (migration 0014), for both engines: kept in
//! the store rather than in the process so several receivers on one
//! PostgreSQL database share them, and so a restart signs nobody out.

use super::{Backend, SqlStore};
use crate::store::db::args;
use crate::store::StoreResult;

/// One session row. Times are Unix nanoseconds.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 hex of the cookie value (the value itself is never stored).
    pub id: String,
    /// The API key it signed in with (`key_…`).
    pub key_id: String,
    /// That key's tenant.
    pub tenant_id: String,
    /// The token every form of this session carries.
    pub csrf_token: String,
    /// When it was created.
    pub created_at: i64,
    /// Its absolute end.
    pub expires_at: i64,
    /// When it was last used (the idle limit counts from it).
    pub last_seen: i64,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the CSRF token in a log line.
        f.debug_struct("SessionRow")
            .field("key_id", &self.key_id)
            .field("tenant_id", &self.tenant_id)
            .field("expires_at", &self.expires_at)
            .field("last_seen", &self.last_seen)
            .finish_non_exhaustive()
    }
}

/// What the admin app stores of its sessions.
pub trait SessionStore: Send {
    /// Records a new session, and deletes sessions that ended before
    /// `stale_before` (absolute end) or were last seen before `idle_before`
    /// (so the table holds only live sessions without a sweeper).
    fn create_session(
        &mut self,
        row: &SessionRow,
        stale_before: i64,
        idle_before: i64,
    ) -> StoreResult<()>;
    /// The session with this id whose API key is not revoked; `None` for
    /// an unknown session or a revoked key.
    fn session(&mut self, id: &str) -> StoreResult<Option<SessionRow>>;
    /// Marks a session as used at `now`.
    fn touch_session(&mut self, id: &str, now: i64) -> StoreResult<()>;
    /// Deletes one session (sign-out, expiry).
    fn delete_session(&mut self, id: &str) -> StoreResult<()>;
    /// Deletes every session of an API key (the key was revoked).
    fn delete_sessions_of_key(&mut self, key_id: &str) -> StoreResult<()>;
}

const COLUMNS: &str = "s.id, s.key_id, s.tenant_id, s.csrf_token, s.created_at, s.expires_at, \
                       s.last_seen";

impl<B: Backend> SessionStore for SqlStore<B> {
    fn create_session(
        &mut self,
        row: &SessionRow,
        stale_before: i64,
        idle_before: i64,
    ) -> StoreResult<()> {
        self.db.atomically(|db| {
            db.execute(
                "DELETE FROM admin_sessions WHERE expires_at < ?1 OR last_seen < ?2",
                args![stale_before, idle_before],
            )?;
            db.execute(
                "INSERT INTO admin_sessions (id, key_id, tenant_id, csrf_token, created_at, \
                 expires_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![
                    &row.id,
                    &row.key_id,
                    &row.tenant_id,
                    &row.csrf_token,
                    row.created_at,
                    row.expires_at,
                    row.last_seen
                ],
            )?;
            Ok(())
        })
    }

    fn session(&mut self, id: &str) -> StoreResult<Option<SessionRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM admin_sessions s JOIN api_keys k ON k.id = s.key_id WHERE \
             s.id = ?1 AND k.revoked_at IS NULL AND k.tenant_id = s.tenant_id"
        );
        self.db
            .query_opt(&sql, args![id])?
            .map(|r| {
                Ok(SessionRow {
                    id: r.get(0)?,
                    key_id: r.get(1)?,
                    tenant_id: r.get(2)?,
                    csrf_token: r.get(3)?,
                    created_at: r.get(4)?,
                    expires_at: r.get(5)?,
                    last_seen: r.get(6)?,
                })
            })
            .transpose()
    }

    fn touch_session(&mut self, id: &str, now: i64) -> StoreResult<()> {
        self.db.execute(
            "UPDATE admin_sessions SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2",
            args![id, now],
        )?;
        Ok(())
    }

    fn delete_session(&mut self, id: &str) -> StoreResult<()> {
        self.db
            .execute("DELETE FROM admin_sessions WHERE id = ?1", args![id])?;
        Ok(())
    }

    fn delete_sessions_of_key(&mut self, key_id: &str) -> StoreResult<()> {
        self.db.execute(
            "DELETE FROM admin_sessions WHERE key_id = ?1",
            args![key_id],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::{AdminStore, SqliteStore};
    use erpops_core::pii::PiiPolicy;
    use erpops_core::Timestamp;

    fn row(id: &str, key: &str, now: i64) -> SessionRow {
        SessionRow {
            id: id.to_owned(),
            key_id: key.to_owned(),
            tenant_id: "t".to_owned(),
            csrf_token: format!("csrf-{id}"),
            created_at: now,
            expires_at: now + 100,
            last_seen: now,
        }
    }

    #[test]
    fn sessions_live_while_their_key_does_and_stale_ones_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(dir.path()).unwrap();
        let t0 = Timestamp::from_unix_seconds(1_700_000_000);
        s.create_tenant("t", "T", "free", PiiPolicy::Redact, t0)
            .unwrap();
        s.create_api_key("key_a", "t", "hash-a", "a", t0).unwrap();
        s.create_api_key("key_b", "t", "hash-b", "b", t0).unwrap();
        s.create_session(&row("s1", "key_a", 1000), 0, 0).unwrap();
        s.create_session(&row("s2", "key_a", 1000), 0, 0).unwrap();
        s.create_session(&row("s3", "key_b", 1000), 0, 0).unwrap();
        assert_eq!(s.session("s1").unwrap(), Some(row("s1", "key_a", 1000)));
        assert_eq!(s.session("nope").unwrap(), None);
        // Touching moves last_seen forward only.
        s.touch_session("s1", 1050).unwrap();
        s.touch_session("s1", 1010).unwrap();
        assert_eq!(s.session("s1").unwrap().unwrap().last_seen, 1050);
        // A revoked key's sessions are gone at once, the others stay.
        s.revoke_api_key("key_b", t0).unwrap();
        assert_eq!(s.session("s3").unwrap(), None);
        assert!(s.session("s2").unwrap().is_some());
        s.delete_session("s2").unwrap();
        assert_eq!(s.session("s2").unwrap(), None);
        // A new sign-in sweeps sessions past their end or idle limit.
        s.create_session(&row("s4", "key_a", 2000), 1101, 1040)
            .unwrap();
        assert_eq!(s.session("s1").unwrap(), None, "ended at 1100");
        assert!(s.session("s4").unwrap().is_some());
        s.delete_sessions_of_key("key_a").unwrap();
        assert_eq!(s.session("s4").unwrap(), None);
    }
}
