//! HTTP/1.1 over a raw TCP socket, for tests that must send what no
//! well-behaved client library would (broken framing, slow senders,
//! pipelining, bytes that are not HTTP at all) and must notice a server
//! that hangs: every exchange has a deadline.
#![allow(clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

/// One thing the client does on the socket, in order.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Write these bytes one at a time, pausing between them (slowloris).
    Trickle(Vec<u8>, Duration),
    /// Do nothing for a while (a sender that stalls).
    Pause(Duration),
    /// Half-close: the server sees the end of the stream (a truncated
    /// request).
    ShutdownWrite,
}

/// A parsed response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header called `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The problem body's `code`, if the body is JSON with one.
    pub fn code(&self) -> Option<String> {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()?
            .get("code")?
            .as_str()
            .map(str::to_owned)
    }
}

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The server closed the connection (EOF or reset).
    Closed,
    /// The deadline passed with the connection still open: a hang, unless
    /// the caller expected the server to keep a connection idle.
    TimedOut,
    /// The connection could not be opened.
    ConnectFailed,
}

/// Final responses (interim 1xx dropped), how the exchange ended, and any
/// bytes that did not parse as a response.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Responses in order.
    pub responses: Vec<RawResponse>,
    /// How it ended.
    pub end: End,
    /// Unparsed trailing bytes (a truncated or garbled response).
    pub garbage: Vec<u8>,
}

impl Exchange {
    /// The statuses of the responses, in order.
    pub fn statuses(&self) -> Vec<u16> {
        self.responses.iter().map(|r| r.status).collect()
    }
}

/// Runs `steps` on a fresh connection, then reads until the server closes
/// the connection, `want` responses have arrived, or `deadline` passes.
/// Write errors (the server closed early) stop the writing, not the
/// reading.
pub async fn exchange(addr: SocketAddr, steps: &[Step], want: usize, limit: Duration) -> Exchange {
    let deadline = Instant::now() + limit;
    let Ok(Ok(mut stream)) = timeout_at(deadline, TcpStream::connect(addr)).await else {
        return Exchange {
            responses: Vec::new(),
            end: End::ConnectFailed,
            garbage: Vec::new(),
        };
    };
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    'steps: for step in steps {
        let done = match step {
            Step::Send(bytes) => timeout_at(deadline, stream.write_all(bytes))
                .await
                .is_ok_and(|r| r.is_ok()),
            Step::Trickle(bytes, pause) => {
                for b in bytes {
                    let ok = timeout_at(deadline, stream.write_all(std::slice::from_ref(b)))
                        .await
                        .is_ok_and(|r| r.is_ok());
                    if !ok || Instant::now() >= deadline {
                        break 'steps;
                    }
                    // Stop trickling once the server has answered or closed.
                    let mut probe = [0u8; 4096];
                    match tokio::time::timeout(*pause, stream.read(&mut probe)).await {
                        Ok(Ok(0)) | Ok(Err(_)) => break 'steps,
                        Ok(Ok(n)) => {
                            buf.extend_from_slice(&probe[..n]);
                            break 'steps;
                        }
                        Err(_) => {}
                    }
                }
                true
            }
            Step::Pause(d) => {
                tokio::time::sleep(*d).await;
                true
            }
            Step::ShutdownWrite => stream.shutdown().await.is_ok(),
        };
        if !done {
            break;
        }
    }
    let mut end = End::TimedOut;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if want > 0 && parse_all(&buf).0.len() >= want {
            end = End::Closed;
            break;
        }
        match timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => break,
            Ok(Ok(0)) | Ok(Err(_)) => {
                end = End::Closed;
                break;
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let (responses, rest) = parse_all(&buf);
    // Responses beyond `want` that were already read count too.
    Exchange {
        responses,
        end,
        garbage: rest.to_vec(),
    }
}

/// Parses as many complete responses as `buf` holds; returns them and the
/// rest.
pub fn parse_all(mut buf: &[u8]) -> (Vec<RawResponse>, &[u8]) {
    let mut out = Vec::new();
    while let Some((response, used)) = parse_one(buf) {
        buf = &buf[used..];
        if !(100..200).contains(&response.status) {
            out.push(response);
        }
    }
    (out, buf)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One response with a `Content-Length` or chunked body (what hyper
/// sends); `None` if incomplete or not a response.
fn parse_one(buf: &[u8]) -> Option<(RawResponse, usize)> {
    let head_end = find(buf, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            Some((n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        })
        .collect();
    let body_start = head_end + 4;
    let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Some((
            RawResponse {
                status,
                headers,
                body: Vec::new(),
            },
            body_start,
        ));
    }
    if let Some(len) = get("content-length") {
        let len: usize = len.parse().ok()?;
        let end = body_start.checked_add(len)?;
        let body = buf.get(body_start..end)?.to_vec();
        return Some((
            RawResponse {
                status,
                headers,
                body,
            },
            end,
        ));
    }
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut at = body_start;
        let mut body = Vec::new();
        loop {
            let line_end = at + find(buf.get(at..)?, b"\r\n")?;
            let size_text = std::str::from_utf8(&buf[at..line_end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = line_end + 2;
            if size == 0 {
                let end = at + find(buf.get(at..)?, b"\r\n")? + 2;
                return Some((
                    RawResponse {
                        status,
                        headers,
                        body,
                    },
                    end,
                ));
            }
            body.extend_from_slice(buf.get(at..at + size)?);
            at += size + 2;
        }
    }
    // No length: the body runs to the end of the connection.
    Some((
        RawResponse {
            status,
            headers,
            body: buf[body_start..].to_vec(),
        },
        buf.len(),
    ))
}

/// A request head plus body with `Content-Length`, `Host` and the given
/// extra header lines (each without CRLF).
pub fn request(method: &str, path: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n").into_bytes();
    for h in headers {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// The three receive headers for a correctly signed body.
pub fn signed_headers(connector: &str, secret: &str, body: &[u8]) -> Vec<String> {
    vec![
        "Content-Type: application/json".to_owned(),
        format!("X-ERPOps-Connector-Id: {connector}"),
        format!("X-ERPOps-Signature: {}", super::signature(secret, body)),
    ]
}
