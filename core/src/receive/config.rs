//! The receiver's limits, checked once when they are built.

use core::fmt;
use std::time::Duration;

use crate::event::{DEFAULT_FUTURE_SKEW, DEFAULT_MAX_AGE, DEFAULT_MAX_BODY_BYTES};

/// Limits of the receive decision: body size, the event-time window and how
/// long accepted digests are remembered.
///
/// Built only through [`ReceiveConfig::new`] (or `Default`), which refuses a
/// replay window shorter than `max_age + future_skew`: an event accepted at
/// `t` carries a timestamp no later than `t + future_skew`, so a replay of
/// the same bytes stays acceptable by age until `t + future_skew + max_age`.
/// Remembering the digest at least that long means every replay is either
/// recognized as a duplicate or refused as `too_old`, never counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveConfig {
    max_body_bytes: usize,
    future_skew: Duration,
    max_age: Duration,
    replay_window: Duration,
}

/// The limits a caller sets, each `None` for the contract's default: what
/// every binding and the receiver turn their options into, so the defaults
/// and how they combine live here once.
///
/// An unset replay window is not the fixed default but the least window
/// that closes the gap for the age and skew in force (`max_age +
/// future_skew`), so lengthening the maximum age alone never yields a
/// configuration that is refused. A replay window that *is* set is checked
/// as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConfigOverrides {
    /// Largest accepted body in bytes.
    pub max_body_bytes: Option<usize>,
    /// How far ahead of `now` a timestamp may be.
    pub future_skew: Option<Duration>,
    /// How old an event may be.
    pub max_age: Option<Duration>,
    /// How long an accepted digest is remembered.
    pub replay_window: Option<Duration>,
}

/// Why a [`ReceiveConfig`] cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The replay window is shorter than `max_age + future_skew`.
    ReplayWindowTooShort {
        /// The window asked for.
        replay_window: Duration,
        /// The least window that closes the gap (`max_age + future_skew`).
        minimum: Duration,
    },
}

impl ConfigError {
    /// Stable machine code: `replay_window_too_short`.
    pub const fn code(&self) -> &'static str {
        match self {
            ConfigError::ReplayWindowTooShort { .. } => "replay_window_too_short",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ReplayWindowTooShort {
                replay_window,
                minimum,
            } => write!(
                f,
                "the replay window ({} s) must be at least the maximum event age plus the future \
                 skew ({} s), otherwise a retried event could be accepted twice; lengthen the \
                 replay window or shorten the maximum age",
                replay_window.as_secs(),
                minimum.as_secs()
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ReceiveConfig {
    /// Checks and builds a configuration. `max_body_bytes` is the largest
    /// body accepted; `future_skew` and `max_age` bound the event timestamp
    /// around `now`; `replay_window` is how long an accepted digest is kept.
    pub fn new(
        max_body_bytes: usize,
        future_skew: Duration,
        max_age: Duration,
        replay_window: Duration,
    ) -> Result<Self, ConfigError> {
        let minimum = max_age.saturating_add(future_skew);
        if replay_window < minimum {
            return Err(ConfigError::ReplayWindowTooShort {
                replay_window,
                minimum,
            });
        }
        Ok(ReceiveConfig {
            max_body_bytes,
            future_skew,
            max_age,
            replay_window,
        })
    }

    /// The configuration for `overrides`: each unset limit takes its
    /// default, and an unset replay window is `max_age + future_skew` of the
    /// limits in force (see [`ConfigOverrides`]).
    pub fn with(overrides: ConfigOverrides) -> Result<Self, ConfigError> {
        let d = ReceiveConfig::default();
        let future_skew = overrides.future_skew.unwrap_or(d.future_skew);
        let max_age = overrides.max_age.unwrap_or(d.max_age);
        ReceiveConfig::new(
            overrides.max_body_bytes.unwrap_or(d.max_body_bytes),
            future_skew,
            max_age,
            overrides
                .replay_window
                .unwrap_or_else(|| max_age.saturating_add(future_skew)),
        )
    }

    /// Largest accepted body in bytes (64 KiB by default).
    pub const fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// How far ahead of `now` a timestamp may be (5 min by default).
    pub const fn future_skew(&self) -> Duration {
        self.future_skew
    }

    /// How old an event may be (24 h by default).
    pub const fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How long an accepted digest is remembered (24 h 5 min by default).
    pub const fn replay_window(&self) -> Duration {
        self.replay_window
    }
}

/// 64 KiB, 5 min skew, 24 h age, replay window 24 h 5 min (the least that
/// closes the gap).
impl Default for ReceiveConfig {
    fn default() -> Self {
        ReceiveConfig {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            future_skew: DEFAULT_FUTURE_SKEW,
            max_age: DEFAULT_MAX_AGE,
            replay_window: DEFAULT_MAX_AGE.saturating_add(DEFAULT_FUTURE_SKEW),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_window_is_exactly_age_plus_skew() {
        let c = ReceiveConfig::default();
        assert_eq!(c.replay_window(), c.max_age() + c.future_skew());
        assert_eq!(c.max_body_bytes(), 64 * 1024);
    }

    #[test]
    fn no_overrides_is_the_default() {
        assert_eq!(
            ReceiveConfig::with(ConfigOverrides::default()),
            Ok(ReceiveConfig::default())
        );
    }

    #[test]
    fn an_unset_replay_window_follows_the_age_and_skew_in_force() {
        // 48 h of age with the window left unset: accepted, and the window
        // is exactly what closes the gap (the fixed 24 h 5 min default
        // would have been refused).
        let c = ReceiveConfig::with(ConfigOverrides {
            max_age: Some(Duration::from_secs(172_800)),
            ..ConfigOverrides::default()
        })
        .unwrap();
        assert_eq!(c.replay_window(), Duration::from_secs(172_800 + 300));
        let c = ReceiveConfig::with(ConfigOverrides {
            future_skew: Some(Duration::from_secs(60)),
            max_body_bytes: Some(10),
            ..ConfigOverrides::default()
        })
        .unwrap();
        assert_eq!(c.replay_window(), DEFAULT_MAX_AGE + Duration::from_secs(60));
        assert_eq!(c.max_body_bytes(), 10);
    }

    #[test]
    fn a_set_replay_window_is_checked_as_given() {
        let err = ReceiveConfig::with(ConfigOverrides {
            max_age: Some(Duration::from_secs(172_800)),
            replay_window: Some(Duration::from_secs(86_700)),
            ..ConfigOverrides::default()
        })
        .unwrap_err();
        assert_eq!(err.code(), "replay_window_too_short");
    }

    #[test]
    fn short_replay_window_is_refused_with_a_code() {
        let err = ReceiveConfig::new(
            1024,
            Duration::from_secs(300),
            Duration::from_secs(3600),
            Duration::from_secs(3899),
        )
        .unwrap_err();
        assert_eq!(err.code(), "replay_window_too_short");
        assert!(err.to_string().contains("3900 s"), "{err}");
        assert!(ReceiveConfig::new(
            1024,
            Duration::from_secs(300),
            Duration::from_secs(3600),
            Duration::from_secs(3900)
        )
        .is_ok());
    }
}
