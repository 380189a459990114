//! Unit tests of every incident transition (issue #5), through the public API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use erpops_core::event::{Event, Metadata, MetadataValue, Severity};
use erpops_core::incident::{
    Command, CorrelationKey, Effect, IncidentConfig, IncidentModel, IncidentStatus,
    ResolutionReason,
};
use erpops_core::Timestamp;
use uuid::Uuid;

const CONNECTOR: u128 = 0x3f2b8c1e_9a4d_4e7b_8c21_5d6f7a8b9c0d;
/// 2026-04-20T03:00:00Z.
const T0: i64 = 1_776_654_000;

fn at(offset_secs: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + offset_secs)
}

fn ev(event_type: &str, severity: Severity, offset_secs: i64) -> Event {
    Event {
        connector_id: Uuid::from_u128(CONNECTOR),
        event_type: event_type.into(),
        timestamp: at(offset_secs),
        severity,
        source: Some("PSFT_PAYROLL_BATCH".into()),
        message: None,
        metadata: Metadata::new(),
    }
}

fn fail(offset_secs: i64) -> Event {
    ev("integration.failed", Severity::Error, offset_secs)
}

fn ok(offset_secs: i64) -> Event {
    ev("integration.succeeded", Severity::Info, offset_secs)
}

fn kinds(effects: &[Effect]) -> Vec<&'static str> {
    effects.iter().map(Effect::kind).collect()
}

fn ack(id: &str) -> Command {
    Command::Acknowledge {
        incident_id: id.into(),
        actor: "ana".into(),
        note: Some("looking".into()),
    }
}

fn resolve_cmd(id: &str) -> Command {
    Command::Resolve {
        incident_id: id.into(),
        actor: "ana".into(),
        note: None,
    }
}

fn reopen_cmd(id: &str) -> Command {
    Command::Reopen {
        incident_id: id.into(),
        actor: "ben".into(),
        note: Some("back again".into()),
    }
}

/// A model with one open incident opened by `fail(0)`; returns its id.
fn opened() -> (IncidentModel, String) {
    let mut m = IncidentModel::default();
    let fx = m.ingest(&fail(0), "evt_0", at(0));
    assert_eq!(kinds(&fx), ["opened"]);
    (m, fx[0].incident().id.clone())
}

