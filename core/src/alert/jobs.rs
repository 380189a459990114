//! Job operations of the engine: setting, pausing and removing jobs and
//! maintenance windows, run signals, the jobs' timers, and inhibition by
//! dependencies. The types are in [`super::job`] and [`super::window`].

use std::collections::{BTreeMap, BTreeSet};

use super::effect::{AlertEffect, NotifyReason};
use super::engine::AlertEngine;
use super::error::AlertError;
use super::job::{
    count_value, job_event_id, millis, problem_event, recovery_event, time_value, ExpectationKind,
    Job, JobKey, JobState, OpenRun, PendingDeadline, RunOutcome, RunPhase, RunRecord, RunSignal,
    MAX_OPEN_RUNS, MAX_PENDING_DEADLINES, RECENT_RUNS,
};
use super::rule::TransitionKind;
use super::state::{HeldBy, Timer};
use super::window::MaintenanceWindow;
use crate::event::{Event, MetadataValue};
use crate::incident::{CorrelationKey, Incident};
use crate::schedule::Expectation;
use crate::time::Timestamp;

impl ExpectationKind {
    /// The transition kind an incident of this expectation opens with.
    pub(super) fn transition(self) -> TransitionKind {
        match self {
            ExpectationKind::MissedRun => TransitionKind::MissedRun,
            ExpectationKind::MissedStart => TransitionKind::MissedStart,
            ExpectationKind::RunTooLong => TransitionKind::RunTooLong,
            ExpectationKind::RunTooShort => TransitionKind::RunTooShort,
            ExpectationKind::DeadlineMissed => TransitionKind::DeadlineMissed,
            ExpectationKind::TooFewRecords => TransitionKind::TooFewRecords,
            ExpectationKind::RunsFailing => TransitionKind::RunsFailing,
        }
    }
}

impl AlertEngine {
    // ----- jobs ------------------------------------------------------------

    /// Sets the job for (connector, source), or changes it.
    ///
    /// A new job starts counting at `now`: its first due time is the
    /// schedule's first fire time after `now` (or `now + period`). A changed
    /// job keeps its runs, its open incidents and its last sign of life; a
    /// changed expectation, grace or deadline re-arms from `now`. Refused
    /// when a heartbeat watches the same source (`watched_twice`) or the
    /// dependencies would form a cycle (`dependency_cycle`).
    pub fn set_job(&mut self, job: Job, now: Timestamp) -> Result<(), AlertError> {
        job.validate()?;
        let key = job.key();
        if self.heartbeats.contains_key(&key) {
            return Err(AlertError::WatchedTwice);
        }
        self.check_no_cycle(&key, &job.depends_on)?;
        let is_new = !self.jobs.contains_key(&key);
        let state = self
            .jobs
            .entry(key.clone())
            .or_insert_with(|| JobState::new(job.clone(), now));
        let resumed = state.job.paused && !job.paused;
        let rearm = is_new
            || resumed
            || state.job.paused != job.paused
            || state.job.expectation != job.expectation
            || state.job.grace != job.grace
            || state.job.deadline != job.deadline;
        let runtime_changed = state.job.max_runtime != job.max_runtime;
        if resumed {
            state.since = state.since.max(now);
        }
        state.job = job;
        if rearm {
            state.deadlines.clear();
            self.timers.cancel(&Timer::JobDeadline(key.clone()));
            self.arm_due(&key, now);
        }
        if runtime_changed {
            self.rearm_runs(&key);
        }
        self.refresh_tracked();
        self.changes.job(&key);
        Ok(())
    }

    /// Pauses (nothing expected, deadlines dropped) or resumes a job.
    /// Resuming counts from `now`, so time spent paused is never missed.
    pub fn set_job_paused(
        &mut self,
        connector_id: uuid::Uuid,
        source: &str,
        paused: bool,
        now: Timestamp,
    ) -> Result<(), AlertError> {
        let key = JobKey {
            connector_id,
            source: source.to_owned(),
        };
        let mut job = self
            .jobs
            .get(&key)
            .map(|s| s.job.clone())
            .ok_or(AlertError::UnknownJob)?;
        job.paused = paused;
        self.set_job(job, now)
    }

