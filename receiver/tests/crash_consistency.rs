//! Crash consistency (issue #13): the real `erpops serve` binary is killed
//! with SIGKILL at random moments while concurrent clients send signed
//! events (and re-send the same bytes), then restarted on the same data
//! directory, six times (plus two graceful SIGTERM stops under load). Afterwards the database must hold every event
//! that was acknowledged (202, or 200 for a retry), each exactly once,
//! nothing that was not, one replay digest per event, and quota counters
//! equal to the stored events.
//!
//! The kill moments come from a seeded generator: the seed is printed, and
//! `ERPOPS_CRASH_SEED=<n>` replays a run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use common::process::{self, ServerProcess};
use common::raw::{self, End, Step};
use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{AdminCommand, ConnectorCommand, TenantCommand};
use erpops_receiver::store::SqliteStore;

/// How many times the server is killed with SIGKILL.
const KILLS: usize = 6;
/// Stops (0-based) that are an operator's SIGTERM instead, in between.
const TERMS: [usize; 2] = [3, 6];
/// Concurrent clients.
const CLIENTS: usize = 8;

/// A small deterministic generator (the kill moments and client choices).
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    std::env::var("ERPOPS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(13)
        })
}

fn admin_run(data: &Path, command: AdminCommand) -> String {
    let mut store = SqliteStore::open(data).unwrap();
    admin::run_on(&mut store, &command).unwrap()
}

fn tenant(data: &Path, id: &str, plan: &str) {
    admin_run(
        data,
        AdminCommand::Tenants(TenantCommand::Create {
            id: id.into(),
            name: None,
            plan: plan.into(),
            pii: "allow".into(),
        }),
    );
}

fn connector(data: &Path, tenant: &str) -> (String, String) {
    parse_id_secret(&admin_run(
        data,
        AdminCommand::Connectors(ConnectorCommand::Create {
            tenant: tenant.into(),
            name: "crash".into(),
        }),
    ))
}

/// What the clients saw, shared.
#[derive(Default)]
struct Log {
    /// Every answer or failure, by kind.
    statuses: BTreeMap<String, usize>,
    /// Bodies acknowledged (202 or 200): event id → (body, tenant).
    acknowledged: HashMap<String, (Vec<u8>, String)>,
    /// Bodies finally refused with 429 (never stored).
    refused: HashMap<String, Vec<u8>>,
    /// Acknowledged bodies sent again that did not come back 200 with the
    /// same id.
    bad_retries: Vec<String>,
    /// Retries of acknowledged bytes answered 200 with the same id.
    good_retries: usize,
    /// Bodies whose reply was lost (connection cut) and that a retry then
    /// found already stored (200 duplicate).
    lost_replies_found_stored: usize,
    tried: usize,
}

impl Log {
    fn count(&mut self, key: impl Into<String>) {
        self.tried += 1;
        *self.statuses.entry(key.into()).or_default() += 1;
    }
}

struct Client {
    tenant: String,
    connector: String,
    secret: String,
    name: String,
}