#[test]
fn a_problem_opens_an_incident_with_a_derived_id_and_title() {
    let mut m = IncidentModel::default();
    let mut e = fail(0);
    e.message = Some("Exit code 1".into());
    let fx = m.ingest(&e, "evt_a", at(5));
    assert_eq!(kinds(&fx), ["opened"]);
    let inc = fx[0].incident();
    assert_eq!(inc.status, IncidentStatus::Open);
    assert_eq!(inc.severity, Severity::Error);
    assert_eq!(inc.title, "PSFT_PAYROLL_BATCH: integration.failed");
    assert_eq!(inc.family, "integration");
    assert_eq!((inc.first_seen, inc.last_seen), (at(0), at(0)));
    assert_eq!(inc.event_count, 1);
    assert_eq!(inc.last_message.as_deref(), Some("Exit code 1"));
    assert_eq!(inc.opened_by_event, "evt_a");
    assert!(inc.id.starts_with("inc_") && inc.id.len() == 36);
    assert!(inc.id[4..]
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(inc.id, CorrelationKey::of(&e).incident_id("evt_a"));
    // Same inputs, same id; another opening event, another id.
    let mut other = IncidentModel::default();
    assert_eq!(other.ingest(&e, "evt_a", at(9))[0].incident().id, inc.id);
    assert_ne!(CorrelationKey::of(&e).incident_id("evt_b"), inc.id);
    assert_eq!(m.get(&inc.id), Some(inc));
}

#[test]
fn repeats_update_counts_and_keep_the_latest_message_by_event_time() {
    let (mut m, id) = opened();
    let mut late = fail(-60);
    late.message = Some("older".into());
    let mut newer = fail(60);
    newer.message = Some("newer".into());
    assert_eq!(kinds(&m.ingest(&newer, "evt_1", at(61))), ["updated"]);
    let fx = m.ingest(&late, "evt_2", at(62));
    assert_eq!(kinds(&fx), ["updated"]);
    let inc = m.get(&id).unwrap();
    assert_eq!(inc.event_count, 3);
    assert_eq!((inc.first_seen, inc.last_seen), (at(-60), at(60)));
    assert_eq!(inc.last_message.as_deref(), Some("newer"));
    assert_eq!(inc.recent_event_ids, ["evt_0", "evt_1", "evt_2"]);
}

#[test]
fn a_more_severe_event_escalates_and_severity_never_drops() {
    let (mut m, id) = opened();
    let fx = m.ingest(
        &ev("integration.failed", Severity::Critical, 10),
        "evt_1",
        at(10),
    );
    match &fx[..] {
        [Effect::Escalated {
            incident,
            previous_severity,
        }] => {
            assert_eq!(*previous_severity, Severity::Error);
            assert_eq!(incident.severity, Severity::Critical);
            assert_eq!(incident.status, IncidentStatus::Open);
        }
        other => panic!("expected one escalated effect, got {other:?}"),
    }
    let fx = m.ingest(
        &ev("integration.failed", Severity::Warn, 20),
        "evt_2",
        at(20),
    );
    assert_eq!(kinds(&fx), ["updated"]);
    assert_eq!(m.get(&id).unwrap().severity, Severity::Critical);
}

#[test]
fn escalation_reopens_an_acknowledged_incident_and_cancels_its_timer() {
    let (mut m, id) = opened();
    let fx = m.command(&ack(&id), at(10)).unwrap();
    assert_eq!(kinds(&fx), ["acknowledged"]);
    let inc = fx[0].incident();
    assert_eq!(inc.status, IncidentStatus::Acknowledged);
    assert_eq!(inc.acknowledged_by.as_deref(), Some("ana"));
    assert_eq!(inc.acknowledged_at, Some(at(10)));
    assert_eq!(inc.ack_expires_at, Some(at(10 + 1800)));
    assert_eq!(inc.last_note.as_deref(), Some("looking"));
    assert_eq!(m.next_wakeup(), Some(at(10 + 1800)));

    // Same severity: stays acknowledged.
    assert_eq!(kinds(&m.ingest(&fail(20), "evt_1", at(20))), ["updated"]);
    assert_eq!(m.get(&id).unwrap().status, IncidentStatus::Acknowledged);

    let fx = m.ingest(
        &ev("integration.failed", Severity::Critical, 30),
        "evt_2",
        at(30),
    );
    assert_eq!(kinds(&fx), ["escalated"]);
    let inc = fx[0].incident();
    assert_eq!(inc.status, IncidentStatus::Open);
    assert_eq!(inc.acknowledged_by, None);
    assert_eq!(inc.ack_expires_at, None);
    assert_eq!(m.next_wakeup(), None);
    assert!(m.tick(at(10_000)).is_empty());
}

#[test]
fn acknowledgements_expire_exactly_at_the_timeout() {
    let (mut m, id) = opened();
    m.command(&ack(&id), at(100)).unwrap();
    let due = m.next_wakeup().unwrap();
    assert_eq!(due, at(100 + 1800));
    let just_before = due.checked_sub(Duration::from_nanos(1)).unwrap();
    assert!(m.tick(just_before).is_empty());
    let fx = m.tick(due);
    assert_eq!(kinds(&fx), ["ack_expired"]);
    assert_eq!(fx[0].incident().status, IncidentStatus::Open);
    assert_eq!(fx[0].incident().acknowledged_by, None);
    assert_eq!(m.next_wakeup(), None);
    assert!(m.tick(due).is_empty());
    // Open again, so it can be acknowledged again.
    assert!(m.command(&ack(&id), at(4000)).is_ok());
}

#[test]
fn a_zero_ack_timeout_never_expires() {
    let mut m = IncidentModel::new(IncidentConfig {
        ack_timeout: Duration::ZERO,
        ..IncidentConfig::default()
    });
    let id = m.ingest(&fail(0), "evt_0", at(0))[0].incident().id.clone();
    let fx = m.command(&ack(&id), at(1)).unwrap();
    assert_eq!(fx[0].incident().ack_expires_at, None);
    assert_eq!(m.next_wakeup(), None);
    assert!(m.tick(at(1_000_000)).is_empty());
    assert_eq!(m.get(&id).unwrap().status, IncidentStatus::Acknowledged);
}

#[test]
fn a_recovery_resolves_at_its_event_time_and_cancels_the_ack() {
    let (mut m, id) = opened();
    m.command(&ack(&id), at(5)).unwrap();
    let fx = m.ingest(&ok(600), "evt_1", at(601));
    match &fx[..] {
        [Effect::Resolved { incident, reason }] => {
            assert_eq!(*reason, ResolutionReason::Recovery);
            assert_eq!(incident.status, IncidentStatus::Resolved);
            assert_eq!(incident.resolved_at, Some(at(600)));
            assert_eq!(incident.resolution_reason, Some(ResolutionReason::Recovery));
            assert_eq!(incident.resolved_by, None);
            assert_eq!(incident.acknowledged_by, None);
            assert_eq!(incident.event_count, 2);
        }
        other => panic!("expected resolved, got {other:?}"),
    }
    assert_eq!(m.next_wakeup(), None);
}

#[test]
fn a_recovery_older_than_the_latest_problem_does_not_resolve() {
    let (mut m, id) = opened();
    m.ingest(&fail(600), "evt_1", at(600));
    let fx = m.ingest(&ok(300), "evt_2", at(601));
    assert_eq!(kinds(&fx), ["updated"]);
    let inc = m.get(&id).unwrap();
    assert_eq!(inc.status, IncidentStatus::Open);
    assert_eq!(inc.event_count, 3);
    // At the same instant as the latest problem, it resolves.
    assert_eq!(kinds(&m.ingest(&ok(600), "evt_3", at(602))), ["resolved"]);
}

#[test]
fn a_recovery_never_creates_an_incident() {
    let mut m = IncidentModel::default();
    assert!(m.ingest(&ok(0), "evt_0", at(0)).is_empty());
    assert_eq!(m.incidents().count(), 0);
    assert!(m
        .ingest(&ev("health.ok", Severity::Info, 1), "evt_1", at(1))
        .is_empty());
    assert_eq!(m.incidents().count(), 0);
}

#[test]
fn an_orphan_recovery_is_recorded_on_the_last_resolved_incident() {
    let (mut m, id) = opened();
    m.ingest(&ok(100), "evt_1", at(100));
    let fx = m.ingest(&ok(200), "evt_2", at(200));
    assert_eq!(kinds(&fx), ["updated"]);
    let inc = fx[0].incident();
    assert_eq!(inc.id, id);
    assert_eq!(inc.status, IncidentStatus::Resolved);
    assert_eq!(inc.resolved_at, Some(at(100)));
    assert_eq!(inc.event_count, 3);
    assert_eq!(inc.last_seen, at(200));
}

#[test]
fn a_problem_within_the_reopen_window_reopens_inclusive_of_the_boundary() {
    let (mut m, id) = opened();
    m.ingest(&ok(100), "evt_1", at(100));
    let fx = m.ingest(&fail(100 + 1800), "evt_2", at(2000));
    assert_eq!(kinds(&fx), ["reopened"]);
    let inc = fx[0].incident();
    assert_eq!(inc.id, id);
    assert_eq!(inc.status, IncidentStatus::Open);
    assert_eq!(inc.reopen_count, 1);
    assert_eq!(inc.resolved_at, None);
    assert_eq!(inc.resolution_reason, None);
    assert_eq!(inc.event_count, 3);
}

#[test]
fn a_problem_after_the_reopen_window_opens_a_new_incident() {
    let (mut m, id) = opened();
    m.ingest(&ok(100), "evt_1", at(100));
    let mut late = fail(100 + 1800);
    late.timestamp = late.timestamp.checked_add(Duration::from_nanos(1)).unwrap();
    let fx = m.ingest(&late, "evt_2", at(2000));
    assert_eq!(kinds(&fx), ["opened"]);
    let new = fx[0].incident();
    assert_ne!(new.id, id);
    assert_eq!(new.event_count, 1);
    assert_eq!(new.reopen_count, 0);
    // The superseded incident is no longer held.
    assert!(m.get(&id).is_none());
    let err = m.command(&reopen_cmd(&id), at(2001)).unwrap_err();
    assert_eq!(err.code(), "incident_not_found");
}

#[test]
fn a_problem_older_than_the_resolution_does_not_reopen() {
    let (mut m, id) = opened();
    m.ingest(&ok(100), "evt_1", at(100));
    let fx = m.ingest(
        &ev("integration.failed", Severity::Critical, 50),
        "evt_2",
        at(200),
    );
    assert_eq!(kinds(&fx), ["updated"]);
    let inc = m.get(&id).unwrap();
    assert_eq!(inc.status, IncidentStatus::Resolved);
    assert_eq!(inc.event_count, 3);
    // It happened while the incident was open, so it counts for severity.
    assert_eq!(inc.severity, Severity::Critical);
    assert_eq!(inc.reopen_count, 0);
}

#[test]
fn a_late_problem_whose_recovery_arrived_first_opens_and_resolves() {
    let mut m = IncidentModel::default();
    assert!(m.ingest(&ok(100), "evt_ok", at(101)).is_empty());
    let fx = m.ingest(&fail(0), "evt_fail", at(102));
    assert_eq!(kinds(&fx), ["opened", "resolved"]);
    let inc = fx[1].incident();
    assert_eq!(inc.status, IncidentStatus::Resolved);
    assert_eq!(inc.resolved_at, Some(at(100)));
    assert_eq!(inc.event_count, 1);
    // A problem after that recovery opens normally (reopen within window).
    assert_eq!(kinds(&m.ingest(&fail(200), "evt_3", at(201))), ["reopened"]);
}

#[test]
fn a_reopen_older_than_a_known_recovery_is_resolved_again() {
    let (mut m, id) = opened();
    m.ingest(&ok(100), "evt_1", at(100));
    m.ingest(&ok(500), "evt_2", at(500)); // orphan, recorded
    let fx = m.ingest(&fail(300), "evt_3", at(501));
    assert_eq!(kinds(&fx), ["reopened", "resolved"]);
    let inc = m.get(&id).unwrap();
    assert_eq!(inc.status, IncidentStatus::Resolved);
    assert_eq!(inc.resolved_at, Some(at(500)));
    assert_eq!(inc.reopen_count, 1);
}

#[test]
fn informational_and_start_events_never_open_but_update_an_open_incident() {
    let mut m = IncidentModel::default();
    assert!(m
        .ingest(
            &ev("integration.started", Severity::Info, 0),
            "evt_0",
            at(0)
        )
        .is_empty());
    assert!(m
        .ingest(
            &ev("integration.progress", Severity::Warn, 1),
            "evt_1",
            at(1)
        )
        .is_empty());
    assert_eq!(m.key_count(), 0);
    let id = m.ingest(&fail(2), "evt_2", at(2))[0].incident().id.clone();
    let fx = m.ingest(
        &ev("integration.started", Severity::Info, 3),
        "evt_3",
        at(3),
    );
    assert_eq!(kinds(&fx), ["updated"]);
    let inc = m.get(&id).unwrap();
    assert_eq!((inc.event_count, inc.status), (2, IncidentStatus::Open));
    // Not on a resolved incident.
    m.ingest(&ok(4), "evt_4", at(4));
    assert!(m
        .ingest(
            &ev("integration.started", Severity::Info, 5),
            "evt_5",
            at(5)
        )
        .is_empty());
}

#[test]
fn severity_error_or_critical_makes_any_event_a_problem() {
    let mut m = IncidentModel::default();
    let fx = m.ingest(&ev("health.notice", Severity::Error, 0), "evt_0", at(0));
    assert_eq!(kinds(&fx), ["opened"]);
    let fx = m.ingest(
        &ev("integration.succeeded", Severity::Critical, 1),
        "evt_1",
        at(1),
    );
    assert_eq!(kinds(&fx), ["opened"]);
    // A problem token at info severity is still a problem.
    let fx = m.ingest(&ev("gl.load.failed", Severity::Info, 2), "evt_2", at(2));
    assert_eq!(kinds(&fx), ["opened"]);
    assert_eq!(fx[0].incident().family, "gl.load");
    assert_eq!(fx[0].incident().severity, Severity::Info);
}

#[test]
fn the_outcome_lists_are_configurable() {
    let mut config = IncidentConfig::default();
    config.classifier.problem.insert("no_success".into());
    config.classifier.recovery.insert("posted".into());
    let mut m = IncidentModel::new(config);
    let fx = m.ingest(&ev("ps.run.no_success", Severity::Warn, 0), "e0", at(0));
    assert_eq!(kinds(&fx), ["opened"]);
    let fx = m.ingest(&ev("ps.run.posted", Severity::Info, 1), "e1", at(1));
    assert_eq!(kinds(&fx), ["resolved"]);
}

fn with_meta(mut e: Event, entries: &[(&str, MetadataValue)]) -> Event {
    for (k, v) in entries {
        e.metadata.insert(*k, v.clone());
    }
    e
}

#[test]
fn correlation_key_parts() {
    let s = |v: &str| MetadataValue::String(v.into());
    let base = CorrelationKey::of(&fail(0));
    assert_eq!(base.source.as_deref(), Some("PSFT_PAYROLL_BATCH"));
    assert_eq!(base.family.as_deref(), Some("integration"));

    // Other family, other source, other connector, no source: other keys.
    let mut e = fail(0);
    e.event_type = "health.degraded".into();
    assert_ne!(CorrelationKey::of(&e), base);
    let mut e = fail(0);
    e.source = Some("GL_LOAD".into());
    assert_ne!(CorrelationKey::of(&e), base);
    let mut e = fail(0);
    e.connector_id = Uuid::from_u128(1);
    assert_ne!(CorrelationKey::of(&e), base);
    let mut e = fail(0);
    e.source = None;
    assert_ne!(CorrelationKey::of(&e), base);
    // Outcome and severity do not matter.
    assert_eq!(CorrelationKey::of(&ok(5)), base);

    // dedup_key replaces source and family but keeps the connector.
    let d1 = CorrelationKey::of(&with_meta(fail(0), &[("dedup_key", s("nightly-gl"))]));
    let mut e = with_meta(ok(0), &[("dedup_key", s("nightly-gl"))]);
    e.source = Some("OTHER".into());
    e.event_type = "health.ok".into();
    assert_eq!(CorrelationKey::of(&e), d1);
    assert_eq!(d1.source, None);
    e.connector_id = Uuid::from_u128(1);
    assert_ne!(CorrelationKey::of(&e), d1);

    // Blank or non-scalar dedup keys are ignored, integers are used.
    assert_eq!(
        CorrelationKey::of(&with_meta(fail(0), &[("dedup_key", s("  "))])),
        base
    );
    assert_eq!(
        CorrelationKey::of(&with_meta(fail(0), &[("dedup_key", MetadataValue::Null)])),
        base
    );
    let n = CorrelationKey::of(&with_meta(fail(0), &[("dedup_key", MetadataValue::Int(7))]));
    assert_eq!(n.dedup_key.as_deref(), Some("7"));

    // run_id refines.
    let r1 = CorrelationKey::of(&with_meta(fail(0), &[("run_id", s("4711"))]));
    let r2 = CorrelationKey::of(&with_meta(fail(0), &[("run_id", MetadataValue::Int(4712))]));
    assert_ne!(r1, base);
    assert_ne!(r1, r2);
    assert_eq!(r1.family, base.family);
    let both = CorrelationKey::of(&with_meta(
        fail(0),
        &[("dedup_key", s("nightly-gl")), ("run_id", s("4711"))],
    ));
    assert_eq!(both.dedup_key.as_deref(), Some("nightly-gl"));
    assert_eq!(both.run_id.as_deref(), Some("4711"));
}

#[test]
fn canonical_key_bytes_are_unambiguous() {
    // "ab"+"c" vs "a"+"bc" must not collide.
    let mut a = fail(0);
    a.source = Some("ab".into());
    a.event_type = "c.failed".into();
    let mut b = fail(0);
    b.source = Some("a".into());
    b.event_type = "bc.failed".into();
    let (ka, kb) = (CorrelationKey::of(&a), CorrelationKey::of(&b));
    assert_ne!(ka.canonical_bytes(), kb.canonical_bytes());
    assert_ne!(ka.incident_id("e"), kb.incident_id("e"));
    // A source named like a dedup key is not the dedup key.
    let mut c = fail(0);
    c.source = None;
    let d = with_meta(
        fail(0),
        &[(
            "dedup_key",
            MetadataValue::String("PSFT_PAYROLL_BATCH".into()),
        )],
    );
    assert_ne!(
        CorrelationKey::of(&c).canonical_bytes(),
        CorrelationKey::of(&d).canonical_bytes()
    );
}

#[test]
fn progress_is_kept_from_the_latest_valid_report() {
    let int = |v: i64| MetadataValue::Int(v);
    let mut m = IncidentModel::default();
    let e = with_meta(
        fail(0),
        &[
            ("records_processed", int(18_441)),
            ("records_total", int(40_000)),
        ],
    );
    let inc = m.ingest(&e, "e0", at(0))[0].incident().clone();
    let p = inc.progress.as_ref().unwrap();
    assert_eq!(p.summary, "failed at record 18,441 of 40,000 (46.1%)");
    assert_eq!((p.records_processed, p.records_total), (18_441, 40_000));

    // Invalid reports are ignored, the last valid one stays.
    for (i, bad) in [
        vec![("records_processed", int(5)), ("records_total", int(0))],
        vec![("records_processed", int(-1)), ("records_total", int(10))],
        vec![("records_processed", int(11)), ("records_total", int(10))],
        vec![
            ("records_processed", MetadataValue::Float(1.5)),
            ("records_total", int(10)),
        ],
        vec![
            ("records_processed", MetadataValue::String("5".into())),
            ("records_total", int(10)),
        ],
        vec![("records_processed", int(5))],
    ]
    .into_iter()
    .enumerate()
    {
        let fx = m.ingest(&with_meta(fail(10 + i as i64), &bad), "eb", at(20));
        let p = fx[0].incident().progress.as_ref().unwrap();
        assert_eq!(p.records_processed, 18_441, "case {i}");
    }

    // A later valid report replaces it; an older one arriving late does not.
    let newer = with_meta(
        ev("integration.stalled", Severity::Error, 100),
        &[
            ("records_processed", MetadataValue::UInt(39_999)),
            ("records_total", int(40_000)),
        ],
    );
    m.ingest(&newer, "e1", at(101));
    let older = with_meta(
        fail(50),
        &[
            ("records_processed", int(1)),
            ("records_total", int(40_000)),
        ],
    );
    let fx = m.ingest(&older, "e2", at(102));
    let p = fx[0].incident().progress.as_ref().unwrap();
    assert_eq!(p.summary, "stalled at record 39,999 of 40,000 (99.9%)");
}

#[test]
fn manual_resolve_and_reopen() {
    let (mut m, id) = opened();
    let fx = m.command(&resolve_cmd(&id), at(1000)).unwrap();
    match &fx[..] {
        [Effect::Resolved { incident, reason }] => {
            assert_eq!(*reason, ResolutionReason::Manual);
            assert_eq!(incident.resolved_by.as_deref(), Some("ana"));
            assert_eq!(incident.resolved_at, Some(at(1000)));
        }
        other => panic!("{other:?}"),
    }
    // An event from before the manual resolve does not reopen it.
    assert_eq!(kinds(&m.ingest(&fail(999), "e1", at(1001))), ["updated"]);
    assert_eq!(m.get(&id).unwrap().status, IncidentStatus::Resolved);
    // One after it, within the window, does.
    assert_eq!(kinds(&m.ingest(&fail(1000), "e2", at(1002))), ["reopened"]);
    m.command(&resolve_cmd(&id), at(1100)).unwrap();
    let fx = m.command(&reopen_cmd(&id), at(1200)).unwrap();
    assert_eq!(kinds(&fx), ["reopened"]);
    let inc = fx[0].incident();
    assert_eq!(inc.status, IncidentStatus::Open);
    assert_eq!(inc.reopen_count, 2);
    assert_eq!(inc.resolved_by, None);
    assert_eq!(inc.last_note.as_deref(), Some("back again"));
}

#[test]
fn command_errors_have_stable_codes_and_change_nothing() {
    let (mut m, id) = opened();
    let before = serde_json::to_string(&m.snapshot()).unwrap();
    let code = |m: &mut IncidentModel, c: Command| m.command(&c, at(10)).unwrap_err().code();

    assert_eq!(code(&mut m, ack("inc_0000")), "incident_not_found");
    assert_eq!(code(&mut m, reopen_cmd(&id)), "not_resolved");
    let blank = Command::Acknowledge {
        incident_id: id.clone(),
        actor: " ".into(),
        note: None,
    };
    assert_eq!(code(&mut m, blank), "invalid_actor");
    let control = Command::Resolve {
        incident_id: id.clone(),
        actor: "ana\u{7}".into(),
        note: None,
    };
    assert_eq!(code(&mut m, control), "invalid_actor");
    let long = Command::Resolve {
        incident_id: id.clone(),
        actor: "a".repeat(129),
        note: None,
    };
    assert_eq!(code(&mut m, long), "invalid_actor");
    let bad_note = Command::Resolve {
        incident_id: id.clone(),
        actor: "ana".into(),
        note: Some("x\u{0}".into()),
    };
    assert_eq!(code(&mut m, bad_note), "invalid_note");
    assert_eq!(serde_json::to_string(&m.snapshot()).unwrap(), before);

    m.command(&ack(&id), at(10)).unwrap();
    let err = m.command(&ack(&id), at(11)).unwrap_err();
    assert_eq!(err.code(), "already_acknowledged");
    assert!(err.to_string().contains("\"ana\""), "{err}");
    m.command(&resolve_cmd(&id), at(12)).unwrap();
    assert_eq!(code(&mut m, ack(&id)), "already_resolved");
    assert_eq!(code(&mut m, resolve_cmd(&id)), "already_resolved");
    let msg = m
        .command(&resolve_cmd(&id), at(13))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("reopen"), "{msg}");
}

