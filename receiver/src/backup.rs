//! `erpops admin backup` and `erpops admin restore` (issue #22): a
//! consistent copy of a SQLite data directory's database, taken while the
//! server serves, and put back into an empty data directory.
//!
//! **Backup** is SQLite's `VACUUM INTO`: one read transaction, so the copy
//! is the database as of one commit (every event acknowledged before the
//! backup started is in it), written page by page into a new file. In WAL
//! mode a reader never blocks the writer, and unlike the step-wise backup
//! API it does not start over when the writer commits meanwhile (under
//! load it would never finish). The copy goes to `FILE.partial` beside
//! `FILE` (created `0600`: it holds connector secrets), is synced, then
//! renamed to `FILE` without replacing anything, and the directory is
//! synced. It is a plain database file (rollback journal), with no `-wal`.
//!
//! `VACUUM` may renumber rowids (SQLite keeps them today, but does not
//! promise to). The replay index's recovery mark names an event row by
//! rowid *and* id; on a copy where that row no longer matches, the first
//! start writes every event's replay key again (`store/sqlite/replay.rs`),
//! so duplicates are still recognised after a restore either way.
//!
//! **Restore** takes the data directory's lock (so no `erpops serve` runs
//! there, and none starts while it works), refuses a directory that already
//! holds a database (it never overwrites or removes data), copies the file
//! to a temporary name in the directory, checks that copy (an ERPOps
//! schema this binary knows, `PRAGMA quick_check`), syncs it and renames
//! it to `erpops.sqlite3`.
//!
//! A PostgreSQL store is backed up with `pg_dump` and restored with
//! `pg_restore` (docs/deployment.md, "Backups").

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::datalock::{self, LockError};
use crate::diskspace::bytes;
use crate::store::migrate::MIGRATIONS;
use crate::store::sqlite::DB_FILE;
use crate::store::Location;

/// Suffix of the file a backup is written to before it is renamed.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Name, in the data directory, of the copy a restore checks before it
/// renames it to [`DB_FILE`].
pub const RESTORING_FILE: &str = "erpops.sqlite3.restoring";

/// Files beside a database that belong to it: their presence means the
/// directory holds one.
const DB_COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

const PG_BACKUP: &str = "a PostgreSQL store is backed up with PostgreSQL's own tools: \
    `pg_dump -Fc -f erpops.dump 'postgres://…'` (online and consistent), restored with \
    `pg_restore --no-owner -d 'postgres://…/new_db' erpops.dump` into an empty database, then \
    `erpops serve --store 'postgres://…/new_db'`; see docs/deployment.md, \"Backups\"";

/// `erpops admin backup --to FILE`: see the module docs. The text to
/// print, or what went wrong and how to fix it.
pub fn backup(location: &Location, to: &Path) -> Result<String, String> {
    let dir = match location {
        Location::Sqlite(dir) => dir,
        Location::Postgres(_) => {
            return Err(format!(
                "`erpops admin backup` copies a SQLite data directory; {PG_BACKUP}"
            ))
        }
    };
    let source = dir.join(DB_FILE);
    if !source.is_file() {
        return Err(format!(
            "there is no ERPOps database at {}: give the receiver's data directory with --data \
             (or ERPOPS_DATA)",
            source.display()
        ));
    }
    let target = target_path(to)?;
    if target.symlink_metadata().is_ok() {
        return Err(format!(
            "{} already exists: a backup never overwrites a file. Choose another --to, or move \
             that file away first",
            target.display()
        ));
    }
    let partial = with_suffix(&target, PARTIAL_SUFFIX);
    // Claimed with create_new: a second backup to the same file stops here.
    // VACUUM INTO writes into an existing empty file, which keeps the mode.
    private_file(&partial).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} exists: another backup to {} is running, or one was interrupted. If none is \
                 running, remove it and try again",
                partial.display(),
                target.display()
            )
        } else {
            format!("cannot create {}: {e}", partial.display())
        }
    })?;
    let written = write_snapshot(&source, &partial)
        .and_then(|()| sync_file(&partial))
        .and_then(|()| describe_database(&partial));
    let facts = match written {
        Ok(facts) => facts,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    if let Err(e) = rename_new(&partial, &target) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    sync_parent(&target)?;
    let size = std::fs::metadata(&target).map_or(0, |m| m.len());
    Ok(format!(
        "backup written: {}\nsize: {size} bytes ({})\nschema version: {}\nevents: {}\n(a \
         consistent copy of {} as of one commit. It holds connector and webhook secrets in \
         clear: keep it as private as the data directory. Restore it into an empty directory \
         with `erpops admin restore --from {} --data NEW_DIR`)",
        target.display(),
        bytes(size),
        facts.schema_version,
        facts.events,
        source.display(),
        target.display(),
    ))
}

