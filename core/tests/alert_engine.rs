//! The alerting layer, feature by feature and at its boundaries (issue #6).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod alert_support;

use std::time::Duration;

use alert_support::*;
use erpops_core::alert::{
    AlertConfig, AlertEffect, AlertEngine, Heartbeat, Matchers, NotifyReason, Silence,
    TransitionKind,
};
use erpops_core::event::Severity;
use erpops_core::incident::{Command, IncidentStatus};
use erpops_core::Timestamp;

fn engine() -> AlertEngine {
    AlertEngine::new(AlertConfig::with_defaults())
}

fn ack(id: &str) -> Command {
    Command::Acknowledge {
        incident_id: id.into(),
        actor: "ana".into(),
        note: None,
    }
}

// ----- rules and matching ---------------------------------------------

#[test]
fn no_rules_means_incident_facts_only() {
    let mut e = engine();
    let fx = e.ingest(&failed("PAYROLL", at(0)), "evt_1", at(1));
    assert_eq!(kinds(&fx), ["opened"]);
    let fx = e.ingest(&succeeded("PAYROLL", at(60)), "evt_2", at(61));
    assert_eq!(kinds(&fx), ["resolved"]);
    assert_eq!(e.next_wakeup(), None);
}

#[test]
fn a_rule_notifies_first_and_resolved_with_the_incident() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    let fx = e.ingest(&failed("PAYROLL", at(0)), "evt_1", at(1));
    assert_eq!(kinds(&fx), ["opened", "notify"]);
    match &fx[1] {
        AlertEffect::Notify {
            rule_id,
            channel,
            incident,
            reason,
        } => {
            assert_eq!(rule_id, "all");
            assert_eq!(channel, "ops");
            assert_eq!(incident.status, IncidentStatus::Open);
            assert_eq!(incident.event_type, "integration.failed");
            assert_eq!(*reason, NotifyReason::First);
        }
        other => panic!("{other:?}"),
    }
    // A repeat is an update: no transition, no notification.
    let fx = e.ingest(&failed("PAYROLL", at(10)), "evt_2", at(11));
    assert_eq!(kinds(&fx), ["updated"]);
    let fx = e.ingest(&succeeded("PAYROLL", at(60)), "evt_3", at(61));
    assert_eq!(notifies(&fx), [("all".into(), NotifyReason::Resolved)]);
}

#[test]
fn matchers_filter_by_kind_connector_globs_and_severity() {
    let mut e = engine();
    let mut r = with_kinds(rule("psft-errors"), &[TransitionKind::Opened]);
    r.matchers = Matchers {
        connector_id: Some(CONNECTOR),
        source: Some("PSFT_*".into()),
        event_type: Some("integration.*".into()),
        min_severity: Some(Severity::Error),
    };
    e.set_rule(r).unwrap();
    let cases = [
        (
            event(
                CONNECTOR,
                "PSFT_GL",
                "integration.failed",
                Severity::Error,
                at(0),
            ),
            true,
        ),
        (
            event(
                CONNECTOR,
                "PSFT_AP",
                "integration.failed",
                Severity::Critical,
                at(0),
            ),
            true,
        ),
        // below the minimum severity
        (
            event(
                CONNECTOR,
                "PSFT_HR",
                "integration.failed",
                Severity::Warn,
                at(0),
            ),
            false,
        ),
        // source glob is anchored and case-sensitive
        (
            event(
                CONNECTOR,
                "XPSFT_GL",
                "integration.failed",
                Severity::Error,
                at(0),
            ),
            false,
        ),
        (
            event(
                CONNECTOR,
                "psft_gl",
                "integration.failed",
                Severity::Error,
                at(0),
            ),
            false,
        ),
        // event-type glob
        (
            event(
                CONNECTOR,
                "PSFT_X",
                "health.degraded",
                Severity::Error,
                at(0),
            ),
            false,
        ),
        // other connector
        (
            event(
                OTHER,
                "PSFT_GL",
                "integration.failed",
                Severity::Error,
                at(0),
            ),
            false,
        ),
    ];
    for (i, (ev, want)) in cases.iter().enumerate() {
        let fx = e.ingest(ev, &format!("evt_{i}"), at(1));
        assert_eq!(kinds(&fx)[0], "opened", "case {i}");
        assert_eq!(
            !notifies(&fx).is_empty(),
            *want,
            "case {i}: {:?}",
            kinds(&fx)
        );
    }
    // Resolved is not a subscribed kind.
    let fx = e.ingest(&succeeded("PSFT_GL", at(5)), "evt_r", at(6));
    assert_eq!(kinds(&fx), ["resolved"]);
}

