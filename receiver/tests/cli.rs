//! The `erpops` binary's client and admin commands, run as a process:
//! `sign` agrees with openssl, `send` retries 5xx and 429 (waiting for
//! Retry-After) with the same bytes, and its exit codes tell rejected from
//! gave-up; an event over the receiver's limit is refused before it is
//! signed, and a 413 is explained, not retried (exit 4); `serve --config`
//! refuses unknown keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::convert::Infallible;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const BIN: &str = env!("CARGO_BIN_EXE_erpops");

fn erpops(args: &[&str], env: &[(&str, &str)]) -> Output {
    tokio::task::block_in_place(|| {
        let mut c = Command::new(BIN);
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    })
}

#[test]
fn help_lists_the_subcommands() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["serve", "admin", "sign", "send"] {
        assert!(text.contains(sub), "{text}");
    }
}

#[test]
fn sign_matches_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.json");
    std::fs::write(&file, b"{\"a\":1}\n").unwrap();
    let out = Command::new(BIN)
        .args([
            "sign",
            "--secret-env",
            "S",
            "--file",
            file.to_str().unwrap(),
        ])
        .env("S", "topsecret")
        .output()
        .unwrap();
    assert!(out.status.success());
    let ours = String::from_utf8(out.stdout).unwrap();
    let openssl = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "openssl dgst -sha256 -hmac topsecret < {} | awk '{{print $2}}'",
            file.display()
        ))
        .output()
        .unwrap();
    let theirs = String::from_utf8(openssl.stdout).unwrap();
    assert_eq!(ours.trim(), format!("sha256={}", theirs.trim()));
    // A missing variable is a clear local error, exit 1.
    let out = Command::new(BIN)
        .args(["sign", "--secret-env", "NOPE_NOT_SET"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE_NOT_SET"));
}

#[test]
fn serve_refuses_unknown_config_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("erpops.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nlisten_port = 9\n").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen_port"), "{err}");
}

/// A stub receiver answering 503, then 429 with Retry-After: 1, then 202;
/// it records every (signature, body) it got and when.
async fn stub() -> (String, Arc<Mutex<Vec<(String, Bytes, Instant)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<(String, Bytes, Instant)>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let log = log.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let log = log.clone();
                    async move {
                        let sig = req.headers()["x-erpops-signature"]
                            .to_str()
                            .unwrap()
                            .to_owned();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let n = {
                            let mut l = log.lock().unwrap();
                            l.push((sig, body, Instant::now()));
                            l.len()
                        };
                        let (status, retry) = match n {
                            1 => (503, None),
                            2 => (429, Some("1")),
                            _ => (202, None),
                        };
                        let mut r = hyper::Response::builder().status(status);
                        if let Some(s) = retry {
                            r = r.header("Retry-After", s);
                        }
                        Ok::<_, Infallible>(
                            r.body(Full::new(Bytes::from_static(b"{\"status\":\"x\"}")))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}{RECEIVE}"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_retries_5xx_and_waits_for_retry_after_with_the_same_bytes() {
    let (url, seen) = stub().await;
    let id = "123e4567-e89b-12d3-a456-426614174000";
    let out = erpops(
        &[
            "send",
            "--url",
            &url,
            "--connector-id",
            id,
            "--secret-env",
            "S",
            "--event-type",
            "integration.failed",
            "--severity",
            "error",
            "--source",
            "PSFT_PAYROLL_BATCH",
            "--message",
            "Exit code 1",
            "--meta",
            "records_processed=18441",
            "--meta",
            "records_total=40000",
            "--initial-backoff-ms",
            "10",
        ],
        &[("S", "secret")],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|(s, b, _)| *s == seen[0].0 && *b == seen[0].1),
        "same bytes every time"
    );
    let waited = seen[2].2.duration_since(seen[1].2);
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After honoured: {waited:?}"
    );
    let body: serde_json::Value = serde_json::from_slice(&seen[0].1).unwrap();
    assert_eq!(body["metadata"]["records_total"], 40000);
    assert_eq!(seen[0].0, signature("secret", &seen[0].1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_exit_codes_against_the_real_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("cli", "free", "redact");
    let (id, secret) = server.connector("cli");
    let url = server.url(RECEIVE);
    let file = dir.path().join("body.json");
    std::fs::write(&file, body(&id, "from a file")).unwrap();
    let send = |secret: &str, url: &str| {
        erpops(
            &[
                "send",
                "--url",
                url,
                "--connector-id",
                &id,
                "--secret-env",
                "S",
                "--file",
                file.to_str().unwrap(),
                "--max-attempts",
                "2",
                "--initial-backoff-ms",
                "10",
            ],
            &[("S", secret)],
        )
    };
    let ok = send(&secret, &url);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("accepted"));
    // The same file again: a duplicate is success too.
    let dup = send(&secret, &url);
    assert_eq!(dup.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&dup.stdout).contains("duplicate"));
    // Wrong secret: rejected (4xx), exit 2, no retry.
    let bad = send("wrong", &url);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("signature_mismatch"));
    server.stop().await;
    // Nobody listening any more: gave up, exit 3.
    let gone = send(&secret, &url);
    assert_eq!(
        gone.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&gone.stderr)
    );
}

