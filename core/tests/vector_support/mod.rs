//! What every `*_vectors.rs` shares: reading a file of `tests/vectors/`, and
//! recording which files and sections this runner replayed.
//!
//! When `ERPOPS_VECTOR_LOG` names a directory (`make test` sets it), [`load`]
//! and [`replayed`] append a line `rust <file> <section> <cases> <pid>` to
//! `rust.tsv` there; `tests/vectors/check_matrix.py` compares those lines with
//! the table in `tests/vectors/README.md`, so a runner that stops loading a
//! file, or replays none of a section's cases, fails `make test`.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// The parsed `tests/vectors/<name>` (into a typed file or a `serde_json::Value`).
pub fn load<T: DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let parsed = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {name}: {e}"));
    record(name, "-", 0);
    parsed
}

/// Records that `cases` cases of the top-level array `section` of `name` were
/// replayed; call it after they all passed.
pub fn replayed(name: &str, section: &str, cases: usize) {
    record(name, section, cases);
}

fn record(name: &str, section: &str, cases: usize) {
    let Some(dir) = std::env::var_os("ERPOPS_VECTOR_LOG") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let line = format!("rust\t{name}\t{section}\t{cases}\t{}\n", std::process::id());
    // One write of one short line to a file opened for appending: lines of
    // the test threads and binaries never interleave.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("rust.tsv"))
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}

/// Every member of `expected` equals the one in `actual`: objects member by
/// member by the same rule (`null` = absent or null), lists of the same
/// length item by item, anything else by equality.
#[allow(dead_code)] // used by the runners of timelines, not every runner
pub fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(members), _) => {
            for (name, want) in members {
                let got = actual.get(name).unwrap_or(&Value::Null);
                matches(want, got, &format!("{path}/{name}"))?;
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => want
            .iter()
            .zip(got)
            .enumerate()
            .try_for_each(|(i, (w, g))| matches(w, g, &format!("{path}/{i}"))),
        (Value::Array(want), Value::Null) if want.is_empty() => Ok(()),
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}
