//! Replays `tests/vectors/alerts.json` (the language-neutral alerting
//! timelines) against the engine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod vector_support;

use std::time::Duration;

use erpops_core::alert::{AlertConfig, AlertEngine, AlertRule, FlappingConfig, Heartbeat, Silence};
use erpops_core::event::Event;
use erpops_core::incident::Command;
use erpops_core::Timestamp;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[allow(dead_code)]
    description: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[allow(dead_code)]
    note: String,
    #[serde(default)]
    config: Config,
    #[serde(default)]
    rules: Vec<AlertRule>,
    #[serde(default)]
    silences: Vec<Silence>,
    #[serde(default)]
    heartbeats: Vec<HeartbeatSetup>,
    steps: Vec<Step>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    reopen_window_secs: Option<u64>,
    ack_timeout_secs: Option<u64>,
    /// `false` turns flap detection off.
    flapping: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeartbeatSetup {
    now: Timestamp,
    heartbeat: Heartbeat,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    now: Timestamp,
    ingest: Option<Ingest>,
    command: Option<Command>,
    #[serde(default)]
    tick: bool,
    expire_silence: Option<String>,
    expect: Vec<Value>,
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

fn config(c: &Config) -> AlertConfig {
    let mut config = AlertConfig::with_defaults();
    if let Some(s) = c.reopen_window_secs {
        config.incident.reopen_window = Duration::from_secs(s);
    }
    if let Some(s) = c.ack_timeout_secs {
        config.incident.ack_timeout = Duration::from_secs(s);
    }
    match &c.flapping {
        None => {}
        Some(Value::Bool(false)) => config.flapping = None,
        Some(v) => {
            let n = |name: &str| v.get(name).and_then(Value::as_u64).unwrap();
            config.flapping = Some(FlappingConfig {
                max_transitions: usize::try_from(n("max_transitions")).unwrap(),
                window: Duration::from_secs(n("window_secs")),
                quiet_period: Duration::from_secs(n("quiet_period_secs")),
            });
        }
    }
    config
}

#[test]
fn every_alert_vector_replays() {
    let file: File = vector_support::load("alerts.json");
    assert_eq!(file.version, 1);
    assert!(file.cases.len() >= 9);
    for case in &file.cases {
        let mut engine = AlertEngine::new(config(&case.config));
        for r in &case.rules {
            engine.set_rule(r.clone()).unwrap();
        }
        for s in &case.silences {
            engine.set_silence(s.clone()).unwrap();
        }
        for h in &case.heartbeats {
            engine.set_heartbeat(h.heartbeat.clone(), h.now).unwrap();
        }
        for (i, step) in case.steps.iter().enumerate() {
            let at = format!("{} step {i}", case.name);
            let effects = match (&step.ingest, &step.command, step.tick, &step.expire_silence) {
                (Some(ing), None, false, None) => {
                    engine.ingest(&ing.event, &ing.event_id, step.now)
                }
                (None, Some(cmd), false, None) => engine.command(cmd, step.now).unwrap(),
                (None, None, true, None) => engine.tick(step.now),
                (None, None, false, Some(id)) => engine.expire_silence(id, step.now),
                _ => panic!("{at}: a step is exactly one action"),
            };
            let got: Vec<Value> = effects
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect();
            assert_eq!(
                got.len(),
                step.expect.len(),
                "{at}: effects {:?}",
                effects.iter().map(|e| e.kind()).collect::<Vec<_>>()
            );
            for (j, (w, g)) in step.expect.iter().zip(&got).enumerate() {
                if let Err(e) = vector_support::matches(w, g, "") {
                    panic!("{at} effect {j}: {e}\nactual: {g}");
                }
            }
            if let Some(want) = step.next_wakeup {
                assert_eq!(engine.next_wakeup(), want, "{at}: next_wakeup");
            }
        }
    }
    vector_support::replayed("alerts.json", "cases", file.cases.len());
}
