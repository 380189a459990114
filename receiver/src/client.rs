//! `erpops sign` and `erpops send`: for shell steps of batch jobs.
//!
//! `send` signs the body once and POSTs the same bytes on every attempt
//! (so a retry is recognized as a duplicate, never counted twice). It
//! retries network errors and 5xx with exponential back-off and jitter, and
//! a 429 after its `Retry-After`.
//!
//! A body it builds is held to the receiver's size limit (`--max-body-bytes`,
//! default 64 KiB) by the core's builder, so an event that would be refused
//! with 413 is refused here, before it is signed or sent; a 413 from a
//! receiver configured lower is explained and not retried. Exit codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | accepted (202) or already accepted (200 duplicate) |
//! | 1 | local error (usage, secret, file, invalid event; the receiver's TLS certificate refused: not retried) |
//! | 2 | rejected by the receiver (4xx other than 413 and 429): fix the request |
//! | 3 | gave up after the last attempt (network, 5xx, 429) |
//! | 4 | the body is too large: refused before sending (`body_too_large`), or 413 from the receiver; shorten the message or metadata (not retried) |

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use erpops_core::event::validate::RUN_ID_KEY;
use erpops_core::event::{BodyTooLarge, BuildError, EventBuilder, MetadataValue};
use erpops_core::signature::{sign, Secret};
use erpops_core::wire;
use http_body_util::{BodyExt, Full};

use crate::backoff::Backoff;
use crate::cli::SendArgs;
use crate::clock;

/// Exit code: accepted.
pub const EXIT_OK: u8 = 0;
/// Exit code: local error.
pub const EXIT_LOCAL: u8 = 1;
/// Exit code: the receiver rejected the event (4xx except 429).
pub const EXIT_REJECTED: u8 = 2;
/// Exit code: gave up retrying.
pub const EXIT_GAVE_UP: u8 = 3;
/// Exit code: the body is larger than the limit (refused before sending, or
/// 413 from the receiver).
pub const EXIT_TOO_LARGE: u8 = 4;

/// Why `send` stopped before sending: the message to print and the exit
/// code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFailure {
    /// The exit code ([`EXIT_LOCAL`] or [`EXIT_TOO_LARGE`]).
    pub exit: u8,
    /// What went wrong and how to fix it.
    pub message: String,
}

impl LocalFailure {
    fn local(message: String) -> Self {
        LocalFailure {
            exit: EXIT_LOCAL,
            message,
        }
    }
}

/// The secret from the environment variable `name`.
pub fn secret_from_env(name: &str) -> Result<Secret, String> {
    let value = std::env::var(name).map_err(|_| {
        format!("environment variable {name} is not set; export the connector secret in it")
    })?;
    Secret::new(value.as_bytes()).map_err(|e| format!("{name}: {e}"))
}