#[test]
fn rules_notify_in_id_order_each_once() {
    let mut e = engine();
    e.set_rule(rule("b")).unwrap();
    e.set_rule(rule("a")).unwrap();
    let fx = e.ingest(&failed("X", at(0)), "evt_1", at(0));
    assert_eq!(
        notifies(&fx),
        [
            ("a".into(), NotifyReason::First),
            ("b".into(), NotifyReason::First)
        ]
    );
    assert!(e.remove_rule("a").is_some());
    let fx = e.ingest(&succeeded("X", at(1)), "evt_2", at(1));
    assert_eq!(notifies(&fx), [("b".into(), NotifyReason::Resolved)]);
}

#[test]
fn invalid_rules_silences_heartbeats_are_rejected_with_codes() {
    let mut e = engine();
    let mut r = rule(" ");
    assert_eq!(e.set_rule(r.clone()).unwrap_err().code(), "invalid_name");
    r.id = "ok".into();
    r.repeat_interval = Some(Duration::ZERO);
    assert_eq!(
        e.set_rule(r.clone()).unwrap_err().code(),
        "invalid_duration"
    );
    r.repeat_interval = Some(Duration::from_millis(1500));
    let err = e.set_rule(r).unwrap_err();
    assert_eq!(err.code(), "invalid_duration");
    assert!(err.to_string().contains("whole number of seconds"));
    let s = Silence {
        id: "s".into(),
        matchers: Matchers::default(),
        starts_at: at(10),
        ends_at: at(10),
        comment: None,
    };
    assert_eq!(e.set_silence(s).unwrap_err().code(), "invalid_time_range");
    let hb = Heartbeat {
        connector_id: CONNECTOR,
        source: "X".into(),
        period: Duration::ZERO,
        grace: Duration::ZERO,
        severity: Severity::Error,
        paused: false,
    };
    assert_eq!(
        e.set_heartbeat(hb, at(0)).unwrap_err().code(),
        "invalid_duration"
    );
    assert_eq!(
        e.set_heartbeat_paused(CONNECTOR, "nope", true, at(0))
            .unwrap_err()
            .code(),
        "unknown_heartbeat"
    );
    assert_eq!(e.rules().count(), 0);
    assert_eq!(e.next_wakeup(), None);
}

// ----- repeat_interval: throttling and repeats --------------------------

#[test]
fn repeat_fires_exactly_at_the_interval_while_open() {
    let mut e = engine();
    let mut r = rule("pager");
    r.repeat_interval = Some(mins(60));
    e.set_rule(r).unwrap();
    e.ingest(&failed("X", at(0)), "evt_1", at(0));
    let due = at(3600);
    assert_eq!(e.next_wakeup(), Some(due));
    assert!(e.tick(just_before(due)).is_empty());
    let fx = e.tick(due);
    assert_eq!(
        notifies(&fx),
        [("pager".into(), NotifyReason::RepeatElapsed)]
    );
    assert_eq!(e.next_wakeup(), Some(at(7200)));
    // Resolved: the repeat is cancelled.
    e.ingest(&succeeded("X", at(4000)), "evt_2", at(4000));
    assert_eq!(e.next_wakeup(), None);
}

