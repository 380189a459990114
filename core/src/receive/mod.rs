//! The receive decision (contract §4, issue #7): one sans-I/O answer to
//! every inbound request, the same in every receiver and language.
//!
//! Two steps and no callbacks, so that an async receiver and a synchronous
//! C caller drive it alike:
//!
//! 1. [`authenticate()`] (no lookups): 405, 413, 415, 401
//!    `signature_missing`/`signature_malformed`, 401
//!    `connector_id_missing`/`connector_id_malformed`; on success the
//!    connector UUID, the claimed signature and the [`event_id()`].
//! 2. The caller looks up, in one store transaction, what [`Context`]
//!    holds (connector, tenant, replay entry, quota row) and calls
//!    [`decide()`]: 403 → 401 `signature_mismatch` (MAC before the body is
//!    parsed) → 422 `invalid_event` → 200 `duplicate` → 429
//!    `quota_exceeded` → [`Accepted`]. The caller ingests the accepted
//!    event into its incident model and calls [`Accepted::respond`] for the
//!    202 and its [`Effect`]s.
//!
//! A receiver whose store has one writer can split step 2 in two:
//! [`admit()`] reads only the connector and tenant records (403, 401
//! mismatch, parsing: the CPU work) and can run on any thread; [`settle()`]
//! reads only the replay entry and the quota row ([`State`]: what accepted
//! events change) and runs in the writer's transaction. [`decide()`] is
//! exactly `admit` then `settle`.
//!
//! [`Engine`] does all of it in memory: the reference implementation.
//!
//! Read top-down: [`request`], [`config`], [`event_id`](mod@event_id),
//! [`problem`], [`response`], [`authenticate`](mod@authenticate),
//! [`context`], [`decide`](mod@decide), [`engine`]. `docs/receive.md`
//! explains the ladder for receiver authors.

pub mod authenticate;
pub mod config;
pub mod context;
pub mod decide;
pub mod engine;
pub mod event_id;
pub mod problem;
pub mod request;
pub mod response;

pub use authenticate::{authenticate, Authenticated};
pub use config::{ConfigError, ConfigOverrides, ReceiveConfig};
pub use context::{ConnectorRecord, ConnectorSecret, Context, TenantRecord};
pub use decide::{admit, decide, incident_id_of, settle, Accepted, Admitted, Outcome, State};
pub use engine::{AdminError, Engine, StoredEvent};
pub use event_id::{event_id, EVENT_ID_PREFIX};
pub use problem::{RefusalCode, PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX};
pub use request::{Body, InboundRequest};
pub use response::{Effect, Response};
