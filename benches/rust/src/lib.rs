//! Benchmark-only crate: nothing here is part of the SDK.
//!
//! `make bench` runs this crate's criterion benches (`benches/sign_verify.rs`:
//! signing and verification against OpenSSL's `HMAC()` and `EVP_MAC` called
//! from the same process; `benches/scaling.rs`: incident ingest and the quota
//! ledger at growing key counts) next to the core's own benches, then
//! `benches/report.py` turns the raw results into `BENCHMARKS.md`.
//!
//! It lives in its own crate so that the core keeps no link-time dependency
//! on OpenSSL: the benches declare the few libcrypto functions they call
//! themselves (`benches/openssl.rs`), so only `cargo bench -p erpops-bench`
//! needs `libcrypto.so` (Debian: `libssl-dev`), never `make test`.
