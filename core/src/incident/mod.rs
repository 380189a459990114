//! Incidents: turning a stream of ERP events into the right incidents
//! (contract §6, issue #5).
//!
//! The payroll batch that failed three times tonight is one incident, its
//! success at 04:10 resolves it, and tomorrow's failure is a new one. The
//! model is a pure state machine: every operation takes the caller's `now`
//! and returns [`Effect`]s (facts) for the caller to persist and notify.
//!
//! Read top-down:
//! - [`classify`]: problem / recovery / start / info from the outcome token
//!   and severity.
//! - [`key`]: the correlation key and deterministic incident ids.
//! - `index`: the keys held, hashed for one-probe lookups, sorted on output.
//! - [`progress`]: `records_processed`/`records_total` → "failed at record
//!   18,441 of 40,000 (46.1%)".
//! - [`record`]: the [`Incident`] record (serde, for the REST API).
//! - [`effect`]: the facts operations return.
//! - [`command`]: acknowledge / resolve / reopen and their errors.
//! - [`config`]: windows, timeouts and outcome lists.
//! - [`timer`]: the deadline queue behind `tick`/`next_wakeup`.
//! - [`model`]: the state machine itself.
//! - [`snapshot`]: state snapshot and restore.
//!
//! The alerting layer (rules, silences, flapping, heartbeats; issue #6)
//! sits on top: it feeds events through [`IncidentModel::ingest`], reads
//! the effects (flapping counts
//! [`Effect::is_open_resolve_transition`]), merges
//! [`IncidentModel::next_wakeup`] with its own timers and calls
//! [`IncidentModel::tick`] from its own `tick`.

pub mod classify;
pub mod command;
pub mod config;
pub mod effect;
pub(crate) mod index;
pub mod key;
pub mod model;
pub mod progress;
pub mod record;
pub(crate) mod shared;
pub mod snapshot;
pub mod timer;

pub use classify::{Classifier, OutcomeClass};
pub use command::{Command, CommandError};
pub use config::IncidentConfig;
pub use effect::Effect;
pub use key::CorrelationKey;
pub use model::{IncidentModel, KeyState};
pub use progress::Progress;
pub use record::{Incident, IncidentStatus, ResolutionReason};
pub use snapshot::{IncidentSnapshot, KeySnapshot, SnapshotError};
pub use timer::DeadlineQueue;
