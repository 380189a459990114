//! The receiver's clock and randomness: the only places that read the
//! system time or the OS random source (the core takes both as arguments).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use erpops_core::Timestamp;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How far this process's clock was moved ahead by [`advance`] (ns).
static AHEAD_NANOS: AtomicI64 = AtomicI64::new(0);

/// Now, as the core's `Timestamp`.
pub fn now() -> Timestamp {
    let nanos = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
    };
    let nanos = nanos.saturating_add(i128::from(AHEAD_NANOS.load(Ordering::Relaxed)));
    Timestamp::from_unix_nanos(nanos).unwrap_or(Timestamp::from_unix_seconds(0))
}

/// Moves this process's clock ahead by `by`, for everything that reads
/// [`now`]: the HTTP tasks, the writer, the API. For tests that run weeks of
/// a receiver's life in seconds (retention); nothing in `erpops` calls it.
#[doc(hidden)]
pub fn advance(by: Duration) {
    let by = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
    AHEAD_NANOS.fetch_add(by, Ordering::Relaxed);
}

/// `n` bytes from the OS random source.
///
/// # Errors
/// When the OS refuses (then no secret can be made safely).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| format!("the OS random source failed: {e}"))?;
    Ok(buf)
}

/// A fresh connector secret: 32 random bytes as 64 lowercase hex digits
/// (printable, pasteable into shell variables and openssl `-hmac`).
pub fn new_secret() -> Result<String, String> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// A fresh random (version 4) UUID for a connector.
pub fn new_uuid() -> Result<Uuid, String> {
    Ok(uuid::Builder::from_random_bytes(random_bytes::<16>()?).into_uuid())
}

/// A fresh API key: `erpk_` + 64 hex digits (shown once, stored hashed).
pub fn new_api_key() -> Result<String, String> {
    Ok(format!("erpk_{}", hex::encode(random_bytes::<32>()?)))
}

/// How an API key is stored: SHA-256 hex (a key has 256 random bits, so a
/// fast hash is enough; a password hash would only slow every request).
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}
