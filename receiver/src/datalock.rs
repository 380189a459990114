//! One `erpops serve` per data directory (issue #22).
//!
//! Two receivers on one SQLite data directory would each keep their own
//! incident model and their own replay keys in memory: incidents and
//! notifications would be duplicated, and the same bytes could be accepted
//! and charged twice. So `serve` takes an exclusive `flock` on
//! `DATA/erpops.lock` before it opens the store, holds it for its whole
//! life and writes its pid into the file. A second `serve` fails at once
//! and names that pid. The kernel drops the lock with the process, however
//! it ends (`kill -9` included), so a stale lock file never blocks a start:
//! the pid in it is only a hint for the message. `erpops admin` takes no
//! lock: it is meant to run beside the server.
//!
//! A shared PostgreSQL store takes no lock here: several receivers on one
//! database is what it is for.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "erpops.lock";

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
    path: PathBuf,
}

impl DataLock {
    /// Where the lock file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why the lock could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockError {
    /// Another process holds it; the pid it wrote, when readable.
    Held {
        /// The pid in the lock file (a hint: it may be stale).
        pid: Option<String>,
    },
    /// The directory or the lock file could not be created or locked.
    Io(String),
}

/// Takes the data directory's lock for this process, creating the
/// directory if needed; the error says which process holds it and what to
/// do.
pub fn lock(dir: &Path) -> Result<DataLock, String> {
    try_lock(dir).map_err(|e| match e {
        LockError::Held { pid } => {
            let who = match pid {
                Some(pid) => format!("another erpops serve (pid {pid})"),
                None => "another process".to_owned(),
            };
            format!(
                "{who} is serving the data directory {}: one receiver per data directory (two \
                 would duplicate incidents and could accept the same event twice). Stop it first, \
                 or give this one another --data; `erpops admin` works beside the running server",
                dir.display()
            )
        }
        LockError::Io(message) => message,
    })
}

/// [`lock`] with the reason as a value (`erpops admin restore` says
/// something else when a server holds it).
pub fn try_lock(dir: &Path) -> Result<DataLock, LockError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        LockError::Io(format!(
            "cannot create the data directory {}: {e}",
            dir.display()
        ))
    })?;
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| LockError::Io(format!("cannot open the lock file {}: {e}", path.display())))?;
    if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
        if e != rustix::io::Errno::WOULDBLOCK {
            return Err(LockError::Io(format!(
                "cannot lock {}: {e}",
                path.display()
            )));
        }
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = holder.trim();
        return Err(LockError::Held {
            pid: (!holder.is_empty()).then(|| holder.to_owned()),
        });
    }
    // The pid is only a hint for the message above: the lock is the flock.
    // It is written over the old one before the file is cut to its length
    // (truncating first would free the file's block and need it back), and
    // a failed write (a full disk) is no reason not to start.
    let pid = format!("{}\n", std::process::id());
    let written = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(pid.as_bytes()))
        .and_then(|()| file.set_len(pid.len() as u64))
        .and_then(|()| file.flush());
    if let Err(e) = written {
        tracing::warn!(
            path = %path.display(),
            error = %e,
            "cannot write the pid into the lock file (the lock is held all the same)"
        );
    }
    Ok(DataLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path()).unwrap();
        let held = std::fs::read_to_string(first.path()).unwrap();
        assert_eq!(held.trim(), std::process::id().to_string());
        // flock locks belong to the open file: a second open in the same
        // process conflicts as another process would.
        let e = lock(dir.path()).unwrap_err();
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        assert!(e.contains("another --data"), "{e}");
        drop(first);
        lock(dir.path()).unwrap();
    }
}
