//! Jobs: batch runs as first-class (issue #23).
//!
//! A [`Job`] watches one (connector, source) like a heartbeat, but knows
//! more about it: *when* it is due (a period after the last sign of life,
//! or a cron [`Schedule`] in a time zone), how long a run may take, by
//! which local time of day it must have finished, and which jobs it
//! depends on. Runs are ordinary events: an `event_type` whose last token
//! is `started`, `succeeded` or `failed`, paired by `metadata.run_id` (or
//! in order, without one). What the engine tracks per job is
//! [`JobState`]: the next due time, the runs in progress and the recent
//! runs with their durations.
//!
//! Each broken expectation opens an incident of its own kind through the
//! incident model, from a synthetic event like a heartbeat's missed run
//! ([`ExpectationKind`]), and a later fact resolves it: a start resolves a
//! missed start, the end of a run a run that took too long, a run of
//! normal length one that was too short, a success a missed deadline.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{check_duration, check_name, AlertError};
use super::heartbeat::HeartbeatKey;
use crate::event::{Event, Metadata, MetadataValue, Severity};
use crate::schedule::{CronEntry, Expectation, Schedule, ScheduleError};
use crate::time::Timestamp;

/// Which source a job watches: (connector, source), as for heartbeats.
pub type JobKey = HeartbeatKey;

impl JobKey {
    /// The job's stable public id: `job_` + 32 hex digits of SHA-256 over
    /// the connector (hyphenated) and the source, each length-prefixed.
    /// The same on every receiver and across restarts, so the REST API can
    /// name a job (`GET /v1/jobs/{id}/runs`) without storing an id.
    ///
    /// ```
    /// use erpops_core::alert::JobKey;
    /// let key = JobKey { connector_id: uuid::Uuid::nil(), source: "PAYROLL".into() };
    /// let id = key.job_id();
    /// assert!(id.starts_with("job_") && id.len() == 36);
    /// assert_eq!(id, key.clone().job_id());
    /// ```
    pub fn job_id(&self) -> String {
        let mut h = Sha256::new();
        let connector = self.connector_id.hyphenated().to_string();
        for part in [
            b"job".as_slice(),
            connector.as_bytes(),
            self.source.as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        let digest = h.finalize();
        format!("job_{}", hex::encode(digest.get(..16).unwrap_or_default()))
    }
}

/// Runs kept per job, newest last; older ones are dropped.
pub const RECENT_RUNS: usize = 20;
/// Runs in progress kept per job; a start beyond it ends the oldest one as
/// [`RunOutcome::Abandoned`].
pub const MAX_OPEN_RUNS: usize = 64;
/// Most jobs one job may depend on.
pub const MAX_DEPENDENCIES: usize = 16;
/// Deadlines of past due times still waiting for a success, per job.
pub const MAX_PENDING_DEADLINES: usize = 8;

pub use crate::event::validate::{RECORDS_PROCESSED_KEY, RUN_ID_KEY};

/// What a run signal says, from the last token of its `event_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunPhase {
    /// `*.started`: a run began.
    Started,
    /// `*.succeeded`: a run ended well.
    Succeeded,
    /// `*.failed`: a run ended badly.
    Failed,
}

impl RunPhase {
    /// The phase of `event`, or `None` when it is not a run signal.
    pub fn of(event: &Event) -> Option<RunPhase> {
        match event.outcome() {
            "started" => Some(RunPhase::Started),
            "succeeded" => Some(RunPhase::Succeeded),
            "failed" => Some(RunPhase::Failed),
            _ => None,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// A `*.succeeded` signal ended it.
    Succeeded,
    /// A `*.failed` signal ended it.
    Failed,
    /// It never ended: more than [`MAX_OPEN_RUNS`] runs were in progress
    /// and it was the oldest, or its job was removed.
    Abandoned,
}

/// The local time of day by which a due run must have succeeded.
///
/// For a due time `f`, the deadline is the first instant after `f` at which
/// the wall clock of `time_zone` reads `time` (the same day for a 02:00 job
/// due by 06:00, the next day for a 22:00 job due by 06:00), by the
/// daylight-saving rule of [`crate::schedule`]. (De)serialized as
/// `{"time": "06:00", "time_zone": "America/Chicago"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyDeadline {
    hour: u8,
    minute: u8,
    rule: Schedule,
}

impl DailyDeadline {
    /// A deadline at `time` (`HH:MM`, 24-hour) in an IANA zone.
    pub fn new(time: &str, time_zone: &str) -> Result<Self, AlertError> {
        let invalid = || AlertError::InvalidDeadline {
            time: time.chars().take(32).collect(),
        };
        let (h, m) = time.split_once(':').ok_or_else(invalid)?;
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return Err(invalid());
        }
        let hour: u8 = h.parse().map_err(|_| invalid())?;
        let minute: u8 = m.parse().map_err(|_| invalid())?;
        if hour > 23 || minute > 59 {
            return Err(invalid());
        }
        let rule = Schedule::single(&format!("{minute} {hour} * * *"), time_zone)
            .map_err(AlertError::Schedule)?;
        Ok(DailyDeadline { hour, minute, rule })
    }

