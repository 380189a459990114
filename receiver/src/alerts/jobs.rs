//! Batch jobs (issue #23) in the receiver: `erpops admin jobs|windows`,
//! and the JSON the REST API shows of a job (`GET /v1/jobs`,
//! `GET /v1/jobs/{id}/runs`).
//!
//! Jobs and maintenance windows are configuration like heartbeats and
//! silences: the command checks them with the core's own validation (and,
//! for what depends on the other jobs — a dependency cycle, a heartbeat
//! on the same source — by setting them into a scratch alert engine
//! holding the stored configuration), writes them and bumps the
//! configuration generation; a running writer loads them within a second.
//! What the engine tracks per job (due time, runs, deadlines, incidents)
//! is saved by the writer, one row per job (`job_state`).

use std::collections::BTreeSet;
use std::time::Duration;

use erpops_core::alert::{
    AlertError, DailyDeadline, Job, JobKey, JobState, MaintenanceWindow, RunRecord,
};
use erpops_core::schedule::{CronEntry, Expectation, Schedule, ScheduleError};
use serde_json::{json, Value};
use uuid::Uuid;

use super::admin::{describe, err, matchers, parse_connector, parse_severity};
use crate::cli::{JobCommand, WindowCommand};
use crate::clock;
use crate::store::AdminStore;

/// Finished runs `GET /v1/jobs` shows per job (newest first);
/// `GET /v1/jobs/{id}/runs` shows every run the engine keeps.
pub const LAST_RUNS: usize = 5;

/// A duration flag: whole seconds (`900`) or a number with a unit
/// (`30s`, `15m`, `2h`, `1d`).
pub fn parse_duration(value: &str, flag: &str) -> Result<Duration, String> {
    let v = value.trim();
    let (digits, unit) = match v.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => v.split_at(at),
        None => (v, ""),
    };
    let scale: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| scale > 0 && !digits.is_empty())
        .and_then(|n| n.checked_mul(scale))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!(
                "{flag} {value:?} is not a duration: give whole seconds (3600) or a number with \
                 s, m, h or d (90m, 2h, 1d)"
            )
        })
}

/// A schedule error with the flag that caused it.
fn schedule_error(e: &ScheduleError, expression: &str, zone_flag: &str) -> String {
    match e {
        ScheduleError::UnknownTimeZone { .. } => format!("{zone_flag}: {e}"),
        ScheduleError::InvalidPeriod => format!("--period: {e}"),
        _ => format!("--schedule {expression:?}: {e}"),
    }
}

/// A core error about a job with the flag to change.
fn job_error(e: &AlertError) -> String {
    let flag = match e {
        AlertError::InvalidRuntimeRange => "--min-runtime / --max-runtime",
        AlertError::DeadlineNeedsSchedule | AlertError::InvalidDeadline { .. } => "--deadline",
        AlertError::DependencyCycle | AlertError::TooManyDependencies { .. } => "--depends-on",
        AlertError::InvalidThreshold => "--failure-threshold / --recovery-threshold",
        AlertError::InvalidName { .. } => "--source",
        AlertError::InvalidDuration { field } if field.ends_with("max_runtime") => "--max-runtime",
        AlertError::InvalidDuration { field } if field.ends_with("min_runtime") => "--min-runtime",
        AlertError::InvalidDuration { .. } => "--grace",
        AlertError::WatchedTwice => {
            return format!(
                "{e} (code watched_twice); see `erpops admin heartbeats list` and remove the \
                 heartbeat with `erpops admin heartbeats delete`"
            )
        }
        AlertError::Schedule(s) => return schedule_error(s, "", "--time-zone"),
        _ => return format!("{e} (code {})", e.code()),
    };
    format!("{flag}: {e} (code {})", e.code())
}

/// The key of a `--depends-on` value: `SOURCE` (of `connector`) or
/// `CONNECTOR/SOURCE`.
fn dependency(value: &str, connector: Uuid) -> JobKey {
    if let Some((c, source)) = value.split_once('/') {
        if let Ok(id) = Uuid::parse_str(c.trim()) {
            return JobKey {
                connector_id: id,
                source: source.to_owned(),
            };
        }
    }
    JobKey {
        connector_id: connector,
        source: value.to_owned(),
    }
}

