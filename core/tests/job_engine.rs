//! Batch jobs in the alert engine (issue #23): schedules, runs, the four
//! expectations, maintenance windows and dependencies, each at its
//! boundaries, with real 2026 time zones.

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
    AlertConfig, AlertEffect, AlertEngine, DailyDeadline, Heartbeat, Job, JobStatus,
    MaintenanceWindow, Matchers, NotifyReason, RunOutcome, TransitionKind,
};
use erpops_core::event::{Event, Metadata, MetadataValue, Severity};
use erpops_core::incident::IncidentStatus;
use erpops_core::schedule::{Expectation, Schedule};
use erpops_core::Timestamp;

const PAYROLL: &str = "PSFT_PAYROLL_BATCH";
const EXTRACT: &str = "GL_EXTRACT";

fn t(text: &str) -> Timestamp {
    Timestamp::parse_canonical(text).unwrap()
}

fn engine() -> AlertEngine {
    let mut e = AlertEngine::new(AlertConfig::with_defaults());
    e.set_rule(rule("ops")).unwrap();
    e
}

/// Weekdays at 02:00 Chicago time, 15 minutes' grace.
fn payroll() -> Job {
    Job::new(
        CONNECTOR,
        PAYROLL,
        Expectation::Schedule(Schedule::single("0 2 * * MON-FRI", "America/Chicago").unwrap()),
        mins(15),
    )
}

fn signal(source: &str, phase: &str, run_id: Option<&str>, records: Option<i64>) -> Event {
    let sev = if phase == "failed" {
        Severity::Error
    } else {
        Severity::Info
    };
    let mut ev = event(
        CONNECTOR,
        source,
        &format!("payroll.run.{phase}"),
        sev,
        Timestamp::UNIX_EPOCH,
    );
    let mut metadata = Metadata::new();
    if let Some(id) = run_id {
        metadata.insert("run_id", MetadataValue::String(id.into()));
    }
    if let Some(n) = records {
        metadata.insert("records_processed", MetadataValue::Int(n));
    }
    ev.metadata = metadata;
    ev
}

fn send(e: &mut AlertEngine, ev: Event, id: &str, now: Timestamp) -> Vec<AlertEffect> {
    let mut ev = ev;
    ev.timestamp = now;
    e.ingest(&ev, id, now)
}

fn job_state(e: &AlertEngine, source: &str) -> erpops_core::alert::JobState {
    e.job(CONNECTOR, source).unwrap().clone()
}

// 2026-04-20 is a Monday; Chicago is on CDT (UTC-5): 02:00 local = 07:00Z.

#[test]
fn a_scheduled_job_is_due_at_its_local_time_and_missed_after_the_grace() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    let s = job_state(&e, PAYROLL);
    assert_eq!(s.due, Some(t("2026-04-20T07:00:00Z")));
    assert_eq!(s.miss_at, Some(t("2026-04-20T07:15:00Z")));
    assert_eq!(e.next_wakeup(), Some(t("2026-04-20T07:15:00Z")));
    // One nanosecond before the grace ends: nothing.
    assert!(e.tick(just_before(t("2026-04-20T07:15:00Z"))).is_empty());
    // A job that never sent a start signal misses a *run*.
    let fx = e.tick(t("2026-04-20T07:15:00Z"));
    assert_eq!(kinds(&fx), ["opened", "notify"]);
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::MissedRun)]);
    let inc = incident_id(&fx);
    let opened = e.model().get(&inc).unwrap();
    assert_eq!(opened.event_type, "job.missed_run.missed");
    assert_eq!(opened.source.as_deref(), Some(PAYROLL));
    // The next due time is Tuesday's 02:00.
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-04-21T07:00:00Z")));
    // Any event from the source is a sign of life and resolves it.
    let fx = send(
        &mut e,
        succeeded(PAYROLL, at(0)),
        "evt_late",
        t("2026-04-20T07:40:00Z"),
    );
    assert_eq!(kinds(&fx)[0], "resolved");
    assert_eq!(notifies(&fx)[0], ("ops".into(), NotifyReason::Resolved));
}

#[test]
fn weekends_are_not_due_and_friday_leads_to_monday() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-24T08:00:00Z")).unwrap(); // Friday after the run
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-04-27T07:00:00Z")));
}

