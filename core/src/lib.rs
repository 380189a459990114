//! # erpops-core
//!
//! The pure, sans-I/O heart of the ERPOps SDK. Every rule of the product lives
//! here exactly once; the C, Python and Node bindings and the `erpops`
//! receiver only convert types and perform I/O around it.
//!
//! Nothing in this crate reads a clock, a file, a socket, the environment or a
//! random source: time, secrets and state always come in as arguments, so every
//! decision is a deterministic function that can be tested with fixed inputs.
//! One deliberate exception, invisible in every output: the incident model's
//! key index hashes with std's per-process `RandomState`, because a fixed,
//! published hash seed would let a sender precompute correlation keys that
//! collide and stall the model (HashDoS). Its seed changes only the table's
//! layout; everything the model shows or persists is in key order.
//!
//! Modules, top-down:
//! - [`wire`]: header names and other constants of the wire protocol.
//! - [`time`]: UTC instants and integer civil-calendar arithmetic shared by
//!   every rule that needs a date.
//! - [`event`]: the typed, normalized integration event (contract §3.2).
//! - [`incident`]: correlation, lifecycle and event-time ordering of
//!   incidents (contract §6).
//! - [`alert`]: alert rules, silences, flapping, heartbeats and the one
//!   timer on top of the incident model (contract §6).
//! - [`pii`]: detection and redaction of personal data (contract §3.4).
//! - [`quota`]: per-tenant calendar-window quota accounting and its HTTP
//!   headers (contract §5).
//! - [`receive`]: the receive decision: request → status, headers, body and
//!   effects, in the contract's order of checks (contract §4).
//! - [`schedule`]: job schedules, cron expressions in IANA time zones and
//!   the daylight-saving rule for their fire times (issue #23).
//! - [`signature`]: `sha256=` HMAC-SHA256 signing and constant-time
//!   verification of raw body bytes (contract §3.1).

pub mod alert;
pub mod event;
pub mod incident;
pub mod pii;
pub mod quota;
pub mod receive;
pub mod schedule;
pub mod signature;
pub mod time;
pub mod wire;

pub use event::{
    parse_event, BuildError, Event, EventBuilder, ParseOptions, ParsedEvent, Violation,
    ViolationCode, Violations,
};
pub use signature::{
    sign, verify, MatchedSecret, Secret, SecretError, SignatureError, SignatureHeader, Signer,
};
pub use time::Timestamp;
