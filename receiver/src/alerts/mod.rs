//! Alerting in the receiver: the core's alert engine decides who hears
//! about which incident and when; this module turns its `Notify` effects
//! into durable notifications and delivers them.
//!
//! The flow: the writer runs every accepted event, operator command and
//! timer `tick` through [`erpops_core::alert::AlertEngine`] and records each
//! notification (as `pending`) in the same transaction as the event that
//! caused it ([`notify`]). After the commit it wakes the delivery task
//! ([`deliver`]), which hands each due notification to the [`Deliverer`] of
//! its channel — [`log`] or [`webhook`] — and records the outcome:
//! delivered, retried later with exponential back-off and jitter, or failed
//! after the last attempt. Pending notifications survive a restart: the
//! next start picks them up.
//!
//! - [`notify`]: notification ids and the JSON payload.
//! - [`deliver`]: the [`Deliverer`] trait, back-off, the delivery task.
//! - [`log`]: the log deliverer (channel `log`).
//! - [`webhook`]: the signed outbound webhook (channel `webhook`).
//! - [`admin`]: `erpops admin rules|silences|heartbeats|webhooks|plans`.
//! - [`jobs`]: `erpops admin jobs|windows` and the REST views of jobs.

pub mod admin;
pub mod deliver;
pub mod jobs;
pub mod log;
pub mod notify;
pub mod webhook;

pub use deliver::{Deliverer, Delivery, DeliveryConfig};

/// The channels a rule may name: `log` (the receiver's log) and `webhook`
/// (the tenant's webhook destination).
pub const CHANNELS: &[&str] = &["log", "webhook"];
