//! `erpops_signer`: a secret keyed once, for signing many bodies and for
//! bodies written piece by piece.
//!
//! A batch job creates one signer per secret, then either calls
//! `erpops_signer_sign` per event (the fast path: the key's HMAC pads are
//! computed once) or feeds a body with `_update` and ends it with `_finish`.

use core::ffi::c_char;

use erpops_core::signature::{Secret, Signer};

use crate::boundary::{guard, guard_or, input, required, write_out, Failure};
use crate::status::erpops_status;

/// Opaque signer handle. Create with `erpops_signer_new`, free with
/// `erpops_signer_free`.
pub struct erpops_signer {
    secret: Secret,
    stream: Signer,
}

/// Borrows a signer handle, answering NULL with a status.
///
/// # Safety
/// `ptr` must be NULL or a live handle from `erpops_signer_new`.
unsafe fn signer_ref<'a>(ptr: *const erpops_signer) -> Result<&'a erpops_signer, Failure> {
    let ptr = required(ptr.cast_mut(), "signer")?;
    // SAFETY: non-NULL live handle (caller contract).
    Ok(unsafe { &*ptr })
}

/// Creates a signer for `secret` (copied; the caller may wipe its buffer
/// afterwards) and stores the handle in `*signer_out`.
///
/// Errors: `ERPOPS_STATUS_SECRET_EMPTY`, `ERPOPS_STATUS_NULL_ARGUMENT`.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_signer_new(
    secret: *const u8,
    secret_len: usize,
    signer_out: *mut *mut erpops_signer,
) -> erpops_status {
    guard(|| {
        let out = required(signer_out, "signer_out")?;
        // SAFETY: caller contract for inputs.
        let secret = Secret::new(unsafe { input(secret, secret_len, "secret")? })?;
        let stream = Signer::new(&secret);
        let handle = Box::into_raw(Box::new(erpops_signer { secret, stream }));
        // SAFETY: `out` is non-NULL and writable (caller contract).
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Signs a whole `body` with the signer's secret (same result as
/// `erpops_sign`, without re-keying). Does not touch the streaming state.
///
/// Thread-safe for concurrent `erpops_signer_sign` calls on one handle; not
/// concurrently with `_update`, `_finish`, `_reset` or `_free` on it.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_signer_sign(
    signer: *const erpops_signer,
    body: *const u8,
    body_len: usize,
    header_out: *mut c_char,
    header_cap: usize,
    header_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = unsafe { signer_ref(signer)? };
        // SAFETY: caller contract for inputs.
        let body = unsafe { input(body, body_len, "body")? };
        let header = erpops_core::signature::sign(&s.secret, body);
        // SAFETY: caller contract for outputs.
        unsafe {
            write_out(
                header.as_bytes(),
                header_out,
                header_cap,
                header_len,
                "header_out",
            )
        }
    })
}

/// Feeds the next `len` bytes of the body being signed.
///
/// Not thread-safe on one handle: serialize calls that use the same signer.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_signer_update(
    signer: *mut erpops_signer,
    data: *const u8,
    len: usize,
) -> erpops_status {
    guard(|| {
        let ptr = required(signer, "signer")?;
        // SAFETY: caller contract for inputs.
        let data = unsafe { input(data, len, "data")? };
        // SAFETY: live handle, exclusive use promised by the caller.
        unsafe { (*ptr).stream.update(data) };
        Ok(())
    })
}

/// Writes the header for everything fed since the last `_finish`/`_reset`
/// (or creation) and starts a new, empty body with the same secret. When the
/// buffer is too small nothing is consumed: call again with a larger one.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_signer_finish(
    signer: *mut erpops_signer,
    header_out: *mut c_char,
    header_cap: usize,
    header_len: *mut usize,
) -> erpops_status {
    guard(|| {
        let ptr = required(signer, "signer")?;
        // SAFETY: live handle, exclusive use promised by the caller.
        let s = unsafe { &mut *ptr };
        let header = s.stream.clone().finalize();
        // SAFETY: caller contract for outputs.
        unsafe {
            write_out(
                header.as_bytes(),
                header_out,
                header_cap,
                header_len,
                "header_out",
            )?
        };
        s.stream = Signer::new(&s.secret);
        Ok(())
    })
}

/// Discards the body fed so far and starts a new, empty one.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_signer_reset(signer: *mut erpops_signer) -> erpops_status {
    guard(|| {
        let ptr = required(signer, "signer")?;
        // SAFETY: live handle, exclusive use promised by the caller.
        let s = unsafe { &mut *ptr };
        s.stream = Signer::new(&s.secret);
        Ok(())
    })
}

/// Number of body bytes fed since the last `_finish`/`_reset`; 0 for NULL.
///
/// Thread-safe as `erpops_signer_sign`.
#[no_mangle]
pub unsafe extern "C" fn erpops_signer_bytes_fed(signer: *const erpops_signer) -> u64 {
    guard_or(0, || {
        // SAFETY: caller contract.
        unsafe { signer_ref(signer) }.map_or(0, |s| s.stream.bytes_fed())
    })
}

/// Frees a signer. NULL is accepted and ignored. Freeing the same handle
/// twice is undefined behaviour.
///
/// Not thread-safe on one handle.
#[no_mangle]
pub unsafe extern "C" fn erpops_signer_free(signer: *mut erpops_signer) {
    guard_or((), || {
        if !signer.is_null() {
            // SAFETY: a handle from `erpops_signer_new`, freed once (caller
            // contract).
            drop(unsafe { Box::from_raw(signer) });
        }
    })
}