    /// `HH:MM`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// The zone's canonical IANA name.
    pub fn time_zone(&self) -> &str {
        self.rule
            .entries()
            .first()
            .map(|e| e.time_zone())
            .unwrap_or("UTC")
    }

    /// The deadline of a run due at `due`: the first instant after it whose
    /// local reading is the deadline's time.
    pub fn after(&self, due: Timestamp) -> Option<Timestamp> {
        self.rule.next_fire_after(due)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DailyDeadlineRepr {
    time: String,
    time_zone: String,
}

impl Serialize for DailyDeadline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DailyDeadlineRepr {
            time: self.time(),
            time_zone: self.time_zone().to_owned(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DailyDeadline {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = DailyDeadlineRepr::deserialize(deserializer)?;
        DailyDeadline::new(&repr.time, &repr.time_zone).map_err(serde::de::Error::custom)
    }
}

/// What is expected of one batch job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// The connector.
    pub connector_id: uuid::Uuid,
    /// The event `source` (exact).
    pub source: String,
    /// When it is due: `{"period": 86400}` or `{"schedule": [...]}`.
    pub expectation: Expectation,
    /// How late a due run may report (a start, or any event for a job that
    /// sends no start signals) before it counts as missed; a report up to
    /// this long *before* a scheduled time also answers it (a job started
    /// early, a skewed clock). Whole seconds, may be zero.
    #[serde(with = "super::secs")]
    pub grace: Duration,
    /// A run still going this long after its start opens `run_too_long`.
    #[serde(
        default,
        with = "super::secs::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_runtime: Option<Duration>,
    /// A run that succeeds sooner than this after its start opens
    /// `run_too_short` (it probably did nothing).
    #[serde(
        default,
        with = "super::secs::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_runtime: Option<Duration>,
    /// A run that succeeds having processed fewer records than this
    /// (`metadata.records_processed`) opens `too_few_records`. A success
    /// that does not say how many it processed is not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_records: Option<u64>,
    /// Open `runs_failing` only after this many failed runs in a row (1:
    /// the first failure). `None`: not watched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
    /// Resolve `runs_failing` after this many successful runs in a row
    /// (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_threshold: Option<u32>,
    /// By which local time each scheduled run must have succeeded
    /// (schedules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DailyDeadline>,
    /// Jobs this one depends on: while one of them has an active incident,
    /// this job's notifications are held (`inhibited`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub depends_on: BTreeSet<JobKey>,
    /// Severity of the incidents the job's expectations open.
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// A paused job expects nothing (no due time, no deadlines); its runs
    /// are still recorded.
    #[serde(default)]
    pub paused: bool,
}

fn default_severity() -> Severity {
    Severity::Error
}

impl Job {
    /// A job on `expectation` with a grace and nothing else set.
    pub fn new(
        connector_id: uuid::Uuid,
        source: &str,
        expectation: Expectation,
        grace: Duration,
    ) -> Job {
        Job {
            connector_id,
            source: source.to_owned(),
            expectation,
            grace,
            max_runtime: None,
            min_runtime: None,
            min_records: None,
            failure_threshold: None,
            recovery_threshold: None,
            deadline: None,
            depends_on: BTreeSet::new(),
            severity: Severity::Error,
            paused: false,
        }
    }

    /// Its key.
    pub fn key(&self) -> JobKey {
        JobKey {
            connector_id: self.connector_id,
            source: self.source.clone(),
        }
    }

    /// Checks every field and how they combine.
    pub fn validate(&self) -> Result<(), AlertError> {
        check_name(&self.source, "job.source")?;
        self.expectation.validate().map_err(AlertError::Schedule)?;
        if self.grace.subsec_nanos() != 0 {
            return Err(AlertError::InvalidDuration { field: "job.grace" });
        }
        if let Some(d) = self.max_runtime {
            check_duration(d, "job.max_runtime")?;
        }
        if let Some(d) = self.min_runtime {
            check_duration(d, "job.min_runtime")?;
        }
        if let (Some(min), Some(max)) = (self.min_runtime, self.max_runtime) {
            if min >= max {
                return Err(AlertError::InvalidRuntimeRange);
            }
        }
        if self.failure_threshold == Some(0) || self.recovery_threshold == Some(0) {
            return Err(AlertError::InvalidThreshold);
        }
        if self.recovery_threshold.is_some() && self.failure_threshold.is_none() {
            return Err(AlertError::InvalidThreshold);
        }
        if self.deadline.is_some() && matches!(self.expectation, Expectation::Period(_)) {
            return Err(AlertError::DeadlineNeedsSchedule);
        }
        if self.depends_on.len() > MAX_DEPENDENCIES {
            return Err(AlertError::TooManyDependencies {
                count: self.depends_on.len(),
            });
        }
        for dep in &self.depends_on {
            check_name(&dep.source, "job.depends_on.source")?;
            if *dep == self.key() {
                return Err(AlertError::DependencyCycle);
            }
        }
        Ok(())
    }

    /// The first due time after the instant `after` when nothing answered
    /// since: a period later, or the schedule's next fire time (what a
    /// job set at `after` is first due at).
    pub fn next_due(&self, after: Timestamp) -> Option<Timestamp> {
        match &self.expectation {
            Expectation::Period(p) => Some(after.saturating_add(*p)),
            Expectation::Schedule(s) => s.next_fire_after(after),
        }
    }
}

/// Which expectation an incident of a job stands for. Each is its own
/// incident (event family `job.<kind>`), with its own transition kind and
/// notify reason of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationKind {
    /// Nothing from a job that sends no start signals by its due time and
    /// grace (the heartbeat's missed run).
    MissedRun,
    /// No `*.started` within the grace of a due time.
    MissedStart,
    /// A run still going past `max_runtime`.
    RunTooLong,
    /// A run that succeeded in less than `min_runtime`.
    RunTooShort,
    /// No success by the deadline of a due time.
    DeadlineMissed,
    /// A run succeeded having processed fewer than `min_records` records.
    TooFewRecords,
    /// `failure_threshold` runs in a row failed.
    RunsFailing,
}

impl ExpectationKind {
    /// The stable name (`missed_start`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ExpectationKind::MissedRun => "missed_run",
            ExpectationKind::MissedStart => "missed_start",
            ExpectationKind::RunTooLong => "run_too_long",
            ExpectationKind::RunTooShort => "run_too_short",
            ExpectationKind::DeadlineMissed => "deadline_missed",
            ExpectationKind::TooFewRecords => "too_few_records",
            ExpectationKind::RunsFailing => "runs_failing",
        }
    }

    /// Event type of the synthetic problem: `job.<kind>.missed` (its last
    /// token is a default problem outcome).
    pub fn problem_event_type(self) -> String {
        format!("job.{}.missed", self.name())
    }

    /// Event type of the synthetic recovery: `job.<kind>.ok`.
    pub fn recovery_event_type(self) -> String {
        format!("job.{}.ok", self.name())
    }

    fn slot(self) -> usize {
        match self {
            ExpectationKind::MissedRun | ExpectationKind::MissedStart => 0,
            ExpectationKind::RunTooLong => 1,
            ExpectationKind::RunTooShort => 2,
            ExpectationKind::DeadlineMissed => 3,
            ExpectationKind::TooFewRecords => 4,
            ExpectationKind::RunsFailing => 5,
        }
    }
}