#[test]
fn acknowledged_incidents_do_not_repeat_and_ack_expiry_passes_the_throttle() {
    let mut e = engine();
    let mut r = rule("pager");
    r.repeat_interval = Some(mins(240));
    e.set_rule(r).unwrap();
    let fx = e.ingest(&failed("X", at(0)), "evt_1", at(0));
    let id = incident_id(&fx);
    let fx = e.command(&ack(&id), at(60)).unwrap();
    assert_eq!(kinds(&fx), ["acknowledged"]);
    // Only the ack expiry (30 min) is pending; the 4 h repeat is gone.
    assert_eq!(e.next_wakeup(), Some(at(60 + 1800)));
    let fx = e.tick(at(60 + 1800));
    assert_eq!(kinds(&fx), ["ack_expired", "notify"]);
    assert_eq!(notifies(&fx), [("pager".into(), NotifyReason::AckExpired)]);
    // The repeat counts from that notification.
    assert_eq!(e.next_wakeup(), Some(at(60 + 1800 + 4 * 3600)));
}

#[test]
fn throttle_holds_a_reopen_within_the_interval_and_escalations_always_pass() {
    // Flap detection off: this case has more than 4 transitions in an hour.
    let mut e = AlertEngine::new(AlertConfig {
        flapping: None,
        ..AlertConfig::with_defaults()
    });
    let mut r = with_kinds(
        rule("problems"),
        &[
            TransitionKind::Opened,
            TransitionKind::Reopened,
            TransitionKind::Escalated,
        ],
    );
    r.repeat_interval = Some(mins(10));
    e.set_rule(r).unwrap();
    e.ingest(&failed("X", at(0)), "evt_1", at(0));
    e.ingest(&succeeded("X", at(60)), "evt_2", at(60));
    // Reopened 2 min later: the channel was last told "firing" 2 min ago.
    let fx = e.ingest(&failed("X", at(120)), "evt_3", at(120));
    assert_eq!(kinds(&fx), ["reopened", "suppressed"]);
    assert_eq!(suppressed(&fx), [("problems".into(), "throttled".into())]);
    // The repeat resumes from the last notification (the resolve had
    // cancelled it).
    assert_eq!(e.next_wakeup(), Some(at(600)));
    // More severe: passes.
    let crit = event(
        CONNECTOR,
        "X",
        "integration.failed",
        Severity::Critical,
        at(180),
    );
    let fx = e.ingest(&crit, "evt_4", at(180));
    assert_eq!(
        notifies(&fx),
        [("problems".into(), NotifyReason::Escalated)]
    );
    // Reopened 1 ns before one interval after that notification: held.
    e.ingest(&succeeded("X", at(200)), "evt_5", at(200));
    let fx = e.ingest(&failed("X", at(300)), "evt_6", just_before(at(780)));
    assert_eq!(kinds(&fx), ["reopened", "suppressed"]);
    // Exactly one interval after it: sent.
    e.ingest(&succeeded("X", at(400)), "evt_7", at(780));
    let fx = e.ingest(&failed("X", at(500)), "evt_8", at(780));
    assert_eq!(kinds(&fx), ["reopened", "notify"]);
}

// ----- silences ----------------------------------------------------------

fn silence(id: &str, from: i64, to: i64) -> Silence {
    Silence {
        id: id.into(),
        matchers: Matchers {
            source: Some("PAYROLL".into()),
            ..Matchers::default()
        },
        starts_at: at(from),
        ends_at: at(to),
        comment: Some("maintenance".into()),
    }
}

#[test]
fn a_silence_ending_mid_burst_releases_the_held_incident_once() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    e.set_silence(silence("maint", 0, 1800)).unwrap();
    // Burst starts inside the silence: recorded, held.
    let fx = e.ingest(&failed("PAYROLL", at(600)), "evt_1", at(600));
    assert_eq!(kinds(&fx), ["opened", "suppressed"]);
    match &fx[1] {
        AlertEffect::Suppressed {
            silence_id,
            would_notify,
            ..
        } => {
            assert_eq!(silence_id.as_deref(), Some("maint"));
            assert_eq!(*would_notify, NotifyReason::First);
        }
        other => panic!("{other:?}"),
    }
    // Other sources are not silenced.
    let fx = e.ingest(&failed("GL", at(700)), "evt_gl", at(700));
    assert_eq!(notifies(&fx), [("all".into(), NotifyReason::First)]);
    e.ingest(&failed("PAYROLL", at(1200)), "evt_2", at(1200));
    assert_eq!(e.model().active_count(), 2);
    // The silence ends at 1800: one nanosecond before, nothing.
    assert_eq!(e.next_wakeup(), Some(at(1800)));
    assert!(e.tick(just_before(at(1800))).is_empty());
    let fx = e.tick(at(1800));
    assert_eq!(notifies(&fx), [("all".into(), NotifyReason::SilenceEnded)]);
    // The burst goes on after the silence: updates, no new notification.
    let fx = e.ingest(&failed("PAYROLL", at(1900)), "evt_3", at(1900));
    assert_eq!(kinds(&fx), ["updated"]);
    // And its resolution is notified normally.
    let fx = e.ingest(&succeeded("PAYROLL", at(2000)), "evt_4", at(2000));
    assert_eq!(notifies(&fx), [("all".into(), NotifyReason::Resolved)]);
    assert_eq!(e.silences().count(), 0);
}