/// `0 2 * * MON-FRI America/Chicago; …` or `every 86400 s`.
fn describe_expectation(e: &Expectation) -> String {
    match e {
        Expectation::Period(p) => format!("every {} s", p.as_secs()),
        Expectation::Schedule(s) => s
            .entries()
            .iter()
            .map(|c| format!("{} {}", c.expression(), c.time_zone()))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Runs a jobs command.
pub fn jobs(store: &mut dyn AdminStore, command: &JobCommand) -> Result<String, String> {
    let now = clock::now();
    match command {
        JobCommand::Set {
            connector,
            source,
            schedule,
            time_zone,
            period,
            grace,
            max_runtime,
            min_runtime,
            min_records,
            failure_threshold,
            recovery_threshold,
            deadline,
            deadline_time_zone,
            depends_on,
            severity,
        } => {
            let connector_id = parse_connector(connector)?;
            let tenant = store
                .connector_tenant(&connector_id)
                .map_err(err)?
                .ok_or_else(|| {
                    format!(
                        "--connector: no connector {connector_id}; see `erpops admin connectors \
                         list`"
                    )
                })?;
            let zone = time_zone.as_deref().unwrap_or("UTC");
            let expectation =
                match (schedule.is_empty(), period) {
                    (false, _) => {
                        let entries = schedule
                            .iter()
                            .map(|expr| {
                                CronEntry::new(expr, zone)
                                    .map_err(|e| schedule_error(&e, expr, "--time-zone"))
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        Expectation::Schedule(
                            Schedule::new(entries).map_err(|e| format!("--schedule: {e}"))?,
                        )
                    }
                    (true, Some(p)) => {
                        if time_zone.is_some() {
                            return Err("--time-zone reads --schedule expressions; a job with \
                                    --period has no time zone: drop --time-zone"
                                .to_owned());
                        }
                        Expectation::Period(parse_duration(p, "--period")?)
                    }
                    (true, None) => return Err(
                        "give --schedule \"CRON\" (with --time-zone, e.g. --schedule \"0 2 * * \
                         MON-FRI\" --time-zone America/Chicago) or --period (e.g. --period 1d)"
                            .to_owned(),
                    ),
                };
            let deadline = match deadline {
                None => None,
                Some(_) if matches!(expectation, Expectation::Period(_)) => {
                    return Err(job_error(&AlertError::DeadlineNeedsSchedule));
                }
                Some(time) => {
                    let dz = deadline_time_zone.as_deref().unwrap_or(zone);
                    Some(DailyDeadline::new(time, dz).map_err(|e| match e {
                        AlertError::Schedule(s) => schedule_error(&s, time, "--deadline-time-zone"),
                        other => job_error(&other),
                    })?)
                }
            };
            let deps: BTreeSet<JobKey> = depends_on
                .iter()
                .map(|value| dependency(value, connector_id))
                .collect();
            let config = store.alert_config().map_err(err)?;
            let key = JobKey {
                connector_id,
                source: source.clone(),
            };
            // Setting a job again keeps it paused if it was.
            let paused = config
                .jobs
                .iter()
                .find(|j| j.key() == key)
                .is_some_and(|j| j.paused);
            // Built with `Job::new` and its fields set, so fields the
            // core adds later keep their defaults here.
            let mut job = Job::new(
                connector_id,
                source,
                expectation,
                grace
                    .as_deref()
                    .map(|g| parse_duration(g, "--grace"))
                    .transpose()?
                    .unwrap_or_default(),
            );
            job.max_runtime = max_runtime
                .as_deref()
                .map(|d| parse_duration(d, "--max-runtime"))
                .transpose()?;
            job.min_runtime = min_runtime
                .as_deref()
                .map(|d| parse_duration(d, "--min-runtime"))
                .transpose()?;
            job.min_records = *min_records;
            job.failure_threshold = *failure_threshold;
            job.recovery_threshold = *recovery_threshold;
            job.deadline = deadline;
            job.depends_on = deps;
            job.severity = parse_severity(severity).map_err(|e| format!("--severity: {e}"))?;
            job.paused = paused;
            crate::ops::check_job(store, &tenant, &job, now).map_err(|e| match e {
                crate::ops::OpError::Alert(e) => job_error(&e),
                crate::ops::OpError::Invalid(_, message) => format!(
                    "--depends-on: {}",
                    message.trim_start_matches("depends_on: ")
                ),
                other => other.to_string(),
            })?;
            store.put_job(&job, now).map_err(err)?;
            let next = job
                .next_due(now)
                .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
            Ok(format!(
                "job {} saved: {source} of connector {connector_id}, {}; next due {next}{}",
                key.job_id(),
                describe_expectation(&job.expectation),
                if paused { " (paused)" } else { "" }
            ))
        }
        JobCommand::List { tenant } => {
            let config = store.alert_config().map_err(err)?;
            let mut out = String::from(
                "ID\tCONNECTOR\tSOURCE\tEXPECTATION\tGRACE_S\tMAX_RUNTIME_S\tMIN_RUNTIME_S\t\
                 DEADLINE\tDEPENDS_ON\tSEVERITY\tPAUSED\n",
            );
            let secs = |d: Option<Duration>| d.map_or("-".to_owned(), |d| d.as_secs().to_string());
            for j in &config.jobs {
                if let Some(t) = tenant {
                    let owner = store.connector_tenant(&j.connector_id).map_err(err)?;
                    if owner.as_deref() != Some(t.as_str()) {
                        continue;
                    }
                }
                let deadline = j.deadline.as_ref().map_or("-".to_owned(), |d| {
                    format!("{} {}", d.time(), d.time_zone())
                });
                let deps = if j.depends_on.is_empty() {
                    "-".to_owned()
                } else {
                    j.depends_on
                        .iter()
                        .map(|d| {
                            if d.connector_id == j.connector_id {
                                d.source.clone()
                            } else {
                                format!("{}/{}", d.connector_id, d.source)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                };
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    j.key().job_id(),
                    j.connector_id,
                    j.source,
                    describe_expectation(&j.expectation),
                    j.grace.as_secs(),
                    secs(j.max_runtime),
                    secs(j.min_runtime),
                    deadline,
                    deps,
                    j.severity.as_str(),
                    j.paused
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        JobCommand::Pause { connector, source } | JobCommand::Resume { connector, source } => {
            let paused = matches!(command, JobCommand::Pause { .. });
            let id = parse_connector(connector)?;
            let config = store.alert_config().map_err(err)?;
            let mut job = config
                .jobs
                .into_iter()
                .find(|j| j.connector_id == id && j.source == *source)
                .ok_or_else(|| {
                    format!("no job {source:?} for connector {id}; see `erpops admin jobs list`")
                })?;
            job.paused = paused;
            store.put_job(&job, now).map_err(err)?;
            let what = if paused { "paused" } else { "resumed" };
            Ok(format!("job {source} of connector {id} {what}"))
        }
        JobCommand::Remove { connector, source } => {
            let id = parse_connector(connector)?;
            store.delete_job(&id, source).map_err(|e| match e {
                crate::store::StoreError::NotFound { .. } => {
                    format!("no job {source:?} for connector {id}; see `erpops admin jobs list`")
                }
                other => err(other),
            })?;
            Ok(format!("job {source} of connector {id} removed"))
        }
    }
}

/// Runs a windows command.
pub fn windows(store: &mut dyn AdminStore, command: &WindowCommand) -> Result<String, String> {
    let now = clock::now();
    match command {
        WindowCommand::Set {
            id,
            schedule,
            time_zone,
            duration,
            matchers: m,
            comment,
        } => {
            let zone = time_zone.as_deref().unwrap_or("UTC");
            let schedule = Schedule::single(schedule, zone)
                .map_err(|e| schedule_error(&e, schedule, "--time-zone"))?;
            let window = MaintenanceWindow {
                id: id.clone(),
                matchers: matchers(m)?,
                schedule,
                duration: parse_duration(duration, "--duration")?,
                comment: comment.clone(),
            };
            crate::ops::check_window(&window).map_err(|e| match e {
                crate::ops::OpError::Alert(e @ AlertError::InvalidName { .. }) => {
                    format!("--id: {e}")
                }
                other => format!("--duration: {other}"),
            })?;
            store.put_window(&window, now).map_err(err)?;
            let next = window
                .schedule
                .next_fire_after(now)
                .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
            Ok(format!(
                "window {id} saved: {} for {} s; next opens {next}",
                describe_expectation(&Expectation::Schedule(window.schedule.clone())),
                window.duration.as_secs()
            ))
        }
        WindowCommand::List => {
            let config = store.alert_config().map_err(err)?;
            let mut out = String::from("ID\tSCHEDULE\tDURATION_S\tMATCH\tCOMMENT\n");
            for w in &config.windows {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    w.id,
                    describe_expectation(&Expectation::Schedule(w.schedule.clone())),
                    w.duration.as_secs(),
                    describe(&w.matchers),
                    w.comment.as_deref().unwrap_or("")
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        WindowCommand::Remove { id } => {
            store.delete_window(id).map_err(|e| match e {
                crate::store::StoreError::NotFound { .. } => {
                    format!("no window {id:?}; see `erpops admin windows list`")
                }
                other => err(other),
            })?;
            Ok(format!("window {id} removed"))
        }
    }
}

/// Whole seconds, or null.
fn secs(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| json!(d.as_secs()))
}

/// A finished run as the API shows it.
fn run_view(r: &RunRecord) -> Value {
    json!({
        "run_id": r.run_id,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "duration_ms": r.duration_ms,
        "outcome": r.outcome,
        "records_processed": r.records_processed,
    })
}

/// The runs in progress of a job, oldest first.
fn open_runs(state: Option<&JobState>) -> Vec<Value> {
    state.map_or_else(Vec::new, |s| {
        s.open_runs
            .iter()
            .map(|r| {
                json!({
                    "run_id": r.run_id,
                    "started_at": r.started_at,
                    "too_long": r.too_long,
                })
            })
            .collect()
    })
}

/// A job as `GET /v1/jobs` lists it: its configuration (`id`,
/// `schedule` or `period`, `grace`, limits, `deadline`, `depends_on`,
/// `severity`, `paused`) and what the engine tracks (`status`,
/// `next_expected_run`, `last_seen`, `last_runs` newest first,
/// `runs_in_progress`, `median_duration_ms`, the open `incidents` of its
/// expectations). `state` is `None` until a writer loaded the job: then
/// it is `waiting` (or `paused`) with nothing expected yet.
pub fn job_view(job: &Job, state: Option<&JobState>) -> Value {
    let key = job.key();
    let (schedule, period) = match &job.expectation {
        Expectation::Schedule(s) => (serde_json::to_value(s).unwrap_or(Value::Null), Value::Null),
        Expectation::Period(p) => (Value::Null, json!(p.as_secs())),
    };
    let status = match state {
        Some(s) => json!(s.status()),
        None if job.paused => json!("paused"),
        None => json!("waiting"),
    };
    let depends_on: Vec<Value> = job
        .depends_on
        .iter()
        .map(|d| json!({"id": d.job_id(), "connector_id": d.connector_id, "source": d.source}))
        .collect();
    let view = json!({
        "id": key.job_id(),
        "connector_id": job.connector_id,
        "source": job.source,
        "schedule": schedule,
        "period": period,
        "grace": job.grace.as_secs(),
        "max_runtime": secs(job.max_runtime),
        "min_runtime": secs(job.min_runtime),
        "min_records": job.min_records,
        "failure_threshold": job.failure_threshold,
        "recovery_threshold": job.recovery_threshold,
        "deadline": job.deadline,
        "depends_on": depends_on,
        "severity": job.severity,
        "paused": job.paused,
        "status": status,
        "next_expected_run": state.and_then(|s| s.due),
        "last_seen": state.and_then(|s| s.last_seen),
        "median_duration_ms": state.and_then(JobState::median_duration_ms),
        "last_runs": state.map_or_else(Vec::new, |s| {
            s.runs.iter().rev().take(LAST_RUNS).map(run_view).collect()
        }),
        "runs_in_progress": open_runs(state),
        "incidents": state.map_or_else(Vec::new, |s| {
            s.incidents
                .iter()
                .map(|i| json!({"kind": i.kind, "incident_id": i.incident_id}))
                .collect()
        }),
    });
    // Any other setting of the core's job (one it gains later) as the
    // core serializes it, under the fields above.
    let mut all = match serde_json::to_value(job) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    all.remove("expectation");
    if let Value::Object(fields) = view {
        all.extend(fields);
    }
    Value::Object(all)
}

/// A job's runs as `GET /v1/jobs/{id}/runs` shows them: every finished
/// run the engine keeps (newest first) and the runs in progress.
pub fn runs_view(job: &Job, state: Option<&JobState>) -> Value {
    json!({
        "job_id": job.key().job_id(),
        "connector_id": job.connector_id,
        "source": job.source,
        "median_duration_ms": state.and_then(JobState::median_duration_ms),
        "in_progress": open_runs(state),
        "data": state.map_or_else(Vec::new, |s| s.runs.iter().rev().map(run_view).collect()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn durations_take_seconds_or_a_unit() {
        assert_eq!(parse_duration("900", "--grace").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("15m", "--grace").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("2h", "--grace").unwrap().as_secs(), 7200);
        assert_eq!(parse_duration("1d", "--grace").unwrap().as_secs(), 86_400);
        for bad in ["", "h", "1.5h", "10w", "-1", "1 h"] {
            let e = parse_duration(bad, "--grace").unwrap_err();
            assert!(e.starts_with("--grace"), "{e}");
        }
    }

    #[test]
    fn a_dependency_is_a_source_or_a_connector_and_source() {
        let c = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        assert_eq!(dependency("GL_EXTRACT", c).connector_id, c);
        let k = dependency(&format!("{other}/GL_EXTRACT"), c);
        assert_eq!((k.connector_id, k.source.as_str()), (other, "GL_EXTRACT"));
        // A slash in a source is kept when the prefix is no UUID.
        assert_eq!(dependency("A/B", c).source, "A/B");
    }
}
