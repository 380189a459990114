//! The fuzz targets' entry points on the stable toolchain (issue #13): the
//! quota-ledger and incident-model operation harnesses in `fuzz_support/`
//! (shared with `core/fuzz`) run on arbitrary bytes from proptest, and on the
//! seed corpus `core/fuzz/seeds.py` writes from the vectors, so `cargo test`
//! covers the same code and invariant checks the fuzzer does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod fuzz_support;

use proptest::prelude::*;

proptest! {
    /// Arbitrary operation sequences on the quota ledger keep its invariants.
    #[test]
    fn quota_ledger_operation_sequences(data in prop::collection::vec(any::<u8>(), 0..400)) {
        fuzz_support::quota_ops::run(&data);
    }

    /// Arbitrary ingest/command/tick sequences keep the incident model legal.
    #[test]
    fn incident_model_operation_sequences(data in prop::collection::vec(any::<u8>(), 0..400)) {
        fuzz_support::incident_ops::run(&data);
    }
}

/// The seed corpus (written from `quota.json` and `incidents.json` by
/// `core/fuzz/seeds.py`) passes the harnesses: the vectors' scripted
/// sequences, in the fuzzers' byte format, break no invariant.
#[test]
fn seed_corpus_from_the_vectors_passes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("erpops-fuzz-seeds-{}", std::process::id()));
    let status = std::process::Command::new("python3")
        .arg(root.join("fuzz/seeds.py"))
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status();
    let Ok(status) = status else {
        eprintln!("python3 not found: seed corpus not replayed (the proptests above still ran)");
        return;
    };
    assert!(status.success(), "seeds.py failed");
    let mut replayed = 0;
    for (target, run) in [
        ("quota_ledger", fuzz_support::quota_ops::run as fn(&[u8])),
        ("incidents", fuzz_support::incident_ops::run),
    ] {
        for entry in std::fs::read_dir(out.join(target)).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            run(&data);
            replayed += 1;
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
    assert!(replayed >= 20, "only {replayed} seeds");
}