#[test]
fn an_incident_resolved_during_the_silence_is_not_notified_at_its_end() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    e.set_silence(silence("maint", 0, 1800)).unwrap();
    e.ingest(&failed("PAYROLL", at(600)), "evt_1", at(600));
    let fx = e.ingest(&succeeded("PAYROLL", at(900)), "evt_2", at(900));
    assert_eq!(suppressed(&fx), [("all".into(), "silenced".into())]);
    assert!(e.tick(at(1800)).is_empty());
}

#[test]
fn a_silence_is_active_from_starts_at_inclusive_to_ends_at_exclusive() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    e.set_silence(silence("maint", 100, 200)).unwrap();
    let fx = e.ingest(&failed("PAYROLL", at(0)), "evt_1", just_before(at(100)));
    assert_eq!(kinds(&fx), ["opened", "notify"]);
    let fx = e.ingest(&succeeded("PAYROLL", at(1)), "evt_2", at(100));
    assert_eq!(kinds(&fx), ["resolved", "suppressed"]);
    // At ends_at the silence is over (the tick that sweeps it is later).
    let fx = e.ingest(&failed("PAYROLL", at(2)), "evt_3", at(200));
    assert_eq!(kinds(&fx), ["reopened", "notify"]);
}

#[test]
fn expiring_a_silence_early_releases_at_once() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    e.set_silence(silence("maint", 0, 86_400)).unwrap();
    e.ingest(&failed("PAYROLL", at(10)), "evt_1", at(10));
    let fx = e.expire_silence("maint", at(20));
    assert_eq!(notifies(&fx), [("all".into(), NotifyReason::SilenceEnded)]);
    assert!(e.expire_silence("maint", at(21)).is_empty());
    assert_eq!(e.next_wakeup(), None);
}

// ----- flapping ------------------------------------------------------------

/// Alternates failure/success on one key every minute: transition n at
/// `n * 60` s (1-based). Returns the effects of transition n.
fn transition(e: &mut AlertEngine, n: i64) -> Vec<AlertEffect> {
    let ts = at(n * 60);
    let ev = if n % 2 == 1 {
        failed("PAYROLL", ts)
    } else {
        succeeded("PAYROLL", ts)
    };
    e.ingest(&ev, &format!("evt_{n}"), ts)
}

#[test]
fn the_nth_transition_notifies_and_the_n_plus_first_starts_flapping() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    for n in 1..=4 {
        let fx = transition(&mut e, n);
        assert_eq!(notifies(&fx).len(), 1, "transition {n}: {:?}", kinds(&fx));
    }
    let fx = transition(&mut e, 5);
    assert_eq!(
        kinds(&fx),
        ["reopened", "flapping_started", "notify", "suppressed"]
    );
    assert_eq!(
        notifies(&fx),
        [("all".into(), NotifyReason::FlappingStarted)]
    );
    assert_eq!(suppressed(&fx), [("all".into(), "flapping".into())]);
    let inc = e.model().incidents().next().unwrap().clone();
    assert!(e.is_flapping(&inc));
    // Held while flapping; each transition pushes the quiet period out.
    let fx = transition(&mut e, 6);
    assert_eq!(kinds(&fx), ["resolved", "suppressed"]);
    let quiet_end = at(6 * 60 + 3600);
    assert_eq!(e.next_wakeup(), Some(quiet_end));
    assert!(e.tick(just_before(quiet_end)).is_empty());
    let fx = e.tick(quiet_end);
    // The channel was last told "firing" by the flapping notice; the
    // stop notice carries the resolved incident, so nothing else is sent.
    assert_eq!(kinds(&fx), ["flapping_stopped", "notify"]);
    assert_eq!(
        notifies(&fx),
        [("all".into(), NotifyReason::FlappingStopped)]
    );
    assert!(!e.is_flapping(&inc));
}