/// Reads a body file, or stdin when `file` is `None`.
pub fn read_body(file: Option<&Path>) -> Result<Vec<u8>, String> {
    match file {
        Some(path) => {
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        None => {
            use std::io::Read;
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(buf)
        }
    }
}

/// Parses `k=v` metadata: integers, `true`/`false` and `null` are typed,
/// except under `run_id`, always sent as text (`run_id=4711` is the string
/// `"4711"`, which pairs with an integer 4711 anyway, and `run_id=true`
/// stays a valid id).
fn meta_value(key: &str, text: &str) -> MetadataValue {
    if key == RUN_ID_KEY {
        return MetadataValue::String(text.to_owned());
    }
    if let Ok(i) = text.parse::<i64>() {
        return MetadataValue::Int(i);
    }
    match text {
        "true" => MetadataValue::Bool(true),
        "false" => MetadataValue::Bool(false),
        "null" => MetadataValue::Null,
        _ => MetadataValue::String(text.to_owned()),
    }
}

/// The body `send` posts: the file's bytes, or an event built (and
/// validated, and held to `--max-body-bytes`) by the core's builder with
/// the current time. A built body over the limit is refused here with
/// [`EXIT_TOO_LARGE`] and the core's `body_too_large` message, before
/// anything is signed.
pub fn build_body(args: &SendArgs) -> Result<Vec<u8>, LocalFailure> {
    if let Some(file) = &args.file {
        let body = read_body(Some(file)).map_err(LocalFailure::local)?;
        // Sent as it is, so only its size can be checked here: a body the
        // receiver would answer 413 never leaves the machine either.
        if body.len() > args.max_body_bytes {
            return Err(LocalFailure {
                exit: EXIT_TOO_LARGE,
                message: format!(
                    "nothing was sent ({}): {} holds {} bytes, {} more than the limit of {} \
                     bytes, and a receiver would refuse it (413); shorten the event's message or \
                     metadata, or, if the receiver's max_body_bytes is higher, pass it as \
                     --max-body-bytes",
                    BodyTooLarge::CODE,
                    file.display(),
                    body.len(),
                    body.len().saturating_sub(args.max_body_bytes),
                    args.max_body_bytes
                ),
            });
        }
        return Ok(body);
    }
    let mut b = EventBuilder::new();
    b.max_body_bytes(args.max_body_bytes);
    b.connector_id_str(&args.connector_id);
    if let Some(t) = &args.event_type {
        b.event_type(t.clone());
    }
    b.timestamp(clock::now());
    if let Some(s) = &args.severity {
        b.severity_str(s);
    }
    if let Some(s) = &args.source {
        b.source(s.clone());
    }
    if let Some(m) = &args.message {
        b.message(m.clone());
    }
    for kv in &args.meta {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| LocalFailure::local(format!("--meta {kv:?} must be KEY=VALUE")))?;
        b.metadata(k, meta_value(k, v));
    }
    b.build().map_err(|e| match &e {
        BuildError::Invalid(v) => LocalFailure::local(format!("the event is invalid: {v}")),
        BuildError::BodyTooLarge(_) => LocalFailure {
            exit: EXIT_TOO_LARGE,
            message: format!(
                "nothing was sent ({}): {e}; or, if the receiver's max_body_bytes is higher, \
                 pass it as --max-body-bytes",
                e.code()
            ),
        },
    })
}

/// What `send` says about a 413: the receiver's limit is below this body,
/// which a retry cannot change.
pub fn too_large_explanation(body_len: usize) -> String {
    format!(
        "the receiver refused the body as too large (413 body_too_large): its limit \
         (max_body_bytes) is lower than this body's {body_len} bytes; shorten the message or \
         metadata, or raise max_body_bytes on the receiver (ERPOPS_MAX_BODY_BYTES); not retried"
    )
}

/// What one attempt got.
enum Attempt {
    Done(u16, Vec<u8>),
    Retry(Duration, String),
    Rejected(u16, Vec<u8>),
    TooLarge(Vec<u8>),
}

