//! The incident model under arbitrary ingest / command / tick sequences.
//!
//! Byte format (`core/fuzz/seeds.py` writes the same): two configuration
//! bytes, then operations, each an opcode byte (`% 7`) and its operands.
//! - config byte A: reopen window `[0, 60 s, 30 min][A % 3]`, ack timeout
//!   `[0, 30 s, 30 min][A / 3 % 3]`, retention `[0, 120 s, 25 h][A / 9 % 3]`;
//!   byte B: recent event ids kept `B % 5`;
//! - 0 ingest: connector (`% 2`), source (`% 4`, 3 → none), event type
//!   (`% 7`), severity (`% 4`), event time as a signed `u16` offset in
//!   seconds from the clock, metadata byte (bit 0: progress counts from two
//!   more `u16`s; bit 1: a dedup key; bit 2: a run id);
//! - 1 acknowledge, 2 resolve, 3 reopen: target byte (index into the held
//!   incidents in id order, one past the end is an unknown id), actor byte
//!   (0 → empty, 255 → too long), note byte (0 → none, 255 → too long);
//! - 4 advance the clock: unit byte (`% 3`: seconds, minutes, hours) and a
//!   `u16` count;
//! - 5 tick at the clock (also checks `next_wakeup` is exact);
//! - 6 snapshot → JSON → restore, which must give the same snapshot.
//!
//! Invariants after every step: every held incident is in a legal state
//! (status agrees with the acknowledgement and resolution fields, times are
//! ordered, the recent-id list respects its cap), its id is the one derived
//! from its key and opening event, `get(id)` finds it, the last effect for
//! an id equals the held record; a refused command changes nothing; quiet keys
//! carry a forget time and are gone once a tick passes it (bounded memory);
//! `next_wakeup` is the earliest pending acknowledgement expiry. The whole
//! run is repeated and must produce the same effects (deterministic ids).

use std::time::Duration;

use erpops_core::event::{Event, Metadata, MetadataValue, Severity};
use erpops_core::incident::{
    Command, Effect, Incident, IncidentConfig, IncidentModel, IncidentSnapshot, IncidentStatus,
};
use erpops_core::Timestamp;
use uuid::Uuid;

use super::bytes::Bytes;

const SOURCES: [&str; 3] = ["PSFT_PAYROLL_BATCH", "GL_LOAD", "AP_EXPORT"];
const TYPES: [&str; 7] = [
    "integration.failed",
    "integration.succeeded",
    "integration.started",
    "integration.note",
    "health.degraded",
    "health.recovered",
    "gl.load.timeout",
];
/// 2026-04-20T02:00:00Z.
const START: i64 = 1_776_650_400;

/// Runs `data` twice on fresh models; panics when an invariant breaks or the
/// two runs differ.
pub fn run(data: &[u8]) {
    let first = run_once(data);
    let second = run_once(data);
    assert!(first == second, "two runs of the same input differ");
}

fn config(input: &mut Bytes<'_>) -> IncidentConfig {
    let a = usize::from(input.u8());
    let b = usize::from(input.u8());
    let secs = |options: [u64; 3], i: usize| Duration::from_secs(options[i % 3]);
    IncidentConfig {
        reopen_window: secs([0, 60, 1800], a),
        ack_timeout: secs([0, 30, 1800], a / 3),
        retain_resolved: secs([0, 120, 90_000], a / 9),
        recent_event_ids: b % 5,
        ..IncidentConfig::default()
    }
}

