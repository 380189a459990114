//! Why a SQLite store could not be opened, when the reason is space.
//!
//! A receiver stopped cleanly leaves only `erpops.sqlite3` behind: SQLite
//! deletes its `-wal` and `-shm` files when the last connection closes. To
//! open the database again it must create them, and the shared-memory
//! index (`-shm`) takes 32 KiB at once. On a full file system that write
//! fails and SQLite says only "disk I/O error". Everything else a start
//! writes is optional (the pid in the lock file, the pruning at start,
//! which the writer does again at its next tick) or needed only once (a
//! migration after an upgrade, the demo's first creation).
//!
//! So when opening fails, [`explain`] writes a probe file of
//! [`PROBE_BYTES`] in the data directory. If that fails for lack of space
//! (`ENOSPC`), a quota (`EDQUOT`) or the process's file size limit
//! (`EFBIG`: `RLIMIT_FSIZE`), the message says so, where, how much is
//! free, and what to free; otherwise the store's own error stands.

use std::io::Write;
use std::path::Path;

use crate::store::sqlite::DB_FILE;

/// What SQLite's shared-memory index takes when a database is opened
/// (one 32 KiB region; more only for a log of many thousand pages).
pub const SHM_BYTES: u64 = 32 * 1024;

/// What the probe writes: the index, plus a few log pages.
pub const PROBE_BYTES: usize = 64 * 1024;

/// The probe file's name in the data directory (removed after the probe).
pub const PROBE_FILE: &str = "erpops.space-probe";

/// What the probe ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shortage {
    /// The file system is full (`ENOSPC`).
    Full {
        /// Bytes the probe could write before it failed.
        written: usize,
        /// The operating system's error.
        error: String,
    },
    /// The user's disk quota is used up (`EDQUOT`).
    Quota {
        /// Bytes the probe could write before it failed.
        written: usize,
        /// The operating system's error.
        error: String,
    },
    /// The process may not write files this large (`EFBIG`:
    /// `RLIMIT_FSIZE`).
    FileSizeLimit {
        /// Bytes the probe could write: the limit, as far as it matters.
        written: usize,
        /// The operating system's error.
        error: String,
    },
}

/// Writes [`PROBE_BYTES`] into a probe file in `dir` (then removes it);
/// `Some` when that failed for lack of space or a limit, `None` when it
/// succeeded or failed for another reason.
pub fn probe(dir: &Path) -> Option<Shortage> {
    let path = dir.join(PROBE_FILE);
    let mut file = std::fs::File::create(&path).ok()?;
    let chunk = [0u8; 4096];
    let mut written = 0;
    let mut failed = None;
    while written < PROBE_BYTES {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    // Written blocks may only be allocated when flushed (delayed
    // allocation, quotas checked at write-back).
    if failed.is_none() {
        failed = file.sync_all().err();
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    let e = failed?;
    let error = e.to_string();
    let code = e.raw_os_error()?;
    if code == rustix::io::Errno::NOSPC.raw_os_error() {
        Some(Shortage::Full { written, error })
    } else if code == rustix::io::Errno::DQUOT.raw_os_error() {
        Some(Shortage::Quota { written, error })
    } else if code == rustix::io::Errno::FBIG.raw_os_error() {
        Some(Shortage::FileSizeLimit { written, error })
    } else {
        None
    }
}

/// `(available, size)` in bytes of the file system holding `dir`, as an
/// unprivileged process sees it.
fn space(dir: &Path) -> Option<(u64, u64)> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some((
        s.f_bavail.saturating_mul(s.f_frsize),
        s.f_blocks.saturating_mul(s.f_frsize),
    ))
}

/// A byte count for people: `812 bytes`, `40 KiB`, `3.2 MiB`, `1.5 GiB`.
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    match n {
        n if n < KIB => format!("{n} bytes"),
        n if n < KIB * KIB => format!("{} KiB", n / KIB),
        n if n < KIB * KIB * KIB => format!("{:.1} MiB", n as f64 / (KIB * KIB) as f64),
        n => format!("{:.1} GiB", n as f64 / (KIB * KIB * KIB) as f64),
    }
}