#[test]
fn a_held_notification_is_released_when_flapping_stops() {
    let mut e = engine();
    // Only problems, so the flapping notices do not reach this rule.
    e.set_rule(with_kinds(
        rule("problems"),
        &[TransitionKind::Opened, TransitionKind::Reopened],
    ))
    .unwrap();
    for n in 1..=5 {
        transition(&mut e, n);
    }
    // Transition 5 (a reopen) was held; the incident is still open and the
    // channel was last told "firing" at transition 3: nothing new.
    transition(&mut e, 6); // resolved, not subscribed
    let fx = transition(&mut e, 7); // reopened while flapping: held
    assert_eq!(suppressed(&fx), [("problems".into(), "flapping".into())]);
    let fx = e.tick(at(7 * 60 + 3600));
    assert_eq!(kinds(&fx), ["flapping_stopped"]);
}

#[test]
fn transitions_exactly_one_window_old_no_longer_count() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    // Transitions at 0, 1, 2, 3 min, then the fifth exactly 60 min after
    // the first: the first has left the window, so 4 remain — no flapping.
    let times = [0i64, 60, 120, 180, 3600];
    let mut last = Vec::new();
    for (i, s) in times.iter().enumerate() {
        let ts = at(*s);
        let ev = if i % 2 == 0 {
            failed("PAYROLL", ts)
        } else {
            succeeded("PAYROLL", ts)
        };
        last = e.ingest(&ev, &format!("evt_{i}"), ts);
    }
    assert!(
        !kinds(&last).contains(&"flapping_started"),
        "{:?}",
        kinds(&last)
    );
    // One more within the window now makes 5.
    let fx = e.ingest(&succeeded("PAYROLL", at(3601)), "evt_x", at(3601));
    assert!(kinds(&fx).contains(&"flapping_started"), "{:?}", kinds(&fx));
}

#[test]
fn flap_detection_can_be_turned_off() {
    let mut e = AlertEngine::new(AlertConfig {
        flapping: None,
        ..AlertConfig::with_defaults()
    });
    e.set_rule(rule("all")).unwrap();
    for n in 1..=10 {
        assert_eq!(notifies(&transition(&mut e, n)).len(), 1);
    }
}

// ----- heartbeats -------------------------------------------------------------

fn nightly() -> Heartbeat {
    Heartbeat {
        connector_id: CONNECTOR,
        source: "PAYROLL".into(),
        period: Duration::from_secs(86_400),
        grace: Duration::from_secs(1800),
        severity: Severity::Error,
        paused: false,
    }
}

#[test]
fn a_missed_run_opens_exactly_at_period_plus_grace_and_the_next_event_resolves_it() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    e.set_heartbeat(nightly(), at(0)).unwrap();
    // A run at 01:00 is a sign of life: the deadline moves.
    e.ingest(&succeeded("PAYROLL", at(3600)), "evt_run", at(3600));
    let deadline = at(3600 + 86_400 + 1800);
    assert_eq!(e.next_wakeup(), Some(deadline));
    assert!(e.tick(just_before(deadline)).is_empty());
    let fx = e.tick(deadline);
    assert_eq!(kinds(&fx), ["opened", "notify"]);
    assert_eq!(notifies(&fx), [("all".into(), NotifyReason::MissedRun)]);
    let AlertEffect::Incident(opened) = &fx[0] else {
        panic!()
    };
    let inc = opened.incident();
    assert_eq!(inc.event_type, "heartbeat.missed");
    assert_eq!(inc.family, "heartbeat");
    assert_eq!(inc.source.as_deref(), Some("PAYROLL"));
    assert_eq!(inc.severity, Severity::Error);
    assert_eq!(inc.first_seen, deadline);
    assert!(inc.id.starts_with("inc_"));
    // Another period without a run counts on the same incident.
    let second = at(3600 + 2 * 86_400 + 1800);
    assert_eq!(e.next_wakeup(), Some(second));
    let fx = e.tick(second);
    assert_eq!(kinds(&fx), ["updated"]);
    assert_eq!(e.heartbeats().next().unwrap().missed_count, 2);
    // The job runs (and fails): the missed run is resolved, the failure
    // opens its own incident.
    let run = at(3600 + 2 * 86_400 + 2000);
    let fx = e.ingest(&failed("PAYROLL", run), "evt_fail", run);
    assert_eq!(kinds(&fx), ["resolved", "notify", "opened", "notify"]);
    assert_eq!(
        notifies(&fx),
        [
            ("all".into(), NotifyReason::Resolved),
            ("all".into(), NotifyReason::First)
        ]
    );
    assert_eq!(
        e.next_wakeup(),
        Some(run.saturating_add(Duration::from_secs(86_400 + 1800)))
    );
}

