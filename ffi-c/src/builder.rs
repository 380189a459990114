//! `erpops_event_builder`: fill an event field by field (from C structs or
//! COBOL working storage), then build the body — and sign it — in one call.
//!
//! Setters only fail for argument problems (NULL, invalid UTF-8); every rule
//! of the event contract is checked by `_build`/`_build_signed`, which return
//! `ERPOPS_STATUS_INVALID_EVENT` and list every violation in
//! `erpops_last_error_message`, or `ERPOPS_STATUS_BODY_TOO_LARGE` when the
//! fields are valid but the body would be longer than the receiver's limit
//! (64 KiB, or `_set_max_body_bytes`). A builder can be built again after
//! fixing a field.

use core::ffi::c_char;

use erpops_core::event::{EventBuilder, MetadataValue};
use erpops_core::signature::Secret;
use erpops_core::Timestamp;

use crate::boundary::{guard, guard_or, input, input_str, required, write_out, Failure};
use crate::status::erpops_status;

/// Opaque event builder. Create with `erpops_event_builder_new`, free with
/// `erpops_event_builder_free`.
pub struct erpops_event_builder {
    inner: EventBuilder,
}

/// # Safety
/// `ptr` must be NULL or a live builder.
unsafe fn builder_mut<'a>(ptr: *mut erpops_event_builder) -> Result<&'a mut EventBuilder, Failure> {
    let ptr = required(ptr, "builder")?;
    // SAFETY: live handle, exclusive use promised by the caller.
    Ok(unsafe { &mut (*ptr).inner })
}

/// # Safety
/// `ptr` must be NULL or a live builder.
unsafe fn builder_ref<'a>(ptr: *const erpops_event_builder) -> Result<&'a EventBuilder, Failure> {
    let ptr = required(ptr.cast_mut(), "builder")?;
    // SAFETY: live handle (caller contract).
    Ok(unsafe { &(*ptr).inner })
}

/// Runs a text setter: checks the handle and the UTF-8 text, then hands the
/// text to `set` (the core's setter, which defers every rule to `build`).
///
/// # Safety
/// `builder` NULL or live and used by this thread only; `(text, len)` a
/// valid input.
unsafe fn set_text(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
    set: impl FnOnce(&mut EventBuilder, &str),
) -> Result<(), Failure> {
    // SAFETY: caller contract.
    let b = unsafe { builder_mut(builder)? };
    // SAFETY: caller contract for inputs.
    set(b, unsafe { input_str(text, len, "text")? });
    Ok(())
}

/// Creates an empty builder in `*builder_out`.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_new(
    builder_out: *mut *mut erpops_event_builder,
) -> erpops_status {
    guard(|| {
        let out = required(builder_out, "builder_out")?;
        let handle = Box::into_raw(Box::new(erpops_event_builder {
            inner: EventBuilder::new(),
        }));
        // SAFETY: non-NULL, writable (caller contract).
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a builder; NULL is ignored. Not thread-safe on one handle.
#[no_mangle]
pub unsafe extern "C" fn erpops_event_builder_free(builder: *mut erpops_event_builder) {
    guard_or((), || {
        if !builder.is_null() {
            // SAFETY: a handle from `_new`, freed once (caller contract).
            drop(unsafe { Box::from_raw(builder) });
        }
    })
}

/// Sets `connector_id` from its hyphenated UUID text (any hex case).
/// Not thread-safe on one handle (nor are the other setters).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_connector_id(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.connector_id_str(t);
        })
    })
}

/// Sets `event_type`, e.g. `integration.failed`.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_event_type(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.event_type(t);
        })
    })
}

/// Sets `timestamp` from RFC 3339 text with any offset (normalized to UTC),
/// e.g. `2026-04-20T05:00:00+02:00`.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_timestamp(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.timestamp_str(t);
        })
    })
}

/// Sets `timestamp` from Unix milliseconds.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_timestamp_ms(
    builder: *mut erpops_event_builder,
    unix_ms: i64,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let b = unsafe { builder_mut(builder)? };
        b.timestamp(Timestamp::from_unix_millis(unix_ms));
        Ok(())
    })
}

/// Sets `severity`: `info`, `warn`, `error` or `critical`.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_severity(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.severity_str(t);
        })
    })
}

/// Sets `source`, e.g. `PSFT_PAYROLL_BATCH`.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_source(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.source(t);
        })
    })
}

/// Sets `message`. Pass it through `erpops_redact` first if it may carry
/// personal data.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_message(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.message(t);
        })
    })
}

/// Sets `metadata.run_id`, the id that pairs one run's signals: send the
/// same id (e.g. the job name and its process instance) on the run's
/// `….started` event and on its `….succeeded` or `….failed`. Replaces an
/// earlier `run_id`. The rule (1 to 128 characters, no control characters,
/// not even tab or newline) is checked by `_build`, which reports a
/// violation at `/metadata/run_id` (`format` or `too_long`) with
/// `ERPOPS_STATUS_INVALID_EVENT`.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_run_id(
    builder: *mut erpops_event_builder,
    text: *const u8,
    len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe {
        set_text(builder, text, len, |b, t| {
            b.run_id(t);
        })
    })
}