#[test]
fn once_a_job_sends_starts_only_a_start_answers_and_missing_it_is_missed_start() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:01:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, Some(5)),
        "e2",
        t("2026-04-20T07:31:00Z"),
    );
    let s = job_state(&e, PAYROLL);
    assert!(s.sends_starts);
    assert_eq!(s.due, Some(t("2026-04-21T07:00:00Z")));
    // Tuesday: an info event without a start does not answer.
    send(
        &mut e,
        event(
            CONNECTOR,
            PAYROLL,
            "payroll.step.info",
            Severity::Info,
            at(0),
        ),
        "e3",
        t("2026-04-21T07:05:00Z"),
    );
    let fx = e.tick(t("2026-04-21T07:15:00Z"));
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::MissedStart)]);
    let inc = incident_id(&fx);
    assert_eq!(
        e.model().get(&inc).unwrap().event_type,
        "job.missed_start.missed"
    );
    // A late start resolves the missed start.
    let fx = send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e4",
        t("2026-04-21T07:50:00Z"),
    );
    assert_eq!(kinds(&fx)[0], "resolved");
    assert_eq!(
        e.model().get(&inc).unwrap().status,
        IncidentStatus::Resolved
    );
}

#[test]
fn an_early_start_within_the_grace_answers_the_coming_due_time() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    // 01:50 local, ten minutes early: answers 02:00, not a run of its own.
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T06:50:00Z"),
    );
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-04-21T07:00:00Z")));
    assert!(e.tick(t("2026-04-20T07:15:00Z")).is_empty());
    // 20 minutes early is outside the 15-minute grace: it does not.
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T06:40:00Z"),
    );
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-04-20T07:00:00Z")));
}

#[test]
fn a_late_tick_counts_one_miss_not_a_burst() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    // Ticks stop for three days.
    let fx = e.tick(t("2026-04-23T09:00:00Z"));
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::MissedRun)]);
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-04-24T07:00:00Z")));
    // The next one is an update of the same incident.
    let fx = e.tick(t("2026-04-24T07:15:00Z"));
    assert_eq!(kinds(&fx), ["updated"]);
    assert_eq!(job_state(&e, PAYROLL).missed_count, 2);
}

#[test]
fn spring_forward_a_0230_job_is_due_once_at_0300_local() {
    let mut e = engine();
    let job = Job::new(
        CONNECTOR,
        PAYROLL,
        Expectation::Schedule(Schedule::single("30 2 * * *", "America/Chicago").unwrap()),
        mins(10),
    );
    e.set_job(job, t("2026-03-07T12:00:00Z")).unwrap();
    // 02:30 does not exist on 2026-03-08: due at 03:00 CDT = 08:00Z.
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-03-08T08:00:00Z")));
    let fx = e.tick(t("2026-03-08T08:10:00Z"));
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::MissedRun)]);
    // Then 02:30 CDT the next day, once.
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-03-09T07:30:00Z")));
}

#[test]
fn fall_back_a_0130_job_is_due_once_at_its_first_occurrence() {
    let mut e = engine();
    let job = Job::new(
        CONNECTOR,
        PAYROLL,
        Expectation::Schedule(Schedule::single("30 1 * * *", "America/Chicago").unwrap()),
        mins(10),
    );
    e.set_job(job, t("2026-10-31T12:00:00Z")).unwrap();
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-11-01T06:30:00Z")));
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-11-01T06:31:00Z"),
    );
    // Not again at 01:30 CST (07:30Z): next is the 2nd at 01:30 CST.
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-11-02T07:30:00Z")));
    assert!(e.tick(t("2026-11-01T07:45:00Z")).is_empty());
}

#[test]
fn a_period_job_behaves_like_a_heartbeat() {
    let mut e = engine();
    let job = Job::new(CONNECTOR, PAYROLL, Expectation::Period(mins(60)), mins(5));
    e.set_job(job, at(0)).unwrap();
    assert_eq!(e.next_wakeup(), Some(at(65 * 60)));
    send(&mut e, succeeded(PAYROLL, at(0)), "e1", at(30 * 60));
    assert_eq!(e.next_wakeup(), Some(at(95 * 60)));
    let fx = e.tick(at(95 * 60));
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::MissedRun)]);
}

// ----- runs ---------------------------------------------------------------