/// Sends `body` until it is acknowledged or refused for quota; retries
/// the same bytes after a 503, a cut connection or a refused connection.
async fn deliver(
    client: &Client,
    body: &[u8],
    addr: &RwLock<SocketAddr>,
    log: &Mutex<Log>,
) -> Option<(u16, String)> {
    let request = raw::request(
        "POST",
        RECEIVE,
        &raw::signed_headers(&client.connector, &client.secret, body),
        body,
    );
    let mut cut = false;
    for _ in 0..2_000 {
        let target = *addr.read().unwrap();
        let got = raw::exchange(
            target,
            &[Step::Send(request.clone())],
            1,
            Duration::from_secs(10),
        )
        .await;
        let Some(response) = got.responses.first() else {
            log.lock().unwrap().count(match got.end {
                End::ConnectFailed => "connection refused",
                End::Closed => "cut before the reply",
                End::TimedOut => "timed out",
            });
            cut |= got.end != End::ConnectFailed;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        log.lock().unwrap().count(response.status.to_string());
        let event_id = || {
            serde_json::from_slice::<serde_json::Value>(&response.body).unwrap()["event_id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        match response.status {
            202 => return Some((202, event_id())),
            200 => {
                if cut {
                    log.lock().unwrap().lost_replies_found_stored += 1;
                }
                return Some((200, event_id()));
            }
            429 => return Some((429, String::new())),
            503 => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!(
                "{}: unexpected {other}: {}",
                client.name,
                String::from_utf8_lossy(&response.body)
            ),
        }
    }
    None
}

async fn run_client(
    client: Client,
    seed: u64,
    addr: Arc<RwLock<SocketAddr>>,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
) {
    let mut rng = SplitMix(seed);
    let mut n = 0usize;
    while !stop.load(Ordering::SeqCst) {
        let body = body(&client.connector, &format!("{} event {n}", client.name)).into_bytes();
        n += 1;
        let Some((status, event_id)) = deliver(&client, &body, &addr, &log).await else {
            panic!("{}: never delivered", client.name);
        };
        if status == 429 {
            let id = format!("refused-{}-{n}", client.name);
            log.lock().unwrap().refused.insert(id, body);
            continue;
        }
        log.lock()
            .unwrap()
            .acknowledged
            .insert(event_id.clone(), (body.clone(), client.tenant.clone()));
        // A client that did not trust the answer sends the same bytes again.
        if rng.below(4) == 0 {
            let again = deliver(&client, &body, &addr, &log).await;
            let mut log = log.lock().unwrap();
            match again {
                Some((200, id)) if id == event_id => log.good_retries += 1,
                other => log
                    .bad_retries
                    .push(format!("{}: {event_id} again → {other:?}", client.name)),
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.below(5))).await;
    }
}

/// Starts the binary off the async workers (it blocks until it listens).
async fn start_server(data: &Path) -> ServerProcess {
    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || process::start(&data))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_and_duplicates_nothing() {
    let seed = seed();
    println!("crash consistency seed: {seed} (replay with ERPOPS_CRASH_SEED={seed})");
    let mut rng = SplitMix(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // A professional tenant with two connectors, and a free tenant whose
    // 100 events a day run out during the test (429s across the kills).
    tenant(data, "pro", "professional");
    tenant(data, "free", "free");
    let pro = [connector(data, "pro"), connector(data, "pro")];
    let free = connector(data, "free");

    let mut server = start_server(data).await;
    let addr = Arc::new(RwLock::new(server.addr));
    let log = Arc::new(Mutex::new(Log::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let (tenant, (connector, secret)) = if i == 0 {
            ("free", free.clone())
        } else {
            ("pro", pro[i % 2].clone())
        };
        let client = Client {
            tenant: tenant.to_owned(),
            connector,
            secret,
            name: format!("client{i}"),
        };
        clients.push(tokio::spawn(run_client(
            client,
            rng.next(),
            addr.clone(),
            log.clone(),
            stop.clone(),
        )));
    }

    let mut panics = 0;
    let mut rounds = Vec::new();
    for stop_no in 0..KILLS + TERMS.len() {
        let up = Duration::from_millis(150 + rng.below(900));
        tokio::time::sleep(up).await;
        let acked_before = log.lock().unwrap().acknowledged.len();
        // Mostly SIGKILL; now and then an operator's SIGTERM, whose
        // graceful shutdown must end promptly under load and lose nothing.
        let how = if TERMS.contains(&stop_no) {
            let (clean, p) =
                tokio::task::spawn_blocking(move || server.terminate(Duration::from_secs(15)))
                    .await
                    .unwrap();
            assert!(
                clean,
                "SIGTERM under load did not shut down cleanly in 15 s"
            );
            panics += p;
            "SIGTERM"
        } else {
            panics += server.kill9();
            "SIGKILL"
        };
        let down = Duration::from_millis(rng.below(300));
        tokio::time::sleep(down).await;
        server = start_server(data).await;
        *addr.write().unwrap() = server.addr;
        rounds.push(format!(
            "stop {}: {how} after {up:?} up, {acked_before} acknowledged, {down:?} down",
            stop_no + 1
        ));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    // The final crash, with nothing in flight; then read what survived.
    panics += server.kill9();

    let log = Arc::try_unwrap(log).ok().unwrap().into_inner().unwrap();
    let db = rusqlite::Connection::open(data.join("erpops.sqlite3")).unwrap();
    let stored: HashMap<String, (Option<Vec<u8>>, String)> = db
        .prepare("SELECT event_id, raw_body, tenant_id FROM events")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let rows: i64 = db
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    let distinct_bodies: i64 = db
        .query_row("SELECT COUNT(DISTINCT raw_body) FROM events", [], |r| {
            r.get(0)
        })
        .unwrap();
    let digests: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM events WHERE replay_expires_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();

    println!("{}", rounds.join("\n"));
    println!(
        "requests tried: {}, statuses: {:?}",
        log.tried, log.statuses
    );
    println!(
        "after {KILLS} SIGKILLs and {} SIGTERMs: {} acknowledged, {} stored rows ({} distinct bodies), {} digests, \
         {} refused 429, {} retries of acknowledged bytes answered 200, {} lost replies found \
         stored on retry",
        TERMS.len(),
        log.acknowledged.len(),
        rows,
        distinct_bodies,
        digests,
        log.refused.len(),
        log.good_retries,
        log.lost_replies_found_stored
    );

    assert_eq!(panics, 0, "the server panicked");
    assert!(log.bad_retries.is_empty(), "{:#?}", log.bad_retries);
    // Every acknowledged event is stored, with its exact bytes and tenant…
    for (id, (body, tenant)) in &log.acknowledged {
        let Some((raw_body, t)) = stored.get(id) else {
            panic!("acknowledged {id} was lost (seed {seed})");
        };
        assert_eq!(raw_body.as_deref(), Some(body.as_slice()), "{id}");
        assert_eq!(t, tenant, "{id}");
    }
    // …exactly once, and nothing else is: every body sent was retried
    // until answered, so a commit whose reply was lost was acknowledged by
    // the retry's 200.
    assert_eq!(rows as usize, log.acknowledged.len(), "seed {seed}");
    assert_eq!(distinct_bodies, rows, "a body stored twice (seed {seed})");
    for body in log.refused.values() {
        assert!(
            !stored
                .values()
                .any(|(b, _)| b.as_deref() == Some(body.as_slice())),
            "a body refused 429 was stored (seed {seed})"
        );
    }
    assert_eq!(digests, rows, "one replay digest per stored event");
    // Quota counters equal the stored events of each window.
    let mut usage = db
        .prepare(
            "SELECT tenant, window_start, used FROM quota_usage WHERE metric = 'inbound_event'",
        )
        .unwrap();
    let usage: Vec<(String, i64, i64)> = usage
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!usage.is_empty());
    for (tenant, window_start, used) in &usage {
        let in_window: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM events WHERE tenant_id = ?1 AND received_at >= ?2 \
                 AND received_at < ?3",
                rusqlite::params![
                    tenant,
                    window_start * 1_000_000_000,
                    (window_start + 86_400) * 1_000_000_000
                ],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(*used, in_window, "quota of {tenant} at {window_start}");
        if tenant == "free" {
            assert!(*used <= 100, "the free plan over-admitted: {used}");
        }
    }
    let counted: i64 = usage.iter().map(|u| u.2).sum();
    assert_eq!(counted, rows, "every stored event was counted once");
    // The incident state survived with the events: every stored event's
    // incident exists, and each incident counts exactly its stored events
    // (the model snapshot is committed with the events it has seen).
    let mut incidents = db
        .prepare(
            "SELECT i.id, i.record_json, (SELECT COUNT(*) FROM events e WHERE e.incident_id = i.id) \
             FROM incidents i",
        )
        .unwrap();
    let incidents: Vec<(String, String, i64)> = incidents
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let orphans: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM events WHERE incident_id IS NOT NULL \
             AND incident_id NOT IN (SELECT id FROM incidents)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "events pointing at an incident that was lost");
    for (id, record, events) in &incidents {
        let record: serde_json::Value = serde_json::from_str(record).unwrap();
        assert_eq!(
            record["event_count"].as_i64(),
            Some(*events),
            "incident {id} counts {} events, {events} stored",
            record["event_count"]
        );
    }
    println!(
        "{} incidents, each counting exactly its stored events",
        incidents.len()
    );
    assert!(
        log.statuses.get("202").copied().unwrap_or(0) > 100,
        "too little traffic to mean anything: {:?}",
        log.statuses
    );
}