/// Sets `metadata.records_processed`, how many records the run processed
/// (usually on its `….succeeded` or `….failed` event). Replaces an earlier
/// value. Any `uint64_t` is valid.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_records_processed(
    builder: *mut erpops_event_builder,
    records: u64,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let b = unsafe { builder_mut(builder)? };
        b.records_processed(records);
        Ok(())
    })
}

/// Adds one metadata entry (replacing an earlier value of the same key).
///
/// # Safety
/// As every setter: live builder, valid (pointer, length) key.
unsafe fn add(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
    value: MetadataValue,
) -> Result<(), Failure> {
    // SAFETY: caller contract.
    let b = unsafe { builder_mut(builder)? };
    // SAFETY: caller contract for inputs.
    let key = unsafe { input_str(key, key_len, "key")? };
    b.metadata(key, value);
    Ok(())
}

/// Adds a string metadata entry.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_add_string(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract for inputs.
        let value = unsafe { input_str(value, value_len, "value")? };
        // SAFETY: caller contract.
        unsafe {
            add(
                builder,
                key,
                key_len,
                MetadataValue::String(value.to_owned()),
            )
        }
    })
}

/// Adds a signed integer metadata entry (kept exactly).
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_add_int(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
    value: i64,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe { add(builder, key, key_len, MetadataValue::from(value)) })
}

/// Adds an unsigned integer metadata entry (up to 2^64 − 1, kept exactly).
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_add_uint(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
    value: u64,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe { add(builder, key, key_len, MetadataValue::from(value)) })
}

/// Adds a floating-point metadata entry (must be finite; NaN and infinities
/// are reported by `_build`).
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_add_float(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
    value: f64,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe { add(builder, key, key_len, MetadataValue::from(value)) })
}

/// Adds a boolean metadata entry.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_add_bool(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
    value: bool,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe { add(builder, key, key_len, MetadataValue::Bool(value)) })
}

/// Adds a `null` metadata entry.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_add_null(
    builder: *mut erpops_event_builder,
    key: *const u8,
    key_len: usize,
) -> erpops_status {
    // SAFETY: caller contract.
    guard(|| unsafe { add(builder, key, key_len, MetadataValue::Null) })
}

/// Sets the largest body `_build` and `_build_signed` emit, in bytes: the
/// `max_body_bytes` of the receiver the event goes to, when it is not the
/// default 65536 (64 KiB). A longer body is refused with
/// `ERPOPS_STATUS_BODY_TOO_LARGE` before anything is signed.
///
/// Not thread-safe on one handle: serialize calls on the same builder.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_set_max_body_bytes(
    builder: *mut erpops_event_builder,
    max_body_bytes: usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let b = unsafe { builder_mut(builder)? };
        b.max_body_bytes(max_body_bytes);
        Ok(())
    })
}

/// Builds the body: compact JSON in the contract's field order, fields not
/// set left out. `ERPOPS_STATUS_INVALID_EVENT` lists every violation in
/// `erpops_last_error_message`; `ERPOPS_STATUS_BODY_TOO_LARGE` (the fields
/// are valid, the body is longer than the limit: 65536 bytes unless
/// `_set_max_body_bytes` set another) names the body's size and the limit
/// there. The time window is not checked (no clock).
///
/// Thread-safe for concurrent builds on one handle, not with setters.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_build(
    builder: *const erpops_event_builder,
    body_out: *mut c_char,
    body_cap: usize,
    body_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let b = unsafe { builder_ref(builder)? };
        let body = b.build()?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(&body, body_out, body_cap, body_len, "body_out") }
    })
}

/// Builds the body and signs exactly those bytes with `secret`: the body
/// goes to `body_out`, the `X-ERPOps-Signature` value to `header_out`. When
/// either buffer is too small, both `*body_len` and `*header_len` receive
/// the sizes needed and nothing else is written. A body longer than the
/// limit is refused with `ERPOPS_STATUS_BODY_TOO_LARGE`, as by `_build`,
/// before it is signed.
///
/// Thread-safe as `erpops_event_builder_build`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_event_builder_build_signed(
    builder: *const erpops_event_builder,
    secret: *const u8,
    secret_len: usize,
    body_out: *mut c_char,
    body_cap: usize,
    body_len: *mut usize,
    header_out: *mut c_char,
    header_cap: usize,
    header_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let b = unsafe { builder_ref(builder)? };
        // SAFETY: caller contract for inputs.
        let secret = Secret::new(unsafe { input(secret, secret_len, "secret")? })?;
        let signed = b.build_signed(&secret)?;
        let header = signed.signature.as_bytes();
        let body_len = required(body_len, "body_len")?;
        let header_len = required(header_len, "header_len")?;
        if body_cap < signed.body.len() || header_cap < header.len() {
            // SAFETY: both checked non-NULL; writable (caller contract).
            unsafe {
                body_len.write(signed.body.len());
                header_len.write(header.len());
            }
            return Err(Failure::new(
                erpops_status::BufferTooSmall,
                format!(
                    "need {} bytes for the body (have {body_cap}) and {} for the header (have {header_cap})",
                    signed.body.len(),
                    header.len()
                ),
            ));
        }
        // SAFETY: caller contract for outputs; both fit.
        unsafe {
            write_out(&signed.body, body_out, body_cap, body_len, "body_out")?;
            write_out(header, header_out, header_cap, header_len, "header_out")
        }
    })
}
