//! Signing and verification against OpenSSL, same process, same bodies.
//!
//! Anchors (issue #12): OpenSSL's `HMAC()` one-shot, and `EVP_MAC` fetched
//! and keyed once (OpenSSL's fastest path, the anchor of the targets). Every
//! signer produces the full `sha256=<hex>` header and every verifier starts
//! from the header text and compares in constant time, so hex work is
//! counted on both sides. Function ids containing "(anchor)" are what
//! `benches/report.py` divides by.
//!
//! Run: `cargo bench -p erpops-bench --bench sign_verify` (`make bench` runs
//! it with short warm-up and measurement times).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use erpops_core::{sign, verify, Secret, SignatureHeader};

/// The seed's failure event with its metadata (the body `benches/c` uses).
const SEED_BODY: &[u8] = br#"{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441","metadata":{"exit_code":1,"records_processed":18441,"records_total":40000}}"#;
const KEY: &[u8] = b"whsec_erpops_benchmark_secret_0123456789";

/// The seed body padded with spaces (still valid JSON) to `len` bytes.
fn padded(len: usize) -> Vec<u8> {
    let mut b = SEED_BODY.to_vec();
    b.resize(len.max(SEED_BODY.len()), b' ');
    b
}

/// The header an OpenSSL-based sender would build from the raw MAC.
fn header_of(mac: &[u8; 32]) -> [u8; 71] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut h = [0u8; 71];
    h[..7].copy_from_slice(b"sha256=");
    for (i, byte) in mac.iter().enumerate() {
        h[7 + 2 * i] = DIGITS[usize::from(byte >> 4)];
        h[8 + 2 * i] = DIGITS[usize::from(byte & 15)];
    }
    h
}

/// What a receiver built on OpenSSL does with the header: check the label,
/// decode the hex, compare in constant time.
fn openssl_check(header: &[u8], mac: [u8; 32]) -> bool {
    let Some(hex_part) = header.strip_prefix(b"sha256=") else {
        return false;
    };
    let mut given = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut given).is_ok() && openssl::ct_eq(&given, &mac)
}

fn bench(c: &mut Criterion) {
    eprintln!(
        "sign_verify: {}; x86 SHA extensions detected: {}",
        openssl::version(),
        sha_detected()
    );
    let secret = Secret::new(KEY).unwrap();
    let secrets = [secret.clone()];
    let mut evp = openssl::EvpMac::new(KEY);

    let bodies: [(&str, Vec<u8>); 4] = [
        ("256 B", padded(256)),
        ("288 B event", SEED_BODY.to_vec()),
        ("4 KiB", padded(4096)),
        ("64 KiB", padded(65536)),
    ];
    for (label, body) in &bodies {
        let header: SignatureHeader = sign(&secret, body);
        // All implementations agree before anything is timed.
        assert_eq!(&header_of(&evp.mac(body)), header.as_bytes());
        assert_eq!(
            &header_of(&openssl::hmac_oneshot(KEY, body)),
            header.as_bytes()
        );
        assert!(verify(&secrets, body, Some(header.as_bytes())).is_ok());

        if *label == "288 B event" || *label == "64 KiB" {
            let mut g = c.benchmark_group(format!("sign, {label}"));
            g.throughput(Throughput::Bytes(body.len() as u64));
            g.bench_function("openssl EVP_MAC keyed once (anchor)", |b| {
                b.iter(|| header_of(&evp.mac(black_box(body))))
            });
            g.bench_function("openssl HMAC()", |b| {
                b.iter(|| header_of(&openssl::hmac_oneshot(KEY, black_box(body))))
            });
            g.bench_function("erpops sign (Secret keyed once)", |b| {
                b.iter(|| sign(&secret, black_box(body)))
            });
            g.bench_function("erpops sign (new Secret per call)", |b| {
                b.iter(|| sign(&Secret::new(KEY).unwrap(), black_box(body)))
            });
            g.finish();
        }

        let mut g = c.benchmark_group(format!("verify, {label}"));
        g.throughput(Throughput::Bytes(body.len() as u64));
        let h = header.as_bytes();
        g.bench_function("openssl EVP_MAC keyed once + CRYPTO_memcmp (anchor)", |b| {
            b.iter(|| openssl_check(black_box(h), evp.mac(black_box(body))))
        });
        g.bench_function("openssl HMAC() + CRYPTO_memcmp", |b| {
            b.iter(|| openssl_check(black_box(h), openssl::hmac_oneshot(KEY, black_box(body))))
        });
        g.bench_function("erpops verify", |b| {
            b.iter(|| verify(&secrets, black_box(body), Some(black_box(h))).is_ok())
        });
        g.finish();
    }
}

/// What the `sha2` crate checks (through `cpufeatures`) before selecting its
/// SHA-NI backend.
fn sha_detected() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse2")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