/// A run in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRun {
    /// Sequence number of the run within its job (pairs its timer).
    pub seq: u64,
    /// `metadata.run_id` of its start, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// When the start was heard (caller's `now`).
    pub started_at: Timestamp,
    /// When it becomes too long (`started_at + max_runtime`), while the
    /// job has a `max_runtime` and it has not been reported yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_long_at: Option<Timestamp>,
    /// Whether it was reported as too long.
    #[serde(default)]
    pub too_long: bool,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// `metadata.run_id`, if its signals had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// When its start was heard; `None` for an end without a start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When its end was heard.
    pub ended_at: Timestamp,
    /// `ended_at - started_at` in whole milliseconds, when both are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// `metadata.records_processed` of its end (or start) signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_processed: Option<u64>,
}

/// A due time's deadline that no success has met yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PendingDeadline {
    /// The due (scheduled) time.
    pub due: Timestamp,
    /// When it is missed.
    pub at: Timestamp,
}

/// A job and everything the engine tracks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobState {
    /// The expectation.
    pub job: Job,
    /// Last event heard from the source (caller's `now`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    /// When the job was set or last resumed: due times count from here
    /// until it is heard from.
    pub since: Timestamp,
    /// Whether the job has sent a `*.started` signal: from then on only a
    /// start answers a due time (`missed_start`); before, any event does
    /// (`missed_run`).
    #[serde(default)]
    pub sends_starts: bool,
    /// The due time being waited for (none while paused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// When the wait for `due` counts as missed (`due + grace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miss_at: Option<Timestamp>,
    /// Due times missed in a row.
    #[serde(default)]
    pub missed_count: u64,
    /// Deadlines waiting for a success, earliest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deadlines: Vec<PendingDeadline>,
    /// Runs in progress, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_runs: Vec<OpenRun>,
    /// Sequence number of the next run.
    #[serde(default)]
    pub next_seq: u64,
    /// The last [`RECENT_RUNS`] finished runs, oldest first.
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub runs: VecDeque<RunRecord>,
    /// The open incident of each expectation, by kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<JobIncident>,
    /// Runs that failed in a row (reset by a success).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures_in_a_row: u32,
    /// Runs that succeeded in a row (reset by a failure).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub successes_in_a_row: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// An incident a job's expectation opened and has not resolved yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobIncident {
    /// Which expectation.
    pub kind: ExpectationKind,
    /// The incident.
    pub incident_id: String,
}

