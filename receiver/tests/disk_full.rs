//! Disk full (issue #13): the real `erpops serve` binary runs out of space
//! mid-traffic. Every event must then be answered 503 `store_unavailable`
//! (never acknowledged, never half-stored), the process must stay up, and
//! once space returns the same bytes must be accepted with 202 — not 200
//! duplicate, which would mean a refused event had been stored.
//!
//! Two ways to run out of space, so the scenario runs on any machine:
//! - a 4 MiB tmpfs filled with a filler file (needs root and `mount`;
//!   when that is not possible the test says so on stderr and the
//!   file-size-limit test below still runs);
//! - an `RLIMIT_FSIZE` lowered on the running server with `prlimit --pid`
//!   (no privilege needed: a process may lower and restore its own soft
//!   limit; `SIGXFSZ` is ignored so writes fail with `EFBIG`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::process::{self, ServerProcess};
use common::raw::{self, Step};
use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::store::SqliteStore;

/// The statuses of one `GET /healthz`.
async fn healthz(server: &ServerProcess) -> Vec<u16> {
    raw::exchange(
        server.addr,
        &[Step::Send(raw::request("GET", "/healthz", &[], b""))],
        1,
        Duration::from_secs(10),
    )
    .await
    .statuses()
}

fn setup(data: &Path) -> (String, String) {
    let mut store = SqliteStore::open(data).unwrap();
    admin::run_on(
        &mut store,
        &AdminCommand::Tenants(TenantCommand::Create {
            id: "disk".into(),
            name: None,
            plan: "professional".into(),
            pii: "allow".into(),
        }),
    )
    .unwrap();
    parse_id_secret(
        &admin::run_on(
            &mut store,
            &AdminCommand::Connectors(ConnectorCommand::Create {
                tenant: "disk".into(),
                name: "disk".into(),
            }),
        )
        .unwrap(),
    )
}

/// One signed POST; the status and problem code (0 if no answer in 10 s).
async fn send(
    server: &ServerProcess,
    id: &str,
    secret: &str,
    body: &[u8],
) -> (u16, Option<String>) {
    let request = raw::request(
        "POST",
        RECEIVE,
        &raw::signed_headers(id, secret, body),
        body,
    );
    let got = raw::exchange(
        server.addr,
        &[Step::Send(request)],
        1,
        Duration::from_secs(10),
    )
    .await;
    match got.responses.first() {
        Some(r) => (r.status, r.code()),
        None => (0, None),
    }
}