/// `error` (a failed start on the SQLite store in `dir`), with the
/// shortage of space that explains it when the probe finds one.
pub fn explain(dir: &Path, error: String) -> String {
    match probe(dir) {
        Some(shortage) => describe(dir, &shortage, &error),
        None => error,
    }
}

/// The message for `shortage` in `dir` (`error`: what the store said).
pub fn describe(dir: &Path, shortage: &Shortage, error: &str) -> String {
    let db = dir.join(DB_FILE);
    let needs = format!(
        "SQLite needs {} there to open {} again (its shared-memory index, {DB_FILE}-shm, \
         recreated at every start after a clean stop), and room for its write-ahead log to take \
         events (it grows by up to about 4 MiB between checkpoints)",
        bytes(SHM_BYTES),
        db.display(),
    );
    let after = "The database is intact and nothing acknowledged is lost; senders retry what \
                 they could not deliver.";
    match shortage {
        Shortage::Full { written, error: os } => {
            let free = match space(dir) {
                Some((available, size)) => {
                    format!("{} available of {}", bytes(available), bytes(size))
                }
                None => "free space unknown".to_owned(),
            };
            format!(
                "cannot start: the file system holding the data directory {} is full ({free}; a \
                 test write there stopped after {}: {os}; the store said: {error}). {needs}. Free \
                 at least {} on that file system (better several MiB): delete or move other files \
                 there (old logs, dumps, backups), never {DB_FILE}, {DB_FILE}-wal or \
                 {DB_FILE}-shm; or grow it. Then start again. {after}",
                dir.display(),
                bytes(*written as u64),
                bytes(SHM_BYTES),
            )
        }
        Shortage::Quota { written, error: os } => format!(
            "cannot start: this user's disk quota on the file system holding the data directory \
             {} is used up (a test write there stopped after {}: {os}; the store said: {error}). \
             {needs}. Free at least {} of this user's files there, or raise the quota, then \
             start again. {after}",
            dir.display(),
            bytes(*written as u64),
            bytes(SHM_BYTES),
        ),
        Shortage::FileSizeLimit { written, error: os } => format!(
            "cannot start: this process may not write files larger than {} (its file size limit, \
             RLIMIT_FSIZE: `ulimit -f`, systemd `LimitFSIZE=`; a test write in {} stopped there: \
             {os}; the store said: {error}). {needs}. Raise the limit (`LimitFSIZE=infinity`, or \
             `ulimit -f unlimited` before starting), then start again. {after}",
            bytes(*written as u64),
            dir.display(),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_probe_with_room_finds_nothing_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(probe(dir.path()), None);
        assert!(!dir.path().join(PROBE_FILE).exists());
        assert_eq!(explain(dir.path(), "boom".into()), "boom");
    }

    #[test]
    fn messages_say_what_is_short_where_and_what_to_free() {
        let dir = Path::new("/var/lib/erpops");
        let full = describe(
            dir,
            &Shortage::Full {
                written: 0,
                error: "No space left on device (os error 28)".into(),
            },
            "disk I/O error",
        );
        for needle in [
            "is full",
            "/var/lib/erpops",
            "32 KiB",
            "never erpops.sqlite3",
            "disk I/O error",
        ] {
            assert!(full.contains(needle), "{needle}: {full}");
        }
        let limit = describe(
            dir,
            &Shortage::FileSizeLimit {
                written: 16_384,
                error: "File too large (os error 27)".into(),
            },
            "disk I/O error",
        );
        assert!(
            limit.contains("16 KiB") && limit.contains("LimitFSIZE"),
            "{limit}"
        );
        assert_eq!(bytes(812), "812 bytes");
        assert_eq!(bytes(3 * 1024 * 1024 + 200 * 1024), "3.2 MiB");
    }
}
