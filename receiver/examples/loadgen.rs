//! A small closed-loop load generator for the receive endpoint: N
//! keep-alive HTTP/1.1 connections, each sending unique signed events back
//! to back for a fixed time; prints requests/s and latency percentiles as
//! one JSON line. Every body is distinct so the receiver stores each one
//! (a repeated body would be answered `duplicate` without a write).
//!
//! Each event is stamped with the time its body is built, as an ERP job
//! stamps what just happened. `--one-timestamp` stamps every event of a
//! connection with the connection's start instead: a burst of events of
//! one second, the replay index's worst case (their keys share a second,
//! so they cannot be written in time order).
//!
//! `--keys N` spreads the events round-robin over N correlation keys (each
//! key its own source, `PSFT_JOB_000000` … — a real tenant's jobs; the
//! default, one key, keeps the one source `PSFT_PAYROLL_BATCH`). With
//! `--seed` each connection sends its share of the N keys once (every key
//! exactly once over all connections) and stops, whatever the seconds: a
//! data directory that holds all N keys before a measured run.
//!
//! `loadgen <url> <connector-id> <secret-env-var> [connections] [seconds] [--one-timestamp]
//! [--keys N] [--seed]`

use std::time::{Duration, Instant};

use bytes::Bytes;
use erpops_core::signature::{sign, Secret};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

struct Tally {
    latencies_us: Vec<u32>,
    non_2xx: u64,
}

/// How events are spread over correlation keys.
#[derive(Debug, Clone, Copy)]
struct Keys {
    /// Distinct keys (sources).
    count: u64,
    /// Send each key once and stop.
    seed: bool,
}

impl Keys {
    /// The source of the `n`-th event (from 0) of connection `index` of
    /// `connections`: round-robin over the keys across connections.
    fn source(&self, index: usize, connections: usize, n: u64) -> String {
        if self.count <= 1 {
            return "PSFT_PAYROLL_BATCH".to_owned();
        }
        let k = (n * connections as u64 + index as u64) % self.count;
        format!("PSFT_JOB_{k:06}")
    }

    /// Whether connection `index` has sent its share when seeding.
    fn seeded(&self, index: usize, connections: usize, n: u64) -> bool {
        self.seed && n * connections as u64 + index as u64 >= self.count
    }
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    addr: String,
    path: String,
    connector: String,
    secret: Secret,
    (index, connections): (usize, usize),
    until: Instant,
    one_timestamp: bool,
    keys: Keys,
) -> Result<Tally, Box<dyn std::error::Error + Send + Sync>> {
    let stream = tokio::net::TcpStream::connect(&addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let start = erpops_receiver::clock::now().to_rfc3339();
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(100_000),
        non_2xx: 0,
    };
    let mut n: u64 = 0;
    while (keys.seed || Instant::now() < until) && !keys.seeded(index, connections, n) {
        let source = keys.source(index, connections, n);
        n += 1;
        let ts = if one_timestamp {
            start.clone()
        } else {
            erpops_receiver::clock::now().to_rfc3339()
        };
        let body = format!(
            "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{ts}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"Exit code 1 at record 18441 (load c{index} n{n})\"}}"
        );
        let sig = sign(&secret, body.as_bytes());
        let request = hyper::Request::post(path.as_str())
            .header("Host", addr.as_str())
            .header("Content-Type", "application/json")
            .header("X-ERPOps-Connector-Id", connector.as_str())
            .header("X-ERPOps-Signature", sig.as_str())
            .body(Full::new(Bytes::from(body)))?;
        let started = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        let us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        tally.latencies_us.push(us);
        if !status.is_success() {
            tally.non_2xx += 1;
        }
    }
    Ok(tally)
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args: Vec<String> = std::env::args().collect();
    let one_timestamp = args.iter().any(|a| a == "--one-timestamp");
    let seed = args.iter().any(|a| a == "--seed");
    args.retain(|a| a != "--one-timestamp" && a != "--seed");
    let mut key_count: u64 = 1;
    if let Some(i) = args.iter().position(|a| a == "--keys") {
        key_count = args
            .get(i + 1)
            .ok_or("--keys needs a number")?
            .parse::<u64>()?
            .max(1);
        args.drain(i..i + 2);
    }
    let keys = Keys {
        count: key_count,
        seed,
    };
    let (Some(url), Some(connector), Some(secret_env)) = (args.get(1), args.get(2), args.get(3))
    else {
        return Err(
            "usage: loadgen <url> <connector-id> <secret-env-var> [connections] [seconds] \
             [--one-timestamp] [--keys N] [--seed]"
                .into(),
        );
    };
    let connections: usize = args.get(4).map_or(Ok(50), |s| s.parse())?;
    let seconds: u64 = args.get(5).map_or(Ok(10), |s| s.parse())?;
    let secret = Secret::new(std::env::var(secret_env)?.as_bytes())?;
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (addr, path) = rest.split_once('/').ok_or("URL needs a path")?;
    let (addr, path) = (addr.to_owned(), format!("/{path}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (tallies, elapsed) = runtime.block_on(async {
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for i in 0..connections {
            tasks.push(tokio::spawn(connection(
                addr.clone(),
                path.clone(),
                connector.clone(),
                secret.clone(),
                (i, connections),
                until,
                one_timestamp,
                keys,
            )));
        }
        let mut tallies = Vec::new();
        for t in tasks {
            match t.await {
                Ok(Ok(tally)) => tallies.push(tally),
                Ok(Err(e)) => eprintln!("connection failed: {e}"),
                Err(e) => eprintln!("task failed: {e}"),
            }
        }
        (tallies, started.elapsed())
    });
    let mut all: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.latencies_us.iter().copied())
        .collect();
    all.sort_unstable();
    let non_2xx: u64 = tallies.iter().map(|t| t.non_2xx).sum();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * all.len() as f64).ceil() as usize;
        let i = rank.clamp(1, all.len()) - 1;
        f64::from(all.get(i).copied().unwrap_or(0)) / 1000.0
    };
    println!(
        "{{\"requests\":{},\"non_2xx\":{},\"seconds\":{:.3},\"rps\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"connections\":{}}}",
        all.len(),
        non_2xx,
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        pct(50.0),
        pct(99.0),
        pct(100.0),
        tallies.len()
    );
    Ok(())
}
