//! The quota ledger under arbitrary operation sequences (consume, peek,
//! clock moves, prune, snapshot round trips, restoring arbitrary snapshot
//! text) against a plain model: never over-admit, usage monotone within a
//! window, snapshots round-trip. The harness is shared with the stable
//! proptest `core/tests/fuzz_entry_points.rs`; its byte format is documented
//! in `core/tests/fuzz_support/quota_ops.rs`.
#![no_main]

#[path = "../../tests/fuzz_support/mod.rs"]
#[allow(dead_code)]
mod fuzz_support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_support::quota_ops::run(data));
