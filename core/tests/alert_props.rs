//! Property tests of the alerting layer's invariants (issue #6).

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
    AlertConfig, AlertEffect, AlertEngine, AlertRule, AlertSnapshot, DailyDeadline, FlappingConfig,
    Heartbeat, Job, JobKey, JobState, KeyAlertSnapshot, MaintenanceWindow, Matchers, Silence,
    TransitionKind,
};
use erpops_core::event::Severity;
use erpops_core::incident::Command;
use erpops_core::incident::CorrelationKey;
use erpops_core::schedule::{Expectation, Schedule};
use erpops_core::Timestamp;
use proptest::prelude::*;

const SOURCES: [&str; 3] = ["A", "B", "CX"];
const TYPES: [&str; 4] = [
    "integration.failed",
    "integration.succeeded",
    "integration.started",
    "health.degraded",
];
const KINDS: [TransitionKind; 14] = [
    TransitionKind::Opened,
    TransitionKind::Escalated,
    TransitionKind::Reopened,
    TransitionKind::Resolved,
    TransitionKind::AckExpired,
    TransitionKind::MissedRun,
    TransitionKind::FlappingStarted,
    TransitionKind::FlappingStopped,
    TransitionKind::MissedStart,
    TransitionKind::RunTooLong,
    TransitionKind::RunTooShort,
    TransitionKind::DeadlineMissed,
    TransitionKind::TooFewRecords,
    TransitionKind::RunsFailing,
];
const GLOBS: [&str; 4] = ["*", "A*", "B", "?X"];

#[derive(Debug, Clone)]
enum Action {
    /// (source, type, severity, event time offset back from now in s)
    Ingest(usize, usize, usize, i64),
    /// Acknowledge the n-th held incident.
    Ack(usize),
    /// Resolve the n-th held incident.
    Resolve(usize),
    /// Tick at now.
    Tick,
    /// Move now to the next wake-up (if later) and tick there.
    TickAtWakeup,
    /// End the n-th silence now.
    ExpireSilence(usize),
    /// Pause (true) or resume the heartbeat.
    PauseHeartbeat(bool),
    /// Remove the rule with this id.
    RemoveRule(&'static str),
    /// A run signal from `B`, the job's source: started (0), succeeded
    /// (1) or failed (2), with a records count (0..200) or none.
    Run(u8, Option<u64>),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0..SOURCES.len(), 0..TYPES.len(), 0..4usize, 0i64..120)
            .prop_map(|(s, t, v, b)| Action::Ingest(s, t, v, b)),
        1 => (0..4usize).prop_map(Action::Ack),
        1 => (0..4usize).prop_map(Action::Resolve),
        1 => Just(Action::Tick),
        2 => Just(Action::TickAtWakeup),
        3 => (0u8..3, prop::option::of(0u64..200)).prop_map(|(p, r)| Action::Run(p, r)),
        1 => prop_oneof![
            (0..3usize).prop_map(Action::ExpireSilence),
            any::<bool>().prop_map(Action::PauseHeartbeat),
            prop_oneof![Just("a"), Just("b")].prop_map(Action::RemoveRule),
        ],
    ]
}

/// (grace, max runtime, min runtime, deadline hour, depends on `A`,
/// minimum records, failure and recovery thresholds).
type JobSpec = (
    u64,
    Option<u64>,
    Option<u64>,
    Option<u8>,
    bool,
    Option<u64>,
    Option<(u32, u32)>,
);

#[derive(Debug, Clone)]
struct Setup {
    rules: Vec<AlertRule>,
    silences: Vec<Silence>,
    heartbeat: Option<(u64, u64)>,
    /// A job on source `B`: (grace, max runtime, min runtime, deadline
    /// hour, depends on `A`).
    job: Option<JobSpec>,
    /// A maintenance window every hour: (duration, source glob).
    window: Option<(u64, Option<usize>)>,
    ops: Vec<(i64, Action)>,
}

