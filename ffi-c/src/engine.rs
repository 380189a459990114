//! `erpops_engine`: the whole receive decision for C receivers, in process.
//!
//! A C program that serves `POST /functions/v1/receive-event` itself (a CGI
//! step, an embedded HTTP server) registers its tenants and connectors,
//! passes each request's raw headers and body, and sends back the
//! `erpops_response` — status, headers and body exactly as every other
//! ERPOps receiver answers. The engine keeps quota, replay and incident
//! state in memory; persisting it is the caller's job.

use core::ffi::c_char;

use erpops_core::receive::{Body, Engine, InboundRequest, ReceiveConfig, Response};
use erpops_core::Timestamp;

use crate::boundary::{guard, guard_or, input, input_str, required, write_out, Failure};
use crate::status::erpops_status;

/// Opaque in-memory receive engine.
pub struct erpops_engine {
    pub(crate) inner: Engine,
}

/// Opaque response of `erpops_engine_receive`.
pub struct erpops_response {
    inner: Response,
}

pub(crate) fn admin(e: erpops_core::receive::AdminError) -> Failure {
    Failure::new(erpops_status::InvalidArgument, format!("{}: {e}", e.code()))
}

/// # Safety
/// `ptr` must be NULL or a live engine used by this thread only.
pub(crate) unsafe fn engine_mut<'a>(ptr: *mut erpops_engine) -> Result<&'a mut Engine, Failure> {
    let ptr = required(ptr, "engine")?;
    // SAFETY: live handle, exclusive use (caller contract).
    Ok(unsafe { &mut (*ptr).inner })
}

/// # Safety
/// `ptr` must be NULL or a live response.
unsafe fn response_ref<'a>(ptr: *const erpops_response) -> Result<&'a Response, Failure> {
    let ptr = required(ptr.cast_mut(), "response")?;
    // SAFETY: live handle (caller contract).
    Ok(unsafe { &(*ptr).inner })
}

/// An optional header value: NULL means the request has no such header
/// (a non-NULL pointer with length 0 is a present, empty value).
///
/// # Safety
/// As for `input`.
unsafe fn header<'a>(ptr: *const u8, len: usize, name: &str) -> Result<Option<&'a [u8]>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded caller contract.
    unsafe { input(ptr, len, name) }.map(Some)
}

