//! The incident model under arbitrary ingest / command / tick / snapshot
//! sequences: no panic, legal states, deterministic ids and effects, refused
//! commands change nothing, bounded memory, exact `next_wakeup`. The harness
//! is shared with the stable proptest `core/tests/fuzz_entry_points.rs`; its
//! byte format is documented in `core/tests/fuzz_support/incident_ops.rs`.
#![no_main]

#[path = "../../tests/fuzz_support/mod.rs"]
#[allow(dead_code)]
mod fuzz_support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_support::incident_ops::run(data));
