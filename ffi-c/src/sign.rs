//! One-shot signing and verification: `erpops_sign`, `erpops_verify`.
//!
//! For many bodies under one secret, `erpops_signer` (see `signer.rs`) keeps
//! the keyed state and is faster.

use core::ffi::c_char;

use erpops_core::signature::{self, Secret};

use crate::boundary::{guard, input, required, write_out, Failure};
use crate::status::erpops_status;

/// Signs `body` with `secret`: writes the header value
/// `sha256=<64 lowercase hex>` (`ERPOPS_SIGNATURE_HEADER_LEN` = 71 bytes,
/// plus a NUL when `header_cap` > 71) to `header_out` and 71 to
/// `*header_len`.
///
/// The body is signed byte for byte as given (never decoded).
/// Errors: `ERPOPS_STATUS_SECRET_EMPTY`, `ERPOPS_STATUS_NULL_ARGUMENT`,
/// `ERPOPS_STATUS_BUFFER_TOO_SMALL`.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_sign(
    secret: *const u8,
    secret_len: usize,
    body: *const u8,
    body_len: usize,
    header_out: *mut c_char,
    header_cap: usize,
    header_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract for (pointer, length) inputs.
        let secret = Secret::new(unsafe { input(secret, secret_len, "secret")? })?;
        // SAFETY: as above.
        let body = unsafe { input(body, body_len, "body")? };
        let header = signature::sign(&secret, body);
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

/// Verifies that `header` (the `X-ERPOps-Signature` value, pointer + length;
/// NULL/0 means the request had none) is the signature of `body` under one
/// of `secret_count` candidate secrets (`secrets[i]` of `secret_lens[i]`
/// bytes, e.g. the current and the previous secret during a rotation).
///
/// Returns `ERPOPS_STATUS_OK` and, when `matched_index` is not NULL, the
/// index of the matching secret; otherwise `ERPOPS_STATUS_SIGNATURE_MISSING`,
/// `_MALFORMED` or `_MISMATCH`. Every candidate is compared in constant time.
/// `secrets`/`secret_lens` may be NULL only when `secret_count` is 0 (which
/// verifies nothing: `_MISMATCH`).
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_verify(
    secrets: *const *const u8,
    secret_lens: *const usize,
    secret_count: usize,
    body: *const u8,
    body_len: usize,
    header: *const u8,
    header_len: usize,
    matched_index: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract: arrays of `secret_count` elements.
        let keys = unsafe { secret_list(secrets, secret_lens, secret_count)? };
        // SAFETY: as above.
        let body = unsafe { input(body, body_len, "body")? };
        // SAFETY: as above.
        let header = unsafe { input(header, header_len, "header")? };
        let matched = signature::verify(&keys, body, Some(header))?;
        if !matched_index.is_null() {
            // SAFETY: non-NULL, caller promises a writable size_t.
            unsafe { matched_index.write(matched.index) };
        }
        Ok(())
    })
}

/// Reads C arrays of secret pointers and lengths into keyed secrets.
///
/// # Safety
/// `ptrs` and `lens` must each be NULL (only with `count` 0) or point to
/// `count` readable elements; each `ptrs[i]` must satisfy [`input`]'s
/// contract for `lens[i]`.
unsafe fn secret_list(
    ptrs: *const *const u8,
    lens: *const usize,
    count: usize,
) -> Result<Vec<Secret>, Failure> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let ptrs = required(ptrs.cast_mut(), "secrets")?;
    let lens = required(lens.cast_mut(), "secret_lens")?;
    let mut keys = Vec::with_capacity(count.min(16));
    for i in 0..count {
        // SAFETY: `i < count`, arrays of `count` elements (caller contract).
        let (p, n) = unsafe { (*ptrs.add(i), *lens.add(i)) };
        // SAFETY: caller contract for each element.
        let bytes = unsafe { input(p, n, "secrets[i]")? };
        let key =
            Secret::new(bytes).map_err(|e| Failure::new(e.into(), format!("secrets[{i}]: {e}")))?;
        keys.push(key);
    }
    Ok(keys)
}