fn run_once(data: &[u8]) -> Vec<Vec<Effect>> {
    let mut input = Bytes::new(data);
    let config = config(&mut input);
    let mut model = IncidentModel::new(config.clone());
    let mut now = Timestamp::from_unix_seconds(START);
    let mut next_event = 0u64;
    let mut log = Vec::new();
    while !input.is_empty() {
        let effects = match input.u8() % 7 {
            0 => {
                let event = event(&mut input, now);
                next_event += 1;
                let id = format!("evt_{next_event:032x}");
                let fx = model.ingest(&event, &id, now);
                for f in &fx {
                    assert!(
                        !matches!(f, Effect::Acknowledged { .. } | Effect::AckExpired { .. }),
                        "ingest produced {f:?}"
                    );
                }
                fx
            }
            op @ 1..=3 => {
                let command = command(&mut input, &model, op);
                let before = model.snapshot();
                match model.command(&command, now) {
                    Ok(fx) => {
                        assert_eq!(fx.len(), 1, "one effect per command");
                        fx
                    }
                    Err(e) => {
                        assert!(!e.code().is_empty());
                        assert!(
                            model.snapshot() == before,
                            "a refused command changed state"
                        );
                        Vec::new()
                    }
                }
            }
            4 => {
                let unit = [1i64, 60, 3600][input.pick(3)];
                let secs = unit * i64::from(input.u16());
                now = Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(secs));
                Vec::new()
            }
            5 => tick(&mut model, now),
            _ => {
                let snapshot = model.snapshot();
                let json = serde_json::to_string(&snapshot).expect("snapshot serializes");
                let parsed: IncidentSnapshot = serde_json::from_str(&json).expect("parses");
                let restored = IncidentModel::restore(config.clone(), parsed).expect("restores");
                assert!(
                    restored.snapshot() == snapshot,
                    "restore differs:\n{json}\n{}",
                    serde_json::to_string(&restored.snapshot()).unwrap_or_default()
                );
                assert_eq!(restored.next_wakeup(), model.next_wakeup());
                model = restored;
                Vec::new()
            }
        };
        check(&model, &effects, now);
        log.push(effects);
    }
    log
}

fn event(input: &mut Bytes<'_>, now: Timestamp) -> Event {
    let connector = Uuid::from_u128(0x3f2b_8c1e + input.pick(2) as u128);
    let source = SOURCES.get(input.pick(4)).map(|s| (*s).to_owned());
    let event_type = TYPES[input.pick(TYPES.len())].to_owned();
    let severity = Severity::ALL[input.pick(4)];
    let offset = i64::from(input.u16() as i16);
    let flags = input.u8();
    let mut metadata = Metadata::new();
    if flags & 1 != 0 {
        let processed = input.u16();
        let total = input.u16();
        metadata.insert("records_processed", MetadataValue::Int(processed.into()));
        metadata.insert("records_total", MetadataValue::Int(total.into()));
    }
    if flags & 2 != 0 {
        metadata.insert(
            "dedup_key",
            MetadataValue::String(format!("d{}", flags >> 4 & 1)),
        );
    }
    if flags & 4 != 0 {
        metadata.insert(
            "run_id",
            MetadataValue::String(format!("r{}", flags >> 5 & 1)),
        );
    }
    Event {
        connector_id: connector,
        event_type,
        timestamp: Timestamp::from_unix_seconds(now.unix_seconds().saturating_add(offset)),
        severity,
        source,
        message: Some(format!("m{flags}")),
        metadata,
    }
}

fn command(input: &mut Bytes<'_>, model: &IncidentModel, op: u8) -> Command {
    let mut ids: Vec<String> = model.incidents().map(|i| i.id.clone()).collect();
    ids.sort();
    let target = usize::from(input.u8()) % (ids.len() + 1);
    let incident_id = ids
        .get(target)
        .cloned()
        .unwrap_or_else(|| format!("inc_{:032x}", 0xdead));
    let actor = match input.u8() {
        0 => String::new(),
        255 => "a".repeat(200),
        b => format!("op{}", b % 3),
    };
    let note = match input.u8() {
        0 => None,
        255 => Some("n".repeat(5000)),
        b => Some(format!("note {b}")),
    };
    match op {
        1 => Command::Acknowledge {
            incident_id,
            actor,
            note,
        },
        2 => Command::Resolve {
            incident_id,
            actor,
            note,
        },
        _ => Command::Reopen {
            incident_id,
            actor,
            note,
        },
    }
}