/// Creates an engine with the contract's defaults (64 KiB bodies, 5 min
/// future skew, 24 h maximum age and replay window to match);
/// `erpops_engine_new_with_config` sets other limits.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_new(engine_out: *mut *mut erpops_engine) -> erpops_status {
    guard(|| {
        let out = required(engine_out, "engine_out")?;
        let handle = Box::into_raw(Box::new(erpops_engine {
            inner: Engine::new(ReceiveConfig::default()),
        }));
        // SAFETY: non-NULL, writable (caller contract).
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees an engine; NULL is ignored.
///
/// Not thread-safe on one handle: no other call may use it meanwhile.
#[no_mangle]
pub unsafe extern "C" fn erpops_engine_free(engine: *mut erpops_engine) {
    guard_or((), || {
        if !engine.is_null() {
            // SAFETY: a handle from `_new`, freed once.
            drop(unsafe { Box::from_raw(engine) });
        }
    })
}

/// Decides one request to `/functions/v1/receive-event` at `now_unix_ms`
/// and applies its effects (quota, replay memory, incidents). `method` is
/// the request's HTTP method (anything but `POST` is answered 405). Header
/// values are the raw bytes; a NULL header pointer means the header is
/// absent.
/// `body_len` larger than the engine's limit is answered 413 without
/// reading the body. `request_id` is echoed in problem bodies.
///
/// Returns `ERPOPS_STATUS_OK` whenever a response was produced — whatever
/// its HTTP status — in `*response_out`.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_receive(
    engine: *mut erpops_engine,
    method: *const u8,
    method_len: usize,
    content_type: *const u8,
    content_type_len: usize,
    signature: *const u8,
    signature_len: usize,
    connector_id: *const u8,
    connector_id_len: usize,
    body: *const u8,
    body_len: usize,
    now_unix_ms: i64,
    request_id: *const u8,
    request_id_len: usize,
    response_out: *mut *mut erpops_response,
) -> erpops_status {
    guard(|| {
        let out = required(response_out, "response_out")?;
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs (each below).
        let (method, content_type, signature, connector_id, request_id) = unsafe {
            (
                input_str(method, method_len, "method")?,
                header(content_type, content_type_len, "content_type")?,
                header(signature, signature_len, "signature")?,
                header(connector_id, connector_id_len, "connector_id")?,
                input_str(request_id, request_id_len, "request_id")?,
            )
        };
        let body = if body_len > e.config().max_body_bytes() {
            Body::TooLarge {
                length: body_len as u64,
            }
        } else {
            // SAFETY: caller contract for inputs.
            Body::Bytes(unsafe { input(body, body_len, "body")? })
        };
        let request = InboundRequest {
            method,
            content_type,
            signature,
            connector_id,
            body,
        };
        let response = e.receive(
            &request,
            Timestamp::from_unix_millis(now_unix_ms),
            request_id,
        );
        let handle = Box::into_raw(Box::new(erpops_response { inner: response }));
        // SAFETY: non-NULL, writable (caller contract).
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a response; NULL is ignored.
///
/// Not thread-safe on one handle: no other call may use it meanwhile.
#[no_mangle]
pub unsafe extern "C" fn erpops_response_free(response: *mut erpops_response) {
    guard_or((), || {
        if !response.is_null() {
            // SAFETY: a handle from `erpops_engine_receive`, freed once.
            drop(unsafe { Box::from_raw(response) });
        }
    })
}

/// The HTTP status to send (0 for NULL).
///
/// Thread-safe: a response is immutable.
#[no_mangle]
pub unsafe extern "C" fn erpops_response_status(response: *const erpops_response) -> u16 {
    // SAFETY: caller contract.
    guard_or(0, || {
        unsafe { response_ref(response) }.map_or(0, |r| r.status)
    })
}

/// Number of header fields to send (0 for NULL).
///
/// Thread-safe: a response is immutable.
#[no_mangle]
pub unsafe extern "C" fn erpops_response_header_count(response: *const erpops_response) -> usize {
    // SAFETY: caller contract.
    guard_or(0, || {
        unsafe { response_ref(response) }.map_or(0, |r| r.headers.len())
    })
}

fn header_at(r: &Response, index: usize) -> Result<&(&'static str, String), Failure> {
    r.headers.get(index).ok_or_else(|| {
        Failure::new(
            erpops_status::InvalidArgument,
            format!(
                "header index {index} is out of range (there are {})",
                r.headers.len()
            ),
        )
    })
}

/// Copies the name of header `index` (e.g. `Retry-After`).
///
/// Thread-safe: a response is immutable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_response_header_name(
    response: *const erpops_response,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let (name, _) = header_at(unsafe { response_ref(response)? }, index)?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(name.as_bytes(), out, cap, out_len, "out") }
    })
}

/// Copies the value of header `index`.
///
/// Thread-safe: a response is immutable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_response_header_value(
    response: *const erpops_response,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let (_, value) = header_at(unsafe { response_ref(response)? }, index)?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(value.as_bytes(), out, cap, out_len, "out") }
    })
}

/// Copies the response body (JSON: the 202/200 result or an RFC 9457
/// problem).
///
/// Thread-safe: a response is immutable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_response_body(
    response: *const erpops_response,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let r = unsafe { response_ref(response)? };
        // SAFETY: caller contract for outputs.
        unsafe { write_out(&r.body, out, cap, out_len, "out") }
    })
}

/// Copies the machine code of a refusal (`signature_mismatch`, …);
/// `ERPOPS_STATUS_NOT_FOUND` for 200 and 202.
///
/// Thread-safe: a response is immutable.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_response_code(
    response: *const erpops_response,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let r = unsafe { response_ref(response)? };
        let code = r
            .code
            .ok_or_else(|| Failure::new(erpops_status::NotFound, "the request was accepted"))?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(code.code().as_bytes(), out, cap, out_len, "out") }
    })
}
