//! Replays every case of `tests/vectors/incidents.json`, the incident
//! timelines that every language's test suite reads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use std::time::Duration;

use erpops_core::event::Event;
use erpops_core::incident::{Command, IncidentConfig, IncidentModel};
use erpops_core::Timestamp;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct File {
    version: u32,
    cases: Vec<Case>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    reopen_window_secs: Option<u64>,
    ack_timeout_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[allow(dead_code)]
    note: String,
    #[serde(default)]
    config: Config,
    steps: Vec<Step>,
    #[serde(rename = "final")]
    final_incidents: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    now: Timestamp,
    ingest: Option<Ingest>,
    command: Option<Command>,
    #[serde(default)]
    tick: bool,
    expect: Option<Vec<Value>>,
    expect_error: Option<String>,
    /// Absent: not checked; `null`: no timer pending.
    #[serde(default, deserialize_with = "present")]
    next_wakeup: Option<Option<Timestamp>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ingest {
    event_id: String,
    event: Event,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Timestamp>>, D::Error> {
    Option::<Timestamp>::deserialize(d).map(Some)
}

/// Every member of `expected` equals the one in `actual` (objects
/// recursively by the same rule; `null` = absent or null).
fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match expected {
        Value::Object(members) => {
            for (name, want) in members {
                let got = actual.get(name).unwrap_or(&Value::Null);
                matches(want, got, &format!("{path}/{name}"))?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn load() -> File {
    vector_support::load("incidents.json")
}

#[test]
fn every_incident_vector_replays() {
    let file = load();
    assert_eq!(file.version, 1);
    assert!(file.cases.len() >= 10);
    for case in &file.cases {
        let mut config = IncidentConfig::default();
        if let Some(s) = case.config.reopen_window_secs {
            config.reopen_window = Duration::from_secs(s);
        }
        if let Some(s) = case.config.ack_timeout_secs {
            config.ack_timeout = Duration::from_secs(s);
        }
        let mut model = IncidentModel::new(config);
        for (i, step) in case.steps.iter().enumerate() {
            let at = format!("{} step {i}", case.name);
            let result = match (&step.ingest, &step.command, step.tick) {
                (Some(ing), None, false) => Ok(model.ingest(&ing.event, &ing.event_id, step.now)),
                (None, Some(cmd), false) => model.command(cmd, step.now),
                (None, None, true) => Ok(model.tick(step.now)),
                _ => panic!("{at}: a step is exactly one of ingest, command, tick"),
            };
            match (&step.expect, &step.expect_error, result) {
                (Some(want), None, Ok(effects)) => {
                    let got: Vec<Value> = effects
                        .iter()
                        .map(|e| serde_json::to_value(e).unwrap())
                        .collect();
                    assert_eq!(
                        got.len(),
                        want.len(),
                        "{at}: effects {:?}",
                        effects.iter().map(|e| e.kind()).collect::<Vec<_>>()
                    );
                    for (j, (w, g)) in want.iter().zip(&got).enumerate() {
                        if let Err(e) = matches(w, g, "") {
                            panic!("{at} effect {j}: {e}\nactual: {g}");
                        }
                    }
                }
                (None, Some(code), Err(err)) => {
                    assert_eq!(err.code(), code, "{at}: {err}");
                    assert!(!err.to_string().is_empty());
                }
                (_, _, other) => panic!("{at}: unexpected outcome {other:?}"),
            }
            if let Some(want) = step.next_wakeup {
                assert_eq!(model.next_wakeup(), want, "{at}: next_wakeup");
            }
        }
        let held: Vec<Value> = model
            .incidents()
            .map(|i| serde_json::to_value(i).unwrap())
            .collect();
        assert_eq!(
            held.len(),
            case.final_incidents.len(),
            "{}: number of incidents held",
            case.name
        );
        for want in &case.final_incidents {
            let id = want.get("id").unwrap();
            let got = held
                .iter()
                .find(|h| h.get("id") == Some(id))
                .unwrap_or_else(|| panic!("{}: incident {id} not held", case.name));
            if let Err(e) = matches(want, got, "") {
                panic!("{} final {id}: {e}", case.name);
            }
        }
    }
    vector_support::replayed("incidents.json", "cases", file.cases.len());
}
