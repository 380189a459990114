//! Two `erpops serve` processes on one PostgreSQL database under load, one
//! of them killed with SIGKILL at random moments several times and
//! restarted (issue #21): what docs/deployment.md ("What is safe across
//! receivers") promises holds across real crashes, not only graceful
//! stops.
//!
//! Several clients send signed events over correlation keys shared by all
//! clients (a new window of keys every few events, so incidents open, and
//! notifications go out, all through the run), each event to one receiver
//! or the other. A client that gets no answer (the receiver died: reset or
//! refused connection) or a 503 sends the *same bytes* again to the other
//! receiver, as a real sender does, until it gets 202 (accepted) or 200
//! (`duplicate`: the dead receiver had committed it before it could
//! answer). The webhook behind the alert rule records every notification
//! id it gets and answers after 100 ms, so some kills land while an
//! attempt is in flight.
//!
//! Checked at the end:
//!
//! - every acknowledged event is in `events` exactly once, and nothing
//!   else is;
//! - each correlation key has one incident (every event of the key is a
//!   problem, nothing resolves it), open, whose `event_count` is the number
//!   of stored events of the key, all answers named that incident, and no
//!   incident has two `opened` transitions;
//! - one `first` notification per incident;
//! - delivery: "goes out once or is still pending". A receiver killed
//!   mid-delivery leaves its claims to their 120 s lease
//!   (`DELIVERY_LEASE`), so within this test a notification it had claimed
//!   stays `pending` and claimed, and the webhook got it at most once (once
//!   if the kill came after the request reached the webhook, before the
//!   outcome was recorded; never if before). Every `delivered` one reached
//!   the webhook exactly once. After both receivers are stopped gracefully
//!   (which gives back the claims of their own attempts) the claims still
//!   held are those of killed processes; the test then ends their lease
//!   (sets `claimed_until` to the past, as 120 s would) and starts a
//!   receiver: each of them goes out, and the only ids the webhook ever
//!   got twice are among them (at least once across a crash mid-delivery,
//!   as documented: webhook receivers deduplicate on the notification id).
//!
//! The kill moments and the victim come from a seeded generator; the seed
//! is printed, and `ERPOPS_KILL9_SEED=N` replays a run's choices (the
//! timing of the load around them still varies).
//!
//! Runs when `ERPOPS_TEST_PG` holds the URL of a server this test may
//! create a database on (`make test-postgres`); passes without running
//! otherwise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::process::{self, ServerProcess};
use common::*;
use erpops_receiver::admin;
use erpops_receiver::cli::{
    AdminCommand, ConnectorCommand, MatchArgs, RuleCommand, TenantCommand, WebhookCommand,
};
use erpops_receiver::store::Location;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// Concurrent senders.
const CLIENTS: usize = 6;
/// Keys open at once: a client's `n`-th event goes to key
/// `window * KEYS_AT_ONCE + (n + client) % KEYS_AT_ONCE`, `window` being
/// `n / EVENTS_PER_WINDOW`.
const KEYS_AT_ONCE: usize = 4;
const EVENTS_PER_WINDOW: usize = 12;
/// SIGKILLs (each followed by a restart).
const KILLS: usize = 4;
/// How long the webhook takes to answer (an attempt in flight).
const HOOK_DELAY: Duration = Duration::from_millis(100);

/// splitmix64: a tiny seeded generator (no extra dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A duration in `[lo, hi)` milliseconds.
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo))
    }
}

/// Tenant `acme` (enterprise: no quota in the way) with a connector, a
/// webhook rule for `opened` and its destination; the connector's id and
/// secret.
fn paged_tenant(location: &Location, hook: SocketAddr) -> (String, String) {
    let mut store = location.open().unwrap();
    let mut run = |c: AdminCommand| admin::run_on(store.as_mut(), &c).unwrap();
    run(AdminCommand::Tenants(TenantCommand::Create {
        id: "acme".into(),
        name: None,
        plan: "enterprise".into(),
        pii: "redact".into(),
    }));
    let out = run(AdminCommand::Connectors(ConnectorCommand::Create {
        tenant: "acme".into(),
        name: "load".into(),
    }));
    run(AdminCommand::Rules(RuleCommand::Create {
        tenant: "acme".into(),
        id: "pager".into(),
        name: None,
        channel: "webhook".into(),
        kinds: vec!["opened".into()],
        matchers: MatchArgs::default(),
        repeat_secs: None,
        group_wait_secs: None,
    }));
    run(AdminCommand::Webhooks(WebhookCommand::Set {
        tenant: "acme".into(),
        url: format!("http://{hook}/hooks/erpops"),
    }));
    parse_id_secret(&out)
}

