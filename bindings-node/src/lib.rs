//! # erpops (Node)
//!
//! napi-rs bindings of `erpops-core` for the Node package `erpops`. This
//! crate converts JavaScript values to core types and core errors to
//! JavaScript errors, and nothing else: every rule lives in the core, once.
//!
//! The generated `native.js`/`native.d.ts` load and describe these exports;
//! the hand-written `index.js` on top adds the pieces that are JavaScript by
//! nature (the `ErpopsError` class, argument type checks that throw
//! `TypeError`, `Date` conversion and the Express/Connect middleware's body
//! reading).
//!
//! Modules, top-down:
//! - [`input`]: `Buffer | Uint8Array | string` arguments, borrowed in place.
//! - [`error`]: core error codes as the JavaScript `err.code`.
//! - [`sign`]: `sign`, `verify`, the `Signer` class and wire constants.
//! - [`fast`]: the per-request calls (`verify`, `validate`) outside the
//!   generated glue.
//! - [`event`]: `validate`'s options and violations, `buildEvent`,
//!   `signedRequest` and `redact`.
//! - [`packed`]: the accepted event as one packed string for JavaScript.
//! - [`receive`]: `checkRequest`, the core's receive decision for existing
//!   receivers.
//! - [`engine`]: `ReceiveEngine`, the core's in-memory receiver.
//! - [`quota`]: the `QuotaLedger` class over the core's quota ledger.
//! - [`incident`]: the `IncidentModel` class over the core's incident model.
//! - [`alert`]: the `AlertEngine` class over the core's alerting layer
//!   (rules, silences, heartbeats, jobs, maintenance windows), and the same
//!   operations on `ReceiveEngine`.
//! - [`schedule`]: the `Schedule` class (cron entries in IANA time zones,
//!   next fire times) and `TZDB_VERSION`.
//!
//! Every export carries `#[napi(catch_unwind)]`: a panic becomes a thrown
//! JavaScript error instead of aborting the Node process. A test in
//! `__test__/boundary.test.mjs` reads these sources and fails if one does not.

pub mod alert;
pub mod engine;
pub mod error;
pub mod event;
pub mod fast;
pub mod incident;
pub mod input;
pub mod packed;
pub mod quota;
pub mod receive;
pub mod schedule;
pub mod sign;

use napi_derive::napi;

/// Test hook: panics inside the boundary so the suite can check that a Rust
/// panic reaches JavaScript as a thrown error and the process lives on.
#[napi(catch_unwind, js_name = "__panicForTests")]
pub fn panic_for_tests() {
    #[allow(clippy::panic)]
    {
        panic!("deliberate panic for the test suite")
    }
}