#[test]
fn quiet_keys_are_forgotten_after_the_retention_period() {
    let config = IncidentConfig {
        retain_resolved: Duration::from_secs(3600),
        ..IncidentConfig::default()
    };
    let mut m = IncidentModel::new(config);
    let id = m.ingest(&fail(0), "e0", at(0))[0].incident().id.clone();
    // Active incidents are never forgotten.
    assert!(m.tick(at(100_000)).is_empty());
    assert!(m.get(&id).is_some());
    m.ingest(&ok(100_000), "e1", at(100_000));
    m.tick(at(100_000 + 3599));
    assert!(m.get(&id).is_some());
    m.tick(at(100_000 + 3600));
    assert!(m.get(&id).is_none());
    assert_eq!(m.key_count(), 0);
    assert_eq!(
        m.command(&reopen_cmd(&id), at(200_000)).unwrap_err().code(),
        "incident_not_found"
    );
    // A recovery with no incident is remembered for the period too.
    m.ingest(&ok(200_000), "e2", at(200_000));
    assert_eq!(m.key_count(), 1);
    m.ingest(
        &ev("other.failed", Severity::Error, 0),
        "e3",
        at(200_000 + 3600),
    );
    assert_eq!(m.key_count(), 1);
}

/// The forget timer of a quiet key is moved lazily (when it fires), not on
/// every event: the key must still be forgotten exactly at its latest
/// `forget_at`, also when the caller's clock steps back, and never while
/// its incident is active again.
#[test]
fn a_quiet_key_is_forgotten_at_its_latest_forget_time() {
    let config = IncidentConfig {
        retain_resolved: Duration::from_secs(3600),
        ..IncidentConfig::default()
    };
    let forget_at = |m: &IncidentModel| m.snapshot().keys[0].state.forget_at;
    let mut m = IncidentModel::new(config.clone());
    m.ingest(&ok(0), "e0", at(0));
    m.ingest(&ok(1000), "e1", at(1000));
    assert_eq!(forget_at(&m), Some(at(4600)));
    m.tick(at(3600)); // the first timer fires, the key had news since
    assert_eq!(m.key_count(), 1);
    assert_eq!(forget_at(&m), Some(at(4600)));
    m.tick(at(4599));
    assert_eq!(m.key_count(), 1);
    m.tick(at(4600));
    assert_eq!(m.key_count(), 0);

    // The clock steps back: the earlier forget time wins, as it is the latest set.
    let mut m = IncidentModel::new(config.clone());
    m.ingest(&ok(0), "e0", at(5000));
    m.ingest(&ok(1), "e1", at(2000));
    assert_eq!(forget_at(&m), Some(at(5600)));
    m.tick(at(5599));
    assert_eq!(m.key_count(), 1);
    m.tick(at(5600));
    assert_eq!(m.key_count(), 0);

    // Quiet, then active again: the old timer lapses, the key stays.
    let mut m = IncidentModel::new(config);
    m.ingest(&ok(0), "e0", at(0));
    let id = m.ingest(&fail(10), "e1", at(10))[0].incident().id.clone();
    assert_eq!(forget_at(&m), None);
    m.tick(at(100_000));
    assert!(m.get(&id).is_some());
    // Resolved once more: forgotten `retention` after that.
    m.ingest(&ok(100_000), "e2", at(100_000));
    m.tick(at(103_599));
    assert!(m.get(&id).is_some());
    m.tick(at(103_600));
    assert_eq!(m.key_count(), 0);
}

