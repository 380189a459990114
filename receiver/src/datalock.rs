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

/// Takes the data directory's lock for this process, creating the
/// directory if needed; the error says which process holds it and what to
/// do.
pub fn lock(dir: &Path) -> Result<DataLock, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
    if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
        if e != rustix::io::Errno::WOULDBLOCK {
            return Err(format!("cannot lock {}: {e}", path.display()));
        }
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = holder.trim();
        let who = if holder.is_empty() {
            "another process".to_owned()
        } else {
            format!("another erpops serve (pid {holder})")
        };
        return Err(format!(
            "{who} is serving the data directory {}: one receiver per data directory (two would \
             duplicate incidents and could accept the same event twice). Stop it first, or give \
             this one another --data; `erpops admin` works beside the running server",
            dir.display()
        ));
    }
    let pid = std::process::id();
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
        .and_then(|()| writeln!(file, "{pid}"))
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the lock file {}: {e}", path.display()))?;
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
