//! Alerting: who hears about which incident, when, and how often
//! (contract §6, issue #6).
//!
//! Incidents nobody hears about are useless, and alerts that fire forty
//! times a night get muted. [`AlertEngine`] wraps the
//! [`IncidentModel`](crate::incident::IncidentModel) and decides, for every
//! incident transition, which rules notify which channel — or why not
//! (silenced, flapping, throttled, waiting for its group). It also watches
//! heartbeats, the one thing batch monitoring needs most: noticing that a
//! job did not run at all. Pure like the model: the caller passes `now`,
//! calls [`AlertEngine::tick`] at [`AlertEngine::next_wakeup`], and
//! delivers the `Notify` effects.
//!
//! Read top-down:
//! - [`matcher`]: globs and the conditions rules and silences share.
//! - [`rule`]: [`AlertRule`] and the [`TransitionKind`]s it subscribes to.
//! - [`silence`]: [`Silence`], a time-ranged mute.
//! - [`flapping`]: flap detection per correlation key.
//! - [`heartbeat`]: expectations per (connector, source) and the synthetic
//!   missed-run events.
//! - [`job`]: batch jobs (issue #23): schedules, runs, runtime limits,
//!   deadlines, dependencies, and the synthetic events of their
//!   expectations.
//! - [`window`]: [`MaintenanceWindow`], a recurring silence.
//! - [`effect`]: [`AlertEffect`], [`NotifyReason`], [`SuppressReason`].
//! - [`error`]: [`AlertError`] for invalid rules, silences, heartbeats.
//! - [`state`]: the pipeline's bookkeeping records.
//! - `engine`: [`AlertEngine`] — operations, timers, heartbeats, flapping.
//! - `beats`: heartbeat operations (signs of life, missed deadlines).
//! - `jobs`: job and window operations, run signals, the jobs' timers,
//!   inhibition by dependencies.
//! - `timers`: what each engine timer does when due; releases; housekeeping.
//! - `route`: the per-rule pipeline (flapping → silence → throttle →
//!   group_wait → notify).
//! - [`snapshot`]: state snapshot and restore.

mod beats;
pub mod effect;
mod engine;
pub mod error;
pub mod flapping;
pub mod heartbeat;
pub mod job;
mod jobs;
pub mod matcher;
mod route;
pub mod rule;
pub(crate) mod secs;
pub mod silence;
pub mod snapshot;
pub mod state;
mod timers;
pub mod window;

pub use effect::{AlertEffect, NotifyReason, SuppressReason};
pub use engine::{AlertChanges, AlertConfig, AlertEngine};
pub use error::AlertError;
pub use flapping::{FlapState, FlappingConfig};
pub use heartbeat::{Heartbeat, HeartbeatKey, HeartbeatState};
pub use job::{
    DailyDeadline, ExpectationKind, Job, JobKey, JobReport, JobState, JobStatus, OpenRun,
    RunOutcome, RunPhase, RunRecord,
};
pub use matcher::{glob_match, Matchers};
pub use rule::{AlertRule, TransitionKind};
pub use silence::Silence;
pub use snapshot::{AlertSnapshot, AlertSnapshotError, KeyAlertSnapshot};
pub use window::MaintenanceWindow;