#[test]
fn a_late_tick_counts_one_miss_and_rearms_after_now() {
    let mut e = engine();
    e.set_heartbeat(nightly(), at(0)).unwrap();
    let late = at(10 * 86_400);
    let fx = e.tick(late);
    assert_eq!(kinds(&fx), ["opened"]);
    let w = e.next_wakeup().unwrap();
    assert!(w > late);
    assert_eq!(w, at(86_400 + 1800 + 9 * 86_400));
}

#[test]
fn a_paused_heartbeat_has_no_deadline_and_resumes_from_now() {
    let mut e = engine();
    e.set_heartbeat(nightly(), at(0)).unwrap();
    e.set_heartbeat_paused(CONNECTOR, "PAYROLL", true, at(10))
        .unwrap();
    assert_eq!(e.next_wakeup(), None);
    assert!(e.tick(at(5 * 86_400)).is_empty());
    e.set_heartbeat_paused(CONNECTOR, "PAYROLL", false, at(5 * 86_400))
        .unwrap();
    assert_eq!(e.next_wakeup(), Some(at(6 * 86_400 + 1800)));
    assert!(e.remove_heartbeat(CONNECTOR, "PAYROLL").is_some());
    assert_eq!(e.next_wakeup(), None);
}

#[test]
fn events_from_other_sources_or_connectors_are_no_sign_of_life() {
    let mut e = engine();
    e.set_heartbeat(nightly(), at(0)).unwrap();
    e.ingest(&succeeded("GL", at(100)), "evt_1", at(100));
    let other = event(
        OTHER,
        "PAYROLL",
        "integration.succeeded",
        Severity::Info,
        at(100),
    );
    e.ingest(&other, "evt_2", at(100));
    assert_eq!(e.next_wakeup(), Some(at(86_400 + 1800)));
}

// ----- group_wait --------------------------------------------------------------

#[test]
fn group_wait_batches_a_connectors_first_burst() {
    let mut e = engine();
    let mut r = rule("digest");
    r.group_wait = Some(Duration::from_secs(30));
    e.set_rule(r).unwrap();
    let fx = e.ingest(&failed("A", at(0)), "evt_a", at(0));
    assert_eq!(suppressed(&fx), [("digest".into(), "group_wait".into())]);
    e.ingest(&failed("B", at(10)), "evt_b", at(10));
    // C opens and resolves within the wait: nothing to say about it.
    e.ingest(&failed("C", at(11)), "evt_c1", at(11));
    e.ingest(&succeeded("C", at(12)), "evt_c2", at(12));
    assert_eq!(e.next_wakeup(), Some(at(30)));
    assert!(e.tick(just_before(at(30))).is_empty());
    let fx = e.tick(at(30));
    let sources: Vec<_> = fx
        .iter()
        .filter_map(|x| match x {
            AlertEffect::Notify {
                incident, reason, ..
            } => Some((incident.source.clone().unwrap(), *reason)),
            _ => None,
        })
        .collect();
    let mut sorted = sources.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            ("A".into(), NotifyReason::First),
            ("B".into(), NotifyReason::First)
        ]
    );
    // The next transition starts a new group.
    let fx = e.ingest(&succeeded("A", at(40)), "evt_a2", at(40));
    assert_eq!(suppressed(&fx), [("digest".into(), "group_wait".into())]);
    assert_eq!(e.next_wakeup(), Some(at(70)));
    let fx = e.tick(at(70));
    assert_eq!(notifies(&fx), [("digest".into(), NotifyReason::Resolved)]);
}