/// `erpops admin restore --from FILE` into the data directory of
/// `location`: see the module docs.
pub fn restore(location: &Location, from: &Path) -> Result<String, String> {
    let dir = match location {
        Location::Sqlite(dir) => dir,
        Location::Postgres(_) => {
            return Err(format!(
            "`erpops admin restore` puts a backup file into a SQLite data directory; {PG_BACKUP}"
        ))
        }
    };
    match std::fs::metadata(from) {
        Ok(m) if m.is_file() => {}
        Ok(_) => {
            return Err(format!(
                "{} is not a file: give the backup file written by `erpops admin backup`",
                from.display()
            ))
        }
        Err(e) => return Err(format!("cannot read {}: {e}", from.display())),
    }
    let created = !dir.exists();
    private_dir(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    let restored = restore_into(dir, from);
    if restored.is_err() && created {
        // Leave nothing behind in a directory made for this restore.
        let _ = std::fs::remove_file(dir.join(datalock::LOCK_FILE));
        let _ = std::fs::remove_dir(dir);
    }
    restored
}

/// [`restore`] into the existing directory `dir`.
fn restore_into(dir: &Path, from: &Path) -> Result<String, String> {
    // Held until the restore is done: no receiver serves this directory,
    // and none starts on it halfway.
    let _lock =
        datalock::try_lock(dir).map_err(|e| match e {
            LockError::Held { pid } => format!(
            "a receiver is serving {} ({}): restore never writes into a directory in use. Stop \
             it first, or restore into another --data directory",
            dir.display(),
            pid.map_or_else(|| "another process holds its lock".to_owned(), |p| format!("pid {p}")),
        ),
            LockError::Io(message) => message,
        })?;
    let present: Vec<String> = std::iter::once(DB_FILE.to_owned())
        .chain(DB_COMPANIONS.iter().map(|s| format!("{DB_FILE}{s}")))
        .filter(|name| dir.join(name).symlink_metadata().is_ok())
        .collect();
    if !present.is_empty() {
        return Err(format!(
            "{} already holds a database ({}): restore never overwrites data. Move it away first \
             (with the receiver stopped: `mv {} {}.old`), or restore into a new --data directory",
            dir.display(),
            present.join(", "),
            dir.display(),
            dir.display(),
        ));
    }
    let temp = dir.join(RESTORING_FILE);
    // Left by an interrupted restore (this one holds the lock): ours.
    remove_database_files(&temp);
    let checked = copy_into(from, &temp).and_then(|()| {
        let facts = check_backup(from, &temp)?;
        sync_file(&temp)?;
        Ok(facts)
    });
    let facts = match checked {
        Ok(facts) => facts,
        Err(e) => {
            remove_database_files(&temp);
            return Err(e);
        }
    };
    let db = dir.join(DB_FILE);
    if let Err(e) = rename_new(&temp, &db) {
        remove_database_files(&temp);
        return Err(e);
    }
    sync_parent(&db)?;
    let size = std::fs::metadata(&db).map_or(0, |m| m.len());
    let known = known_version();
    let migrates = if facts.schema_version < known {
        format!(
            "; its schema (version {}) is brought to version {known} when the receiver starts",
            facts.schema_version
        )
    } else {
        String::new()
    };
    Ok(format!(
        "restored {} into {}\nsize: {size} bytes ({})\nschema version: {}\nevents: {}\nStart the \
         receiver with `erpops serve --data {}`{migrates}. Events acknowledged after the backup \
         was taken are not in it: senders that retry them get 202 again",
        from.display(),
        db.display(),
        bytes(size),
        facts.schema_version,
        facts.events,
        dir.display(),
    ))
}

/// What a backup holds, as printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Facts {
    schema_version: i64,
    events: i64,
}

/// The highest schema version this binary knows.
fn known_version() -> i64 {
    MIGRATIONS.iter().map(|(v, _)| *v).max().unwrap_or(0)
}