fn rule_strategy() -> impl Strategy<Value = AlertRule> {
    (
        "[a-d]",
        prop::collection::btree_set(0..KINDS.len(), 0..4),
        prop::option::of(0..GLOBS.len()),
        prop::option::of(0..4usize),
        prop::option::of(60u64..1800),
        prop::option::of(10u64..300),
    )
        .prop_map(|(id, kinds, glob, sev, repeat, wait)| AlertRule {
            id: id.clone(),
            name: id,
            kinds: kinds.into_iter().map(|k| KINDS[k]).collect(),
            matchers: Matchers {
                connector_id: None,
                source: glob.map(|g| GLOBS[g].to_owned()),
                event_type: None,
                min_severity: sev.map(|s| Severity::ALL[s]),
            },
            channel: "ops".into(),
            repeat_interval: repeat.map(Duration::from_secs),
            group_wait: wait.map(Duration::from_secs),
        })
}

fn silence_strategy() -> impl Strategy<Value = Silence> {
    (
        "[st][0-9]",
        prop::option::of(0..GLOBS.len()),
        0i64..3000,
        1i64..3000,
    )
        .prop_map(|(id, glob, from, len)| Silence {
            id,
            matchers: Matchers {
                source: glob.map(|g| GLOBS[g].to_owned()),
                ..Matchers::default()
            },
            starts_at: at(from),
            ends_at: at(from + len),
            comment: None,
        })
}

fn setup(with_rules: bool) -> impl Strategy<Value = Setup> {
    (
        prop::collection::vec(rule_strategy(), if with_rules { 1..4 } else { 0..1 }),
        prop::collection::vec(silence_strategy(), 0..3),
        prop::option::of((300u64..3600, 0u64..600)),
        prop::option::weighted(
            0.8,
            (
                0u64..300,
                prop::option::of(700u64..1500),
                prop::option::weighted(0.8, 60u64..600),
                prop::option::of(3u8..7),
                any::<bool>(),
                prop::option::of(50u64..150),
                prop::option::of((1u32..4, 1u32..3)),
            ),
        ),
        prop::option::of((600u64..1800, prop::option::of(0..GLOBS.len()))),
        prop::collection::vec((0i64..400, action()), 1..60),
    )
        .prop_map(|(rules, silences, heartbeat, job, window, ops)| Setup {
            rules,
            // Distinct ids: setting a silence with a known id replaces it.
            silences: silences
                .into_iter()
                .enumerate()
                .map(|(i, s)| Silence {
                    id: format!("s{i}"),
                    ..s
                })
                .collect(),
            heartbeat,
            job,
            window,
            ops,
        })
}

fn config() -> AlertConfig {
    AlertConfig {
        flapping: Some(FlappingConfig {
            max_transitions: 3,
            window: Duration::from_secs(1800),
            quiet_period: Duration::from_secs(900),
        }),
        ..AlertConfig::with_defaults()
    }
}

fn build(s: &Setup) -> AlertEngine {
    let mut e = AlertEngine::new(config());
    for r in &s.rules {
        e.set_rule(r.clone()).unwrap();
    }
    for si in &s.silences {
        e.set_silence(si.clone()).unwrap();
    }
    if let Some((period, grace)) = s.heartbeat {
        e.set_heartbeat(
            Heartbeat {
                connector_id: CONNECTOR,
                source: "A".into(),
                period: Duration::from_secs(period),
                grace: Duration::from_secs(grace),
                severity: Severity::Error,
                paused: false,
            },
            at(0),
        )
        .unwrap();
    }
    if let Some((grace, max, min, deadline, depends, min_records, thresholds)) = s.job {
        let mut job = Job::new(
            CONNECTOR,
            "B",
            Expectation::Schedule(Schedule::single("*/20 * * * *", "UTC").unwrap()),
            Duration::from_secs(grace),
        );
        job.max_runtime = max.map(Duration::from_secs);
        job.min_runtime = min.map(Duration::from_secs);
        job.deadline = deadline.map(|h| DailyDeadline::new(&format!("{h:02}:00"), "UTC").unwrap());
        job.min_records = min_records;
        job.failure_threshold = thresholds.map(|t| t.0);
        job.recovery_threshold = thresholds.map(|t| t.1);
        if depends {
            job.depends_on.insert(JobKey {
                connector_id: CONNECTOR,
                source: "A".into(),
            });
        }
        e.set_job(job, at(0)).unwrap();
    }
    if let Some((duration, glob)) = s.window {
        e.set_window(MaintenanceWindow {
            id: "w".into(),
            matchers: Matchers {
                source: glob.map(|g| GLOBS[g].to_owned()),
                ..Matchers::default()
            },
            schedule: Schedule::single("0 * * * *", "UTC").unwrap(),
            duration: Duration::from_secs(duration),
            comment: None,
        })
        .unwrap();
    }
    e
}