#[test]
fn retention_is_never_shorter_than_the_reopen_window() {
    let config = IncidentConfig {
        retain_resolved: Duration::ZERO,
        ..IncidentConfig::default()
    };
    let mut m = IncidentModel::new(config);
    let id = m.ingest(&fail(0), "e0", at(0))[0].incident().id.clone();
    m.ingest(&ok(10), "e1", at(10));
    m.tick(at(10 + 1799));
    let fx = m.ingest(&fail(1000), "e2", at(10 + 1799));
    assert_eq!(kinds(&fx), ["reopened"]);
    assert_eq!(fx[0].incident().id, id);
}

#[test]
fn the_recent_event_id_list_is_bounded_but_counts_are_exact() {
    let mut m = IncidentModel::new(IncidentConfig {
        recent_event_ids: 3,
        ..IncidentConfig::default()
    });
    for i in 0..10 {
        m.ingest(&fail(i), &format!("evt_{i}"), at(i));
    }
    let inc = m.incidents().next().unwrap();
    assert_eq!(inc.event_count, 10);
    assert_eq!(inc.recent_event_ids, ["evt_7", "evt_8", "evt_9"]);
}

#[test]
fn effects_serialize_with_a_kind_tag() {
    let (mut m, _) = opened();
    let fx = m.ingest(
        &ev("integration.failed", Severity::Critical, 1),
        "e1",
        at(1),
    );
    let v = serde_json::to_value(&fx[0]).unwrap();
    assert_eq!(v["kind"], "escalated");
    assert_eq!(v["previous_severity"], "error");
    assert_eq!(v["incident"]["status"], "open");
    assert_eq!(v["incident"]["severity"], "critical");
    assert_eq!(v["incident"]["first_seen"], "2026-04-20T03:00:00Z");
    let back: Effect = serde_json::from_value(v).unwrap();
    assert_eq!(back, fx[0]);
    assert!(fx[0].incident().is_active());
    assert!(!fx[0].is_open_resolve_transition());
}

#[test]
fn an_effect_keeps_the_incident_as_it_was_when_reported() {
    let mut m = IncidentModel::default();
    let first = m.ingest(&fail(0), "e0", at(0));
    let second = m.ingest(&fail(1), "e1", at(1));
    m.ingest(&ok(2), "e2", at(2));
    assert_eq!(first[0].incident().event_count, 1);
    assert_eq!(first[0].incident().status, IncidentStatus::Open);
    assert_eq!(second[0].incident().event_count, 2);
    let held = m.incidents().next().unwrap();
    assert_eq!(
        (held.event_count, held.status),
        (3, IncidentStatus::Resolved)
    );
}