// ----- snapshot ---------------------------------------------------------------

#[test]
fn snapshot_round_trip_keeps_timers_and_behaviour() {
    let mut e = engine();
    let mut r = rule("pager");
    r.repeat_interval = Some(mins(60));
    e.set_rule(r).unwrap();
    let mut g = rule("digest");
    g.group_wait = Some(Duration::from_secs(300));
    e.set_rule(g).unwrap();
    e.set_silence(silence("maint", 0, 7200)).unwrap();
    e.set_heartbeat(nightly(), at(0)).unwrap();
    e.ingest(&failed("PAYROLL", at(10)), "evt_1", at(10));
    e.ingest(&failed("GL", at(20)), "evt_2", at(20));
    for n in 1..=5 {
        transition(&mut e, 100 + n);
    }
    let snap = e.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: erpops_core::alert::AlertSnapshot = serde_json::from_str(&json).unwrap();
    let mut r = AlertEngine::restore(AlertConfig::with_defaults(), back).unwrap();
    assert_eq!(serde_json::to_string(&r.snapshot()).unwrap(), json);
    assert_eq!(r.next_wakeup(), e.next_wakeup());
    let mut now = at(0);
    for _ in 0..8 {
        let Some(w) = e.next_wakeup() else { break };
        assert_eq!(r.next_wakeup(), Some(w));
        now = now.max(w);
        let a = serde_json::to_value(e.tick(now)).unwrap();
        let b = serde_json::to_value(r.tick(now)).unwrap();
        assert_eq!(a, b);
    }
    let mut bad = e.snapshot();
    bad.version = 9;
    let err = AlertEngine::restore(AlertConfig::with_defaults(), bad).unwrap_err();
    assert_eq!(err.code(), "snapshot_version");
}

#[test]
fn effects_serialize_with_a_kind_tag_and_read_back() {
    let mut e = engine();
    e.set_rule(rule("all")).unwrap();
    e.set_silence(silence("maint", 0, 60)).unwrap();
    let mut fx = e.ingest(&failed("PAYROLL", at(1)), "evt_1", at(1));
    fx.extend(e.ingest(&failed("GL", at(2)), "evt_2", at(2)));
    fx.extend(e.tick(at(60)));
    let json = serde_json::to_value(&fx).unwrap();
    let tags: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tags, ["opened", "suppressed", "opened", "notify", "notify"]);
    assert_eq!(json[1]["reason"], "silenced");
    assert_eq!(json[1]["silence_id"], "maint");
    assert_eq!(json[1]["would_notify"], "first");
    assert_eq!(json[4]["reason"], "silence_ended");
    let back: Vec<AlertEffect> = serde_json::from_value(json).unwrap();
    assert_eq!(back, fx);
}

#[test]
fn updating_a_paused_heartbeat_to_active_counts_from_now() {
    let mut e = engine();
    let mut hb = nightly();
    hb.paused = true;
    e.set_heartbeat(hb.clone(), at(0)).unwrap();
    assert_eq!(e.next_wakeup(), None);
    hb.paused = false;
    e.set_heartbeat(hb, at(3 * 86_400)).unwrap();
    assert_eq!(e.next_wakeup(), Some(at(4 * 86_400 + 1800)));
}

#[test]
fn ticks_at_the_end_of_time_terminate() {
    let mut e = engine();
    let mut r = rule("pager");
    r.repeat_interval = Some(mins(1));
    e.set_rule(r).unwrap();
    e.set_heartbeat(nightly(), at(0)).unwrap();
    let end = Timestamp::new(i64::MAX, 999_999_999).unwrap();
    e.ingest(&failed("X", at(0)), "evt_1", end);
    for _ in 0..3 {
        e.tick(end);
    }
    assert!(e.next_wakeup().is_some_and(|w| w <= end));
}