/// Ticks at `now` and checks `next_wakeup`: a tick just before it changes
/// nothing visible, a tick at it fires.
fn tick(model: &mut IncidentModel, now: Timestamp) -> Vec<Effect> {
    if let Some(wake) = model.next_wakeup() {
        if let Some(before) = wake.checked_sub(Duration::from_nanos(1)) {
            let mut probe = model.clone();
            assert!(
                probe.tick(before).is_empty(),
                "tick before next_wakeup fired"
            );
        }
        let mut probe = model.clone();
        assert!(
            !probe.tick(wake).is_empty(),
            "tick at next_wakeup did nothing"
        );
    }
    let fx = model.tick(now);
    for f in &fx {
        assert!(
            matches!(f, Effect::AckExpired { .. }),
            "tick produced {f:?}"
        );
    }
    // Bounded memory: a tick forgets every quiet key whose time has come.
    for key in model.snapshot().keys {
        let active = key
            .state
            .incident
            .as_deref()
            .is_some_and(Incident::is_active);
        if !active {
            let at = key.state.forget_at.expect("a quiet key has a forget time");
            assert!(at > now, "quiet key kept past its forget time");
        }
    }
    fx
}

fn check(model: &IncidentModel, effects: &[Effect], now: Timestamp) {
    let cap = model.config().recent_event_ids;
    let mut earliest_ack: Option<Timestamp> = None;
    for inc in model.incidents() {
        assert_eq!(
            inc.id,
            inc.key.incident_id(&inc.opened_by_event),
            "id of {}",
            inc.id
        );
        assert!(model.get(&inc.id) == Some(inc), "get({}) misses", inc.id);
        assert!(inc.first_seen <= inc.last_seen && inc.first_seen <= inc.last_problem_at);
        assert!(inc.event_count >= 1);
        assert!(inc.recent_event_ids.len() <= cap, "recent ids over cap");
        assert!(inc.recent_event_ids.len() as u64 <= inc.event_count);
        let acked = inc.acknowledged_by.is_some() || inc.acknowledged_at.is_some();
        let resolved = inc.resolved_at.is_some()
            || inc.resolution_reason.is_some()
            || inc.resolved_by.is_some();
        match inc.status {
            IncidentStatus::Open => assert!(!acked && !resolved && inc.ack_expires_at.is_none()),
            IncidentStatus::Acknowledged => {
                assert!(inc.acknowledged_by.is_some() && inc.acknowledged_at.is_some());
                assert!(!resolved);
                if let Some(at) = inc.ack_expires_at {
                    earliest_ack = Some(earliest_ack.map_or(at, |e| e.min(at)));
                }
            }
            IncidentStatus::Resolved => {
                assert!(!acked && inc.ack_expires_at.is_none());
                assert!(inc.resolved_at.is_some() && inc.resolution_reason.is_some());
            }
        }
    }
    assert_eq!(
        model.next_wakeup(),
        earliest_ack,
        "next_wakeup is not the earliest ack expiry"
    );
    assert!(model.active_count() <= model.key_count());
    // The last effect for each id is the record held (if still held).
    for (i, f) in effects.iter().enumerate() {
        let inc = f.incident();
        let later = effects.get(i + 1..).unwrap_or_default();
        if later.iter().all(|g| g.incident().id != inc.id) {
            if let Some(held) = model.get(&inc.id) {
                assert!(held == inc, "effect and record of {} differ", inc.id);
            }
        }
    }
    for key in model.snapshot().keys {
        let active = key
            .state
            .incident
            .as_deref()
            .is_some_and(Incident::is_active);
        assert_eq!(
            active,
            key.state.forget_at.is_none(),
            "forget time of {:?}",
            key.key
        );
        if let Some(at) = key.state.forget_at {
            assert!(at <= now.saturating_add(model.config().effective_retention()));
        }
    }
}
