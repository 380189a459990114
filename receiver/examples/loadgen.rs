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
//! `--tenants-file F` spreads the load over many tenants: F has one
//! connector per line, `connector_id secret` (separated by blanks; empty
//! lines and lines starting with `#` are skipped), and replaces the
//! `<connector-id> <secret-env-var>` arguments. The events go round-robin
//! over the file's connectors first, then over the keys: the `s`-th event
//! of the run (over all connections) goes to connector `s % T` and key
//! `(s / T) % N`, so with `--seed` every (connector, key) pair gets
//! exactly one event. Each connector's events are signed with its secret.
//!
//! `loadgen <url> <connector-id> <secret-env-var> [connections] [seconds] [--one-timestamp]
//! [--keys N] [--seed]`
//! `loadgen <url> --tenants-file F [connections] [seconds] [--one-timestamp] [--keys N] [--seed]`

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
    /// The connector (index into `tenants`) and source of the `n`-th
    /// event (from 0) of connection `index` of `connections`: round-robin
    /// over the connectors, then over the keys, across connections.
    fn target(&self, index: usize, connections: usize, n: u64, tenants: usize) -> (usize, String) {
        let s = n * connections as u64 + index as u64;
        let t = tenants.max(1) as u64;
        let tenant = usize::try_from(s % t).unwrap_or(0);
        if self.count <= 1 {
            return (tenant, "PSFT_PAYROLL_BATCH".to_owned());
        }
        let k = (s / t) % self.count;
        (tenant, format!("PSFT_JOB_{k:06}"))
    }

    /// Whether connection `index` has sent its share when seeding.
    fn seeded(&self, index: usize, connections: usize, n: u64, tenants: usize) -> bool {
        self.seed && n * connections as u64 + index as u64 >= self.count * tenants.max(1) as u64
    }
}

/// One connector the load is sent as.
#[derive(Clone)]
struct Tenant {
    connector: String,
    secret: Secret,
}

/// The connectors of a `--tenants-file`: `connector_id secret` per line.
fn read_tenants(path: &str) -> Result<Vec<Tenant>, Box<dyn std::error::Error + Send + Sync>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut tenants = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(connector), Some(secret), None) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("{path}:{}: expected `connector_id secret`", i + 1).into());
        };
        tenants.push(Tenant {
            connector: connector.to_owned(),
            secret: Secret::new(secret.as_bytes()).map_err(|e| format!("{path}:{}: {e}", i + 1))?,
        });
    }
    if tenants.is_empty() {
        return Err(format!("{path}: no connectors").into());
    }
    Ok(tenants)
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    addr: String,
    path: String,
    tenants: std::sync::Arc<Vec<Tenant>>,
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
    while (keys.seed || Instant::now() < until)
        && !keys.seeded(index, connections, n, tenants.len())
    {
        let (tenant, source) = keys.target(index, connections, n, tenants.len());
        let Some(Tenant { connector, secret }) = tenants.get(tenant) else {
            return Err("no connector".into());
        };
        n += 1;
        let ts = if one_timestamp {
            start.clone()
        } else {
            erpops_receiver::clock::now().to_rfc3339()
        };
        let body = format!(
            "{{\"connector_id\":\"{connector}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{ts}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"Exit code 1 at record 18441 (load c{index} n{n})\"}}"
        );
        let sig = sign(secret, body.as_bytes());
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
    let mut tenants_file = None;
    if let Some(i) = args.iter().position(|a| a == "--tenants-file") {
        tenants_file = Some(
            args.get(i + 1)
                .ok_or("--tenants-file needs a file")?
                .clone(),
        );
        args.drain(i..i + 2);
    }
    const USAGE: &str =
        "usage: loadgen <url> (<connector-id> <secret-env-var> | --tenants-file F) \
                         [connections] [seconds] [--one-timestamp] [--keys N] [--seed]";
    let url = args.get(1).ok_or(USAGE)?.clone();
    // The positional arguments after the URL: the connector and its
    // secret's variable unless a tenants file gives the connectors.
    let (tenants, rest) = match &tenants_file {
        Some(file) => (read_tenants(file)?, args.get(2..).unwrap_or_default()),
        None => {
            let (Some(connector), Some(secret_env)) = (args.get(2), args.get(3)) else {
                return Err(USAGE.into());
            };
            let secret = Secret::new(std::env::var(secret_env)?.as_bytes())?;
            let tenant = Tenant {
                connector: connector.clone(),
                secret,
            };
            (vec![tenant], args.get(4..).unwrap_or_default())
        }
    };
    let tenants = std::sync::Arc::new(tenants);
    let connections: usize = rest.first().map_or(Ok(50), |s| s.parse())?;
    let seconds: u64 = rest.get(1).map_or(Ok(10), |s| s.parse())?;
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
                tenants.clone(),
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
