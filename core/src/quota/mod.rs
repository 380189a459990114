//! Quota accounting (contract §5, issue #4): exact per-tenant allowances per
//! UTC calendar day (inbound events) and month (AI queries).
//!
//! Read top-down:
//! - [`plan`]: [`Metric`], [`Limit`] (`Unlimited` is a variant) and [`Plan`].
//! - [`window`]: half-open UTC calendar [`Window`]s in Unix seconds, from the
//!   crate's one civil calendar ([`crate::time`]).
//! - [`decide`](mod@decide): the whole rule as one pure transition
//!   [`decide()`]`(previous_counter, request) -> (Decision, next_counter)`.
//! - [`ledger`]: the in-memory store of counter rows ([`Ledger`]) with
//!   consume, peek and prune.
//! - [`snapshot`]: the ledger's versioned, canonical JSON form.
//! - [`shared_store`]: the same rule as one conditional SQL upsert for
//!   receivers sharing a database (SQLite or PostgreSQL).
//! - [`http`]: `Retry-After`, `RateLimit-Policy` and `RateLimit` values.
//! - [`error`]: [`QuotaError`] with stable codes.
//!
//! The window is chosen by the receiver's `now`, never the event's
//! timestamp. Only admitted requests count; refusals change nothing. The
//! limit is read from the plan at each decision, so plan changes take effect
//! at once and `remaining` is never negative after a downgrade.

pub mod decide;
pub mod error;
pub mod http;
pub mod ledger;
pub mod plan;
pub mod shared_store;
pub mod snapshot;
pub mod window;

pub use decide::{decide, Counter, Decision, Request};
pub use error::QuotaError;
pub use ledger::Ledger;
pub use plan::{Limit, Metric, Plan};
pub use snapshot::{Snapshot, SnapshotRow, SNAPSHOT_VERSION};
pub use window::{Period, Window};
