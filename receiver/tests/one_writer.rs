//! One `erpops serve` per data directory (issue #22): a second `serve` on
//! the same directory exits non-zero at once, naming the running pid;
//! `erpops admin` works beside the server; after a `kill -9` of the
//! server, a new one starts (the kernel dropped the lock with the
//! process).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process;

/// Runs `erpops ARGS…` to its end (bounded); its status and stderr.
fn erpops(args: &[&str], data: &std::path::Path) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_erpops"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("ERPOPS_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("erpops {args:?} did not end: a second serve must not wait for the lock");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_second_serve_is_refused_and_a_killed_one_leaves_no_stale_lock() {
    let dir = tempfile::tempdir().unwrap();
    let first = process::start(dir.path());

    let (status, stderr) = erpops(&["serve", "--listen", "127.0.0.1:0"], dir.path());
    assert!(!status.success(), "a second serve started: {stderr}");
    assert!(
        stderr.contains(&format!("pid {}", first.pid())),
        "the message names the running pid: {stderr}"
    );

    let (status, stderr) = erpops(&["admin", "tenants", "list"], dir.path());
    assert!(status.success(), "admin beside the server: {stderr}");

    assert_eq!(first.kill9(), 0, "no panic");
    // The lock file is still there, naming a dead pid; it does not matter.
    assert!(dir
        .path()
        .join(erpops_receiver::datalock::LOCK_FILE)
        .exists());
    let second = process::start(dir.path());
    let (clean, panics) = second.terminate(Duration::from_secs(20));
    assert!(
        clean && panics == 0,
        "the new server ran and stopped cleanly"
    );
}
