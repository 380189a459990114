//! # libERPOps
//!
//! The C ABI of the ERPOps SDK core, for C programs and GnuCOBOL batch jobs.
//! This crate converts types and errors and nothing else: every rule lives
//! in `erpops-core`.
//!
//! Layout:
//! - [`status`]: the stable `erpops_status` numbers, names and messages.
//! - [`boundary`]: the panic guard every export runs inside, the
//!   thread-local last error, and the checked conversions of C pointers.
//! - [`sign`]: one-shot signing and verification.
//! - [`signer`]: the `erpops_signer` handle (keyed once, streaming).
//! - [`builder`]: the `erpops_event_builder` handle: fill fields, build
//!   and sign a valid body.
//! - [`engine`]: `erpops_engine`, the whole receive decision in process,
//!   and its `erpops_response`.
//! - [`validate`]: `erpops_validate` and the `erpops_validation` result.
//! - [`redact`]: `erpops_redact`, the PII redactor.
//! - [`version`]: library and ABI versions.
//!
//! Conventions (the same text heads `erpops.h`): inputs are pointer + length,
//! outputs go to caller buffers with a capacity and `*out_len`, NULL is
//! answered with a status, and no panic ever crosses into C.

// The C ABI needs raw pointers; every unsafe block states why it is sound.
#![allow(unsafe_code)]
// C names: `erpops_status`, `erpops_signer`.
#![allow(non_camel_case_types)]
#![allow(non_snake_case)]
// Every export documents its pointer contract in its doc comment.
#![allow(clippy::missing_safety_doc)]

pub mod boundary;
pub mod builder;
pub mod engine;
pub mod engine_setup;
pub mod redact;
pub mod sign;
pub mod signer;
pub mod status;
pub mod validate;
pub mod version;

pub use status::erpops_status;