/// Signs and posts `body`, retrying as the module docs say. Prints the
/// receiver's answer; returns the exit code.
pub async fn send(args: &SendArgs, body: Vec<u8>, secret: &Secret) -> u8 {
    let signature = sign(secret, &body);
    let body = Bytes::from(body);
    // https URLs are verified against the system's trusted CAs; without
    // any, only an http URL can be sent to.
    let roots = match crate::https::system_roots() {
        Ok(roots) => roots,
        Err(why) if args.url.starts_with("https:") => {
            eprintln!("erpops send: cannot verify {}: {why}", args.url);
            return EXIT_LOCAL;
        }
        Err(_) => std::sync::Arc::new(rustls::RootCertStore::empty()),
    };
    let client = match crate::https::client(roots, Some(Duration::from_secs(10))) {
        Ok(client) => client,
        Err(why) => {
            eprintln!("erpops send: {why}");
            return EXIT_LOCAL;
        }
    };
    // At most a minute between attempts: a batch step waits, but not long.
    let backoff = Backoff {
        initial: Duration::from_millis(args.initial_backoff_ms),
        max: Duration::from_secs(60),
    };
    let attempts = args.max_attempts.max(1);
    for attempt in 0..attempts {
        let request = hyper::Request::post(args.url.as_str())
            .header("Content-Type", wire::JSON_MEDIA_TYPE)
            .header(wire::CONNECTOR_ID_HEADER, args.connector_id.as_str())
            .header(wire::SIGNATURE_HEADER, signature.as_str())
            .body(Full::new(body.clone()));
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                eprintln!("erpops send: invalid request ({e}); check --url and --connector-id");
                return EXIT_LOCAL;
            }
        };
        let outcome = match client.request(request).await {
            Err(e) if crate::https::is_certificate_error(&e) => {
                eprintln!(
                    "erpops send: the receiver's TLS certificate was refused ({}); check that \
                     --url names the host the certificate is for, and the trusted CAs \
                     (SSL_CERT_FILE for a private CA)",
                    crate::https::error_chain(&e)
                );
                return EXIT_LOCAL;
            }
            Err(e) => Attempt::Retry(
                backoff.delay_jittered(attempt + 1),
                format!("network error: {}", crate::https::error_chain(&e)),
            ),
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let bytes = match response.into_body().collect().await {
                    Ok(b) => b.to_bytes().to_vec(),
                    Err(_) => Vec::new(),
                };
                match status {
                    200..=299 => Attempt::Done(status, bytes),
                    429 => match retry_after {
                        Some(s) if s > args.max_retry_after_secs => {
                            eprintln!(
                                "erpops send: quota exceeded; Retry-After {s} s is longer than \
                                 --max-retry-after-secs, giving up"
                            );
                            println!("{}", String::from_utf8_lossy(&bytes));
                            return EXIT_GAVE_UP;
                        }
                        Some(s) => {
                            Attempt::Retry(Duration::from_secs(s), "429 quota exceeded".into())
                        }
                        None => Attempt::Retry(
                            backoff.delay_jittered(attempt + 1),
                            "429 without Retry-After".into(),
                        ),
                    },
                    413 => Attempt::TooLarge(bytes),
                    500..=599 => Attempt::Retry(
                        backoff.delay_jittered(attempt + 1),
                        format!("HTTP {status}"),
                    ),
                    _ => Attempt::Rejected(status, bytes),
                }
            }
        };
        match outcome {
            Attempt::Done(status, bytes) => {
                eprintln!("erpops send: HTTP {status}");
                println!("{}", String::from_utf8_lossy(&bytes));
                return EXIT_OK;
            }
            Attempt::TooLarge(bytes) => {
                eprintln!("erpops send: {}", too_large_explanation(body.len()));
                println!("{}", String::from_utf8_lossy(&bytes));
                return EXIT_TOO_LARGE;
            }
            Attempt::Rejected(status, bytes) => {
                eprintln!("erpops send: rejected with HTTP {status}; the body says why");
                println!("{}", String::from_utf8_lossy(&bytes));
                return EXIT_REJECTED;
            }
            Attempt::Retry(wait, why) => {
                if attempt + 1 >= attempts {
                    eprintln!("erpops send: {why}; gave up after {attempts} attempt(s)");
                    return EXIT_GAVE_UP;
                }
                eprintln!(
                    "erpops send: {why}; retrying the same bytes in {} ms",
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
    EXIT_GAVE_UP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_values_are_typed_except_the_run_id() {
        assert_eq!(
            meta_value("records_processed", "18441"),
            MetadataValue::Int(18441)
        );
        assert_eq!(meta_value("retry", "true"), MetadataValue::Bool(true));
        assert_eq!(meta_value("note", "null"), MetadataValue::Null);
        assert_eq!(
            meta_value("who", "PSFT"),
            MetadataValue::String("PSFT".into())
        );
        assert_eq!(
            meta_value("run_id", "4711"),
            MetadataValue::String("4711".into())
        );
        assert_eq!(
            meta_value("run_id", "true"),
            MetadataValue::String("true".into())
        );
    }
}
