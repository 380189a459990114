//! Slow senders (issue #22) over real sockets on loopback. Linux routes all
//! of 127.0.0.0/8 to the loopback interface, so each client binds its own
//! source address: the attackers 127.0.0.1 (or 127.0.1.x), a valid sender
//! 127.0.0.2, a health checker 127.0.0.3, the metrics reader 127.0.0.4.
//!
//! - 1,200 connections from one address trickling request heads do not
//!   delay a valid signed event from another address by more than 1 s:
//!   64 of them hold slots (the per-address cap), the rest are answered
//!   503 `too_many_connections` at once, and `/healthz` still answers.
//! - Trickling connections from many addresses that fill every general
//!   slot: `/healthz` and `/metrics` answer on a reserved slot at once, an
//!   event on a reserved slot waits 1 s for a general one and then gets 503
//!   `overloaded`, and trickling connections are closed at the busy header
//!   deadline, instead of the normal one, until no more than 75% of the
//!   slots are in use; then events get 202 again at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::raw::{self, RawResponse};
use common::*;
use erpops_receiver::serve;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{timeout_at, Instant};

const VALID: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const HEALTH: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const METRICS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);

/// Raises the soft limit on open files to the hard limit: each test holds
/// both ends of well over a thousand connections.
fn raise_nofile() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

async fn connect_from(source: Ipv4Addr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
    socket.connect(addr).await
}

/// Sends `request` from `source` and reads one response; the response (if
/// any) and how long the whole exchange took, connect included.
async fn exchange_from(
    source: Ipv4Addr,
    addr: SocketAddr,
    request: &[u8],
    limit: Duration,
) -> (Option<RawResponse>, Duration) {
    let started = Instant::now();
    let deadline = started + limit;
    let Ok(Ok(mut stream)) = timeout_at(deadline, connect_from(source, addr)).await else {
        return (None, started.elapsed());
    };
    let _ = stream.set_nodelay(true);
    if !matches!(
        timeout_at(deadline, stream.write_all(request)).await,
        Ok(Ok(()))
    ) {
        return (None, started.elapsed());
    }
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let (responses, _) = raw::parse_all(&buf);
        if let Some(r) = responses.into_iter().next() {
            return (Some(r), started.elapsed());
        }
        match timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => {
                // Closed: a response without a length ends here.
                let (responses, _) = raw::parse_all(&buf);
                return (responses.into_iter().next(), started.elapsed());
            }
        }
    }
}

fn signed_event(connector: &str, secret: &str, message: &str) -> Vec<u8> {
    let b = body(connector, message);
    raw::request(
        "POST",
        RECEIVE,
        &raw::signed_headers(connector, secret, b.as_bytes()),
        b.as_bytes(),
    )
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()
}

/// The value of the metric line starting with `name ` in `/metrics`, read
/// from [`METRICS`] (the attackers' address may be over its cap).
async fn metric_from(addr: SocketAddr, name: &str) -> u64 {
    let (r, _) = exchange_from(METRICS, addr, &get("/metrics"), Duration::from_secs(10)).await;
    let r = r.expect("/metrics answers");
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// What the trickling connections saw.
#[derive(Default)]
struct Tally {
    /// Connections opened.
    connected: AtomicUsize,
    /// Connections that got `503 too_many_connections`.
    refused: AtomicUsize,
    /// Connections closed by the server without an answer (shed), the
    /// shortest and longest such connection's life in milliseconds.
    closed: AtomicUsize,
    shortest_ms: AtomicUsize,
    longest_ms: AtomicUsize,
    /// Connections still open.
    open: AtomicUsize,
}

/// One slowloris: connects from `source`, sends a request head one byte
/// every `pause` and never finishes it. When the server refuses or closes
/// it, it reconnects after `reconnect` (if given) until `stop`.
async fn trickle(
    source: Ipv4Addr,
    addr: SocketAddr,
    pause: Duration,
    reconnect: Option<Duration>,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) {
    let head = format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nX-Pad: ").into_bytes();
    while !stop.load(Ordering::SeqCst) {
        let Ok(mut stream) = connect_from(source, addr).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        tally.connected.fetch_add(1, Ordering::SeqCst);
        tally.open.fetch_add(1, Ordering::SeqCst);
        let opened = Instant::now();
        let mut sent = 0usize;
        let mut got = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            tokio::select! {
                r = stream.read(&mut chunk) => match r {
                    Ok(n) if n > 0 => got.extend_from_slice(&chunk[..n]),
                    _ => break,
                },
                _ = tokio::time::sleep(pause) => {
                    let byte = head.get(sent).copied().unwrap_or(b'a');
                    sent += 1;
                    if stream.write_all(&[byte]).await.is_err() {
                        // Refused or shed: read what the server said.
                        let _ = tokio::time::timeout(
                            Duration::from_millis(200),
                            stream.read_to_end(&mut got),
                        )
                        .await;
                        break;
                    }
                }
            }
        }
        tally.open.fetch_sub(1, Ordering::SeqCst);
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let (responses, _) = raw::parse_all(&got);
        match responses.first() {
            Some(r) if r.status == 503 && r.code().as_deref() == Some("too_many_connections") => {
                tally.refused.fetch_add(1, Ordering::SeqCst);
            }
            Some(r) => panic!("a trickling connection got {} {:?}", r.status, r.code()),
            None => {
                tally.closed.fetch_add(1, Ordering::SeqCst);
                let ms = usize::try_from(opened.elapsed().as_millis()).unwrap();
                tally.longest_ms.fetch_max(ms, Ordering::SeqCst);
                tally.shortest_ms.fetch_min(ms, Ordering::SeqCst);
            }
        }
        match reconnect {
            Some(d) => tokio::time::sleep(d).await,
            None => break,
        }
    }
}