#[test]
fn runs_pair_by_run_id_and_record_duration_outcome_and_records() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", Some("A"), None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "started", Some("B"), None),
        "e2",
        t("2026-04-20T07:05:00Z"),
    );
    assert_eq!(job_state(&e, PAYROLL).status(), JobStatus::Running);
    send(
        &mut e,
        signal(PAYROLL, "succeeded", Some("B"), Some(40_000)),
        "e3",
        t("2026-04-20T07:15:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "failed", Some("A"), Some(12)),
        "e4",
        t("2026-04-20T07:30:00Z"),
    );
    let s = job_state(&e, PAYROLL);
    assert!(s.open_runs.is_empty());
    let runs: Vec<_> = s
        .runs
        .iter()
        .map(|r| {
            (
                r.run_id.clone().unwrap(),
                r.duration_ms,
                r.outcome,
                r.records_processed,
            )
        })
        .collect();
    assert_eq!(
        runs,
        [
            (
                "B".to_owned(),
                Some(600_000),
                RunOutcome::Succeeded,
                Some(40_000)
            ),
            (
                "A".to_owned(),
                Some(1_800_000),
                RunOutcome::Failed,
                Some(12)
            ),
        ]
    );
    assert_eq!(s.median_duration_ms(), Some(600_000));
    assert_eq!(s.status(), JobStatus::Failing);
}

#[test]
fn runs_without_run_id_pair_up_in_order_and_an_end_without_start_is_kept() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e2",
        t("2026-04-20T07:10:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e3",
        t("2026-04-20T07:20:00Z"),
    );
    let s = job_state(&e, PAYROLL);
    assert_eq!(s.runs[0].started_at, Some(t("2026-04-20T07:00:00Z")));
    assert_eq!(s.open_runs[0].started_at, t("2026-04-20T07:10:00Z"));
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e4",
        t("2026-04-20T07:30:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e5",
        t("2026-04-20T07:40:00Z"),
    );
    let s = job_state(&e, PAYROLL);
    assert_eq!(s.runs.len(), 3);
    assert_eq!(s.runs[2].started_at, None);
    assert_eq!(s.runs[2].duration_ms, None);
}

#[test]
fn recent_runs_are_bounded() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    for i in 0..50 {
        let base = 1_776_668_400 + i * 60;
        send(
            &mut e,
            signal(PAYROLL, "started", None, None),
            &format!("s{i}"),
            Timestamp::from_unix_seconds(base),
        );
        send(
            &mut e,
            signal(PAYROLL, "succeeded", None, None),
            &format!("f{i}"),
            Timestamp::from_unix_seconds(base + 30),
        );
    }
    let s = job_state(&e, PAYROLL);
    assert_eq!(s.runs.len(), erpops_core::alert::job::RECENT_RUNS);
    assert_eq!(
        s.runs.back().unwrap().ended_at,
        Timestamp::from_unix_seconds(1_776_668_400 + 49 * 60 + 30)
    );
}

#[test]
fn run_too_long_opens_while_it_runs_and_resolves_when_it_ends() {
    let mut e = engine();
    let mut job = payroll();
    job.max_runtime = Some(mins(120));
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", Some("r1"), None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    assert_eq!(e.next_wakeup(), Some(t("2026-04-20T09:00:00Z")));
    assert!(e.tick(just_before(t("2026-04-20T09:00:00Z"))).is_empty());
    let fx = e.tick(t("2026-04-20T09:00:00Z"));
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::RunTooLong)]);
    let inc = incident_id(&fx);
    let incident = e.model().get(&inc).unwrap();
    assert_eq!(incident.event_type, "job.run_too_long.missed");
    // Still running: no second notification at the next tick.
    assert!(e.tick(t("2026-04-20T09:30:00Z")).is_empty());
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", Some("r1"), None),
        "e2",
        t("2026-04-20T09:45:00Z"),
    );
    assert!(notifies(&fx).contains(&("ops".into(), NotifyReason::Resolved)));
    assert_eq!(
        e.model().get(&inc).unwrap().status,
        IncidentStatus::Resolved
    );
}

#[test]
fn run_too_short_opens_on_a_quick_success_and_resolves_on_a_normal_one() {
    let mut e = engine();
    let mut job = payroll();
    job.min_runtime = Some(mins(5));
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    // 4 min 59 s: too short.
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", None, Some(0)),
        "e2",
        t("2026-04-20T07:04:59Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::RunTooShort)]);
    let inc = incident_id(&fx);
    // A failure that is quick is a failure, not "too short".
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e3",
        t("2026-04-21T07:00:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "failed", None, None),
        "e4",
        t("2026-04-21T07:01:00Z"),
    );
    assert_eq!(e.model().get(&inc).unwrap().status, IncidentStatus::Open);
    // Exactly 5 minutes is long enough.
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e5",
        t("2026-04-22T07:00:00Z"),
    );
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e6",
        t("2026-04-22T07:05:00Z"),
    );
    assert!(fx.iter().any(|f| f.kind() == "resolved"));
    assert_eq!(
        e.model().get(&inc).unwrap().status,
        IncidentStatus::Resolved
    );
}

