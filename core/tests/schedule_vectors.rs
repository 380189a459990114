//! Replays `tests/vectors/runs.json` (issue #23): schedule fire times
//! across daylight-saving transitions, refused schedules, and job timelines
//! through the alert engine (runs, expectations, windows, dependencies).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use erpops_core::alert::{AlertConfig, AlertEngine, AlertRule, Job, MaintenanceWindow};
use erpops_core::event::Event;
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
    timelines: Vec<Timeline>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Timeline {
    name: String,
    #[allow(dead_code)]
    note: String,
    #[serde(default)]
    rules: Vec<AlertRule>,
    #[serde(default)]
    jobs: Vec<JobSetup>,
    #[serde(default)]
    windows: Vec<MaintenanceWindow>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobSetup {
    now: Timestamp,
    job: Job,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    now: Timestamp,
    ingest: Option<Ingest>,
    #[serde(default)]
    tick: bool,
    expect: Vec<Value>,
    #[serde(default, deserialize_with = "present")]
    next_wakeup: Option<Option<Timestamp>>,
    job: Option<JobView>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ingest {
    event_id: String,
    event: Event,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobView {
    connector_id: uuid::Uuid,
    source: String,
    expect: Value,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Timestamp>>, D::Error> {
    Option::<Timestamp>::deserialize(d).map(Some)
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

#[test]
fn job_timelines_replay() {
    let v = load();
    assert!(v.timelines.len() >= 7);
    for case in &v.timelines {
        let mut engine = AlertEngine::new(AlertConfig::with_defaults());
        for r in &case.rules {
            engine.set_rule(r.clone()).unwrap();
        }
        for j in &case.jobs {
            engine.set_job(j.job.clone(), j.now).unwrap();
        }
        for w in &case.windows {
            engine.set_window(w.clone()).unwrap();
        }
        for (i, step) in case.steps.iter().enumerate() {
            let at = format!("{} step {i}", case.name);
            let effects = match (&step.ingest, step.tick) {
                (Some(ing), false) => engine.ingest(&ing.event, &ing.event_id, step.now),
                (None, true) => engine.tick(step.now),
                _ => panic!("{at}: a step is exactly one action"),
            };
            let got: Vec<Value> = effects
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect();
            assert_eq!(
                got.len(),
                step.expect.len(),
                "{at}: effects {}",
                serde_json::to_string(&got).unwrap()
            );
            for (j, (w, g)) in step.expect.iter().zip(&got).enumerate() {
                if let Err(e) = vector_support::matches(w, g, "") {
                    panic!("{at} effect {j}: {e}\nactual: {g}");
                }
            }
            if let Some(want) = step.next_wakeup {
                assert_eq!(engine.next_wakeup(), want, "{at}: next_wakeup");
            }
            if let Some(view) = &step.job {
                let state = engine
                    .job(view.connector_id, &view.source)
                    .unwrap_or_else(|| panic!("{at}: no job {}", view.source));
                let mut actual = serde_json::to_value(state).unwrap();
                actual["status"] = serde_json::to_value(state.status()).unwrap();
                actual["median_duration_ms"] =
                    serde_json::to_value(state.median_duration_ms()).unwrap();
                if let Err(e) = vector_support::matches(&view.expect, &actual, "/job") {
                    panic!("{at}: {e}\nactual: {actual}");
                }
            }
        }
    }
    vector_support::replayed("runs.json", "timelines", v.timelines.len());
}
