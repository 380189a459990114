//! Runs every case of `tests/vectors/signatures.json`, the file that every
//! language's test suite reads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use erpops_core::signature::{sign, verify, Secret, Signer};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    version: u32,
    sign: Vec<SignCase>,
    verify: Vec<VerifyCase>,
}

#[derive(Deserialize)]
struct SignCase {
    name: String,
    secret_hex: String,
    body_hex: String,
    header: String,
}

#[derive(Deserialize)]
struct VerifyCase {
    name: String,
    secrets_hex: Vec<String>,
    body_hex: String,
    header: Option<String>,
    expect: String,
    matched_index: Option<usize>,
}

fn load() -> File {
    vector_support::load("signatures.json")
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("vector hex")
}

#[test]
fn sign_vectors() {
    let file = load();
    assert_eq!(file.version, 1);
    assert!(file.sign.len() >= 20, "too few sign vectors");
    for c in &file.sign {
        let secret = Secret::new(unhex(&c.secret_hex)).expect(&c.name);
        let body = unhex(&c.body_hex);
        assert_eq!(sign(&secret, &body).as_str(), c.header, "sign: {}", c.name);

        // Incremental signing in odd-sized pieces gives the same header.
        let mut s = Signer::new(&secret);
        for chunk in body.chunks(7) {
            s.update(chunk);
        }
        assert_eq!(s.finalize().as_str(), c.header, "streaming: {}", c.name);
    }
    vector_support::replayed("signatures.json", "sign", file.sign.len());
}

#[test]
fn verify_vectors() {
    let file = load();
    assert!(file.verify.len() >= 30, "too few verify vectors");
    for c in &file.verify {
        let secrets: Vec<Secret> = c
            .secrets_hex
            .iter()
            .map(|h| Secret::new(unhex(h)).expect(&c.name))
            .collect();
        let body = unhex(&c.body_hex);
        let got = verify(&secrets, &body, c.header.as_deref().map(str::as_bytes));
        match (c.expect.as_str(), got) {
            ("ok", Ok(m)) => assert_eq!(Some(m.index), c.matched_index, "index: {}", c.name),
            ("ok", Err(e)) => panic!("{}: expected ok, got {}", c.name, e.code()),
            (code, Ok(_)) => panic!("{}: expected {code}, verified", c.name),
            (code, Err(e)) => assert_eq!(e.code(), code, "{}: {e}", c.name),
        }
    }
    vector_support::replayed("signatures.json", "verify", file.verify.len());
}
