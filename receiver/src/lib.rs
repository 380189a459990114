//! # erpops-receiver
//!
//! The `erpops` binary's library: the one crate with I/O around
//! `erpops_core` (contract §8, issue #11). Every answer on the receive
//! endpoint comes from the core's two-step decision; this crate reads the
//! request, looks things up, stores what the decision says and writes the
//! response.
//!
//! Modules, top-down:
//! - [`cli`]: the command line (clap).
//! - [`settings`]: TOML file → `ERPOPS_*` environment → flags.
//! - [`clock`]: the clock and the OS random source (secrets, ids).
//! - [`store`]: the [`store::WriterStore`] and the other store traits, on SQLite and PostgreSQL.
//! - [`writer`]: the single writer thread (group commit, incident timers).
//! - [`server`]: hyper routes, body limit, timeouts, connection limit.
//! - [`api`]: the REST API under `/v1` (API keys, tenant-scoped reads,
//!   incident commands through the writer).
//! - [`serve`]: wiring and graceful shutdown.
//! - [`metrics`]: counters for `GET /metrics`.
//! - [`health`]: whether the store takes writes, for `GET /healthz`.
//! - [`demo`]: `serve --demo`.
//! - [`admin`]: `erpops admin`; [`backup`]: its `backup` and `restore`.
//! - [`admin_app`]: the browser app at `/admin` (sessions, CSRF, pages).
//! - [`logging`]: the log filter (no statement parameters, at any level).
//! - [`diskspace`]: why a SQLite store could not be opened, when it is space.
//! - [`alerts`]: notifications from the core's alerting, their delivery
//!   (log, signed webhook) and their admin commands.
//! - [`client`]: `erpops sign` / `erpops send`.
//! - [`backoff`]: the one retry schedule of `erpops send` and alert delivery.
//! - [`https`]: outbound TLS: the system's trusted CAs and the https client
//!   (webhooks, `erpops send`, PostgreSQL's `sslrootcert=system`).

pub mod admin;
pub mod admin_app;
pub mod alerts;
pub mod api;
pub mod backoff;
pub mod backup;
pub mod cli;
pub mod client;
pub mod clock;
pub mod datalock;
pub mod demo;
pub mod diskspace;
pub mod health;
pub mod https;
pub mod logging;
pub mod metrics;
pub mod ops;
pub mod retention;
pub mod serve;
pub mod server;
pub mod settings;
pub mod store;
pub mod writer;
