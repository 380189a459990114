//! `erpops admin backup` and `restore` (issue #22), as processes beside a
//! real `erpops serve` under load.
//!
//! Several senders post signed events without pause. Each answer is tagged
//! with the phase it arrived in: before the backup process was started,
//! while it ran, after it ended. The backup runs while the load goes on.
//! Its copy is restored into a new data directory and a receiver started
//! there must list every event acknowledged before the backup started
//! (`GET /v1/events`), answer a retry of those same bytes 200 `duplicate`
//! (the replay memory came along, including the keys the running writer
//! still held in memory) and accept again an event sent only after the
//! backup ended (it is not in the copy).
//!
//! And the refusals: a backup to an existing file, a restore into a
//! directory a receiver serves or one that holds a database, and a restore
//! of files that are not an ERPOps database this binary can open.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::process::{self, ServerProcess};
use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{AdminCommand, ApiKeyCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::store::SqliteStore;

const BIN: &str = env!("CARGO_BIN_EXE_erpops");
/// Concurrent senders.
const SENDERS: usize = 4;
/// Events acknowledged before the backup starts.
const BEFORE: usize = 400;

/// Phases of the run, as seen by a sender when its answer arrived.
const BEFORE_BACKUP: u8 = 0;
const DURING_BACKUP: u8 = 1;
const AFTER_BACKUP: u8 = 2;

/// `erpops admin --data DATA ARGS…` to its end.
fn admin_cmd(data: &Path, args: &[&str]) -> Output {
    tokio::task::block_in_place(|| {
        Command::new(BIN)
            .arg("admin")
            .arg("--data")
            .arg(data)
            .args(args)
            .env("ERPOPS_LOG", "warn")
            .output()
            .unwrap()
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A refused command: exit 1 and each of `needles` in its message.
fn assert_refused(out: &Output, needles: &[&str], what: &str) {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{what}: {text}");
    for needle in needles {
        assert!(text.contains(needle), "{what}: {needle:?} in {text}");
    }
    println!("{what}: {}", text.trim());
}

/// Tenant `bk` (enterprise: no quota in the way) with a connector and an
/// API key: (connector id, secret, API key).
fn setup(data: &Path) -> (String, String, String) {
    let mut store = SqliteStore::open(data).unwrap();
    let mut run = |c: AdminCommand| admin::run_on(&mut store, &c).unwrap();
    run(AdminCommand::Tenants(TenantCommand::Create {
        id: "bk".into(),
        name: None,
        plan: "enterprise".into(),
        pii: "allow".into(),
    }));
    let (id, secret) = parse_id_secret(&run(AdminCommand::Connectors(ConnectorCommand::Create {
        tenant: "bk".into(),
        name: "load".into(),
    })));
    let out = run(AdminCommand::ApiKeys(ApiKeyCommand::Create {
        tenant: "bk".into(),
        label: "backup test".into(),
    }));
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("api_key:"))
        .unwrap()
        .trim()
        .to_owned();
    (id, secret, key)
}

/// One answered event.
#[derive(Debug, Clone)]
struct Sent {
    body: String,
    status: u16,
    event_id: Option<String>,
    /// The phase when it was sent, and when its answer arrived.
    sent: u8,
    answered: u8,
}

/// Every event id `GET /v1/events` lists for `key`, all pages.
async fn listed_events(server: &ServerProcess, key: &str) -> BTreeSet<String> {
    let auth = format!("Bearer {key}");
    let mut ids = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("http://{}/v1/events?limit=200", server.addr);
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = request("GET", &url, &[("Authorization", auth.as_str())], Vec::new()).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        for e in r.body["data"].as_array().unwrap() {
            assert!(
                ids.insert(e["event_id"].as_str().unwrap().to_owned()),
                "listed twice"
            );
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
}

/// The number after `label` in the command's output (`events: 812`).
fn field(out: &str, label: &str) -> i64 {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} in {out}"))
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_acknowledged_event_and_its_replay_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (id, secret, key) = setup(&data);
    let server = process::start(&data);
    let url = format!("http://{}{RECEIVE}", server.addr);

    let phase = Arc::new(AtomicU8::new(BEFORE_BACKUP));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let acked_after = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let (url, id, secret) = (url.clone(), id.clone(), secret.clone());
        let (phase, stop, acked, acked_after) = (
            phase.clone(),
            stop.clone(),
            acked.clone(),
            acked_after.clone(),
        );
        senders.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let b = body(&id, &format!("sender {s} event {n} {}", "x".repeat(1_000)));
                let at_send = phase.load(Ordering::SeqCst);
                let r = post(url.clone(), id.clone(), secret.clone(), b.clone()).await;
                let at_answer = phase.load(Ordering::SeqCst);
                if r.status == 202 {
                    acked.fetch_add(1, Ordering::SeqCst);
                    if at_send == AFTER_BACKUP {
                        acked_after.fetch_add(1, Ordering::SeqCst);
                    }
                }
                sent.push(Sent {
                    body: b,
                    status: r.status,
                    event_id: r.body["event_id"].as_str().map(str::to_owned),
                    sent: at_send,
                    answered: at_answer,
                });
            }
            sent
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.load(Ordering::SeqCst) < BEFORE {
        assert!(Instant::now() < deadline, "the load never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The backup, as a process, while the senders go on.
    let target = dir.path().join("erpops-backup.sqlite3");
    phase.store(DURING_BACKUP, Ordering::SeqCst);
    let started = Instant::now();
    let backup = {
        let (data, target) = (data.clone(), target.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .arg("admin")
                .arg("--data")
                .arg(&data)
                .args(["backup", "--to"])
                .arg(&target)
                .env("ERPOPS_LOG", "warn")
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let took = started.elapsed();
    phase.store(AFTER_BACKUP, Ordering::SeqCst);
    let acked_during = acked.load(Ordering::SeqCst);
    assert!(backup.status.success(), "backup: {}", stderr(&backup));
    let report = stdout(&backup);
    assert!(
        report.contains(&format!("backup written: {}", target.display())),
        "{report}"
    );
    assert!(report.contains("secrets"), "{report}");
    let in_backup = field(&report, "events:");
    assert!(field(&report, "schema version:") > 0, "{report}");
    assert_eq!(
        field(&report, "size:"),
        std::fs::metadata(&target).unwrap().len() as i64
    );
    // Events sent after the backup ended, to check they are not in it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked_after.load(Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "no load after the backup");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut sent: Vec<Sent> = Vec::new();
    for t in senders {
        sent.extend(t.await.unwrap());
    }
    let bad: Vec<_> = sent.iter().filter(|s| s.status != 202).collect();
    assert!(
        bad.is_empty(),
        "every event accepted, backup or not: {bad:?}"
    );
    let before: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.answered == BEFORE_BACKUP)
        .collect();
    let during = sent
        .iter()
        .filter(|s| s.sent == DURING_BACKUP || s.answered == DURING_BACKUP)
        .count();
    let after: Vec<&Sent> = sent.iter().filter(|s| s.sent == AFTER_BACKUP).collect();
    println!(
        "backup of {in_backup} events in {took:?} ({} bytes) under load: {} acknowledged before \
         it started, {during} sent or answered while it ran, {} sent after it ended ({} acked \
         by its end)",
        std::fs::metadata(&target).unwrap().len(),
        before.len(),
        after.len(),
        acked_during
    );
    assert!(before.len() >= BEFORE);
    // Everything acknowledged before it is in it; nothing sent after is.
    assert!(
        in_backup >= before.len() as i64,
        "{in_backup} < {}",
        before.len()
    );
    assert!(in_backup <= (sent.len() - after.len()) as i64);
    // The running writer held the replay keys of its last seconds in
    // memory, not in `replay_index`: in the copy they are only in the
    // event rows after the recovery mark, which the restored receiver
    // writes into the index at its first transaction.
    let (held, mark_matches): (i64, bool) = {
        let copy = rusqlite::Connection::open_with_flags(
            &target,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        copy.query_row(
            "SELECT (SELECT COUNT(*) FROM events WHERE rowid > f.event_rowid), \
             f.event_rowid = 0 OR EXISTS (SELECT 1 FROM events e WHERE e.rowid = f.event_rowid \
             AND e.event_id = f.event_id) FROM replay_flushed f",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    println!(
        "in the copy: {held} events whose replay keys were held in memory; the recovery mark \
         {} its row (VACUUM INTO kept the rowids: {mark_matches})",
        if mark_matches {
            "still names"
        } else {
            "no longer names"
        }
    );
    assert!(held > 0, "the copy was taken with replay keys held");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds secrets: owner-only");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("erpops-backup") && n != "erpops-backup.sqlite3")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A backup never overwrites a file.
    let kept = std::fs::read(&target).unwrap();
    let again = admin_cmd(&data, &["backup", "--to", target.to_str().unwrap()]);
    assert_refused(
        &again,
        &["already exists", "another --to"],
        "backup to an existing file",
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        kept,
        "the backup is unchanged"
    );

    // Restore refuses a directory a receiver serves…
    let served = admin_cmd(&data, &["restore", "--from", target.to_str().unwrap()]);
    assert_refused(
        &served,
        &[
            "is serving",
            &format!("pid {}", server.pid()),
            "Stop it first",
        ],
        "restore into a served directory",
    );
    let (clean, panics) = server.terminate(Duration::from_secs(20));
    assert!(clean && panics == 0);
    // …and one that holds a database, even with no receiver.
    let size = std::fs::metadata(data.join("erpops.sqlite3"))
        .unwrap()
        .len();
    let occupied = admin_cmd(&data, &["restore", "--from", target.to_str().unwrap()]);
    assert_refused(
        &occupied,
        &["already holds a database", "erpops.sqlite3", "Move it away"],
        "restore into a directory with a database",
    );
    assert_eq!(
        std::fs::metadata(data.join("erpops.sqlite3"))
            .unwrap()
            .len(),
        size,
        "the existing database is untouched"
    );

    // Restore into a new directory.
    let restored = dir.path().join("restored");
    let out = admin_cmd(&restored, &["restore", "--from", target.to_str().unwrap()]);
    assert!(out.status.success(), "restore: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(field(&text, "events:"), in_backup, "{text}");
    assert!(text.contains("erpops serve --data"), "{text}");
    assert!(!restored
        .join(erpops_receiver::backup::RESTORING_FILE)
        .exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(restored.join("erpops.sqlite3"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    let server = process::start(&restored);
    let listed = listed_events(&server, &key).await;
    assert_eq!(
        listed.len() as i64,
        in_backup,
        "the restored receiver's events"
    );
    let missing: Vec<_> = before
        .iter()
        .filter(|s| !listed.contains(s.event_id.as_ref().unwrap()))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing after the restore: {}",
        missing.len()
    );
    // Retries of the same bytes are duplicates: the last ones acknowledged
    // before the backup (the writer most likely still held their replay
    // keys in memory, not in the replay table) and a few early ones.
    let url = format!("http://{}{RECEIVE}", server.addr);
    let retried: Vec<&Sent> = before
        .iter()
        .rev()
        .take(12)
        .chain(before.iter().take(3))
        .copied()
        .collect();
    for s in retried {
        let r = post(url.clone(), id.clone(), secret.clone(), s.body.clone()).await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("duplicate")),
            "a retry after the restore: {:?}",
            r.body
        );
        assert_eq!(r.body["event_id"].as_str(), s.event_id.as_deref());
    }
    // An event sent only after the backup ended is not in it: accepted.
    let late = after.last().unwrap();
    assert!(!listed.contains(late.event_id.as_ref().unwrap()));
    let r = post(url.clone(), id.clone(), secret.clone(), late.body.clone()).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let (clean, panics) = server.terminate(Duration::from_secs(20));
    assert!(clean && panics == 0);
}

#[test]
fn restore_refuses_what_is_not_an_erpops_database_it_can_open() {
    let dir = tempfile::tempdir().unwrap();
    let run = |from: &Path, into: &Path| {
        Command::new(BIN)
            .arg("admin")
            .arg("--data")
            .arg(into)
            .arg("restore")
            .arg("--from")
            .arg(from)
            .env("ERPOPS_LOG", "warn")
            .output()
            .unwrap()
    };
    let into = dir.path().join("new");

    // Not a database at all.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"hello, this is not a database\n".repeat(200)).unwrap();
    assert_refused(
        &run(&junk, &into),
        &["is not a SQLite database", "erpops admin backup"],
        "a text file",
    );
    assert!(
        !into.exists(),
        "a failed restore leaves no directory behind"
    );

    // A SQLite database, not ours.
    let foreign = dir.path().join("foreign.sqlite3");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
        .unwrap();
    assert_refused(
        &run(&foreign, &into),
        &["not an ERPOps one", "schema_migrations"],
        "another application's database",
    );

    // Ours, from a newer erpops.
    let source = dir.path().join("source");
    drop(SqliteStore::open(&source).unwrap());
    let newer = dir.path().join("newer.sqlite3");
    let out = Command::new(BIN)
        .arg("admin")
        .arg("--data")
        .arg(&source)
        .args(["backup", "--to"])
        .arg(&newer)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute("INSERT INTO schema_migrations (version) VALUES (9999)", [])
        .unwrap();
    assert_refused(
        &run(&newer, &into),
        &["newer erpops", "schema version 9999"],
        "a database from a newer erpops",
    );

    // Damaged: a page of the copy overwritten.
    let damaged = dir.path().join("damaged.sqlite3");
    std::fs::remove_file(&newer).unwrap();
    let out = Command::new(BIN)
        .arg("admin")
        .arg("--data")
        .arg(&source)
        .args(["backup", "--to"])
        .arg(&damaged)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut bytes = std::fs::read(&damaged).unwrap();
    let page = 4096;
    let last = bytes.len() / page - 1;
    for b in &mut bytes[page * last / 2..page * last / 2 + page] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let out = run(&damaged, &into);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        ["is damaged", "malformed", "not a complete"]
            .iter()
            .any(|n| text.contains(n)),
        "a damaged copy: {text}"
    );
    println!("a damaged copy: {}", text.trim());

    // Missing, or a directory.
    assert_refused(
        &run(&dir.path().join("nope.sqlite3"), &into),
        &["cannot read", "nope.sqlite3"],
        "a missing file",
    );
    assert_refused(&run(dir.path(), &into), &["is not a file"], "a directory");
    assert!(!into.exists());
}