#[test]
fn deadline_missed_at_the_local_time_and_resolved_by_a_late_success() {
    let mut e = engine();
    let mut job = payroll();
    job.deadline = Some(DailyDeadline::new("06:00", "America/Chicago").unwrap());
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    assert_eq!(
        job_state(&e, PAYROLL).deadlines[0].at,
        t("2026-04-20T11:00:00Z")
    );
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    // Still running at 06:00 local.
    assert!(e.tick(just_before(t("2026-04-20T11:00:00Z"))).is_empty());
    let fx = e.tick(t("2026-04-20T11:00:00Z"));
    assert_eq!(
        notifies(&fx),
        [("ops".into(), NotifyReason::DeadlineMissed)]
    );
    let inc = incident_id(&fx);
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e2",
        t("2026-04-20T11:20:00Z"),
    );
    assert!(fx.iter().any(|f| f.kind() == "resolved"));
    assert_eq!(
        e.model().get(&inc).unwrap().status,
        IncidentStatus::Resolved
    );
}

#[test]
fn a_success_before_the_deadline_meets_it() {
    let mut e = engine();
    let mut job = payroll();
    job.deadline = Some(DailyDeadline::new("06:00", "America/Chicago").unwrap());
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e2",
        t("2026-04-20T10:59:59Z"),
    );
    // Monday's deadline is met; Tuesday's is pending.
    let s = job_state(&e, PAYROLL);
    assert_eq!(s.deadlines.len(), 1);
    assert_eq!(s.deadlines[0].due, t("2026-04-21T07:00:00Z"));
    assert!(e.tick(t("2026-04-20T11:00:00Z")).is_empty());
}

#[test]
fn a_deadline_before_the_due_time_is_the_next_day() {
    let d = DailyDeadline::new("01:00", "Europe/London").unwrap();
    // Due 22:00 BST on 04-20 (21:00Z): deadline 01:00 BST on 04-21 (00:00Z).
    assert_eq!(
        d.after(t("2026-04-20T21:00:00Z")),
        Some(t("2026-04-21T00:00:00Z"))
    );
    assert_eq!(d.time(), "01:00");
    assert_eq!(d.time_zone(), "Europe/London");
}

// ----- maintenance windows ------------------------------------------------

fn sunday_window() -> MaintenanceWindow {
    // Sundays 01:00-05:00 Chicago time.
    MaintenanceWindow {
        id: "patching".into(),
        matchers: Matchers::default(),
        schedule: Schedule::single("0 1 * * SUN", "America/Chicago").unwrap(),
        duration: Duration::from_secs(4 * 3600),
        comment: None,
    }
}

#[test]
fn a_window_holds_new_pages_and_releases_what_is_still_open_at_its_end() {
    let mut e = engine();
    e.set_window(sunday_window()).unwrap();
    // 2026-04-19 is a Sunday: 01:00 CDT = 06:00Z to 10:00Z.
    let w = sunday_window();
    assert!(!w.is_active(just_before(t("2026-04-19T06:00:00Z"))));
    assert!(w.is_active(t("2026-04-19T06:00:00Z")));
    assert!(w.is_active(just_before(t("2026-04-19T10:00:00Z"))));
    assert!(!w.is_active(t("2026-04-19T10:00:00Z")));
    let fx = e.ingest(
        &failed(PAYROLL, t("2026-04-19T07:00:00Z")),
        "e1",
        t("2026-04-19T07:00:00Z"),
    );
    assert_eq!(suppressed(&fx), [("ops".into(), "maintenance".into())]);
    match fx.last().unwrap() {
        AlertEffect::Suppressed { window_id, .. } => {
            assert_eq!(window_id.as_deref(), Some("patching"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.next_wakeup(), Some(t("2026-04-19T10:00:00Z")));
    let fx = e.tick(t("2026-04-19T10:00:00Z"));
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::WindowEnded)]);
}