/// A webhook endpoint on an ephemeral port that records the notification
/// id of every request as it arrives, then answers 204 after
/// [`HOOK_DELAY`].
async fn slow_hook() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sn = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let sn = sn.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let sn = sn.clone();
                    async move {
                        let id = req
                            .headers()
                            .get("x-erpops-notification-id")
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_default();
                        let _ = req.into_body().collect().await;
                        sn.lock().unwrap().push(id);
                        tokio::time::sleep(HOOK_DELAY).await;
                        let mut r = hyper::Response::new(Full::new(Bytes::new()));
                        *r.status_mut() = hyper::StatusCode::NO_CONTENT;
                        Ok::<_, Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

/// One receiver process slot: its data directory and the running process.
struct Slot {
    data: PathBuf,
    process: Option<ServerProcess>,
}

async fn start_receiver(data: PathBuf, store: String) -> ServerProcess {
    tokio::task::spawn_blocking(move || {
        process::start_with(&data, &[("ERPOPS_STORE", &store)], &[])
    })
    .await
    .unwrap()
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// One attempt: the status and body, or `None` when no answer came (the
/// connection was refused or cut, or nothing came back in 10 s).
async fn attempt(
    client: &HttpClient,
    addr: SocketAddr,
    connector: &str,
    sig: &str,
    body: &Bytes,
) -> Option<(u16, serde_json::Value)> {
    let request = hyper::Request::post(format!("http://{addr}{RECEIVE}"))
        .header("Content-Type", "application/json")
        .header("X-ERPOps-Connector-Id", connector)
        .header("X-ERPOps-Signature", sig)
        .body(Full::new(body.clone()))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), async {
        let response = client.request(request).await.ok()?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.ok()?.to_bytes();
        Some((status, serde_json::from_slice(&bytes).unwrap_or_default()))
    })
    .await;
    response.ok().flatten()
}

/// What a client got back for one event.
struct Acked {
    source: String,
    event_id: String,
    /// 202 or 200 (`duplicate`).
    status: u16,
    /// On a 202: the incident the event joined.
    incident: Option<String>,
    /// Attempts it took.
    attempts: u32,
}