    /// Removes a job; its runs in progress are dropped and its open
    /// incidents stay in the model (resolve them by command).
    pub fn remove_job(&mut self, connector_id: uuid::Uuid, source: &str) -> Option<Job> {
        let key = JobKey {
            connector_id,
            source: source.to_owned(),
        };
        let state = self.jobs.remove(&key)?;
        self.timers.cancel(&Timer::JobDue(key.clone()));
        self.timers.cancel(&Timer::JobDeadline(key.clone()));
        for run in &state.open_runs {
            self.timers.cancel(&Timer::JobRun(key.clone(), run.seq));
        }
        self.refresh_tracked();
        self.changes.job(&key);
        Some(state.job)
    }

    /// The jobs and their state, in (connector, source) order.
    pub fn jobs(&self) -> impl Iterator<Item = &JobState> {
        self.jobs.values()
    }

    /// One job's state.
    pub fn job(&self, connector_id: uuid::Uuid, source: &str) -> Option<&JobState> {
        self.jobs.get(&JobKey {
            connector_id,
            source: source.to_owned(),
        })
    }

    /// Refuses dependencies that lead back to `key` through the jobs set.
    fn check_no_cycle(&self, key: &JobKey, deps: &BTreeSet<JobKey>) -> Result<(), AlertError> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&JobKey> = deps.iter().collect();
        while let Some(next) = todo.pop() {
            if next == key {
                return Err(AlertError::DependencyCycle);
            }
            if seen.insert(next) {
                if let Some(state) = self.jobs.get(next) {
                    todo.extend(state.job.depends_on.iter());
                }
            }
        }
        Ok(())
    }

    // ----- maintenance windows ----------------------------------------------

    /// Adds a maintenance window, or replaces the one with the same id.
    pub fn set_window(&mut self, window: MaintenanceWindow) -> Result<(), AlertError> {
        window.validate()?;
        self.windows.insert(window.id.clone(), window);
        self.changes.global = true;
        Ok(())
    }

    /// Removes a window at `now`: what it held is released as when an
    /// occurrence ends. Unknown ids produce no effects.
    pub fn remove_window(&mut self, window_id: &str, now: Timestamp) -> Vec<AlertEffect> {
        let mut out = Vec::new();
        if self.windows.remove(window_id).is_some() {
            self.changes.global = true;
            self.timers.cancel(&Timer::WindowEnd(window_id.to_owned()));
            self.release_window(window_id, now, &mut out);
        }
        out
    }

    /// The maintenance windows, in id order.
    pub fn windows(&self) -> impl Iterator<Item = &MaintenanceWindow> {
        self.windows.values()
    }

    fn release_window(&mut self, window_id: &str, now: Timestamp, out: &mut Vec<AlertEffect>) {
        let held: Vec<_> = self
            .held
            .iter()
            .filter(|(_, by)| matches!(by, HeldBy::Window { window_id: w, .. } if w == window_id))
            .map(|(k, _)| k.clone())
            .collect();
        self.release(held, NotifyReason::WindowEnded, now, out);
    }

    /// Releases what the window's occurrences that ended by `now` held.
    pub(super) fn release_window_until(
        &mut self,
        window_id: &str,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let held: Vec<_> = self
            .held
            .iter()
            .filter(|(_, by)| {
                matches!(by, HeldBy::Window { window_id: w, until } if w == window_id && *until <= now)
            })
            .map(|(k, _)| k.clone())
            .collect();
        self.release(held, NotifyReason::WindowEnded, now, out);
    }

    // ----- arming ------------------------------------------------------------

    /// Sets the next due time of a job after the instant `after` (none
    /// while paused), its miss timer and, for schedules with a deadline,
    /// the due time's pending deadline.
    fn arm_due(&mut self, key: &JobKey, after: Timestamp) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        let timer = Timer::JobDue(key.clone());
        if state.job.paused {
            state.due = None;
            state.miss_at = None;
            state.deadlines.clear();
            self.timers.cancel(&timer);
            self.timers.cancel(&Timer::JobDeadline(key.clone()));
            return;
        }
        let due = state.job.next_due(after);
        state.due = due;
        state.miss_at = due.map(|d| d.saturating_add(state.job.grace));
        match state.miss_at {
            Some(at) => self.timers.schedule(timer, at),
            None => self.timers.cancel(&timer),
        }
        if let (Some(due), Some(deadline)) = (due, &state.job.deadline) {
            if let Some(at) = deadline.after(due) {
                let pending = PendingDeadline { due, at };
                if !state.deadlines.contains(&pending) {
                    state.deadlines.push(pending);
                    state.deadlines.sort();
                }
                // Bounded: the oldest waiting deadline goes first (its
                // timer would have fired long ago unless ticks stopped).
                while state.deadlines.len() > MAX_PENDING_DEADLINES {
                    state.deadlines.remove(0);
                }
            }
        }
        match state.deadlines.first() {
            Some(d) => self.timers.schedule(Timer::JobDeadline(key.clone()), d.at),
            None => self.timers.cancel(&Timer::JobDeadline(key.clone())),
        }
    }

    /// Re-arms the runtime timers of a job's runs in progress after its
    /// `max_runtime` changed.
    fn rearm_runs(&mut self, key: &JobKey) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        let max = state.job.max_runtime;
        for run in &mut state.open_runs {
            let timer = Timer::JobRun(key.clone(), run.seq);
            run.too_long_at = match max {
                Some(m) if !run.too_long => Some(run.started_at.saturating_add(m)),
                _ => None,
            };
            match run.too_long_at {
                Some(at) => self.timers.schedule(timer, at),
                None => self.timers.cancel(&timer),
            }
        }
    }

    // ----- run signals -------------------------------------------------------

    /// An event from a job's source at `now`: a sign of life, maybe an
    /// answer to the due time, maybe the start or end of a run.
    pub(super) fn job_signal(
        &mut self,
        key: &JobKey,
        event: &Event,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let signal = RunSignal::of(event);
        // A success after a deadline that a late tick has not counted yet
        // is late: count the deadline first, so the success resolves it.
        if signal.phase == Some(RunPhase::Succeeded) {
            self.deadlines_due(key, now, out);
        }
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        self.changes.job(key);
        state.last_seen = Some(state.last_seen.map_or(now, |t| t.max(now)));
        if signal.phase == Some(RunPhase::Started) {
            state.sends_starts = true;
        }
        let answers = !state.sends_starts || signal.phase == Some(RunPhase::Started);
        if answers && !state.job.paused {
            let answered = match (&state.job.expectation, state.due) {
                (Expectation::Period(_), _) => Some(now),
                (Expectation::Schedule(_), Some(due))
                    if now >= due.saturating_sub(state.job.grace) =>
                {
                    Some(due.max(now))
                }
                _ => None,
            };
            // A report after a miss ends the run of misses, even when it
            // is too late to answer the next due time.
            state.missed_count = 0;
            if let Some(after) = answered {
                self.arm_due(key, after);
            }
            self.job_recover(key, ExpectationKind::MissedStart, now, out);
        }
        match signal.phase {
            Some(RunPhase::Started) => self.run_started(key, signal, now),
            Some(phase @ (RunPhase::Succeeded | RunPhase::Failed)) => {
                self.run_ended(key, phase, signal, now, out)
            }
            None => {}
        }
    }

    fn run_started(&mut self, key: &JobKey, signal: RunSignal, now: Timestamp) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        let seq = state.next_seq;
        state.next_seq = state.next_seq.saturating_add(1);
        // A second start with the same run id restarts that run.
        if let Some(id) = &signal.run_id {
            if let Some(at) = state
                .open_runs
                .iter()
                .position(|r| r.run_id.as_ref() == Some(id))
            {
                let old = state.open_runs.remove(at);
                self.timers.cancel(&Timer::JobRun(key.clone(), old.seq));
            }
        }
        let too_long_at = state.job.max_runtime.map(|m| now.saturating_add(m));
        state.open_runs.push(OpenRun {
            seq,
            run_id: signal.run_id,
            started_at: now,
            too_long_at,
            too_long: false,
        });
        if let Some(at) = too_long_at {
            self.timers.schedule(Timer::JobRun(key.clone(), seq), at);
        }
        if state.open_runs.len() > MAX_OPEN_RUNS {
            let oldest = state.open_runs.remove(0);
            self.timers.cancel(&Timer::JobRun(key.clone(), oldest.seq));
            push_run(
                state,
                RunRecord {
                    run_id: oldest.run_id,
                    started_at: Some(oldest.started_at),
                    ended_at: now,
                    duration_ms: None,
                    outcome: RunOutcome::Abandoned,
                    records_processed: None,
                },
            );
        }
    }

    fn run_ended(
        &mut self,
        key: &JobKey,
        phase: RunPhase,
        signal: RunSignal,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        // Pair by run id; without one, with the oldest run without one.
        let at = state
            .open_runs
            .iter()
            .position(|r| r.run_id == signal.run_id);
        let run = at.map(|i| state.open_runs.remove(i));
        if let Some(run) = &run {
            self.timers.cancel(&Timer::JobRun(key.clone(), run.seq));
        }
        let started_at = run.as_ref().map(|r| r.started_at);
        let duration = started_at.and_then(|s| now.duration_since(s));
        let outcome = match phase {
            RunPhase::Failed => RunOutcome::Failed,
            _ => RunOutcome::Succeeded,
        };
        push_run(
            state,
            RunRecord {
                run_id: signal.run_id.clone(),
                started_at,
                ended_at: now,
                duration_ms: duration.map(millis),
                outcome,
                records_processed: signal.records,
            },
        );
        if outcome == RunOutcome::Failed {
            state.failures_in_a_row = state.failures_in_a_row.saturating_add(1);
            state.successes_in_a_row = 0;
        } else {
            state.successes_in_a_row = state.successes_in_a_row.saturating_add(1);
            state.failures_in_a_row = 0;
        }
        let (failures, successes) = (state.failures_in_a_row, state.successes_in_a_row);
        let failure_threshold = state.job.failure_threshold;
        let recovery_threshold = state.job.recovery_threshold.unwrap_or(1);
        let min_records = state.job.min_records;
        let still_too_long = state.open_runs.iter().any(|r| r.too_long);
        let min_runtime = state.job.min_runtime;
        if run.as_ref().is_some_and(|r| r.too_long) && !still_too_long {
            self.job_recover(key, ExpectationKind::RunTooLong, now, out);
        }
        if outcome != RunOutcome::Succeeded {
            if failure_threshold.is_some_and(|n| failures >= n) {
                let message = format!("{}: {failures} runs in a row failed", key.source);
                let details = vec![("failures_in_a_row", count_value(u64::from(failures)))];
                self.job_problem(
                    key,
                    ExpectationKind::RunsFailing,
                    now,
                    now,
                    message,
                    details,
                    out,
                );
            }
            return;
        }
        if successes >= recovery_threshold {
            self.job_recover(key, ExpectationKind::RunsFailing, now, out);
        }
        if let (Some(min), Some(records)) = (min_records, signal.records) {
            let broken = (records < min).then(|| {
                (
                    format!(
                        "{}: a run succeeded having processed {records} records, under the \
                         minimum of {min}",
                        key.source
                    ),
                    vec![
                        ("records_processed", count_value(records)),
                        ("min_records", count_value(min)),
                    ],
                )
            });
            let run_id = signal.run_id.as_deref();
            self.judge(
                key,
                ExpectationKind::TooFewRecords,
                broken,
                run_id,
                now,
                out,
            );
        }
        if let (Some(min), Some(d)) = (min_runtime, duration) {
            let broken = (d < min).then(|| {
                (
                    format!(
                        "{}: a run succeeded after {} ms, under the minimum of {} s",
                        key.source,
                        millis(d),
                        min.as_secs()
                    ),
                    vec![
                        ("duration_ms", count_value(millis(d))),
                        ("min_runtime", count_value(min.as_secs())),
                    ],
                )
            });
            let run_id = signal.run_id.as_deref();
            self.judge(key, ExpectationKind::RunTooShort, broken, run_id, now, out);
        }
        // The deadlines this run meets: those of due times it started for
        // (or after), allowing the grace for an early start.
        if let Some(state) = self.jobs.get_mut(key) {
            let from = started_at.unwrap_or(now);
            let grace = state.job.grace;
            state
                .deadlines
                .retain(|d| from < d.due.saturating_sub(grace) || now > d.at);
            match state.deadlines.first() {
                Some(d) => self.timers.schedule(Timer::JobDeadline(key.clone()), d.at),
                None => self.timers.cancel(&Timer::JobDeadline(key.clone())),
            }
        }
        self.job_recover(key, ExpectationKind::DeadlineMissed, now, out);
    }

    // ----- timers -------------------------------------------------------------

    /// A job's miss timer at `at` (`due + grace`) ran at `now`.
    pub(super) fn job_due(
        &mut self,
        key: &JobKey,
        at: Timestamp,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        if state.job.paused || state.miss_at != Some(at) {
            return;
        }
        self.changes.job(key);
        state.missed_count = state.missed_count.saturating_add(1);
        let kind = if state.sends_starts {
            ExpectationKind::MissedStart
        } else {
            ExpectationKind::MissedRun
        };
        let due = state.due.unwrap_or(at);
        let last = state.last_seen.unwrap_or(state.since);
        let what = if state.sends_starts {
            "no start"
        } else {
            "no event"
        };
        let message = format!(
            "{what} from {} for the run due at {} (grace {} s; last heard {})",
            key.source,
            due.to_rfc3339(),
            state.job.grace.as_secs(),
            last.to_rfc3339()
        );
        let details = vec![
            ("due_at", time_value(due)),
            ("last_seen", time_value(last)),
            ("missed_count", count_value(state.missed_count)),
        ];
        // The next due time whose grace has not passed at `now`, so a tick
        // that comes late counts one miss, not a burst.
        let grace = state.job.grace;
        let after = match &state.job.expectation {
            Expectation::Period(p) => {
                let period = p.as_nanos().max(1);
                let late = now.duration_since(at).map_or(0, |d| d.as_nanos());
                let steps = late / period;
                let ahead = u64::try_from(steps.saturating_mul(period)).unwrap_or(u64::MAX);
                due.saturating_add(std::time::Duration::from_nanos(ahead))
            }
            Expectation::Schedule(_) => due.max(now.saturating_sub(grace)),
        };
        self.arm_due(key, after);
        self.job_problem(key, kind, at, now, message, details, out);
    }

    /// A run's runtime timer at `at` ran.
    pub(super) fn job_run_due(
        &mut self,
        key: &JobKey,
        seq: u64,
        at: Timestamp,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        let Some(run) = state
            .open_runs
            .iter_mut()
            .find(|r| r.seq == seq && r.too_long_at == Some(at))
        else {
            return;
        };
        run.too_long = true;
        run.too_long_at = None;
        self.changes.job(key);
        let started = run.started_at;
        let run_id = run.run_id.clone();
        let max = state.job.max_runtime.unwrap_or_default();
        let message = format!(
            "{}: a run started at {} is still going after {} s",
            key.source,
            started.to_rfc3339(),
            max.as_secs()
        );
        let mut details = vec![
            ("started_at", time_value(started)),
            ("max_runtime", count_value(max.as_secs())),
        ];
        if let Some(id) = run_id {
            details.push(("job_run_id", MetadataValue::String(id)));
        }
        self.job_problem(
            key,
            ExpectationKind::RunTooLong,
            at,
            now,
            message,
            details,
            out,
        );
    }

    /// A job's deadline timer ran: every pending deadline at or before
    /// `now` is missed.
    pub(super) fn deadlines_due(
        &mut self,
        key: &JobKey,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        let missed: Vec<PendingDeadline> = state
            .deadlines
            .iter()
            .copied()
            .filter(|d| d.at <= now)
            .collect();
        if missed.is_empty() {
            return;
        }
        state.deadlines.retain(|d| d.at > now);
        self.changes.job(key);
        match state.deadlines.first() {
            Some(d) => self.timers.schedule(Timer::JobDeadline(key.clone()), d.at),
            None => self.timers.cancel(&Timer::JobDeadline(key.clone())),
        }
        let deadline = state.job.deadline.clone();
        for d in missed {
            let (time, zone) = deadline
                .as_ref()
                .map(|x| (x.time(), x.time_zone().to_owned()))
                .unwrap_or_default();
            let message = format!(
                "{}: the run due at {} had not succeeded by {time} {zone}",
                key.source,
                d.due.to_rfc3339()
            );
            let details = vec![
                ("due_at", time_value(d.due)),
                ("deadline", time_value(d.at)),
            ];
            self.job_problem(
                key,
                ExpectationKind::DeadlineMissed,
                d.at,
                now,
                message,
                details,
                out,
            );
        }
    }

    // ----- incidents of expectations -------------------------------------------

    /// A finished run's verdict on one expectation: `broken` (its message
    /// and details) opens or updates the incident of `kind`, naming the
    /// run; `None` resolves it.
    fn judge(
        &mut self,
        key: &JobKey,
        kind: ExpectationKind,
        broken: Option<(String, Vec<(&'static str, MetadataValue)>)>,
        run_id: Option<&str>,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        match broken {
            Some((message, mut details)) => {
                if let Some(id) = run_id {
                    details.push(("job_run_id", MetadataValue::String(id.to_owned())));
                }
                self.job_problem(key, kind, now, now, message, details, out);
            }
            None => self.job_recover(key, kind, now, out),
        }
    }

    /// Feeds the synthetic problem of `kind` (at `at`) through the model and
    /// remembers the incident.
    #[allow(clippy::too_many_arguments)]
    fn job_problem(
        &mut self,
        key: &JobKey,
        kind: ExpectationKind,
        at: Timestamp,
        now: Timestamp,
        message: String,
        details: Vec<(&'static str, MetadataValue)>,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.jobs.get(key) else {
            return;
        };
        let event = problem_event(&state.job, kind, at, message, details);
        let event_id = job_event_id("problem", key, kind, at);
        let effects = self.model.ingest(&event, &event_id, now);
        if let Some(first) = effects.first() {
            let id = first.incident().id.clone();
            if let Some(state) = self.jobs.get_mut(key) {
                state.set_incident(kind, id);
            }
        }
        self.process(effects, Some(kind.transition()), now, out);
    }

    /// Resolves the open incident of `kind` (missed run and missed start
    /// share one) with a synthetic recovery at `now`.
    fn job_recover(
        &mut self,
        key: &JobKey,
        kind: ExpectationKind,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let Some(state) = self.jobs.get_mut(key) else {
            return;
        };
        let Some(open) = state.take_incident(kind) else {
            return;
        };
        self.changes.job(key);
        let job = state.job.clone();
        let Some(inc) = self.model.get(&open.incident_id).filter(|i| i.is_active()) else {
            return;
        };
        // Not older than the problem, so the model resolves it even if the
        // caller's clock stepped back.
        let at = now.max(inc.last_problem_at);
        let event = recovery_event(&job, open.kind, at);
        let event_id = job_event_id("ok", key, open.kind, at);
        let effects = self.model.ingest(&event, &event_id, now);
        self.process(effects, None, now, out);
    }

    // ----- dependencies -----------------------------------------------------------

    /// The dependency incident that holds `incident`'s notifications: an
    /// active incident of a job its job depends on (the first in order).
    pub(super) fn inhibitor(&self, incident: &Incident) -> Option<(String, JobKey)> {
        // No job has dependencies: nothing to look up (the hot path).
        if self.job_active.is_empty() {
            return None;
        }
        let source = incident.key.source.as_ref()?;
        let key = JobKey {
            connector_id: incident.connector_id,
            source: source.clone(),
        };
        let job = self.jobs.get(&key)?;
        job.job.depends_on.iter().find_map(|dep| {
            self.job_active
                .get(dep)
                .and_then(|m| m.values().next())
                .map(|id| (id.clone(), dep.clone()))
        })
    }

    /// Keeps the active incidents of a watched (connector, source) up to
    /// date after a fact about `incident`; returns the dependency key when
    /// its last active incident just ended.
    pub(super) fn track_activity(&mut self, incident: &Incident) -> Option<JobKey> {
        let source = incident.key.source.as_ref()?;
        let key = JobKey {
            connector_id: incident.connector_id,
            source: source.clone(),
        };
        let active = self.job_active.get_mut(&key)?;
        let was = !active.is_empty();
        if incident.is_active() {
            active.insert(incident.key.clone(), incident.id.clone());
        } else {
            active.remove(&incident.key);
        }
        (was && active.is_empty()).then_some(key)
    }

    /// Releases what a dependency's incidents held, now that it has none.
    pub(super) fn release_inhibited(
        &mut self,
        dependency: &JobKey,
        now: Timestamp,
        out: &mut Vec<AlertEffect>,
    ) {
        let held: Vec<_> = self
            .held
            .iter()
            .filter(|(_, by)| {
                matches!(by, HeldBy::Inhibited { connector_id, source, .. }
                    if *connector_id == dependency.connector_id && *source == dependency.source)
            })
            .map(|(k, _)| k.clone())
            .collect();
        self.release(held, NotifyReason::InhibitionEnded, now, out);
    }

    /// Recomputes which (connector, source) pairs are dependencies of some
    /// job, and their active incidents from the model for pairs that are
    /// new (an O(incidents) scan on a configuration change or restore).
    pub(super) fn refresh_tracked(&mut self) {
        let wanted: BTreeSet<JobKey> = self
            .jobs
            .values()
            .flat_map(|s| s.job.depends_on.iter().cloned())
            .collect();
        self.job_active.retain(|k, _| wanted.contains(k));
        let new: Vec<JobKey> = wanted
            .into_iter()
            .filter(|k| !self.job_active.contains_key(k))
            .collect();
        if new.is_empty() {
            return;
        }
        for k in &new {
            self.job_active.insert(k.clone(), BTreeMap::new());
        }
        let found: Vec<(JobKey, CorrelationKey, String)> = self
            .model
            .incidents()
            .filter(|i| i.is_active())
            .filter_map(|i| {
                let source = i.key.source.as_ref()?;
                let k = JobKey {
                    connector_id: i.connector_id,
                    source: source.clone(),
                };
                new.contains(&k).then(|| (k, i.key.clone(), i.id.clone()))
            })
            .collect();
        for (k, ck, id) in found {
            if let Some(m) = self.job_active.get_mut(&k) {
                m.insert(ck, id);
            }
        }
    }

    /// After one key's incident row was replaced from storage: its place
    /// among the active incidents of a dependency.
    pub(super) fn refresh_key_activity(&mut self, key: &CorrelationKey) {
        let Some(source) = key.source.as_ref() else {
            return;
        };
        let jk = JobKey {
            connector_id: key.connector_id,
            source: source.clone(),
        };
        let current = self
            .model
            .incident_for_key(key)
            .filter(|i| i.is_active())
            .map(|i| i.id.clone());
        if let Some(m) = self.job_active.get_mut(&jk) {
            match current {
                Some(id) => m.insert(key.clone(), id),
                None => m.remove(key),
            };
        }
    }
}

/// Appends a finished run, keeping the last [`RECENT_RUNS`].
fn push_run(state: &mut JobState, record: RunRecord) {
    state.runs.push_back(record);
    while state.runs.len() > RECENT_RUNS {
        state.runs.pop_front();
    }
}