impl JobState {
    pub(crate) fn new(job: Job, now: Timestamp) -> JobState {
        JobState {
            job,
            last_seen: None,
            since: now,
            sends_starts: false,
            due: None,
            miss_at: None,
            missed_count: 0,
            deadlines: Vec::new(),
            open_runs: Vec::new(),
            next_seq: 0,
            runs: VecDeque::new(),
            incidents: Vec::new(),
            failures_in_a_row: 0,
            successes_in_a_row: 0,
        }
    }

    /// The open incident of `kind` (missed run and missed start share one
    /// slot: a job is one or the other).
    pub fn incident(&self, kind: ExpectationKind) -> Option<&str> {
        self.incidents
            .iter()
            .find(|i| i.kind.slot() == kind.slot())
            .map(|i| i.incident_id.as_str())
    }

    pub(crate) fn take_incident(&mut self, kind: ExpectationKind) -> Option<JobIncident> {
        let at = self
            .incidents
            .iter()
            .position(|i| i.kind.slot() == kind.slot())?;
        Some(self.incidents.remove(at))
    }

    pub(crate) fn set_incident(&mut self, kind: ExpectationKind, incident_id: String) {
        self.take_incident(kind);
        self.incidents.push(JobIncident { kind, incident_id });
        self.incidents.sort_by_key(|i| i.kind.slot());
    }

    /// The median duration of the recent runs that succeeded (the lower
    /// middle one of an even count), in milliseconds.
    pub fn median_duration_ms(&self) -> Option<u64> {
        let mut d: Vec<u64> = self
            .runs
            .iter()
            .filter(|r| r.outcome == RunOutcome::Succeeded)
            .filter_map(|r| r.duration_ms)
            .collect();
        if d.is_empty() {
            return None;
        }
        d.sort_unstable();
        d.get((d.len() - 1) / 2).copied()
    }

    /// One word for the job as it is: `paused`, `failing` (an expectation
    /// incident is open, or the last run failed), `running`, `ok`, or
    /// `waiting` (never heard from).
    pub fn status(&self) -> JobStatus {
        if self.job.paused {
            JobStatus::Paused
        } else if !self.incidents.is_empty()
            || self
                .runs
                .back()
                .is_some_and(|r| r.outcome == RunOutcome::Failed)
        {
            JobStatus::Failing
        } else if !self.open_runs.is_empty() {
            JobStatus::Running
        } else if self.last_seen.is_some() {
            JobStatus::Ok
        } else {
            JobStatus::Waiting
        }
    }
}

/// A job's state with what is derived from it, as the bindings and the
/// receiver show it: the serialized [`JobState`] plus `status` and
/// `median_duration_ms` (see [`JobState::report`]).
#[derive(Debug, Clone, Serialize)]
pub struct JobReport<'a> {
    /// The state.
    #[serde(flatten)]
    pub state: &'a JobState,
    /// [`JobState::status`].
    pub status: JobStatus,
    /// [`JobState::median_duration_ms`].
    pub median_duration_ms: Option<u64>,
}

impl JobState {
    /// The state with its status and median duration, for display.
    pub fn report(&self) -> JobReport<'_> {
        JobReport {
            state: self,
            status: self.status(),
            median_duration_ms: self.median_duration_ms(),
        }
    }
}

/// See [`JobState::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Paused: nothing expected.
    Paused,
    /// An expectation is broken or the last run failed.
    Failing,
    /// A run is in progress.
    Running,
    /// Heard from, nothing wrong.
    Ok,
    /// Not heard from since it was set.
    Waiting,
}

