//! Operation-sequence harnesses shared by the fuzz targets (`core/fuzz`,
//! libFuzzer) and the stable property tests (`core/tests/fuzz_entry_points.rs`):
//! both feed arbitrary bytes to the same `run` functions, so `cargo test`
//! exercises exactly the entry points and invariant checks the fuzzer does.
//!
//! Each harness decodes its bytes into a sequence of operations (the format is
//! documented at the top of each file and mirrored by `core/fuzz/seeds.py`),
//! applies them, and panics when an invariant breaks: a panic is the fuzzer's
//! crash and proptest's failure.

pub mod bytes;
pub mod incident_ops;
pub mod quota_ops;
