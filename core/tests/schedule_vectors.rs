//! Replays `tests/vectors/runs.json` (draft, issue #23): schedule fire
//! times across daylight-saving transitions, and refused schedules.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use erpops_core::schedule::{Schedule, TZDB_VERSION};
use erpops_core::Timestamp;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    version: u32,
    #[allow(dead_code)]
    description: String,
    tzdb: String,
    fires: Vec<FireCase>,
    errors: Vec<ErrorCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FireCase {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    schedule: Schedule,
    after: Timestamp,
    expect: Vec<Timestamp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorCase {
    name: String,
    schedule: Vec<Value>,
    expect_error: String,
}

fn load() -> Vectors {
    vector_support::load("runs.json")
}

#[test]
fn fire_times_replay() {
    let v = load();
    assert_eq!(v.version, 1);
    assert_eq!(v.tzdb, TZDB_VERSION, "regenerate or re-check the vectors");
    assert!(v.fires.len() >= 10);
    for case in &v.fires {
        let mut at = case.after;
        for (i, want) in case.expect.iter().enumerate() {
            let got = erpops_core::schedule::next_fire_after(&case.schedule, at);
            assert_eq!(got, Some(*want), "{} fire #{i}", case.name);
            at = *want;
        }
        // The batch helper agrees.
        assert_eq!(
            case.schedule.fires_after(case.after, case.expect.len()),
            case.expect,
            "{}",
            case.name
        );
    }
    vector_support::replayed("runs.json", "fires", v.fires.len());
}

#[test]
fn refused_schedules_replay() {
    let v = load();
    assert!(!v.errors.is_empty());
    for case in &v.errors {
        let mut entries = Vec::new();
        let mut error = None;
        for e in &case.schedule {
            let cron = e["cron"].as_str().unwrap();
            let zone = e["time_zone"].as_str().unwrap();
            match erpops_core::schedule::CronEntry::new(cron, zone) {
                Ok(entry) => entries.push(entry),
                Err(err) => {
                    error = Some(err);
                    break;
                }
            }
        }
        let error = match error {
            Some(e) => e,
            None => Schedule::new(entries).expect_err(&case.name),
        };
        assert_eq!(error.code(), case.expect_error, "{}: {error}", case.name);
        assert!(!error.to_string().is_empty());
        // Deserializing the same schedule is refused too.
        let json = Value::Array(case.schedule.clone()).to_string();
        assert!(
            serde_json::from_str::<Schedule>(&json).is_err(),
            "{}",
            case.name
        );
    }
    vector_support::replayed("runs.json", "errors", v.errors.len());
}
