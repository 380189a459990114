//! Reading a request body with the size limit enforced while reading:
//! a declared `Content-Length` over the limit is refused before any byte
//! is read, and a chunked body stops at the first chunk that crosses it.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// What the reader got.
#[derive(Debug)]
pub enum ReadBody {
    /// The complete body, within the limit.
    Complete(Bytes),
    /// The body is over the limit; reading stopped after `length` bytes
    /// (or the declared length when nothing was read).
    TooLarge {
        /// Declared or read length when reading stopped.
        length: u64,
    },
    /// The client stopped sending (error or `timeout`).
    Failed,
}

/// Reads `body` up to `limit` bytes within `timeout`.
pub async fn read_limited(
    declared: Option<u64>,
    mut body: Incoming,
    limit: usize,
    timeout: Duration,
) -> ReadBody {
    let limit64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if let Some(len) = declared.filter(|&l| l > limit64) {
        return ReadBody::TooLarge { length: len };
    }
    let read = async {
        let capacity = declared.map_or(0, |l| usize::try_from(l).unwrap_or(0));
        let mut buf = BytesMut::with_capacity(capacity.min(limit));
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return ReadBody::Failed;
            };
            if let Ok(data) = frame.into_data() {
                if buf.len().saturating_add(data.len()) > limit {
                    let length =
                        u64::try_from(buf.len().saturating_add(data.len())).unwrap_or(u64::MAX);
                    return ReadBody::TooLarge { length };
                }
                buf.extend_from_slice(&data);
            }
        }
        ReadBody::Complete(buf.freeze())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(ReadBody::Failed)
}