/// The number after `would be ` in the core's `body_too_large` message.
fn reported_size(text: &str) -> usize {
    let at = text.find("would be ").unwrap() + "would be ".len();
    text[at..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_refuses_an_event_over_the_limit_before_signing_or_sending() {
    let (url, seen) = stub().await;
    let id = "123e4567-e89b-12d3-a456-426614174000";
    // Issue #22: 64 valid metadata values of 1,024 four-byte characters are
    // a ~270 KB body, which every receiver with the default limit answers
    // 413: the batch job's event was lost. Now it never leaves the machine.
    let metas: Vec<String> = (0..64)
        .map(|i| format!("note{i}={}", "\u{1F600}".repeat(1024)))
        .collect();
    let mut args = vec![
        "send",
        "--url",
        &url,
        "--connector-id",
        id,
        "--secret-env",
        "S",
        "--event-type",
        "integration.failed",
        "--initial-backoff-ms",
        "10",
    ];
    for m in &metas {
        args.extend(["--meta", m.as_str()]);
    }
    let out = erpops(&args, &[("S", "secret")]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("body_too_large"), "{err}");
    // The core's own message, naming the size and the limit and the fix.
    let size = reported_size(&err);
    assert!(size > 260_000, "{err}");
    let core = erpops_core::event::BodyTooLarge { size, limit: 65536 }.to_string();
    assert!(err.contains(&core), "{err}\nwant {core}");
    assert!(
        err.contains("shorten the message or the metadata values"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A receiver configured lower: --max-body-bytes is its limit.
    let small = erpops(
        &[
            "send",
            "--url",
            &url,
            "--connector-id",
            id,
            "--secret-env",
            "S",
            "--event-type",
            "integration.failed",
            "--message",
            "Exit code 1 at record 18441",
            "--max-body-bytes",
            "100",
        ],
        &[("S", "secret")],
    );
    let err = String::from_utf8_lossy(&small.stderr);
    assert_eq!(small.status.code(), Some(4), "{err}");
    assert!(err.contains("limit of 100 bytes"), "{err}");
    // A body read with --file is sent as it is, so only its size is held
    // to the limit: 64 KiB + 1 is refused the same way, 64 KiB is not
    // refused for its size (the stub answers it).
    let dir = tempfile::tempdir().unwrap();
    let over = dir.path().join("over.json");
    std::fs::write(&over, vec![b' '; 65_537]).unwrap();
    let file_args = |path: &str| {
        vec![
            "send".to_owned(),
            "--url".to_owned(),
            url.clone(),
            "--connector-id".to_owned(),
            id.to_owned(),
            "--secret-env".to_owned(),
            "S".to_owned(),
            "--file".to_owned(),
            path.to_owned(),
            "--max-attempts".to_owned(),
            "1".to_owned(),
        ]
    };
    let args = file_args(over.to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = erpops(&args, &[("S", "secret")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("nothing was sent (body_too_large)")
            && err.contains("65537 bytes, 1 more than the limit of 65536 bytes"),
        "{err}"
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    let fits = dir.path().join("fits.json");
    std::fs::write(&fits, vec![b' '; 65_536]).unwrap();
    let args = file_args(fits.to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = erpops(&args, &[("S", "secret")]);
    assert_ne!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the body at the limit was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_explains_a_413_from_a_receiver_configured_lower_and_does_not_retry() {
    let dir = tempfile::tempdir().unwrap();
    // A receiver whose max_body_bytes is 1,000: a 2 KB event passes the
    // sender's default 64 KiB check and gets 413 there.
    let settings = erpops_receiver::settings::Settings {
        max_body_bytes: 1000,
        ..common::settings(dir.path())
    };
    let (receiver, _) = erpops_receiver::serve::start(&settings, false)
        .await
        .unwrap();
    let mut server = TestServer {
        addr: receiver.server.addr,
        receiver: Some(receiver),
        data: dir.path().to_path_buf(),
    };
    server.tenant("cli", "free", "redact");
    let (id, secret) = server.connector("cli");
    let url = server.url(RECEIVE);
    let message = "x".repeat(2000);
    let out = erpops(
        &[
            "send",
            "--url",
            &url,
            "--connector-id",
            &id,
            "--secret-env",
            "S",
            "--event-type",
            "integration.failed",
            "--message",
            &message,
            "--max-attempts",
            "5",
            "--initial-backoff-ms",
            "10",
        ],
        &[("S", secret.as_str())],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    for part in [
        "413 body_too_large",
        "lower than this body's",
        "shorten the message or metadata",
        "raise max_body_bytes on the receiver",
        "not retried",
    ] {
        assert!(err.contains(part), "{part:?} in {err}");
    }
    assert!(!err.contains("retrying"), "one attempt only: {err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("body_too_large"));
    // Told the receiver's limit, send refuses before sending (same exit).
    let out = erpops(
        &[
            "send",
            "--url",
            &url,
            "--connector-id",
            &id,
            "--secret-env",
            "S",
            "--event-type",
            "integration.failed",
            "--message",
            &message,
            "--max-body-bytes",
            "1000",
        ],
        &[("S", secret.as_str())],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("nothing was sent (body_too_large)") && err.contains("limit of 1000 bytes"),
        "{err}"
    );
    server.stop().await;
}

#[test]
fn admin_commands_on_a_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["admin", "--data", data];
        all.extend_from_slice(args);
        Command::new(BIN).args(&all).output().unwrap()
    };
    assert!(
        run(&["tenants", "create", "acme", "--plan", "professional"])
            .status
            .success()
    );
    let dup = run(&["tenants", "create", "acme"]);
    assert_eq!(dup.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let bad_plan = run(&["tenants", "create", "x", "--plan", "gold"]);
    assert!(String::from_utf8_lossy(&bad_plan.stderr).contains("unknown plan"));
    let created = run(&[
        "connectors",
        "create",
        "--tenant",
        "acme",
        "--name",
        "payroll",
    ]);
    let (id, secret) = parse_id_secret(&String::from_utf8_lossy(&created.stdout));
    assert_eq!(secret.len(), 64);
    let list = String::from_utf8(run(&["connectors", "list"]).stdout).unwrap();
    assert!(list.contains(&id) && list.contains("payroll"));
    assert!(!list.contains(&secret), "secrets are never listed");
    let tenants = String::from_utf8(run(&["tenants", "list"]).stdout).unwrap();
    assert!(
        tenants.contains("acme\tprofessional\tredact\tfalse"),
        "{tenants}"
    );
}
