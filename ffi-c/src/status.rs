//! `erpops_status`: the result of every fallible call.
//!
//! The numbers are part of the ABI: stable, grouped by domain (1xx argument
//! errors, 2xx signatures, 3xx events, 9xx internal), never reused. C and
//! COBOL callers compare against the constants in `erpops.h` / `ERPOPS.cpy`.

use core::ffi::c_char;

use erpops_core::event::BuildError;
use erpops_core::signature::{SecretError, SignatureError};

use crate::boundary::guard_or;

/// Result code of every fallible libERPOps call. 0 is success.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum erpops_status {
    /// Success.
    Ok = 0,
    /// An argument has a value the call cannot use (see the last error message).
    InvalidArgument = 100,
    /// A required pointer is NULL (or NULL with a non-zero length).
    NullArgument = 101,
    /// The output buffer is too small; `*out_len` holds the size needed.
    BufferTooSmall = 102,
    /// Text input is not valid UTF-8.
    InvalidUtf8 = 103,
    /// The requested item is absent (an optional event field that was not
    /// sent).
    NotFound = 104,
    /// The secret is empty.
    SecretEmpty = 200,
    /// No signature header value was given (NULL/empty/blank).
    SignatureMissing = 201,
    /// The signature header is not `sha256=` + 64 hex digits.
    SignatureMalformed = 202,
    /// The signature does not match the body under any given secret.
    SignatureMismatch = 203,
    /// The event breaks the event contract; the violations are listed by
    /// `erpops_last_error_message` (builder) or the validation result.
    InvalidEvent = 300,
    /// The event is valid but its body would be longer than the size limit
    /// (64 KiB unless `erpops_event_builder_set_max_body_bytes` set another):
    /// a receiver would refuse it with 413 `body_too_large`. Nothing was
    /// written or signed; `erpops_last_error_message` names both sizes.
    /// Shorten the message or metadata values.
    BodyTooLarge = 301,
    /// A bug in libERPOps was caught (a Rust panic); nothing was written.
    Internal = 900,
}

impl erpops_status {
    /// Every status, in numeric order.
    pub const ALL: [erpops_status; 13] = [
        erpops_status::Ok,
        erpops_status::InvalidArgument,
        erpops_status::NullArgument,
        erpops_status::BufferTooSmall,
        erpops_status::InvalidUtf8,
        erpops_status::NotFound,
        erpops_status::SecretEmpty,
        erpops_status::SignatureMissing,
        erpops_status::SignatureMalformed,
        erpops_status::SignatureMismatch,
        erpops_status::InvalidEvent,
        erpops_status::BodyTooLarge,
        erpops_status::Internal,
    ];

    /// The status with number `n`, if there is one.
    pub fn from_i32(n: i32) -> Option<erpops_status> {
        Self::ALL.into_iter().find(|s| *s as i32 == n)
    }

    /// The machine code, the same string the Python and Node bindings use
    /// (`signature_mismatch`, …), NUL-terminated for C.
    pub const fn name_c(&self) -> &'static str {
        match self {
            erpops_status::Ok => "ok\0",
            erpops_status::InvalidArgument => "invalid_argument\0",
            erpops_status::NullArgument => "null_argument\0",
            erpops_status::BufferTooSmall => "buffer_too_small\0",
            erpops_status::InvalidUtf8 => "invalid_utf8\0",
            erpops_status::NotFound => "not_found\0",
            erpops_status::SecretEmpty => "secret_empty\0",
            erpops_status::SignatureMissing => "signature_missing\0",
            erpops_status::SignatureMalformed => "signature_malformed\0",
            erpops_status::SignatureMismatch => "signature_mismatch\0",
            erpops_status::InvalidEvent => "invalid_event\0",
            erpops_status::BodyTooLarge => "body_too_large\0",
            erpops_status::Internal => "internal\0",
        }
    }

    /// The machine code without the terminator.
    pub fn name(&self) -> &'static str {
        self.name_c().trim_end_matches('\0')
    }

    /// A one-line description, NUL-terminated for C.
    pub const fn message_c(&self) -> &'static str {
        match self {
            erpops_status::Ok => "success\0",
            erpops_status::InvalidArgument => "an argument has a value the call cannot use\0",
            erpops_status::NullArgument => {
                "a required pointer is NULL, or NULL with a non-zero length\0"
            }
            erpops_status::BufferTooSmall => {
                "the output buffer is too small; *out_len holds the size needed\0"
            }
            erpops_status::InvalidUtf8 => "text input is not valid UTF-8\0",
            erpops_status::NotFound => "the requested item is absent\0",
            erpops_status::SecretEmpty => "the secret is empty\0",
            erpops_status::SignatureMissing => "the signature header value is missing\0",
            erpops_status::SignatureMalformed => {
                "the signature header is not sha256= followed by 64 hex digits\0"
            }
            erpops_status::SignatureMismatch => {
                "the signature does not match the body; sign the exact bytes sent\0"
            }
            erpops_status::InvalidEvent => {
                "the event breaks the event contract; see the violations\0"
            }
            erpops_status::BodyTooLarge => {
                "the event body would be larger than the size limit; shorten the message or \
                 metadata\0"
            }
            erpops_status::Internal => "internal error in libERPOps (a bug; please report it)\0",
        }
    }
}

impl From<SignatureError> for erpops_status {
    fn from(e: SignatureError) -> Self {
        match e {
            SignatureError::Missing => erpops_status::SignatureMissing,
            SignatureError::Malformed(_) => erpops_status::SignatureMalformed,
            SignatureError::Mismatch => erpops_status::SignatureMismatch,
        }
    }
}

impl From<&BuildError> for erpops_status {
    fn from(e: &BuildError) -> Self {
        match e {
            BuildError::Invalid(_) => erpops_status::InvalidEvent,
            BuildError::BodyTooLarge(_) => erpops_status::BodyTooLarge,
        }
    }
}

impl From<SecretError> for erpops_status {
    fn from(e: SecretError) -> Self {
        match e {
            SecretError::Empty => erpops_status::SecretEmpty,
        }
    }
}

const UNKNOWN_NAME: &str = "unknown\0";
const UNKNOWN_MESSAGE: &str = "unknown status number\0";

/// The machine code of a status number as a static NUL-terminated string
/// (`"ok"`, `"signature_mismatch"`, …); `"unknown"` for a number that is not
/// a status. Never NULL; never free it.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn erpops_status_name(status: i32) -> *const c_char {
    guard_or(UNKNOWN_NAME.as_ptr().cast(), || {
        erpops_status::from_i32(status)
            .map_or(UNKNOWN_NAME, |s| s.name_c())
            .as_ptr()
            .cast()
    })
}

/// A one-line English description of a status number as a static
/// NUL-terminated string. Never NULL; never free it. For the details of the
/// last failure on this thread use `erpops_last_error_message`.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn erpops_status_message(status: i32) -> *const c_char {
    guard_or(UNKNOWN_MESSAGE.as_ptr().cast(), || {
        erpops_status::from_i32(status)
            .map_or(UNKNOWN_MESSAGE, |s| s.message_c())
            .as_ptr()
            .cast()
    })
}