/// The scenario, with `fill` and `free` taking the space away and giving
/// it back.
async fn run_out_of_space(
    label: &str,
    data: &Path,
    start: impl Fn() -> ServerProcess,
    id: &str,
    secret: &str,
    fill: impl Fn(&ServerProcess),
    free: impl FnOnce(&ServerProcess),
) {
    let server = start();
    let body = |n: usize| body(id, &format!("disk {n} {}", "x".repeat(2_000))).into_bytes();
    let mut accepted = Vec::new();
    for n in 0..5 {
        let b = body(n);
        assert_eq!(
            send(&server, id, secret, &b).await.0,
            202,
            "{label}: before filling"
        );
        accepted.push(b);
    }

    fill(&server);
    let mut refused = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut consecutive = 0;
    for n in 5..2_000 {
        let b = body(n);
        let (status, code) = send(&server, id, secret, &b).await;
        *statuses.entry(status).or_default() += 1;
        match status {
            // Space left in already-allocated pages: still durable.
            202 => {
                accepted.push(b);
                consecutive = 0;
            }
            503 => {
                assert_eq!(code.as_deref(), Some("store_unavailable"), "{label}");
                refused.push(b);
                consecutive += 1;
                if consecutive == 10 {
                    break;
                }
            }
            other => panic!("{label}: while full, got {other} ({code:?})"),
        }
    }
    // A burst decided together (one group, one failed commit): all 503.
    let burst: Vec<Vec<u8>> = (3_000..3_020).map(body).collect();
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for b in burst.clone() {
        let (server, id, secret) = (server.clone(), id.to_owned(), secret.to_owned());
        tasks.push(tokio::spawn(async move {
            send(&server, &id, &secret, &b).await
        }));
    }
    for (t, b) in tasks.into_iter().zip(burst) {
        let (status, code) = t.await.unwrap();
        assert_eq!(
            (status, code.as_deref()),
            (503, Some("store_unavailable")),
            "{label}: burst"
        );
        *statuses.entry(status).or_default() += 1;
        refused.push(b);
    }
    let mut server = std::sync::Arc::try_unwrap(server).ok().unwrap();
    // The store still answers reads, but its latest write failed: /healthz
    // says so (a balancer or a probe can act on it).
    let health = healthz(&server).await;
    assert_eq!(health, vec![503], "{label}: /healthz while writes fail");
    assert!(
        server.alive(),
        "{label}: the server died when the disk filled"
    );
    assert!(
        !refused.is_empty(),
        "{label}: the disk never filled ({statuses:?})"
    );
    // Killed while full and restarted while still full (the supervisor
    // restarts it): it recovers its WAL, serves, and still refuses.
    assert_eq!(server.kill9(), 0, "{label}: the server panicked");
    let server = start();
    fill(&server);
    for n in 4_000..4_005 {
        let b = body(n);
        let (status, code) = send(&server, id, secret, &b).await;
        assert_eq!(
            (status, code.as_deref()),
            (503, Some("store_unavailable")),
            "{label}: after a restart while full"
        );
        *statuses.entry(status).or_default() += 1;
        refused.push(b);
    }

    free(&server);
    // The same bytes again: accepted now (202). A 200 would mean the
    // refused event had been stored after all.
    let mut retried = std::collections::BTreeMap::<u16, usize>::new();
    for b in &refused {
        let mut status = 0;
        for _ in 0..50 {
            status = send(&server, id, secret, b).await.0;
            if status != 503 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        *retried.entry(status).or_default() += 1;
        assert_eq!(status, 202, "{label}: a refused event after space returned");
    }
    for b in &accepted {
        assert_eq!(
            send(&server, id, secret, b).await.0,
            200,
            "{label}: duplicate"
        );
    }
    let fresh = body(9_999);
    assert_eq!(
        send(&server, id, secret, &fresh).await.0,
        202,
        "{label}: a fresh event"
    );
    let health_after = healthz(&server).await;
    assert_eq!(
        health_after,
        vec![200],
        "{label}: /healthz once writes succeed"
    );
    assert_eq!(server.panics(), 0, "{label}: the server panicked");
    let _ = server.kill9();

    let db = rusqlite::Connection::open(data.join("erpops.sqlite3")).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let rows = count("SELECT COUNT(*) FROM events");
    let expected = (accepted.len() + refused.len() + 1) as i64;
    println!(
        "{label}: {} accepted before/while filling, {} refused 503 while full ({statuses:?}), \
         /healthz while full: {health:?}; retried after space returned: {retried:?}; {rows} \
         stored of {expected} sent",
        accepted.len(),
        refused.len()
    );
    assert_eq!(rows, expected, "{label}: stored events");
    assert_eq!(count("SELECT COUNT(DISTINCT raw_body) FROM events"), rows);
    assert_eq!(
        count("SELECT COUNT(*) FROM events WHERE replay_expires_at IS NOT NULL"),
        rows
    );
    assert_eq!(
        count("SELECT COALESCE(SUM(used), 0) FROM quota_usage WHERE metric = 'inbound_event'"),
        rows,
        "{label}: quota counts exactly the stored events"
    );
}

/// Unmounts on drop, so a failing test leaves no mount behind.
struct Mount(PathBuf);
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A 4 MiB tmpfs mounted on `dir`; `None` (said on stderr) where mounting
/// is not allowed.
fn mount_tmpfs(dir: &Path, test: &str) -> Option<Mount> {
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(dir)
        .output();
    match mounted {
        Ok(out) if out.status.success() => Some(Mount(dir.to_path_buf())),
        other => {
            eprintln!(
                "{test}: NOT RUN on a tmpfs — mounting one needs root (uid {}) and the mount \
                 capability: {other:?}. The RLIMIT_FSIZE tests cover running out of space \
                 without privileges.",
                String::from_utf8_lossy(
                    &Command::new("id")
                        .arg("-u")
                        .output()
                        .map(|o| o.stdout)
                        .unwrap_or_default()
                )
                .trim()
            );
            None
        }
    }
}

/// Appends zeros to `path` until the file system refuses (full).
fn fill_up(path: &Path) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_tmpfs_gets_503_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_mount) = mount_tmpfs(dir.path(), "disk_full") else {
        return;
    };
    let data = dir.path().join("data");
    let (id, secret) = setup(&data);
    let filler = dir.path().join("filler");
    let fill_path = filler.clone();
    run_out_of_space(
        "tmpfs",
        &data,
        || process::start(&data),
        &id,
        &secret,
        move |_| fill_up(&fill_path),
        move |_| std::fs::remove_file(&filler).unwrap(),
    )
    .await;
}