/// Sends `body` until a receiver acknowledges it: the same bytes again, to
/// the other receiver, after no answer or a 503.
async fn send_until_acked(
    client: &HttpClient,
    addrs: &RwLock<[SocketAddr; 2]>,
    mut which: usize,
    (connector, secret): (&str, &str),
    source: String,
    body: String,
) -> Acked {
    let sig = signature(secret, body.as_bytes());
    let body = Bytes::from(body);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let addr = addrs.read().unwrap()[which % 2];
        match attempt(client, addr, connector, &sig, &body).await {
            Some((status @ (200 | 202), answer)) => {
                if status == 200 {
                    assert_eq!(answer["status"], "duplicate", "{answer}");
                }
                return Acked {
                    source,
                    event_id: answer["event_id"].as_str().unwrap().to_owned(),
                    status,
                    incident: answer["incident_id"].as_str().map(str::to_owned),
                    attempts,
                };
            }
            None | Some((503, _)) => {}
            Some((status, answer)) => panic!("unexpected {status}: {answer}"),
        }
        assert!(
            Instant::now() < deadline,
            "an event was not acknowledged within 30 s"
        );
        which += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `f` (off the runtime's workers: it may block on the database)
/// until it returns `Some`; 30 s at most: a hang is a failure, not a
/// timing assertion.
async fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = tokio::task::block_in_place(&mut f) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A notification row: (id, incident, reason, state, claimed).
type Notification = (String, String, String, String, bool);

fn notifications(url: &str) -> Vec<Notification> {
    let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
    db.query(
        "SELECT id, incident_id, reason, state, claimed_until IS NOT NULL FROM notifications \
         ORDER BY id",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
    .collect()
}

fn counts(ids: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for id in ids {
        *m.entry(id.clone()).or_default() += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_survive_kill_9_under_load() {
    let Some(url) = tokio::task::block_in_place(|| fresh_pg_database("kill9")) else {
        return;
    };
    let seed = std::env::var("ERPOPS_KILL9_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("two_processes: seed {seed} (ERPOPS_KILL9_SEED={seed} replays the kill schedule)");
    let mut rng = Rng(seed);
    let location = Location::Postgres(url.clone());
    let (hook_addr, hook_seen) = slow_hook().await;
    let (connector, secret) = tokio::task::block_in_place(|| paged_tenant(&location, hook_addr));

    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut slots = Vec::new();
    for dir in &dirs {
        let data = dir.path().to_path_buf();
        let process = start_receiver(data.clone(), url.clone()).await;
        slots.push(Slot {
            data,
            process: Some(process),
        });
    }
    let addrs = Arc::new(RwLock::new([
        slots[0].process.as_ref().unwrap().addr,
        slots[1].process.as_ref().unwrap().addr,
    ]));

    // The load: each client sends events back to back until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (client, addrs, stop) = (client.clone(), addrs.clone(), stop.clone());
            let (connector, secret) = (connector.clone(), secret.clone());
            tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let key = (n / EVENTS_PER_WINDOW) * KEYS_AT_ONCE + (n + c) % KEYS_AT_ONCE;
                    let source = format!("JOB_{key:04}");
                    let body = format!(
                        "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"client {c} event {n}\"}}",
                        now_rfc3339()
                    );
                    acked.push(
                        send_until_acked(
                            &client,
                            &addrs,
                            c + n,
                            (&connector, &secret),
                            source,
                            body,
                        )
                        .await,
                    );
                    n += 1;
                }
                acked
            })
        })
        .collect();

    // The killer: SIGKILL one receiver or the other at random moments,
    // restart it at once on a new port.
    let mut kill_log = Vec::new();
    for round in 0..KILLS {
        tokio::time::sleep(rng.millis(300, 1500)).await;
        let victim = (rng.next() % 2) as usize;
        let process = slots[victim].process.take().unwrap();
        let panics = tokio::task::spawn_blocking(move || process.kill9())
            .await
            .unwrap();
        assert_eq!(panics, 0, "receiver {victim} panicked before its kill");
        let pause = rng.millis(0, 300);
        kill_log.push(format!(
            "round {round}: kill -9 receiver {victim}, restart after {pause:?}"
        ));
        tokio::time::sleep(pause).await;
        let process = start_receiver(slots[victim].data.clone(), url.clone()).await;
        addrs.write().unwrap()[victim] = process.addr;
        slots[victim].process = Some(process);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    let mut acked: Vec<Acked> = Vec::new();
    for c in clients {
        acked.extend(c.await.unwrap());
    }
    let duplicates = acked.iter().filter(|a| a.status == 200).count();
    let retried = acked.iter().filter(|a| a.attempts > 1).count();
    eprintln!(
        "two_processes: {} events acknowledged ({duplicates} as duplicate after a kill, {retried} \
         sent more than once); {}",
        acked.len(),
        kill_log.join("; ")
    );
    assert!(acked.len() > CLIENTS * EVENTS_PER_WINDOW, "too little load");

    // Every acknowledged event stored once, nothing else stored.
    let query = |sql: &str| {
        tokio::task::block_in_place(|| {
            let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            db.query(sql, &[]).unwrap()
        })
    };
    let stored: Vec<(String, String, Option<String>)> =
        query("SELECT event_id, source, incident_id FROM events")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
    let stored_ids = counts(&stored.iter().map(|s| s.0.clone()).collect::<Vec<_>>());
    let twice: Vec<_> = stored_ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "events stored twice: {twice:?}");
    let acked_ids: BTreeSet<&str> = acked.iter().map(|a| a.event_id.as_str()).collect();
    assert_eq!(acked_ids.len(), acked.len(), "one event id per body");
    let stored_set: BTreeSet<&str> = stored_ids.keys().map(String::as_str).collect();
    assert_eq!(stored_set, acked_ids, "stored = acknowledged");

    // One incident per key, open; its count is the key's stored events; no
    // incident opened twice.
    let mut by_key: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &acked {
        let set = by_key.entry(a.source.as_str()).or_default();
        if let Some(i) = &a.incident {
            set.insert(i.as_str());
        }
    }
    let mut events_per_incident: BTreeMap<String, u64> = BTreeMap::new();
    for (_, _, incident) in &stored {
        *events_per_incident
            .entry(
                incident
                    .clone()
                    .expect("every stored problem joined an incident"),
            )
            .or_default() += 1;
    }
    let incidents = query("SELECT id, status, record_json FROM incidents");
    let mut incident_of_key: BTreeMap<String, String> = BTreeMap::new();
    for row in &incidents {
        let (id, status): (String, String) = (row.get(0), row.get(1));
        let record: serde_json::Value = serde_json::from_str(row.get(2)).unwrap();
        let source = record["source"].as_str().unwrap().to_owned();
        assert_eq!(status, "open", "{record}");
        assert_eq!(
            record["event_count"].as_u64(),
            events_per_incident.get(&id).copied(),
            "{source}: the incident counts the key's stored events"
        );
        let earlier = incident_of_key.insert(source.clone(), id.clone());
        assert_eq!(earlier, None, "{source}: two incidents for one key");
    }
    assert_eq!(incident_of_key.len(), by_key.len(), "one incident per key");
    for (source, answered) in &by_key {
        let id = incident_of_key[*source].as_str();
        assert!(
            answered.iter().all(|a| *a == id),
            "{source}: answers named {answered:?}, stored {id}"
        );
    }
    let opened_twice = query(
        "SELECT incident_id, COUNT(*) FROM incident_effects WHERE kind = 'opened' GROUP BY \
         incident_id HAVING COUNT(*) > 1",
    );
    assert!(opened_twice.is_empty(), "an incident opened twice");
    let opened =
        query("SELECT COUNT(DISTINCT incident_id) FROM incident_effects WHERE kind = 'opened'");
    assert_eq!(opened[0].get::<_, i64>(0), incidents.len() as i64);

    // Delivery settles: every notification delivered or held by a claim
    // (an attempt in flight, or one cut short by a kill).
    // Settled = unchanged for longer than an attempt takes, so a claim
    // still held is not a live receiver's attempt in flight.
    let mut last: Option<(Vec<Notification>, Instant)> = None;
    let settled = eventually("every notification delivered or claimed", || {
        let rows = notifications(&url);
        if !rows
            .iter()
            .all(|n| n.3 == "delivered" || (n.3 == "pending" && n.4))
        {
            last = None;
            return None;
        }
        match &last {
            Some((before, since)) if *before == rows && since.elapsed() > HOOK_DELAY * 5 => {
                Some(rows)
            }
            Some((before, _)) if *before == rows => None,
            _ => {
                last = Some((rows, Instant::now()));
                None
            }
        }
    })
    .await;
    let mut first: Vec<&str> = settled
        .iter()
        .filter(|n| n.2 == "first")
        .map(|n| n.1.as_str())
        .collect();
    first.sort_unstable();
    let mut ids: Vec<&str> = incident_of_key.values().map(String::as_str).collect();
    ids.sort_unstable();
    assert_eq!(first, ids, "one `first` notification per incident");
    assert_eq!(settled.len(), ids.len(), "{settled:?}");

    // Graceful stops give back the claims of the stopping receivers' own
    // attempts; what is still claimed was claimed by a killed process.
    for slot in &mut slots {
        let process = slot.process.take().unwrap();
        let (clean, panics) =
            tokio::task::spawn_blocking(move || process.terminate(Duration::from_secs(20)))
                .await
                .unwrap();
        assert!(clean, "a graceful stop");
        assert_eq!(panics, 0);
    }
    let after_stop = tokio::task::block_in_place(|| notifications(&url));
    let seen = counts(&hook_seen.lock().unwrap().clone());
    let mut orphans = BTreeSet::new();
    for (id, _, _, state, claimed) in &after_stop {
        let got = seen.get(id).copied().unwrap_or(0);
        match state.as_str() {
            "delivered" => assert_eq!(got, 1, "{id}: delivered, so sent exactly once"),
            "pending" => {
                assert!(*claimed, "{id}: pending without a claim after the stops");
                assert!(got <= 1, "{id}: pending, sent {got} times");
                orphans.insert(id.clone());
            }
            other => panic!("{id}: {other}"),
        }
    }
    assert!(
        orphans.len() <= KILLS * erpops_receiver::alerts::deliver::DeliveryConfig::default().batch,
        "{orphans:?}"
    );
    let unknown: Vec<_> = seen
        .keys()
        .filter(|id| !after_stop.iter().any(|n| &n.0 == *id))
        .collect();
    assert!(
        unknown.is_empty(),
        "the webhook got unknown ids {unknown:?}"
    );
    eprintln!(
        "two_processes: {} notifications, {} still claimed by a killed receiver ({} of them \
         already reached the webhook)",
        after_stop.len(),
        orphans.len(),
        orphans.iter().filter(|id| seen.contains_key(*id)).count()
    );

    // The lease of the killed receivers' claims ends (as 120 s later): a
    // receiver sends each again, and only those can reach the webhook
    // twice.
    if !orphans.is_empty() {
        query("UPDATE notifications SET claimed_until = 0 WHERE state = 'pending'");
        let process = start_receiver(slots[0].data.clone(), url.clone()).await;
        let last = eventually("the orphaned notifications delivered", || {
            let rows = notifications(&url);
            rows.iter().all(|n| n.3 == "delivered").then_some(rows)
        })
        .await;
        let seen = counts(&hook_seen.lock().unwrap().clone());
        eprintln!(
            "two_processes: after the lease, {} notification(s) reached the webhook twice (each \
             cut short by a kill after it had reached it)",
            seen.values().filter(|n| **n == 2).count()
        );
        for (id, ..) in &last {
            let got = seen.get(id).copied().unwrap_or(0);
            if orphans.contains(id) {
                assert!((1..=2).contains(&got), "{id}: sent {got} times");
            } else {
                assert_eq!(got, 1, "{id}");
            }
        }
        let (clean, panics) =
            tokio::task::spawn_blocking(move || process.terminate(Duration::from_secs(20)))
                .await
                .unwrap();
        assert!(clean && panics == 0);
    }
}
