//! The COBOL copybook `include/ERPOPS.cpy` lists every status and size
//! constant of `erpops.h`, rendered from the same table. `make header`
//! (UPDATE_HEADER=1) rewrites it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ERPOps::erpops_status;

const COPYBOOK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include/ERPOPS.cpy");
const HEADER: &str = include_str!(concat!(env!("OUT_DIR"), "/erpops.h"));

fn render() -> String {
    let mut out = String::new();
    out.push_str("      *> ERPOPS.cpy: libERPOps constants for GnuCOBOL programs.\n");
    out.push_str("      *> GENERATED from ffi-c/src by `make header`; do not edit.\n");
    out.push_str("      *> Status codes returned by every fallible erpops_* call\n");
    out.push_str("      *> (RETURNING a BINARY-LONG field); 0 is success.\n");
    for s in erpops_status::ALL {
        let name = format!(
            "ERPOPS-STATUS-{}",
            s.name().to_uppercase().replace('_', "-")
        );
        out.push_str(&format!("       78 {name:<38} VALUE {}.\n", s as i32));
    }
    out.push_str("      *> Sizes of fixed outputs, in bytes.\n");
    for (name, value) in constants() {
        out.push_str(&format!(
            "       78 {:<38} VALUE {value}.\n",
            name.replace('_', "-")
        ));
    }
    out
}

/// `#define ERPOPS_*_LEN` and the ABI version from the generated header.
fn constants() -> Vec<(String, String)> {
    HEADER
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split_once(' '))
        .filter(|(n, v)| {
            (n.ends_with("_LEN") || *n == "ERPOPS_ABI_VERSION") && v.parse::<u64>().is_ok()
        })
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn copybook_matches_the_status_table() {
    let want = render();
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(COPYBOOK, &want).unwrap();
    }
    let have = std::fs::read_to_string(COPYBOOK).unwrap_or_default();
    assert!(
        have == want,
        "ffi-c/include/ERPOPS.cpy is out of date: run `make header` and commit it"
    );
    for line in want.lines() {
        assert!(line.len() <= 72, "fixed-format COBOL line too long: {line}");
    }
}

#[test]
fn every_status_has_a_distinct_number_and_name() {
    let mut numbers: Vec<i32> = erpops_status::ALL.iter().map(|s| *s as i32).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), erpops_status::ALL.len());
    for s in erpops_status::ALL {
        assert_eq!(erpops_status::from_i32(s as i32), Some(s));
        assert!(HEADER.contains(&format!(
            "ERPOPS_STATUS_{} = {}",
            s.name().to_uppercase(),
            s as i32
        )));
    }
}