/// `to` made absolute through its (existing) directory, so SQLite gets a
/// plain path.
fn target_path(to: &Path) -> Result<PathBuf, String> {
    let name = to.file_name().ok_or_else(|| {
        format!(
            "--to {} names no file: give the backup file's path, e.g. \
             /backups/erpops-2026-12-07.sqlite3",
            to.display()
        )
    })?;
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = parent.canonicalize().map_err(|e| {
        format!(
            "the directory {} of --to cannot be used ({e}): create it first",
            parent.display()
        )
    })?;
    Ok(parent.join(name))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` empty, readable by the owner only; fails if it exists.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates `dir` (and its parents) owner-only when missing, as `serve`
/// does.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// `VACUUM INTO`: the source as of one read transaction, into `partial`
/// (empty).
fn write_snapshot(source: &Path, partial: &Path) -> Result<(), String> {
    let into = partial.to_str().ok_or_else(|| {
        format!(
            "{} is not valid UTF-8: choose another --to",
            partial.display()
        )
    })?;
    // Never created, no URI names, and only read. Read-write all the same:
    // a read-only connection that is the last to close leaves the `-wal`
    // and `-shm` files behind in the data directory when no server runs.
    let conn = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    conn.execute("VACUUM INTO ?1", [into]).map_err(|e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            let size = std::fs::metadata(source).map_or(0, |m| m.len());
            format!(
                "no room for the backup in {} ({e}): it needs up to {} (the database's size). \
                 Free space there or choose another --to",
                partial.parent().unwrap_or(Path::new(".")).display(),
                bytes(size),
            )
        } else {
            format!("backup of {} failed: {e}", source.display())
        }
    })?;
    Ok(())
}

/// The schema version and event count of a (closed) database file.
fn describe_database(path: &Path) -> Result<Facts, String> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot read back {}: {e}", path.display()))?;
    facts(&conn).map_err(|e| format!("cannot read back {}: {e}", path.display()))
}

fn facts(conn: &Connection) -> rusqlite::Result<Facts> {
    Ok(Facts {
        schema_version: conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?,
        events: conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?,
    })
}

/// Copies `from` into `temp` (new, owner-only).
fn copy_into(from: &Path, temp: &Path) -> Result<(), String> {
    let mut source =
        File::open(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let mut file =
        private_file(temp).map_err(|e| format!("cannot create {}: {e}", temp.display()))?;
    std::io::copy(&mut source, &mut file).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}{}",
            from.display(),
            temp.display(),
            if e.raw_os_error() == Some(rustix::io::Errno::NOSPC.raw_os_error()) {
                " (free space on that file system first)"
            } else {
                ""
            }
        )
    })?;
    Ok(())
}

/// Whether the copy at `temp` (of `from`) is an ERPOps database this
/// binary can open: its schema table, a version it knows, and SQLite's
/// structural check.
fn check_backup(from: &Path, temp: &Path) -> Result<Facts, String> {
    let what = from.display();
    let not_ours = |e: rusqlite::Error| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            format!(
                "{what} is not a SQLite database ({e}): give a file written by `erpops admin \
                 backup`"
            )
        } else {
            format!("{what} cannot be read as a SQLite database: {e}")
        }
    };
    let conn = Connection::open_with_flags(
        temp,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(not_ours)?;
    let has_schema: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = \
             'schema_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(not_ours)?;
    if !has_schema {
        return Err(format!(
            "{what} is a SQLite database but not an ERPOps one (it has no schema_migrations \
             table): give a file written by `erpops admin backup`"
        ));
    }
    let facts = facts(&conn).map_err(|e| {
        format!("{what} is not a complete ERPOps database ({e}): give a file written by `erpops admin backup`")
    })?;
    let known = known_version();
    if facts.schema_version > known {
        return Err(format!(
            "{what} was written by a newer erpops (schema version {}; this one knows up to \
             {known}): restore it with that version or a newer one",
            facts.schema_version
        ));
    }
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(not_ours)?;
    if problems.first().map(String::as_str) != Some("ok") {
        let shown: Vec<String> = problems
            .iter()
            .take(5)
            .map(|p| p.replace('\n', " "))
            .collect();
        return Err(format!(
            "{what} is damaged (PRAGMA quick_check: {}): restore another backup",
            shown.join("; ")
        ));
    }
    Ok(facts)
}

fn sync_file(path: &Path) -> Result<(), String> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", path.display()))
}

/// Syncs the directory holding `path`, so its new name survives a crash.
fn sync_parent(path: &Path) -> Result<(), String> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync the directory {}: {e}", parent.display()))
}

/// Renames `from` to `to` unless `to` exists (atomically where the file
/// system supports it).
fn rename_new(from: &Path, to: &Path) -> Result<(), String> {
    let exists = || {
        format!(
            "{} appeared meanwhile: nothing was overwritten. Move it away or choose another name",
            to.display()
        )
    };
    match rustix::fs::renameat_with(
        rustix::fs::CWD,
        from,
        rustix::fs::CWD,
        to,
        rustix::fs::RenameFlags::NOREPLACE,
    ) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::EXIST) => Err(exists()),
        // A file system without RENAME_NOREPLACE: check, then rename.
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            if to.symlink_metadata().is_ok() {
                return Err(exists());
            }
            std::fs::rename(from, to)
                .map_err(|e| format!("cannot rename {} to {}: {e}", from.display(), to.display()))
        }
        Err(e) => Err(format!(
            "cannot rename {} to {}: {e}",
            from.display(),
            to.display()
        )),
    }
}

/// Removes `path` and the files SQLite may have made beside it.
fn remove_database_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in DB_COMPANIONS {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}
