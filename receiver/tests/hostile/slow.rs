//! The slow cases: senders that trickle, stall or go quiet, which the
//! server's timeouts must end.

use std::time::Duration;

use super::cases::*;
use crate::common::raw::{self, Step};
use crate::common::{body, RECEIVE};

/// Slow senders: a slowloris trickling its head, a client that connects
/// and says nothing, and one that stalls mid-body. The server's header
/// timeout (10 s) and body timeout (30 s, answered 408) end them.
pub fn slow_cases(connector: &str, secret: &str) -> Vec<Case> {
    let good = body(connector, "slow");
    let headers = raw::signed_headers(connector, secret, good.as_bytes());
    let mut cases = Vec::new();
    for i in 0..6 {
        let head = format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nX-Slow-{i}: {}",
            "a".repeat(100)
        );
        cases.push(Case {
            kind: "slow",
            name: format!("slowloris head, one byte per 500 ms (#{i})"),
            steps: vec![Step::Trickle(head.into_bytes(), Duration::from_millis(500))],
            expect: Expect::OrClose(&[408, 400]),
            limit: Duration::from_secs(25),
        });
    }
    for (name, bytes) in [
        ("only empty lines", b"\r\n\r\n".as_slice()),
        (
            "a head missing its last LF",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r",
        ),
        (
            "a head missing its blank line",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
        ),
    ] {
        cases.push(Case {
            kind: "slow",
            name: format!("stops after {name}"),
            steps: vec![Step::Send(bytes.to_vec())],
            expect: Expect::OrClose(&[408, 400]),
            limit: Duration::from_secs(25),
        });
    }
    for i in 0..4 {
        cases.push(Case {
            kind: "slow",
            name: format!("connects and sends nothing (#{i})"),
            steps: Vec::new(),
            expect: Expect::OrClose(&[408, 400]),
            limit: Duration::from_secs(25),
        });
    }
    // A client that keeps its connection after an answer and goes quiet
    // (idle keep-alive) must not hold a connection slot for ever.
    let unsigned = raw::request(
        "POST",
        RECEIVE,
        &["Content-Type: application/json".to_owned()],
        b"{}",
    );
    for i in 0..3 {
        cases.push(Case {
            kind: "slow",
            name: format!("idle after one answer (#{i})"),
            steps: vec![Step::Send(unsigned.clone())],
            expect: Expect::ThenClosed(vec![401]),
            limit: Duration::from_secs(25),
        });
    }
    // Answers given without reading the body (405, 413, 415, 404, a
    // health check): the rest of the declared body never comes. The
    // connection must still end, not hold a slot for ever.
    for (name, head, status) in [
        (
            "GET of the receive path",
            format!(
                "GET {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{}",
                "a".repeat(10)
            ),
            405u16,
        ),
        (
            "413 on the declared length",
            format!(
                "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n{}",
                "a".repeat(10)
            ),
            413,
        ),
        (
            "health check with a body",
            format!(
                "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{}",
                "a".repeat(10)
            ),
            200,
        ),
        (
            "unknown path with a chunked body",
            "POST /nowhere HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                .to_owned(),
            404,
        ),
    ] {
        cases.push(Case {
            kind: "slow",
            name: format!("unread body never completed: {name}"),
            steps: vec![Step::Send(head.into_bytes())],
            expect: Expect::ThenClosed(vec![status]),
            limit: Duration::from_secs(45),
        });
    }
    let mut partial = raw::request("POST", RECEIVE, &headers, good.as_bytes());
    partial.truncate(partial.len() - good.len() / 2);
    cases.push(Case {
        kind: "slow",
        name: "stalls mid-body".to_owned(),
        steps: vec![Step::Send(partial)],
        expect: Expect::Status(408, Some("body_read_failed")),
        limit: Duration::from_secs(45),
    });
    let mut trickled = raw::request("POST", RECEIVE, &headers, b"");
    let cl_at = trickled.len() - "Content-Length: 0\r\n\r\n".len();
    trickled.truncate(cl_at);
    trickled.extend_from_slice(format!("Content-Length: {}\r\n\r\n", good.len()).as_bytes());
    cases.push(Case {
        kind: "slow",
        name: "trickles the body one byte per second".to_owned(),
        steps: vec![
            Step::Send(trickled),
            Step::Trickle(good.into_bytes(), Duration::from_secs(1)),
        ],
        expect: Expect::Status(408, Some("body_read_failed")),
        limit: Duration::from_secs(45),
    });
    cases
}
