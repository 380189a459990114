//! Core errors as JavaScript errors.
//!
//! napi-rs turns `Error<S>` into a JavaScript `Error` whose `code` is
//! `S::as_ref()`. [`Code`] carries the core's stable snake_case code, so
//! `err.code === 'secret_empty'` in JavaScript is the same string as in
//! Rust, C and Python, and `err.message` is the core's message, which tells
//! the user how to fix the input.

use napi::Error;

/// A core error code used as the napi error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// The result type of exports that fail with a core code.
pub type Result<T> = napi::Result<T, Code>;

/// A JavaScript error carrying the core error's code and message.
pub fn from_core(code: &'static str, message: impl std::fmt::Display) -> Error<Code> {
    Error::new(Code(code), message.to_string())
}

/// A secret the core refused (empty): a configuration error of the caller.
pub fn secret(e: erpops_core::SecretError) -> Error<Code> {
    from_core(e.code(), e)
}
