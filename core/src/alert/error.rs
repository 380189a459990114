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
}

impl AlertError {
    /// Stable machine code: `invalid_name`, `invalid_duration`,
    /// `invalid_time_range`, `unknown_heartbeat`.
    pub const fn code(&self) -> &'static str {
        match self {
            AlertError::InvalidName { .. } => "invalid_name",
            AlertError::InvalidDuration { .. } => "invalid_duration",
            AlertError::InvalidTimeRange => "invalid_time_range",
            AlertError::UnknownHeartbeat => "unknown_heartbeat",
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
