//! Hostile input over raw TCP (issue #13): a corpus of several hundred bad
//! requests — malformed request lines and headers, oversized and truncated
//! bodies, wrong content types, slow senders, invalid UTF-8, deep nesting,
//! huge numbers, duplicate keys, header injection attempts, very many
//! headers, HTTP/1.0, pipelining, bad chunked encodings and signature edge
//! cases — each of which must get its documented 4xx (or, for garbage
//! framing and slow senders, a closed connection), never a 5xx, a panic or
//! a hang, while a well-behaved client keeps getting 202s.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "hostile/cases.rs"]
mod cases;
mod common;
#[path = "hostile/corpus.rs"]
mod corpus;
#[path = "hostile/slow.rs"]
mod slow;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cases::{Case, Expect, FAST};
use common::raw::{self, End, Exchange, Step};
use common::*;
use corpus::{api_cases, build_corpus};
use slow::slow_cases;

/// Runs one case and returns what went wrong, if anything.
fn judge(case: &Case, got: &Exchange) -> Option<String> {
    let statuses = got.statuses();
    if statuses.iter().any(|&s| s >= 500) {
        return Some(format!("5xx: {statuses:?}"));
    }
    if got.end == End::ConnectFailed {
        return Some("could not connect".to_owned());
    }
    // A hang: the deadline passed with fewer answers than expected.
    let wanted = match &case.expect {
        Expect::Sequence(s) => s.len(),
        Expect::ThenClosed(s) => s.len(),
        _ => 1,
    };
    if got.end == End::TimedOut && statuses.len() < wanted {
        return Some(format!(
            "hang: no answer within {:?} (got {statuses:?})",
            case.limit
        ));
    }
    if !got.garbage.is_empty() {
        return Some(format!(
            "unparsable response bytes: {:?}",
            String::from_utf8_lossy(&got.garbage[..got.garbage.len().min(80)])
        ));
    }
    for r in &got.responses {
        for evil in ["set-cookie", "x-evil", "x-injected"] {
            if r.header(evil).is_some() {
                return Some(format!("injected header {evil} reflected"));
            }
        }
    }
    let first = got.responses.first();
    let ok = match &case.expect {
        Expect::Status(s, code) => {
            statuses.len() == 1
                && statuses[0] == *s
                && code.is_none_or(|c| first.and_then(raw::RawResponse::code).as_deref() == Some(c))
        }
        Expect::OneOf(set) => statuses.len() == 1 && set.contains(&statuses[0]),
        Expect::OrClose(set) => {
            (statuses.is_empty() && got.end == End::Closed)
                || (statuses.len() == 1 && set.contains(&statuses[0]))
        }
        Expect::Sequence(s) => &statuses == s,
        Expect::AnyClientErrorOrClose => {
            (statuses.is_empty() && got.end == End::Closed)
                || (statuses.len() == 1 && (400..500).contains(&statuses[0]))
        }
        Expect::ThenClosed(s) => &statuses == s && got.end == End::Closed,
    };
    if ok {
        None
    } else {
        Some(format!(
            "expected {:?}, got {statuses:?} (code {:?}, end {:?})",
            case.expect,
            first.and_then(raw::RawResponse::code),
            got.end
        ))
    }
}

/// Counts panics anywhere in the process (hyper tasks, the writer thread).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_4xx_never_5xx_panics_or_hangs() {
    count_panics();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("hostile", "professional", "redact");
    let (connector, secret) = server.connector("hostile");
    let addr = server.addr;

    let (_, key) = server.api_key("hostile");
    let mut corpus = build_corpus(&connector, &secret);
    api_cases(&mut corpus, &key);
    let slow = slow_cases(&connector, &secret);
    let total = corpus.cases.len() + slow.len();
    assert!(total >= 300, "the corpus has only {total} cases");

    // A well-behaved client sends fresh signed events throughout.
    let done = Arc::new(AtomicBool::new(false));
    let valid = {
        let (done, connector, secret) = (done.clone(), connector.clone(), secret.clone());
        tokio::spawn(async move {
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            let mut n = 0usize;
            while !done.load(Ordering::SeqCst) || n < 20 {
                let b = body(&connector, &format!("valid during the barrage {n}"));
                let bytes = raw::request(
                    "POST",
                    RECEIVE,
                    &raw::signed_headers(&connector, &secret, b.as_bytes()),
                    b.as_bytes(),
                );
                let got = raw::exchange(addr, &[Step::Send(bytes)], 1, FAST).await;
                let key = match got.statuses().first() {
                    Some(s) => s.to_string(),
                    None => format!("{:?}", got.end),
                };
                *statuses.entry(key).or_default() += 1;
                n += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            statuses
        })
    };

    let slow_tasks: Vec<_> = slow
        .into_iter()
        .map(|case| {
            tokio::spawn(async move {
                let want = match case.expect {
                    Expect::ThenClosed(_) => 0,
                    _ => 1,
                };
                let got = raw::exchange(addr, &case.steps, want, case.limit).await;
                (case, got)
            })
        })
        .collect();

    let gate = Arc::new(tokio::sync::Semaphore::new(12));
    let mut fast = tokio::task::JoinSet::new();
    for case in corpus.cases {
        let gate = gate.clone();
        fast.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let want = match &case.expect {
                Expect::Sequence(s) => s.len(),
                _ => 1,
            };
            let got = raw::exchange(addr, &case.steps, want, case.limit).await;
            (case, got)
        });
    }
    let mut results = Vec::new();
    while let Some(r) = fast.join_next().await {
        results.push(r.unwrap());
    }
    for t in slow_tasks {
        results.push(t.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let valid = valid.await.unwrap();

    // The server still answers, and nothing bad was stored.
    let after = post_signed(&server, &connector, &secret, &body(&connector, "after")).await;
    let health = request("GET", &server.url("/healthz"), &[], Vec::new()).await;
    server.stop().await;

    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (case, got) in &results {
        let key = match got.statuses().as_slice() {
            [] => format!("closed ({:?})", got.end),
            [s] => s.to_string(),
            many => format!("{} pipelined", many.len()),
        };
        *by_status.entry(key).or_default() += 1;
        *by_kind.entry(case.kind).or_default() += 1;
        if std::env::var_os("ERPOPS_HOSTILE_VERBOSE").is_some() {
            println!(
                "  [{}] {}: {:?} {:?}",
                case.kind,
                case.name,
                got.statuses(),
                got.end
            );
        }
        if let Some(why) = judge(case, got) {
            failures.push(format!("[{}] {}: {why}", case.kind, case.name));
        }
    }
    println!("hostile corpus: {} requests", results.len());
    println!("  by kind:   {by_kind:?}");
    println!("  by status: {by_status:?}");
    println!("  valid client during the barrage: {valid:?}");
    let valid_total: usize = valid.values().sum();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
    assert_eq!(
        valid.get("202").copied().unwrap_or(0),
        valid_total,
        "the valid client got something other than 202: {valid:?}"
    );
    assert_eq!(after.status, 202, "{:?}", after.body);
    assert_eq!(health.status, 200);
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a panic happened");
    let store = erpops_receiver::store::SqliteStore::open(dir.path()).unwrap();
    let stored = {
        use erpops_receiver::store::AdminStore;
        let mut store = store;
        store.event_count("hostile").unwrap()
    };
    assert_eq!(
        stored as usize,
        valid_total + 1,
        "only the valid client's events (and the last one) are stored"
    );
}
