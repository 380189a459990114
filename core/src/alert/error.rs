//! Why a rule, silence or heartbeat cannot be set, with stable codes.

use core::fmt;

/// Longest accepted id, name or channel, in characters.
pub const MAX_NAME_CHARS: usize = 128;

/// A rule, silence or heartbeat that cannot be set. Nothing changes.
///
/// [`code`](AlertError::code) is stable across languages; the message says
/// how to fix the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlertError {
    /// An id, name, channel or source is blank, too long or has control
    /// characters.
    InvalidName {
        /// Which field (`rule.id`, `silence.id`, `heartbeat.source`, ...).
        field: &'static str,
    },
    /// A duration is zero (where it must be positive) or not whole seconds.
    InvalidDuration {
        /// Which field (`repeat_interval`, `period`, ...).
        field: &'static str,
    },
    /// A silence ends at or before it starts.
    InvalidTimeRange,
    /// No heartbeat is set for this connector and source.
    UnknownHeartbeat,
    /// A job's schedule or period is invalid (the schedule's own code).
    Schedule(crate::schedule::ScheduleError),
    /// A job's deadline is not a 24-hour `HH:MM` time.
    InvalidDeadline {
        /// The time as given (at most 32 characters of it).
        time: String,
    },
    /// A job's `min_runtime` is not below its `max_runtime`.
    InvalidRuntimeRange,
    /// A deadline was given to a job that runs on a period.
    DeadlineNeedsSchedule,
    /// A job depends on more than [`MAX_DEPENDENCIES`](super::job::MAX_DEPENDENCIES) jobs.
    TooManyDependencies {
        /// How many were given.
        count: usize,
    },
    /// A job depends on itself, directly or through other jobs.
    DependencyCycle,
    /// No job is set for this connector and source.
    UnknownJob,
    /// A heartbeat and a job cannot watch the same connector and source.
    WatchedTwice,
    /// A failure or recovery threshold of zero, or a recovery threshold
    /// without a failure threshold.
    InvalidThreshold,
    /// A maintenance window's duration is not below the time between two
    /// of its occurrences, or its schedule never fires.
    InvalidWindow,
}

impl AlertError {
    /// Stable machine code: `invalid_name`, `invalid_duration`,
    /// `invalid_time_range`, `unknown_heartbeat`, a schedule's code
    /// (`invalid_cron`, `unknown_time_zone`, ...), `invalid_deadline`,
    /// `invalid_runtime_range`, `deadline_needs_schedule`,
    /// `too_many_dependencies`, `dependency_cycle`, `unknown_job`,
    /// `watched_twice`, `invalid_window`, `invalid_threshold`.
    pub const fn code(&self) -> &'static str {
        match self {
            AlertError::InvalidName { .. } => "invalid_name",
            AlertError::InvalidDuration { .. } => "invalid_duration",
            AlertError::InvalidTimeRange => "invalid_time_range",
            AlertError::UnknownHeartbeat => "unknown_heartbeat",
            AlertError::Schedule(e) => e.code(),
            AlertError::InvalidDeadline { .. } => "invalid_deadline",
            AlertError::InvalidRuntimeRange => "invalid_runtime_range",
            AlertError::DeadlineNeedsSchedule => "deadline_needs_schedule",
            AlertError::TooManyDependencies { .. } => "too_many_dependencies",
            AlertError::DependencyCycle => "dependency_cycle",
            AlertError::UnknownJob => "unknown_job",
            AlertError::WatchedTwice => "watched_twice",
            AlertError::InvalidWindow => "invalid_window",
            AlertError::InvalidThreshold => "invalid_threshold",
        }
    }
}

impl fmt::Display for AlertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertError::InvalidName { field } => write!(
                f,
                "{field} must be 1 to {MAX_NAME_CHARS} characters, not blank, without control \
                 characters"
            ),
            AlertError::InvalidDuration { field } => write!(
                f,
                "{field} must be a positive whole number of seconds (e.g. 3600 for an hour)"
            ),
            AlertError::InvalidTimeRange => write!(
                f,
                "the silence must end after it starts: set ends_at later than starts_at"
            ),
            AlertError::UnknownHeartbeat => write!(
                f,
                "no heartbeat is set for this connector and source; set one first"
            ),
            AlertError::Schedule(e) => write!(f, "{e}"),
            AlertError::InvalidDeadline { time } => write!(
                f,
                "deadline time {time:?} is not a 24-hour HH:MM time; write e.g. \"06:00\""
            ),
            AlertError::InvalidRuntimeRange => write!(
                f,
                "min_runtime must be shorter than max_runtime; lower min_runtime or raise \
                 max_runtime"
            ),
            AlertError::DeadlineNeedsSchedule => write!(
                f,
                "a deadline needs a schedule: a job on a period has no scheduled time to \
                 count the deadline from; give the job a cron schedule or drop the deadline"
            ),
            AlertError::TooManyDependencies { count } => write!(
                f,
                "a job may depend on at most {} jobs, not {count}",
                super::job::MAX_DEPENDENCIES
            ),
            AlertError::DependencyCycle => write!(
                f,
                "the dependencies form a cycle (a job would wait on itself); remove one of \
                 them"
            ),
            AlertError::UnknownJob => write!(
                f,
                "no job is set for this connector and source; set one first"
            ),
            AlertError::WatchedTwice => write!(
                f,
                "this connector and source already has a heartbeat or a job; a source is \
                 watched by one of them: remove the other first (a job with a period does \
                 what a heartbeat does)"
            ),
            AlertError::InvalidThreshold => write!(
                f,
                "failure_threshold and recovery_threshold count runs: give whole numbers of 1 \
                 or more, and a recovery_threshold only with a failure_threshold"
            ),
            AlertError::InvalidWindow => write!(
                f,
                "the window's duration must be positive whole seconds and shorter than the \
                 time between two of its occurrences"
            ),
        }
    }
}

impl std::error::Error for AlertError {}

/// Checks an id, name, channel or source.
pub(crate) fn check_name(value: &str, field: &'static str) -> Result<(), AlertError> {
    if value.trim().is_empty()
        || value.chars().count() > MAX_NAME_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(AlertError::InvalidName { field });
    }
    Ok(())
}

/// Checks a duration that must be positive whole seconds.
pub(crate) fn check_duration(
    d: std::time::Duration,
    field: &'static str,
) -> Result<(), AlertError> {
    if d.is_zero() || d.subsec_nanos() != 0 {
        return Err(AlertError::InvalidDuration { field });
    }
    Ok(())
}