fn prlimit(pid: u32, limit: &str) {
    let status = Command::new("prlimit")
        .arg("--pid")
        .arg(pid.to_string())
        .arg(format!("--fsize={limit}"))
        .status()
        .expect("prlimit (util-linux) is needed for the file-size-limit test");
    assert!(status.success(), "prlimit --fsize={limit} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_size_limit_gets_503_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let (id, secret) = setup(&data);
    // Ignore SIGXFSZ (inherited through exec) so an over-limit write fails
    // with EFBIG instead of killing the server.
    let start = || {
        process::start_with(
            &data,
            &[],
            &["sh", "-c", "trap '' XFSZ; exec \"$0\" \"$@\""],
        )
    };
    run_out_of_space(
        "RLIMIT_FSIZE",
        &data,
        start,
        &id,
        &secret,
        // Below the current WAL and database sizes: every write that
        // extends or rewrites them past 16 KiB fails.
        |s| prlimit(s.pid(), "16384:unlimited"),
        |s| prlimit(s.pid(), "unlimited:unlimited"),
    )
    .await;
}

/// Runs `erpops serve` on `data` (under `wrap`) expecting it to exit
/// without serving; its status and stderr. A server that is still running
/// after 30 s fails the test.
fn serve_expecting_exit(data: &Path, wrap: &[&str]) -> (std::process::ExitStatus, String) {
    let mut command = process::erpops_under(wrap);
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("ERPOPS_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "erpops serve kept running where it cannot work: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Yesterday's quota counter: what a receiver stopped over midnight finds
/// to prune when it starts again (a write at start).
fn plant_prunable_row(data: &Path) {
    let db = rusqlite::Connection::open(data.join("erpops.sqlite3")).unwrap();
    db.execute(
        "INSERT INTO quota_usage (tenant, metric, window_start, used) VALUES ('disk', \
         'inbound_event', 0, 1)",
        [],
    )
    .unwrap();
}

fn prunable_rows(data: &Path) -> i64 {
    let db = rusqlite::Connection::open(data.join("erpops.sqlite3")).unwrap();
    db.query_row(
        "SELECT COUNT(*) FROM quota_usage WHERE window_start = 0",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// A receiver stopped cleanly on a full disk, started again while it is
/// still full (issue #22). With no room at all SQLite cannot open the
/// database (it must recreate its 32 KiB shared-memory index): the start
/// fails at once with a message saying the disk is full, where, and what
/// to free. With room for that index but none for a write, it starts (its
/// pruning at start fails and waits for the next tick), answers 503 until
/// space returns, then 202 for the same bytes and 200 for what it had
/// acknowledged before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_stopped_on_a_full_tmpfs_starts_again_or_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_mount) = mount_tmpfs(dir.path(), "disk_full (clean stop)") else {
        return;
    };
    let data = dir.path().join("data");
    let (id, secret) = setup(&data);
    let filler = dir.path().join("filler");
    let reserve = dir.path().join("reserve");
    let body = |n: usize| body(&id, &format!("stop {n} {}", "x".repeat(2_000))).into_bytes();

    let server = process::start(&data);
    let mut accepted = Vec::new();
    for n in 0..5 {
        let b = body(n);
        assert_eq!(send(&server, &id, &secret, &b).await.0, 202);
        accepted.push(b);
    }
    // The disk fills while it runs: what still fits is accepted, the rest
    // refused.
    fill_up(&filler);
    let mut refused = Vec::new();
    for n in 5..2_000 {
        let b = body(n);
        match send(&server, &id, &secret, &b).await {
            (202, _) => accepted.push(b),
            (503, code) => {
                assert_eq!(code.as_deref(), Some("store_unavailable"));
                refused.push(b);
                break;
            }
            other => panic!("while filling: {other:?}"),
        }
    }
    assert!(!refused.is_empty(), "the disk never filled");
    let (clean, panics) = server.terminate(Duration::from_secs(20));
    assert!(clean && panics == 0, "a clean stop on a full disk");
    // While it is stopped a day passes: there is something to prune at
    // the next start (planted with the filler out of the way: SQLite needs
    // room to write it). Then the disk is full again, with 32 KiB set
    // aside for later.
    std::fs::remove_file(&filler).unwrap();
    plant_prunable_row(&data);
    std::fs::write(&reserve, vec![1u8; 32 * 1024]).unwrap();
    fill_up(&filler);

    // No room at all: SQLite cannot open the database. Exit 1 at once,
    // saying why, where and what to free.
    let (status, stderr) = serve_expecting_exit(&data, &[]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    for needle in [
        "is full",
        &data.display().to_string(),
        "32 KiB",
        "never erpops.sqlite3",
    ] {
        assert!(stderr.contains(needle), "{needle:?} in: {stderr}");
    }
    assert!(!data.join(erpops_receiver::diskspace::PROBE_FILE).exists());
    println!("full disk, no room: {}", stderr.trim());

    // Room for SQLite's index, none for a write: it starts and refuses.
    std::fs::remove_file(&reserve).unwrap();
    let server = process::start(&data);
    for n in 4_000..4_003 {
        let b = body(n);
        let (status, code) = send(&server, &id, &secret, &b).await;
        assert_eq!(
            (status, code.as_deref()),
            (503, Some("store_unavailable")),
            "started on a full disk"
        );
        refused.push(b);
    }
    assert_eq!(healthz(&server).await, vec![503], "/healthz while full");
    assert_eq!(prunable_rows(&data), 1, "nothing could be pruned yet");

    // Space returns: the same bytes are accepted, the earlier ones are
    // duplicates. (The pruning skipped at start comes with the writer's
    // next maintenance tick, up to a minute later.)
    std::fs::remove_file(&filler).unwrap();
    for b in &refused {
        let mut status = 0;
        for _ in 0..50 {
            status = send(&server, &id, &secret, b).await.0;
            if status != 503 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, 202, "a refused event once space returned");
    }
    for b in &accepted {
        assert_eq!(send(&server, &id, &secret, b).await.0, 200, "duplicate");
    }
    assert_eq!(healthz(&server).await, vec![200]);
    let (clean, panics) = server.terminate(Duration::from_secs(20));
    assert!(clean && panics == 0);
    println!(
        "clean stop on a full tmpfs: {} accepted, {} refused then accepted once space returned",
        accepted.len(),
        refused.len()
    );
}

/// The same start under a file size limit too small for SQLite's index
/// (`RLIMIT_FSIZE`, set before exec; runs without privileges): exit 1
/// naming the limit and how to raise it; without the limit it starts and
/// knows every event it acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_under_a_file_size_limit_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let (id, secret) = setup(&data);
    let server = process::start(&data);
    let mut accepted = Vec::new();
    for n in 0..3 {
        let b = body(&id, &format!("limit {n}")).into_bytes();
        assert_eq!(send(&server, &id, &secret, &b).await.0, 202);
        accepted.push(b);
    }
    let (clean, _) = server.terminate(Duration::from_secs(20));
    assert!(clean);

    // SIGXFSZ ignored (inherited through exec) so the write fails with
    // EFBIG instead of killing the process.
    let (status, stderr) = serve_expecting_exit(
        &data,
        &[
            "sh",
            "-c",
            "trap '' XFSZ; exec prlimit --fsize=16384 -- \"$0\" \"$@\"",
        ],
    );
    assert_eq!(status.code(), Some(1), "{stderr}");
    for needle in [
        "may not write files larger than 16 KiB",
        "RLIMIT_FSIZE",
        "LimitFSIZE=infinity",
        &data.display().to_string(),
    ] {
        assert!(stderr.contains(needle), "{needle:?} in: {stderr}");
    }
    println!("file size limit: {}", stderr.trim());

    let server = process::start(&data);
    for b in &accepted {
        assert_eq!(send(&server, &id, &secret, b).await.0, 200, "duplicate");
    }
    let (clean, panics) = server.terminate(Duration::from_secs(20));
    assert!(clean && panics == 0);
}