#[test]
fn a_window_never_holds_the_resolution_of_a_page_sent_before_it() {
    let mut e = engine();
    e.set_window(sunday_window()).unwrap();
    // Paged at 00:30 local, before the window.
    let fx = e.ingest(
        &failed(PAYROLL, t("2026-04-19T05:30:00Z")),
        "e1",
        t("2026-04-19T05:30:00Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::First)]);
    // Resolved at 02:00 local, inside the window: the all-clear goes out now.
    let fx = e.ingest(
        &succeeded(PAYROLL, t("2026-04-19T07:00:00Z")),
        "e2",
        t("2026-04-19T07:00:00Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::Resolved)]);
    // An incident opened and resolved inside the window is never paged.
    let fx = e.ingest(
        &failed(EXTRACT, t("2026-04-19T07:10:00Z")),
        "e3",
        t("2026-04-19T07:10:00Z"),
    );
    assert_eq!(suppressed(&fx), [("ops".into(), "maintenance".into())]);
    let fx = e.ingest(
        &succeeded(EXTRACT, t("2026-04-19T07:20:00Z")),
        "e4",
        t("2026-04-19T07:20:00Z"),
    );
    assert_eq!(suppressed(&fx), [("ops".into(), "maintenance".into())]);
    assert!(notifies(&e.tick(t("2026-04-19T10:00:00Z"))).is_empty());
}

#[test]
fn windows_refuse_overlapping_occurrences() {
    let mut w = sunday_window();
    w.schedule = Schedule::single("0 * * * *", "UTC").unwrap();
    assert_eq!(w.validate().unwrap_err().code(), "invalid_window");
    w.duration = Duration::from_secs(3600);
    assert!(w.validate().is_ok());
}

// ----- dependencies -------------------------------------------------------

fn extract_then_payroll(e: &mut AlertEngine, now: Timestamp) {
    let extract = Job::new(
        CONNECTOR,
        EXTRACT,
        Expectation::Schedule(Schedule::single("0 1 * * *", "America/Chicago").unwrap()),
        mins(15),
    );
    e.set_job(extract, now).unwrap();
    let mut job = payroll();
    job.depends_on.insert(erpops_core::alert::JobKey {
        connector_id: CONNECTOR,
        source: EXTRACT.into(),
    });
    e.set_job(job, now).unwrap();
}

#[test]
fn a_dependency_incident_inhibits_and_its_resolution_releases() {
    let mut e = engine();
    extract_then_payroll(&mut e, t("2026-04-19T12:00:00Z"));
    // The extract fails at 01:05 local (06:05Z).
    let fx = send(
        &mut e,
        signal(EXTRACT, "failed", None, None),
        "x1",
        t("2026-04-20T06:05:00Z"),
    );
    let upstream = incident_id(&fx);
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::First)]);
    // Payroll then misses its 02:00 run: opened, but inhibited.
    let fx = e.tick(t("2026-04-20T07:15:00Z"));
    assert_eq!(kinds(&fx), ["opened", "suppressed"]);
    match &fx[1] {
        AlertEffect::Suppressed {
            reason,
            inhibited_by,
            would_notify,
            ..
        } => {
            assert_eq!(serde_json::to_value(reason).unwrap(), "inhibited");
            assert_eq!(inhibited_by.as_deref(), Some(upstream.as_str()));
            assert_eq!(*would_notify, NotifyReason::MissedRun);
        }
        other => panic!("{other:?}"),
    }
    // The extract succeeds: payroll is still missing, so its page goes out.
    let fx = send(
        &mut e,
        signal(EXTRACT, "succeeded", None, None),
        "x2",
        t("2026-04-20T07:30:00Z"),
    );
    assert_eq!(
        notifies(&fx),
        [
            ("ops".into(), NotifyReason::Resolved),
            ("ops".into(), NotifyReason::InhibitionEnded)
        ]
    );
}

#[test]
fn an_inhibited_incident_that_resolved_meanwhile_is_not_paged() {
    let mut e = engine();
    extract_then_payroll(&mut e, t("2026-04-19T12:00:00Z"));
    send(
        &mut e,
        signal(EXTRACT, "failed", None, None),
        "x1",
        t("2026-04-20T06:05:00Z"),
    );
    e.tick(t("2026-04-20T07:15:00Z"));
    // Payroll reports late, resolving its missed run while still inhibited.
    let fx = send(
        &mut e,
        succeeded(PAYROLL, at(0)),
        "p1",
        t("2026-04-20T07:20:00Z"),
    );
    assert_eq!(suppressed(&fx), [("ops".into(), "inhibited".into())]);
    let fx = send(
        &mut e,
        signal(EXTRACT, "succeeded", None, None),
        "x2",
        t("2026-04-20T07:30:00Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::Resolved)]);
}

#[test]
fn inhibition_never_holds_the_resolution_of_a_page_sent_before_it() {
    let mut e = engine();
    extract_then_payroll(&mut e, t("2026-04-19T12:00:00Z"));
    // Payroll's own failure pages first.
    let fx = send(
        &mut e,
        failed(PAYROLL, at(0)),
        "p1",
        t("2026-04-20T05:00:00Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::First)]);
    send(
        &mut e,
        signal(EXTRACT, "failed", None, None),
        "x1",
        t("2026-04-20T06:05:00Z"),
    );
    // Its resolution while the extract is down still goes out.
    let fx = send(
        &mut e,
        succeeded(PAYROLL, at(0)),
        "p2",
        t("2026-04-20T06:10:00Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::Resolved)]);
}

#[test]
fn a_dependency_set_after_its_incident_opened_inhibits_at_once() {
    let mut e = engine();
    send(
        &mut e,
        failed(EXTRACT, at(0)),
        "x1",
        t("2026-04-20T06:05:00Z"),
    );
    extract_then_payroll(&mut e, t("2026-04-20T06:06:00Z"));
    let fx = send(
        &mut e,
        failed(PAYROLL, at(0)),
        "p1",
        t("2026-04-20T06:10:00Z"),
    );
    assert_eq!(suppressed(&fx), [("ops".into(), "inhibited".into())]);
}

// ----- errors -------------------------------------------------------------

#[test]
fn invalid_jobs_are_refused_with_a_code() {
    let mut e = engine();
    let now = at(0);
    let mut j = payroll();
    j.min_runtime = Some(mins(10));
    j.max_runtime = Some(mins(10));
    assert_eq!(
        e.set_job(j, now).unwrap_err().code(),
        "invalid_runtime_range"
    );
    let mut j = Job::new(CONNECTOR, PAYROLL, Expectation::Period(mins(60)), mins(1));
    j.deadline = Some(DailyDeadline::new("06:00", "UTC").unwrap());
    assert_eq!(
        e.set_job(j, now).unwrap_err().code(),
        "deadline_needs_schedule"
    );
    assert_eq!(
        DailyDeadline::new("6:00", "UTC").unwrap_err().code(),
        "invalid_deadline"
    );
    assert_eq!(
        DailyDeadline::new("24:00", "UTC").unwrap_err().code(),
        "invalid_deadline"
    );
    assert_eq!(
        DailyDeadline::new("06:00", "Mars/Olympus")
            .unwrap_err()
            .code(),
        "unknown_time_zone"
    );
    let mut j = payroll();
    j.grace = Duration::from_millis(1500);
    assert_eq!(e.set_job(j, now).unwrap_err().code(), "invalid_duration");
    // A job on its own source, and a cycle through another job.
    let mut j = payroll();
    j.depends_on.insert(j.key());
    assert_eq!(e.set_job(j, now).unwrap_err().code(), "dependency_cycle");
    extract_then_payroll(&mut e, now);
    let mut extract = e.job(CONNECTOR, EXTRACT).unwrap().job.clone();
    extract.depends_on.insert(payroll().key());
    assert_eq!(
        e.set_job(extract, now).unwrap_err().code(),
        "dependency_cycle"
    );
    // A heartbeat and a job on one source.
    e.set_heartbeat(
        Heartbeat {
            connector_id: CONNECTOR,
            source: "OTHER".into(),
            period: mins(60),
            grace: mins(1),
            severity: Severity::Error,
            paused: false,
        },
        now,
    )
    .unwrap();
    let j = Job::new(CONNECTOR, "OTHER", Expectation::Period(mins(60)), mins(1));
    assert_eq!(e.set_job(j, now).unwrap_err().code(), "watched_twice");
    assert_eq!(
        e.set_job_paused(CONNECTOR, "NOPE", true, now)
            .unwrap_err()
            .code(),
        "unknown_job"
    );
}

#[test]
fn a_paused_job_expects_nothing_and_resuming_counts_from_now() {
    let mut e = engine();
    e.set_job(payroll(), t("2026-04-19T12:00:00Z")).unwrap();
    e.set_job_paused(CONNECTOR, PAYROLL, true, t("2026-04-19T13:00:00Z"))
        .unwrap();
    assert_eq!(e.next_wakeup(), None);
    assert_eq!(job_state(&e, PAYROLL).status(), JobStatus::Paused);
    assert!(e.tick(t("2026-04-22T00:00:00Z")).is_empty());
    e.set_job_paused(CONNECTOR, PAYROLL, false, t("2026-04-22T00:00:00Z"))
        .unwrap();
    assert_eq!(job_state(&e, PAYROLL).due, Some(t("2026-04-22T07:00:00Z")));
}

#[test]
fn rules_can_subscribe_to_each_expectation_kind() {
    let mut e = AlertEngine::new(AlertConfig::with_defaults());
    e.set_rule(with_kinds(rule("late"), &[TransitionKind::RunTooLong]))
        .unwrap();
    let mut job = payroll();
    job.max_runtime = Some(mins(60));
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    // The missed run is not for this rule.
    assert!(notifies(&e.tick(t("2026-04-20T07:15:00Z"))).is_empty());
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:20:00Z"),
    );
    let fx = e.tick(t("2026-04-20T08:20:00Z"));
    assert_eq!(notifies(&fx), [("late".into(), NotifyReason::RunTooLong)]);
}

// ----- snapshot -----------------------------------------------------------

#[test]
fn snapshot_and_restore_keep_jobs_runs_windows_and_timers() {
    let mut a = engine();
    extract_then_payroll(&mut a, t("2026-04-19T12:00:00Z"));
    let mut job = a.job(CONNECTOR, PAYROLL).unwrap().job.clone();
    job.max_runtime = Some(mins(120));
    job.deadline = Some(DailyDeadline::new("06:00", "America/Chicago").unwrap());
    a.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    a.set_window(sunday_window()).unwrap();
    send(
        &mut a,
        signal(EXTRACT, "failed", None, None),
        "x1",
        t("2026-04-20T06:05:00Z"),
    );
    send(
        &mut a,
        signal(PAYROLL, "started", Some("r1"), None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    let snap = a.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: erpops_core::alert::AlertSnapshot = serde_json::from_str(&json).unwrap();
    let mut b = AlertEngine::restore(AlertConfig::with_defaults(), back).unwrap();
    assert_eq!(serde_json::to_string(&b.snapshot()).unwrap(), json);
    assert_eq!(a.next_wakeup(), b.next_wakeup());
    // Both behave alike afterwards: too long at 09:00Z (inhibited by the
    // extract), the deadline at 11:00Z, the extract's recovery releases.
    for now in ["2026-04-20T09:00:00Z", "2026-04-20T11:00:00Z"] {
        let fa = serde_json::to_string(&a.tick(t(now))).unwrap();
        let fb = serde_json::to_string(&b.tick(t(now))).unwrap();
        assert_eq!(fa, fb);
        assert!(fa.contains("inhibited"), "{fa}");
    }
    let fa = send(
        &mut a,
        signal(EXTRACT, "succeeded", None, None),
        "x2",
        t("2026-04-20T11:30:00Z"),
    );
    let fb = send(
        &mut b,
        signal(EXTRACT, "succeeded", None, None),
        "x2",
        t("2026-04-20T11:30:00Z"),
    );
    assert_eq!(
        serde_json::to_string(&fa).unwrap(),
        serde_json::to_string(&fb).unwrap()
    );
    assert_eq!(
        notifies(&fa)
            .iter()
            .filter(|n| n.1 == NotifyReason::InhibitionEnded)
            .count(),
        2
    );
}

#[test]
fn the_serialized_job_is_the_documented_form() {
    let mut job = payroll();
    job.max_runtime = Some(mins(120));
    job.deadline = Some(DailyDeadline::new("06:00", "america/chicago").unwrap());
    let json = serde_json::to_value(&job).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "connector_id": "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
            "source": PAYROLL,
            "expectation": {"schedule": [{"cron": "0 2 * * MON-FRI", "time_zone": "America/Chicago"}]},
            "grace": 900,
            "max_runtime": 7200,
            "deadline": {"time": "06:00", "time_zone": "America/Chicago"},
            "severity": "error",
            "paused": false
        })
    );
    let back: Job = serde_json::from_value(json).unwrap();
    assert_eq!(back, job);
    let bad = serde_json::json!({"connector_id": CONNECTOR, "source": "X",
        "expectation": {"period": 60}, "grace": 0, "deadline": {"time": "25:00", "time_zone": "UTC"}});
    assert!(serde_json::from_value::<Job>(bad).is_err());
}

#[test]
fn too_few_records_opens_on_a_thin_success_and_resolves_on_a_full_one() {
    let mut e = engine();
    let mut job = payroll();
    job.min_records = Some(1000);
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    send(
        &mut e,
        signal(PAYROLL, "started", None, None),
        "e1",
        t("2026-04-20T07:00:00Z"),
    );
    // 999 records: too few.
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", None, Some(999)),
        "e2",
        t("2026-04-20T07:20:00Z"),
    );
    assert_eq!(notifies(&fx), [("ops".into(), NotifyReason::TooFewRecords)]);
    let inc = incident_id(&fx);
    assert_eq!(
        e.model().get(&inc).unwrap().event_type,
        "job.too_few_records.missed"
    );
    // A success that does not say how many is not judged.
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "e3",
        t("2026-04-21T07:20:00Z"),
    );
    assert_eq!(e.model().get(&inc).unwrap().status, IncidentStatus::Open);
    // Exactly the minimum is enough.
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", None, Some(1000)),
        "e4",
        t("2026-04-22T07:20:00Z"),
    );
    assert!(fx.iter().any(|f| f.kind() == "resolved"));
    assert_eq!(
        e.model().get(&inc).unwrap().status,
        IncidentStatus::Resolved
    );
}

#[test]
fn runs_failing_opens_after_the_failure_threshold_and_resolves_after_the_recovery_threshold() {
    let mut e = AlertEngine::new(AlertConfig::with_defaults());
    e.set_rule(with_kinds(rule("streak"), &[TransitionKind::RunsFailing]))
        .unwrap();
    let mut job = payroll();
    job.failure_threshold = Some(3);
    job.recovery_threshold = Some(2);
    e.set_job(job, t("2026-04-19T12:00:00Z")).unwrap();
    let day = |d: u32| t(&format!("2026-04-{d:02}T07:30:00Z"));
    // Two failures: nothing from this rule.
    for d in [20, 21] {
        let fx = send(
            &mut e,
            signal(PAYROLL, "failed", None, None),
            &format!("f{d}"),
            day(d),
        );
        assert!(notifies(&fx).is_empty());
    }
    // The third in a row opens runs_failing.
    let fx = send(
        &mut e,
        signal(PAYROLL, "failed", None, None),
        "f22",
        day(22),
    );
    assert_eq!(
        notifies(&fx),
        [("streak".into(), NotifyReason::RunsFailing)]
    );
    let inc = e
        .job(CONNECTOR, PAYROLL)
        .unwrap()
        .incident(erpops_core::alert::ExpectationKind::RunsFailing)
        .unwrap()
        .to_owned();
    // One success is not enough to recover; a failure starts over.
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "s23",
        day(23),
    );
    assert_eq!(e.model().get(&inc).unwrap().status, IncidentStatus::Open);
    send(
        &mut e,
        signal(PAYROLL, "failed", None, None),
        "f24",
        day(24),
    );
    send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "s27",
        day(27),
    );
    assert_eq!(e.model().get(&inc).unwrap().status, IncidentStatus::Open);
    let fx = send(
        &mut e,
        signal(PAYROLL, "succeeded", None, None),
        "s28",
        day(28),
    );
    assert!(fx.iter().any(|f| f.kind() == "resolved"));
    assert_eq!(e.job(CONNECTOR, PAYROLL).unwrap().successes_in_a_row, 2);
}

