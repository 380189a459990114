//! The API reference's cURL (curl + openssl), Node and Python examples,
//! run as written (see tests/seed/README.md) against a real receiver.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::process::Command;

use common::*;
use erpops_receiver::store::{AdminStore, SqliteStore};

fn instantiate(template: &str, base: &str, id: &str, secret: &str) -> String {
    template
        .replace("https://api.erpops.ai", base)
        .replace("YOUR_ID", id)
        .replace("YOUR_SECRET", secret)
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

fn events(dir: &std::path::Path, tenant: &str) -> u64 {
    SqliteStore::open(dir).unwrap().event_count(tenant).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_seed_examples_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("seed", "free", "redact");
    let (id, secret) = server.connector("seed");
    let base = format!("http://{}", server.addr);
    let work = tempfile::tempdir().unwrap();

    // cURL as written: its fixed 2026-04-20 timestamp is outside the window.
    let curl = instantiate(include_str!("seed/curl.sh"), &base, &id, &secret);
    let run_curl = |script: &str| {
        let out = tokio::task::block_in_place(|| {
            Command::new("bash").arg("-c").arg(script).output().unwrap()
        });
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let asis = run_curl(&curl);
    assert_eq!(asis["code"], "invalid_event");
    assert_eq!(asis["errors"][0]["code"], "too_old");
    // With the current time it is accepted.
    let now = erpops_receiver::clock::now().to_rfc3339();
    let now = format!("{}Z", &now[..19]);
    let fresh = run_curl(&curl.replace("2026-04-20T03:00:00Z", &now));
    assert_eq!(fresh["status"], "accepted", "{fresh}");
    assert_eq!(events(dir.path(), "seed"), 1);

    if have("node") {
        let file = work.path().join("example.mjs");
        std::fs::write(
            &file,
            instantiate(include_str!("seed/node.mjs"), &base, &id, &secret),
        )
        .unwrap();
        let out = tokio::task::block_in_place(|| Command::new("node").arg(&file).output().unwrap());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            events(dir.path(), "seed"),
            2,
            "the Node example's event is stored"
        );
    } else {
        eprintln!("node not installed: Node example skipped");
    }

    let python_ok = Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if python_ok {
        let file = work.path().join("example.py");
        std::fs::write(
            &file,
            instantiate(include_str!("seed/python.py"), &base, &id, &secret),
        )
        .unwrap();
        let out =
            tokio::task::block_in_place(|| Command::new("python3").arg(&file).output().unwrap());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            events(dir.path(), "seed"),
            3,
            "the Python example's event is stored"
        );
    } else {
        eprintln!("python3 with requests not installed: Python example skipped");
    }
    server.stop().await;
}