/// Every job's state, for comparing engines.
fn jobs_of(e: &AlertEngine) -> Vec<JobState> {
    e.jobs().cloned().collect()
}

/// Applies one op at `now` (which it may move forward); returns the
/// effects and the instant they happened at.
fn apply(
    e: &mut AlertEngine,
    now: &mut Timestamp,
    i: usize,
    advance: i64,
    action: &Action,
) -> Vec<AlertEffect> {
    *now = Timestamp::from_unix_seconds(now.unix_seconds() + advance);
    match action {
        Action::Ingest(s, t, v, back) => {
            let ts = Timestamp::from_unix_seconds(now.unix_seconds() - back);
            let ev = event(CONNECTOR, SOURCES[*s], TYPES[*t], Severity::ALL[*v], ts);
            e.ingest(&ev, &format!("evt_{i}"), *now)
        }
        Action::Ack(n) | Action::Resolve(n) => {
            let ids: Vec<String> = e.model().incidents().map(|i| i.id.clone()).collect();
            let Some(id) = ids.get(*n) else {
                return Vec::new();
            };
            let cmd = match action {
                Action::Ack(_) => Command::Acknowledge {
                    incident_id: id.clone(),
                    actor: "ana".into(),
                    note: None,
                },
                _ => Command::Resolve {
                    incident_id: id.clone(),
                    actor: "ana".into(),
                    note: None,
                },
            };
            e.command(&cmd, *now).unwrap_or_default()
        }
        Action::Tick => e.tick(*now),
        Action::ExpireSilence(n) => e.expire_silence(&format!("s{n}"), *now),
        Action::PauseHeartbeat(paused) => {
            // Unknown when the setup has no heartbeat: nothing changes.
            let _ = e.set_heartbeat_paused(CONNECTOR, "A", *paused, *now);
            Vec::new()
        }
        Action::RemoveRule(id) => {
            e.remove_rule(id);
            Vec::new()
        }
        Action::Run(phase, records) => {
            let (event_type, sev) = match phase {
                0 => ("batch.started", Severity::Info),
                1 => ("batch.succeeded", Severity::Info),
                _ => ("batch.failed", Severity::Error),
            };
            let mut ev = event(CONNECTOR, "B", event_type, sev, *now);
            if let Some(n) = records {
                ev.metadata.insert(
                    "records_processed",
                    erpops_core::event::MetadataValue::Int(i64::try_from(*n).unwrap()),
                );
            }
            e.ingest(&ev, &format!("evt_{i}"), *now)
        }
        Action::TickAtWakeup => {
            if let Some(w) = e.next_wakeup() {
                *now = (*now).max(w);
            }
            e.tick(*now)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `next_wakeup` is exact: a tick one nanosecond earlier does nothing,
    /// a tick at it consumes every timer due then.
    #[test]
    fn next_wakeup_is_exact(s in setup(true)) {
        let mut e = build(&s);
        let mut now = at(0);
        for (i, (adv, act)) in s.ops.iter().enumerate() {
            apply(&mut e, &mut now, i, *adv, act);
            if let Some(w) = e.next_wakeup() {
                let mut early = e.clone();
                prop_assert!(early.tick(just_before(w)).is_empty());
                prop_assert_eq!(early.next_wakeup(), Some(w));
                let mut due = e.clone();
                due.tick(w);
                prop_assert!(due.next_wakeup().is_none_or(|n| n > w));
            }
        }
    }

    /// No `Notify` is ever emitted for an incident that an active silence
    /// matches at that instant.
    #[test]
    fn silenced_matches_never_notify(s in setup(true)) {
        let mut e = build(&s);
        let mut now = at(0);
        // The caller's silences: those it ended early no longer count.
        let mut live = s.silences.clone();
        for (i, (adv, act)) in s.ops.iter().enumerate() {
            let effects = apply(&mut e, &mut now, i, *adv, act);
            if let Action::ExpireSilence(n) = act {
                live.retain(|si| si.id != format!("s{n}"));
            }
            for fx in effects {
                if let AlertEffect::Notify { incident, .. } = &fx {
                    for si in &live {
                        prop_assert!(
                            !(si.is_active(now) && si.matchers.matches(incident)),
                            "notified under silence {}: {:?}", si.id, fx
                        );
                    }
                }
            }
        }
    }

    /// With no rules there is no `Notify` (and nothing suppressed) at all.
    #[test]
    fn no_rules_no_notifications(s in setup(false)) {
        let mut e = build(&s);
        let mut now = at(0);
        for (i, (adv, act)) in s.ops.iter().enumerate() {
            for fx in apply(&mut e, &mut now, i, *adv, act) {
                prop_assert!(
                    !matches!(fx, AlertEffect::Notify { .. } | AlertEffect::Suppressed { .. }),
                    "{:?}", fx
                );
            }
        }
    }

    /// The alerting state saved apart from the incidents, with the
    /// incident model's own snapshot put back, is the whole snapshot: an
    /// embedder persisting incidents per key loses nothing.
    #[test]
    fn the_split_snapshot_puts_back_together(s in setup(true), cut in 0usize..60) {
        let mut e = build(&s);
        let mut now = at(0);
        for (i, (adv, act)) in s.ops.iter().enumerate().take(cut.min(s.ops.len())) {
            apply(&mut e, &mut now, i, *adv, act);
        }
        let mut split = e.snapshot_without_incidents();
        prop_assert!(split.incidents.keys.is_empty());
        split.incidents = e.model().snapshot();
        prop_assert_eq!(
            serde_json::to_string(&split).unwrap(),
            serde_json::to_string(&e.snapshot()).unwrap()
        );
        let r = AlertEngine::restore(config(), split).unwrap();
        prop_assert_eq!(r.next_wakeup(), e.next_wakeup());
    }

    /// An embedder that writes after each operation only what
    /// `take_changes` names (the engine-wide part when it changed, the
    /// named keys' rows) holds the whole state: the engine restored from
    /// those writes has every key's state and the engine-wide state of the
    /// original, and behaves identically afterwards. A change the engine
    /// forgot to report leaves a stale row, and this fails.
    #[test]
    fn writing_only_the_changed_keys_keeps_the_whole_state(s in setup(true), cut in 0usize..60) {
        let mut e = build(&s);
        let mut now = at(0);
        let cut = cut.min(s.ops.len());
        let mut global: Option<AlertSnapshot> = None;
        let mut rows: std::collections::BTreeMap<CorrelationKey, KeyAlertSnapshot> =
            Default::default();
        let mut job_rows: std::collections::BTreeMap<JobKey, Option<JobState>> =
            Default::default();
        let mut persist = |e: &mut AlertEngine| {
            let changes = e.take_changes();
            if changes.global {
                global = Some(e.snapshot_global());
            }
            for key in changes.keys {
                rows.insert(key.clone(), e.key_alert_snapshot(&key));
            }
            for key in changes.jobs {
                job_rows.insert(key.clone(), e.job(key.connector_id, &key.source).cloned());
            }
        };
        persist(&mut e);
        for (i, (adv, act)) in s.ops.iter().enumerate().take(cut) {
            apply(&mut e, &mut now, i, *adv, act);
            persist(&mut e);
            // Commands, ack expiries and retention keep the count exact.
            let walked = e.model().incidents().filter(|i| i.is_active()).count();
            prop_assert_eq!(e.model().active_count(), walked);
        }
        let global = global.unwrap_or_else(|| AlertEngine::new(config()).snapshot_global());
        prop_assert!(global.flapping.is_empty() && global.sent.is_empty() && global.held.is_empty());
        let mut r = AlertEngine::restore_split(
            config(),
            global,
            e.model().snapshot(),
            rows.values().cloned(),
        )
        .unwrap();
        r.restore_jobs(job_rows.values().flatten().cloned()).unwrap();
        prop_assert!(r.take_changes().is_empty());
        prop_assert_eq!(jobs_of(&r), jobs_of(&e));
        prop_assert_eq!(r.next_wakeup(), e.next_wakeup());
        prop_assert_eq!(r.model().active_count(), e.model().active_count());
        prop_assert_eq!(
            serde_json::to_string(&r.snapshot_global()).unwrap(),
            serde_json::to_string(&e.snapshot_global()).unwrap()
        );
        let keys: std::collections::BTreeSet<CorrelationKey> =
            e.alert_keys().into_iter().chain(rows.keys().cloned()).collect();
        for key in &keys {
            prop_assert_eq!(r.key_alert_snapshot(key), e.key_alert_snapshot(key));
        }
        prop_assert_eq!(r.alert_keys(), e.alert_keys());
        let mut now_r = now;
        for (i, (adv, act)) in s.ops.iter().enumerate().skip(cut) {
            let a = serde_json::to_value(apply(&mut e, &mut now, i, *adv, act)).unwrap();
            let b = serde_json::to_value(apply(&mut r, &mut now_r, i, *adv, act)).unwrap();
            prop_assert_eq!(a, b);
        }
    }

    /// `ingest_may_change_global` is never wrong in the direction that
    /// matters: an event it says leaves the engine-wide state alone leaves
    /// it alone (an embedder that trusts it skips the engine-wide lock).
    #[test]
    fn an_ingest_said_to_leave_the_global_state_alone_does(s in setup(true)) {
        let mut e = build(&s);
        let mut now = at(0);
        e.take_changes();
        for (i, (adv, act)) in s.ops.iter().enumerate() {
            let may = match act {
                Action::Ingest(src, ..) => Some(e.ingest_may_change_global(CONNECTOR, Some(SOURCES[*src]))),
                _ => None,
            };
            apply(&mut e, &mut now, i, *adv, act);
            let changes = e.take_changes();
            if may == Some(false) {
                prop_assert!(!changes.global, "op {} changed the engine-wide state", i);
                prop_assert!(changes.jobs.is_empty(), "op {} changed a job", i);
            }
        }
    }

    /// Catching up in place: an engine that missed some operations (a
    /// second receiver did them) and is then given the key rows and
    /// alerting rows they changed ([`AlertEngine::restore_rows`]) is the
    /// engine that did them: the same snapshot, the same alerting state
    /// per key, the same counts, and identical behaviour afterwards. When
    /// those operations changed the engine-wide state, an embedder restores
    /// that whole (not tested here). A row the catch-up forgot to replace,
    /// or a timer it left behind, fails this.
    #[test]
    fn restoring_the_changed_rows_in_place_catches_up(
        s in setup(true),
        cut in 0usize..40,
        missed in 1usize..20,
    ) {
        let cut = cut.min(s.ops.len());
        let end = (cut + missed).min(s.ops.len());
        let mut behind = build(&s);
        let mut ahead = build(&s);
        let (mut now_behind, mut now_ahead) = (at(0), at(0));
        for (i, (adv, act)) in s.ops.iter().enumerate().take(cut) {
            apply(&mut behind, &mut now_behind, i, *adv, act);
            apply(&mut ahead, &mut now_ahead, i, *adv, act);
        }
        behind.take_changes();
        ahead.take_changes();
        let before = ahead.model().snapshot();
        for (i, (adv, act)) in s.ops.iter().enumerate().take(end).skip(cut) {
            apply(&mut ahead, &mut now_ahead, i, *adv, act);
        }
        let changes = ahead.take_changes();
        prop_assume!(!changes.global);
        // The incident key rows the operations changed (as a writer saves
        // them: the current entry, or `None` for a key forgotten).
        let after = ahead.model().snapshot();
        let old: std::collections::BTreeMap<_, _> =
            before.keys.iter().map(|k| (k.key.clone(), serde_json::to_string(&k.state).unwrap())).collect();
        let new: std::collections::BTreeMap<_, _> =
            after.keys.iter().map(|k| (k.key.clone(), k.state.clone())).collect();
        let mut key_rows = Vec::new();
        for (key, state) in &new {
            if old.get(key) != Some(&serde_json::to_string(state).unwrap()) {
                key_rows.push((key.clone(), Some(state.clone())));
            }
        }
        for key in old.keys().filter(|k| !new.contains_key(*k)) {
            key_rows.push((key.clone(), None));
        }
        let alert_rows: Vec<KeyAlertSnapshot> =
            changes.keys.iter().map(|k| ahead.key_alert_snapshot(k)).collect();
        behind.restore_rows(key_rows, alert_rows).unwrap();
        behind
            .restore_jobs(
                changes
                    .jobs
                    .iter()
                    .filter_map(|k| ahead.job(k.connector_id, &k.source).cloned()),
            )
            .unwrap();
        prop_assert!(behind.take_changes().is_empty());
        prop_assert_eq!(jobs_of(&behind), jobs_of(&ahead));
        prop_assert_eq!(
            serde_json::to_string(&behind.model().snapshot()).unwrap(),
            serde_json::to_string(&after).unwrap()
        );
        prop_assert_eq!(behind.model().active_count(), ahead.model().active_count());
        prop_assert_eq!(behind.alert_keys(), ahead.alert_keys());
        for key in ahead.alert_keys().iter().chain(behind.alert_keys().iter()) {
            prop_assert_eq!(behind.key_alert_snapshot(key), ahead.key_alert_snapshot(key));
        }
        prop_assert_eq!(behind.next_wakeup(), ahead.next_wakeup());
        let mut now_behind = now_ahead;
        for (i, (adv, act)) in s.ops.iter().enumerate().skip(end) {
            let a = serde_json::to_value(apply(&mut ahead, &mut now_ahead, i, *adv, act)).unwrap();
            let b = serde_json::to_value(apply(&mut behind, &mut now_behind, i, *adv, act)).unwrap();
            prop_assert_eq!(a, b);
        }
    }

    /// A snapshot taken anywhere restores to an engine that re-encodes
    /// byte for byte and behaves identically afterwards.
    #[test]
    fn snapshot_round_trip_is_deterministic(s in setup(true), cut in 0usize..60) {
        let mut e = build(&s);
        let mut now = at(0);
        let cut = cut.min(s.ops.len());
        for (i, (adv, act)) in s.ops.iter().enumerate().take(cut) {
            apply(&mut e, &mut now, i, *adv, act);
        }
        let json = serde_json::to_string(&e.snapshot()).unwrap();
        let snap: AlertSnapshot = serde_json::from_str(&json).unwrap();
        let mut r = AlertEngine::restore(config(), snap).unwrap();
        prop_assert_eq!(&serde_json::to_string(&r.snapshot()).unwrap(), &json);
        prop_assert_eq!(r.next_wakeup(), e.next_wakeup());
        let mut now_r = now;
        for (i, (adv, act)) in s.ops.iter().enumerate().skip(cut) {
            let a = serde_json::to_value(apply(&mut e, &mut now, i, *adv, act)).unwrap();
            let b = serde_json::to_value(apply(&mut r, &mut now_r, i, *adv, act)).unwrap();
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(
            serde_json::to_string(&e.snapshot()).unwrap(),
            serde_json::to_string(&r.snapshot()).unwrap()
        );
    }
}

/// Guards the generators: across generated runs every feature the
/// properties speak about actually happens (otherwise they would pass
/// vacuously).
#[test]
fn generated_runs_exercise_every_feature() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;

    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    for _ in 0..400 {
        let s = setup(true).new_tree(&mut runner).unwrap().current();
        let mut e = build(&s);
        let mut now = at(0);
        for (i, (adv, act)) in s.ops.iter().enumerate() {
            for fx in apply(&mut e, &mut now, i, *adv, act) {
                let v = serde_json::to_value(&fx).unwrap();
                let mut name = fx.kind().to_owned();
                if let Some(r) = v.get("reason").and_then(|r| r.as_str()) {
                    name = format!("{name}:{r}");
                }
                seen.insert(name);
            }
        }
    }
    for want in [
        "notify:first",
        "notify:resolved",
        "notify:escalated",
        "notify:missed_run",
        "notify:repeat_elapsed",
        "notify:silence_ended",
        "notify:flapping_started",
        "notify:ack_expired",
        "suppressed:silenced",
        "suppressed:flapping",
        "suppressed:throttled",
        "suppressed:group_wait",
        "flapping_started",
        "flapping_stopped",
        "notify:missed_start",
        "notify:run_too_long",
        "notify:run_too_short",
        "notify:deadline_missed",
        "notify:inhibition_ended",
        "notify:window_ended",
        "notify:too_few_records",
        "notify:runs_failing",
        "suppressed:inhibited",
        "suppressed:maintenance",
    ] {
        assert!(
            seen.contains(want),
            "never generated: {want}; seen {seen:?}"
        );
    }
}
