//! The edge between C and Rust: panic guard, last error, pointer checks.
//!
//! Every export runs its body inside [`guard`] (fallible calls) or
//! [`guard_or`] (calls that return a value, not a status). A test
//! (`tests/guards.rs`) reads the sources and fails if an export does not.

use core::cell::RefCell;
use core::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::erpops_status;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A failed call: its status and the detailed message for
/// `erpops_last_error_message`.
#[derive(Debug)]
pub struct Failure {
    /// The status returned to C.
    pub status: erpops_status,
    /// The detail kept for `erpops_last_error_message` (never a secret).
    pub message: String,
}

impl Failure {
    /// A failure with a status and a detailed message.
    pub fn new(status: erpops_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<erpops_core::signature::SignatureError> for Failure {
    fn from(e: erpops_core::signature::SignatureError) -> Self {
        Failure::new(e.into(), e.to_string())
    }
}

impl From<erpops_core::signature::SecretError> for Failure {
    fn from(e: erpops_core::signature::SecretError) -> Self {
        Failure::new(e.into(), e.to_string())
    }
}

impl From<erpops_core::event::BuildError> for Failure {
    fn from(e: erpops_core::event::BuildError) -> Self {
        Failure::new((&e).into(), e.to_string())
    }
}

impl From<erpops_core::event::Violations> for Failure {
    fn from(v: erpops_core::event::Violations) -> Self {
        Failure::new(erpops_status::InvalidEvent, v.to_string())
    }
}

fn set_last_error(message: &str) {
    LAST_ERROR.with(|slot| {
        if let Ok(mut s) = slot.try_borrow_mut() {
            s.clear();
            s.push_str(message);
        }
    });
}

/// Runs the body of a fallible export: clears the thread's last error, turns
/// `Err` into its status (keeping the message) and a panic into
/// `ERPOPS_STATUS_INTERNAL`.
pub fn guard(body: impl FnOnce() -> Result<(), Failure>) -> erpops_status {
    set_last_error("");
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => erpops_status::Ok,
        Ok(Err(f)) => {
            set_last_error(&f.message);
            f.status
        }
        Err(_) => {
            set_last_error("internal error: libERPOps caught a panic; no output was written");
            erpops_status::Internal
        }
    }
}

/// Runs the body of an export that returns a plain value; a panic returns
/// `fallback`. The last error is left as it was (these calls cannot fail).
pub fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Borrows a C input buffer. NULL is accepted only with length 0 (an empty
/// input).
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable bytes that stay valid and
/// unmodified for the returned lifetime.
pub unsafe fn input<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Failure::new(
            erpops_status::NullArgument,
            format!("`{name}` is NULL but its length is {len}; pass a buffer or length 0"),
        ));
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(
            erpops_status::InvalidArgument,
            format!("`{name}` length {len} is larger than any buffer can be"),
        ));
    }
    // SAFETY: non-NULL, length bounded, validity promised by the caller.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// Borrows a C text input (pointer + length, no NUL needed) as UTF-8.
///
/// # Safety
/// As for [`input`].
pub unsafe fn input_str<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { input(ptr, len, name)? };
    core::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            erpops_status::InvalidUtf8,
            format!(
                "`{name}` is not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Checks a required output pointer.
pub fn required<T>(ptr: *mut T, name: &str) -> Result<*mut T, Failure> {
    if ptr.is_null() {
        Err(Failure::new(
            erpops_status::NullArgument,
            format!("`{name}` is NULL; pass a pointer to receive the result"),
        ))
    } else {
        Ok(ptr)
    }
}

/// Copies `data` into a caller buffer of capacity `cap`, sets `*out_len` to
/// `data.len()` and adds a NUL after it when there is room. When the buffer
/// is too small only `*out_len` (the size needed) is written.
///
/// # Safety
/// `out` must be NULL or point to `cap` writable bytes; `out_len` must be
/// NULL or point to a writable `size_t`.
pub unsafe fn write_out(
    data: &[u8],
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    name: &str,
) -> Result<(), Failure> {
    // Checked by hand, not with `required`, so the success path never
    // formats a message (this runs on every signature).
    if out_len.is_null() {
        return Err(Failure::new(
            erpops_status::NullArgument,
            format!("the length pointer for `{name}` is NULL; pass a size_t to receive the length"),
        ));
    }
    if cap < data.len() {
        // SAFETY: checked non-NULL above; caller promises it is writable.
        unsafe { out_len.write(data.len()) };
        return Err(Failure::new(
            erpops_status::BufferTooSmall,
            format!(
                "`{name}` has room for {cap} bytes but {} are needed; *{name}_len holds the size",
                data.len()
            ),
        ));
    }
    if out.is_null() {
        if data.is_empty() {
            // SAFETY: as above.
            unsafe { out_len.write(0) };
            return Ok(());
        }
        return Err(Failure::new(
            erpops_status::NullArgument,
            format!("`{name}` is NULL but its capacity is {cap}"),
        ));
    }
    // SAFETY: `out` has `cap >= data.len()` writable bytes (caller contract);
    // source and destination cannot overlap because `data` is owned by us
    // or is an input the caller must not alias with an output.
    unsafe {
        core::ptr::copy_nonoverlapping(data.as_ptr(), out.cast::<u8>(), data.len());
        if cap > data.len() {
            out.cast::<u8>().add(data.len()).write(0);
        }
        out_len.write(data.len());
    }
    Ok(())
}

/// Copies the detailed message of the last failed call on this thread into a
/// caller buffer (empty when the last call succeeded). Same buffer rules as
/// every output: `ERPOPS_STATUS_BUFFER_TOO_SMALL` and the size needed in
/// `*out_len` when it does not fit.
///
/// Thread-safe: each thread has its own last error. Reading it does not
/// clear it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_last_error_message(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    // `guard_or`, not `guard`: `guard` would clear the message being read.
    guard_or(erpops_status::Internal, || {
        let message =
            LAST_ERROR.with(|slot| slot.try_borrow().map(|s| s.clone()).unwrap_or_default());
        // SAFETY: forwarded caller contract.
        match unsafe { write_out(message.as_bytes(), buf, cap, out_len, "buf") } {
            Ok(()) => erpops_status::Ok,
            Err(f) => f.status,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_internal_with_a_message() {
        let status = guard(|| -> Result<(), Failure> { panic!("boom") });
        assert_eq!(status, erpops_status::Internal);
        let mut buf = [0 as c_char; 128];
        let mut len = 0usize;
        let s = unsafe { erpops_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(s, erpops_status::Ok);
        let text = String::from_utf8_lossy(unsafe {
            core::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len)
        })
        .into_owned();
        assert!(text.contains("panic"), "{text}");
        assert_eq!(guard_or(7, || -> i32 { panic!("boom") }), 7);
    }
}