async fn valid_event_within(
    addr: SocketAddr,
    connector: &str,
    secret: &str,
    message: &str,
) -> (u16, Duration) {
    let (r, took) = exchange_from(
        VALID,
        addr,
        &signed_event(connector, secret, message),
        Duration::from_secs(30),
    )
    .await;
    (r.map_or(0, |r| r.status), took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_hundred_trickling_connections_from_one_address_do_not_delay_others() {
    const ATTACKERS: usize = 1_200;
    let nofile = raise_nofile();
    assert!(
        nofile >= 3 * ATTACKERS as u64,
        "the open-file limit {nofile} is too low for this test"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path());
    // The shipped defaults: 1,024 slots, 64 per address, 16 reserved,
    // 10 s / 1 s header deadlines.
    settings.max_connections = 1024;
    settings.max_connections_per_ip = 64;
    let (receiver, _) = serve::start(&settings, false).await.unwrap();
    let addr = receiver.server.addr;
    let server = TestServer {
        addr,
        receiver: Some(receiver),
        data: dir.path().to_path_buf(),
    };
    server.tenant("t", "professional", "redact");
    let (connector, secret) = server.connector("t");

    // Before: a valid event and its time.
    let (status, before) = valid_event_within(addr, &connector, &secret, "before").await;
    assert_eq!(status, 202);

    // 1,200 slowloris connections from 127.0.0.1, one byte every 200 ms;
    // a refused or closed one reconnects after 0.5–1.5 s (spread, so they
    // do not come back as one wave).
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let attackers: Vec<_> = (0..ATTACKERS)
        .map(|i| {
            let reconnect = Duration::from_millis(500 + (i as u64 * 37) % 1000);
            tokio::spawn(trickle(
                Ipv4Addr::LOCALHOST,
                addr,
                Duration::from_millis(200),
                Some(reconnect),
                stop.clone(),
                tally.clone(),
            ))
        })
        .collect();
    let started = Instant::now();
    while tally.connected.load(Ordering::SeqCst) < ATTACKERS
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        tally.connected.load(Ordering::SeqCst) >= ATTACKERS,
        "only {} of the attackers' connections were opened",
        tally.connected.load(Ordering::SeqCst)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    // During: valid events from 127.0.0.2 and health checks from
    // 127.0.0.3, spread over a few seconds of the attack.
    let mut delays = Vec::new();
    let mut health = Vec::new();
    for i in 0..6 {
        let (status, took) =
            valid_event_within(addr, &connector, &secret, &format!("during {i}")).await;
        assert_eq!(status, 202, "a valid event during the attack");
        delays.push(took);
        let (r, took) =
            exchange_from(HEALTH, addr, &get("/healthz"), Duration::from_secs(30)).await;
        assert_eq!(r.map(|r| r.status), Some(200), "/healthz during the attack");
        health.push(took);
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let refused_total = metric_from(addr, "erpops_connections_refused_per_address_total").await;
    let open_general = metric_from(addr, "erpops_connections_open{pool=\"general\"}").await;
    let worst = delays.iter().max().copied().unwrap();
    let worst_health = health.iter().max().copied().unwrap();
    eprintln!(
        "valid event before the attack: {before:?}; during it: {delays:?} (worst {worst:?}); \
         /healthz during it: {health:?}; attackers' connections opened {}, refused 503 {}, \
         still open {}; the receiver counted {refused_total} refusals and {open_general} open \
         general connections",
        tally.connected.load(Ordering::SeqCst),
        tally.refused.load(Ordering::SeqCst),
        tally.open.load(Ordering::SeqCst),
    );
    assert!(
        worst < Duration::from_secs(1),
        "a valid event took {worst:?} during the attack (before: {before:?})"
    );
    assert!(
        worst_health < Duration::from_secs(1),
        "/healthz took {worst_health:?} during the attack"
    );
    // The cap held: at most 64 of the attackers' connections were served
    // (plus the metrics request itself), the rest were refused at once.
    assert!(
        open_general <= 64 + 1,
        "{open_general} general slots in use"
    );
    assert!(
        refused_total >= (ATTACKERS - 64) as u64,
        "only {refused_total} connections were refused"
    );
    assert!(tally.refused.load(Ordering::SeqCst) >= ATTACKERS - 64);

    stop.store(true, Ordering::SeqCst);
    for a in attackers {
        a.await.unwrap();
    }
    let mut server = server;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_keeps_answering_health_checks_and_sheds_trickling_connections() {
    const GENERAL: usize = 200;
    raise_nofile();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(dir.path());
    settings.max_connections = GENERAL;
    settings.max_connections_per_ip = 64;
    settings.reserved_connections = 4;
    // Long enough to look at the full server before anything is shed.
    settings.header_timeout = Duration::from_secs(12);
    settings.busy_header_timeout = Duration::from_secs(4);
    let (receiver, _) = serve::start(&settings, false).await.unwrap();
    let addr = receiver.server.addr;
    let mut server = TestServer {
        addr,
        receiver: Some(receiver),
        data: dir.path().to_path_buf(),
    };
    server.tenant("t", "professional", "redact");
    let (connector, secret) = server.connector("t");

    // Exactly the general slots, from 8 addresses (25 each, under the
    // cap), trickling one byte a second; they do not reconnect.
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    tally.shortest_ms.store(usize::MAX, Ordering::SeqCst);
    let started = Instant::now();
    let attackers: Vec<_> = (0..GENERAL)
        .map(|i| {
            let source = Ipv4Addr::new(127, 0, 1, 1 + u8::try_from(i % 8).unwrap());
            tokio::spawn(trickle(
                source,
                addr,
                Duration::from_secs(1),
                None,
                stop.clone(),
                tally.clone(),
            ))
        })
        .collect();
    while tally.connected.load(Ordering::SeqCst) < GENERAL
        && started.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut in_use = 0;
    while started.elapsed() < Duration::from_secs(3) {
        in_use = metric_from(addr, "erpops_connections_open{pool=\"general\"}").await;
        if in_use >= GENERAL as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        in_use, GENERAL as u64,
        "the attackers hold every general slot"
    );

    // Every general slot is taken: the health check is answered at once on
    // a reserved slot.
    let (r, took) = exchange_from(HEALTH, addr, &get("/healthz"), Duration::from_secs(30)).await;
    assert_eq!(r.as_ref().map(|r| r.status), Some(200), "{r:?}");
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    assert_eq!(r.unwrap().header("connection"), Some("close"));
    assert!(metric_from(addr, "erpops_connections_reserved_total").await >= 2);
    // An event on a reserved slot waits up to 1 s for a general one, then
    // is told to come back.
    let (r, took) = exchange_from(
        VALID,
        addr,
        &signed_event(&connector, &secret, "full"),
        Duration::from_secs(30),
    )
    .await;
    let r = r.unwrap();
    assert_eq!((r.status, r.code().as_deref()), (503, Some("overloaded")));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // /metrics on a reserved slot too, and a wrong method there is 405.
    let (r, _) = exchange_from(
        METRICS,
        addr,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        Duration::from_secs(30),
    )
    .await;
    let r = r.unwrap();
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, HEAD")));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the checks above ran into the busy deadline: {:?}",
        started.elapsed()
    );
    assert_eq!(tally.closed.load(Ordering::SeqCst), 0, "nothing shed yet");

    // Every slot is in use (busy above 75%): at the busy deadline (4 s)
    // trickling connections are closed until no more than 75% are in use,
    // long before the normal deadline (12 s).
    let shed_at_least = GENERAL - GENERAL * 3 / 4;
    while tally.closed.load(Ordering::SeqCst) < shed_at_least
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let shed_after = started.elapsed();
    let shortest = Duration::from_millis(tally.shortest_ms.load(Ordering::SeqCst) as u64);
    let longest = Duration::from_millis(tally.longest_ms.load(Ordering::SeqCst) as u64);
    let busy_shed = metric_from(addr, "erpops_connections_shed_total{deadline=\"busy\"}").await;
    eprintln!(
        "{} trickling connections shed by {shed_after:?}, lives {shortest:?}..{longest:?} \
         (busy deadline 4 s, normal 12 s); the receiver counted {busy_shed}",
        tally.closed.load(Ordering::SeqCst)
    );
    assert!(tally.closed.load(Ordering::SeqCst) >= shed_at_least);
    assert!(
        shortest >= Duration::from_millis(3900) && longest < Duration::from_secs(7),
        "{shortest:?}..{longest:?}"
    );
    assert!(busy_shed >= shed_at_least as u64, "{busy_shed}");
    // Then events are accepted again at once.
    let (status, took) = valid_event_within(addr, &connector, &secret, "after").await;
    assert_eq!(status, 202);
    assert!(took < Duration::from_secs(1), "{took:?}");

    stop.store(true, Ordering::SeqCst);
    for a in attackers {
        a.await.unwrap();
    }
    server.stop().await;
}