/// The signal an event is for a job: its phase, run id and record count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunSignal {
    pub(crate) phase: Option<RunPhase>,
    pub(crate) run_id: Option<String>,
    pub(crate) records: Option<u64>,
}

impl RunSignal {
    pub(crate) fn of(event: &Event) -> RunSignal {
        // Integers pair as their decimal text, as incident keys read them.
        let run_id = match event.metadata.get(RUN_ID_KEY) {
            Some(MetadataValue::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(MetadataValue::Int(n)) => Some(n.to_string()),
            Some(MetadataValue::UInt(n)) => Some(n.to_string()),
            _ => None,
        };
        let records = match event.metadata.get(RECORDS_PROCESSED_KEY) {
            Some(MetadataValue::Int(n)) => u64::try_from(*n).ok(),
            Some(MetadataValue::UInt(n)) => Some(*n),
            _ => None,
        };
        RunSignal {
            phase: RunPhase::of(event),
            run_id,
            records,
        }
    }
}

/// `evt_` + 32 hex digits of SHA-256 over a label, the key and the kind:
/// the id of a job's synthetic event, the same on every replica.
pub(crate) fn job_event_id(
    label: &str,
    key: &JobKey,
    kind: ExpectationKind,
    at: Timestamp,
) -> String {
    let mut h = Sha256::new();
    let connector = key.connector_id.hyphenated().to_string();
    for part in [
        label.as_bytes(),
        connector.as_bytes(),
        key.source.as_bytes(),
        kind.name().as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(at.unix_nanos().to_be_bytes());
    let digest = h.finalize();
    format!("evt_{}", hex::encode(digest.get(..16).unwrap_or_default()))
}

/// The synthetic problem for a broken expectation, at `at`, with
/// `details` as metadata.
pub(crate) fn problem_event(
    job: &Job,
    kind: ExpectationKind,
    at: Timestamp,
    message: String,
    details: Vec<(&'static str, MetadataValue)>,
) -> Event {
    let mut metadata = Metadata::new();
    for (k, v) in details {
        metadata.insert(k, v);
    }
    Event {
        connector_id: job.connector_id,
        event_type: kind.problem_event_type(),
        timestamp: at,
        severity: job.severity,
        source: Some(job.source.clone()),
        message: Some(message),
        metadata,
    }
}

/// The synthetic recovery of an expectation at `at`.
pub(crate) fn recovery_event(job: &Job, kind: ExpectationKind, at: Timestamp) -> Event {
    Event {
        connector_id: job.connector_id,
        event_type: kind.recovery_event_type(),
        timestamp: at,
        severity: Severity::Info,
        source: Some(job.source.clone()),
        message: Some(format!("{}: {} is over", job.source, kind.name())),
        metadata: Metadata::new(),
    }
}

/// An RFC 3339 metadata value.
pub(crate) fn time_value(t: Timestamp) -> MetadataValue {
    MetadataValue::String(t.to_rfc3339())
}

/// A count as a metadata value.
pub(crate) fn count_value(n: u64) -> MetadataValue {
    MetadataValue::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Whole milliseconds of `d` (saturating).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl From<ScheduleError> for AlertError {
    fn from(e: ScheduleError) -> Self {
        AlertError::Schedule(e)
    }
}

/// Why a job or window record that serde refused is wrong, when the reason
/// is its schedule (`expectation.schedule` of a job, `schedule` of a window)
/// or its deadline: the core's typed error, which serde reduces to a
/// message. Bindings that read records from JSON report it, so a record
/// gives the same code (`unknown_time_zone`, `invalid_cron`,
/// `invalid_deadline`, ...) in every language; `None` when the problem is
/// elsewhere (a missing field, a wrong type).
pub fn record_error(record: &serde_json::Value) -> Option<AlertError> {
    let schedule = |v: &serde_json::Value| -> Option<AlertError> {
        let mut entries = Vec::new();
        for e in v.as_array()? {
            let cron = e.get("cron")?.as_str()?;
            let zone = e.get("time_zone")?.as_str()?;
            match CronEntry::new(cron, zone) {
                Ok(entry) => entries.push(entry),
                Err(e) => return Some(AlertError::Schedule(e)),
            }
        }
        Schedule::new(entries).err().map(AlertError::Schedule)
    };
    record
        .get("expectation")
        .and_then(|x| x.get("schedule"))
        .into_iter()
        .chain(record.get("schedule"))
        .find_map(schedule)
        .or_else(|| {
            let d = record.get("deadline")?;
            DailyDeadline::new(d.get("time")?.as_str()?, d.get("time_zone")?.as_str()?).err()
        })
}