#[test]
fn thresholds_are_checked() {
    let mut e = engine();
    let mut j = payroll();
    j.failure_threshold = Some(0);
    assert_eq!(e.set_job(j, at(0)).unwrap_err().code(), "invalid_threshold");
    let mut j = payroll();
    j.recovery_threshold = Some(2);
    assert_eq!(e.set_job(j, at(0)).unwrap_err().code(), "invalid_threshold");
}

#[test]
fn a_refused_record_names_the_core_error_of_its_schedule_or_deadline() {
    use erpops_core::alert::job::record_error;
    let job = |expectation: serde_json::Value, deadline: serde_json::Value| {
        serde_json::json!({"connector_id": CONNECTOR, "source": "P", "grace": 0,
                           "expectation": expectation, "deadline": deadline})
    };
    let zone = job(
        serde_json::json!({"schedule": [{"cron": "0 2 * * *", "time_zone": "Mars/Base"}]}),
        serde_json::Value::Null,
    );
    assert!(serde_json::from_value::<Job>(zone.clone()).is_err());
    assert_eq!(record_error(&zone).unwrap().code(), "unknown_time_zone");
    let cron = job(
        serde_json::json!({"schedule": [{"cron": "0 25 * * *", "time_zone": "UTC"}]}),
        serde_json::Value::Null,
    );
    assert_eq!(record_error(&cron).unwrap().code(), "invalid_cron");
    let deadline = job(
        serde_json::json!({"schedule": [{"cron": "0 2 * * *", "time_zone": "UTC"}]}),
        serde_json::json!({"time": "6am", "time_zone": "UTC"}),
    );
    assert_eq!(record_error(&deadline).unwrap().code(), "invalid_deadline");
    // A window's schedule too; a problem elsewhere is not the core's to name.
    let window = serde_json::json!({"id": "w", "duration": 60,
        "schedule": [{"cron": "0 0 30 2 *", "time_zone": "UTC"}]});
    assert_eq!(record_error(&window).unwrap().code(), "cron_never_fires");
    let fine = job(
        serde_json::json!({"schedule": [{"cron": "0 2 * * *", "time_zone": "UTC"}]}),
        serde_json::Value::Null,
    );
    assert!(record_error(&fine).is_none());
}
