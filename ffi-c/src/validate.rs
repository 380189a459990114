//! `erpops_validate`: the event contract for C receivers — the same parser,
//! rules and messages as every other language.
//!
//! The result is an `erpops_validation` handle: either the normalized event
//! (read its fields) or every violation (count + pointer/code/message).

use core::ffi::c_char;
use std::time::Duration;

use erpops_core::event::{parse_event, ParseOptions, ParsedEvent, Violations};
use erpops_core::pii::PiiPolicy;
use erpops_core::Timestamp;

use crate::boundary::{guard, guard_or, input, input_str, required, write_out, Failure};
use crate::status::erpops_status;

/// `pii_policy`: replace personal data with `[REDACTED:<kind>]` (default).
pub const ERPOPS_PII_POLICY_REDACT: i32 = 0;
/// `pii_policy`: refuse an event that carries personal data.
pub const ERPOPS_PII_POLICY_REJECT: i32 = 1;
/// `pii_policy`: keep the text as sent.
pub const ERPOPS_PII_POLICY_ALLOW: i32 = 2;

/// Field numbers for `erpops_validation_field`.
pub const ERPOPS_FIELD_CONNECTOR_ID: i32 = 1;
/// `event_type`.
pub const ERPOPS_FIELD_EVENT_TYPE: i32 = 2;
/// `timestamp`, normalized RFC 3339 UTC text.
pub const ERPOPS_FIELD_TIMESTAMP: i32 = 3;
/// `severity` (`info` when the body had none).
pub const ERPOPS_FIELD_SEVERITY: i32 = 4;
/// `source` (optional: `ERPOPS_STATUS_NOT_FOUND` when absent).
pub const ERPOPS_FIELD_SOURCE: i32 = 5;
/// `message` after PII redaction (optional).
pub const ERPOPS_FIELD_MESSAGE: i32 = 6;

/// Options of `erpops_validate`. Get the defaults from
/// `erpops_validate_options_default()` and change what you need; pass NULL
/// for the defaults. `struct_size` lets the struct grow in later versions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct erpops_validate_options {
    /// `sizeof(erpops_validate_options)`.
    pub struct_size: usize,
    /// How far in the future a timestamp may be, in ms (default 300000).
    pub future_skew_ms: i64,
    /// How old a timestamp may be, in ms (default 86400000).
    pub max_age_ms: i64,
    /// Largest accepted body in bytes (default 65536).
    pub max_body_bytes: usize,
    /// `ERPOPS_PII_POLICY_REDACT` (default), `_REJECT` or `_ALLOW`.
    pub pii_policy: i32,
}

/// The contract's defaults: 5 min skew, 24 h age, 64 KiB, redact.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn erpops_validate_options_default() -> erpops_validate_options {
    guard_or(DEFAULTS, || DEFAULTS)
}

const DEFAULTS: erpops_validate_options = erpops_validate_options {
    struct_size: core::mem::size_of::<erpops_validate_options>(),
    future_skew_ms: erpops_core::event::options::DEFAULT_FUTURE_SKEW.as_millis() as i64,
    max_age_ms: erpops_core::event::options::DEFAULT_MAX_AGE.as_millis() as i64,
    max_body_bytes: erpops_core::event::options::DEFAULT_MAX_BODY_BYTES,
    pii_policy: ERPOPS_PII_POLICY_REDACT,
};

fn millis(value: i64, name: &str) -> Result<Duration, Failure> {
    u64::try_from(value)
        .map(Duration::from_millis)
        .map_err(|_| {
            Failure::new(
                erpops_status::InvalidArgument,
                format!("options.{name} is {value}; it must be 0 or more milliseconds"),
            )
        })
}

fn parse_options(o: &erpops_validate_options, now: Timestamp) -> Result<ParseOptions, Failure> {
    if o.struct_size != DEFAULTS.struct_size {
        return Err(Failure::new(
            erpops_status::InvalidArgument,
            format!(
                "options.struct_size is {} but this library expects {}; start from \
                 erpops_validate_options_default()",
                o.struct_size, DEFAULTS.struct_size
            ),
        ));
    }
    let policy = match o.pii_policy {
        ERPOPS_PII_POLICY_REDACT => PiiPolicy::Redact,
        ERPOPS_PII_POLICY_REJECT => PiiPolicy::Reject,
        ERPOPS_PII_POLICY_ALLOW => PiiPolicy::Allow,
        other => {
            return Err(Failure::new(
                erpops_status::InvalidArgument,
                format!(
                "options.pii_policy is {other}; use ERPOPS_PII_POLICY_REDACT, _REJECT or _ALLOW"
            ),
            ))
        }
    };
    Ok(ParseOptions::new(now)
        .with_window(
            millis(o.future_skew_ms, "future_skew_ms")?,
            millis(o.max_age_ms, "max_age_ms")?,
        )
        .with_max_body_bytes(o.max_body_bytes)
        .with_pii_policy(policy))
}

/// Opaque result of `erpops_validate`; free with `erpops_validation_free`.
pub struct erpops_validation {
    result: Result<ParsedEvent, Violations>,
}

/// # Safety
/// `ptr` must be NULL or a live result.
unsafe fn result_ref<'a>(ptr: *const erpops_validation) -> Result<&'a erpops_validation, Failure> {
    let ptr = required(ptr.cast_mut(), "validation")?;
    // SAFETY: live handle (caller contract).
    Ok(unsafe { &*ptr })
}

impl erpops_validation {
    fn parsed(&self) -> Result<&ParsedEvent, Failure> {
        self.result.as_ref().map_err(|v| {
            Failure::new(
                erpops_status::InvalidEvent,
                format!("the event is not valid, it has no fields: {v}"),
            )
        })
    }

    fn violations(&self) -> &[erpops_core::event::Violation] {
        match &self.result {
            Ok(_) => &[],
            Err(v) => v.as_slice(),
        }
    }
}

/// Validates a received body against the event contract.
///
/// - `connector_id`: the `X-ERPOps-Connector-Id` header value (NULL/0 when
///   absent); the body's `connector_id` must equal it.
/// - `now_unix_ms`: the receiver's clock; the timestamp window is relative
///   to it.
/// - `options`: NULL for the defaults.
///
/// Returns `ERPOPS_STATUS_OK` (valid) or `ERPOPS_STATUS_INVALID_EVENT`; in
/// both cases `*result_out` receives a result handle to read and free. Any
/// other status writes nothing.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validate(
    body: *const u8,
    body_len: usize,
    connector_id: *const u8,
    connector_id_len: usize,
    now_unix_ms: i64,
    options: *const erpops_validate_options,
    result_out: *mut *mut erpops_validation,
) -> erpops_status {
    guard(|| {
        let out = required(result_out, "result_out")?;
        // SAFETY: caller contract for inputs.
        let body = unsafe { input(body, body_len, "body")? };
        // SAFETY: caller contract for inputs.
        let header = unsafe { input_str(connector_id, connector_id_len, "connector_id")? };
        let options = if options.is_null() {
            DEFAULTS
        } else {
            // SAFETY: non-NULL, points to an options struct (caller contract).
            unsafe { *options }
        };
        let mut opts = parse_options(&options, Timestamp::from_unix_millis(now_unix_ms))?;
        if !header.is_empty() {
            let id = erpops_core::event::parse_connector_id(header).ok_or_else(|| {
                Failure::new(
                    erpops_status::InvalidArgument,
                    format!(
                        "connector_id {header:?} is not a hyphenated UUID; pass the \
                         X-ERPOps-Connector-Id header value, or NULL/0 when there is none"
                    ),
                )
            })?;
            opts = opts.with_header_connector_id(id);
        }
        let result = parse_event(body, &opts);
        let failure = result.as_ref().err().map(|v| Failure::from(v.clone()));
        let handle = Box::into_raw(Box::new(erpops_validation { result }));
        // SAFETY: non-NULL, writable (caller contract).
        unsafe { out.write(handle) };
        failure.map_or(Ok(()), Err)
    })
}

/// Frees a result; NULL is ignored.
/// Not thread-safe on one handle: no other call may use it meanwhile.
#[no_mangle]
pub unsafe extern "C" fn erpops_validation_free(validation: *mut erpops_validation) {
    guard_or((), || {
        if !validation.is_null() {
            // SAFETY: a handle from `erpops_validate`, freed once.
            drop(unsafe { Box::from_raw(validation) });
        }
    })
}

/// Whether the event is valid; false for NULL.
///
/// Thread-safe (results are immutable), as are all `erpops_validation_*`
/// readers.
#[no_mangle]
pub unsafe extern "C" fn erpops_validation_is_valid(validation: *const erpops_validation) -> bool {
    // SAFETY: caller contract.
    guard_or(false, || {
        unsafe { result_ref(validation) }.is_ok_and(|v| v.result.is_ok())
    })
}

/// The most violations a result lists (`erpops_validation_violation_count`
/// never exceeds it): the first ones found; the others are only counted
/// (`erpops_validation_violation_total`). The 422 problem body's `errors`
/// has the same bound.
pub const ERPOPS_MAX_LISTED_VIOLATIONS: usize = 100;

/// Number of violations listed, readable by index (0 for a valid event or
/// NULL): the first `ERPOPS_MAX_LISTED_VIOLATIONS` found.
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
pub unsafe extern "C" fn erpops_validation_violation_count(
    validation: *const erpops_validation,
) -> usize {
    // SAFETY: caller contract.
    guard_or(0, || {
        unsafe { result_ref(validation) }.map_or(0, |v| v.violations().len())
    })
}

/// Number of violations found, listed or not (0 for a valid event or
/// NULL): the problem body's `error_count`. Larger than
/// `erpops_validation_violation_count` only when more than
/// `ERPOPS_MAX_LISTED_VIOLATIONS` were found.
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
pub unsafe extern "C" fn erpops_validation_violation_total(
    validation: *const erpops_validation,
) -> usize {
    // SAFETY: caller contract.
    guard_or(0, || {
        unsafe { result_ref(validation) }.map_or(0, |v| match &v.result {
            Ok(_) => 0,
            Err(violations) => violations.total(),
        })
    })
}

/// Which part of a violation to copy.
fn violation_part(
    v: &erpops_validation,
    index: usize,
    part: fn(&erpops_core::event::Violation) -> &str,
) -> Result<String, Failure> {
    let items = v.violations();
    items.get(index).map(|x| part(x).to_owned()).ok_or_else(|| {
        Failure::new(
            erpops_status::InvalidArgument,
            format!(
                "violation index {index} is out of range (there are {})",
                items.len()
            ),
        )
    })
}

/// Copies the JSON pointer of violation `index` (e.g. `/metadata/x`; `""`
/// for the whole body).
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_violation_pointer(
    validation: *const erpops_validation,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let text = violation_part(unsafe { result_ref(validation)? }, index, |x| &x.pointer)?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(text.as_bytes(), out, cap, out_len, "out") }
    })
}

/// Copies the machine code of violation `index` (`missing`, `format`, …).
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_violation_code(
    validation: *const erpops_validation,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let text = violation_part(unsafe { result_ref(validation)? }, index, |x| {
            x.code.as_str()
        })?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(text.as_bytes(), out, cap, out_len, "out") }
    })
}

/// Copies the human message of violation `index`.
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_violation_message(
    validation: *const erpops_validation,
    index: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let text = violation_part(unsafe { result_ref(validation)? }, index, |x| &x.message)?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(text.as_bytes(), out, cap, out_len, "out") }
    })
}

/// For a JSON syntax error: its 1-based line and column and 0-based byte
/// offset. `ERPOPS_STATUS_NOT_FOUND` when the body is not a syntax error.
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_syntax_position(
    validation: *const erpops_validation,
    line: *mut usize,
    column: *mut usize,
    offset: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let v = unsafe { result_ref(validation)? };
        let (line, column, offset) = (
            required(line, "line")?,
            required(column, "column")?,
            required(offset, "offset")?,
        );
        let pos = match &v.result {
            Err(violations) => violations.syntax(),
            Ok(_) => None,
        }
        .ok_or_else(|| Failure::new(erpops_status::NotFound, "the body has no syntax error"))?;
        // SAFETY: non-NULL, writable (caller contract).
        unsafe {
            line.write(pos.line);
            column.write(pos.column);
            offset.write(pos.offset);
        }
        Ok(())
    })
}

/// Copies a field of the valid, normalized event (`ERPOPS_FIELD_*`).
/// `ERPOPS_STATUS_NOT_FOUND` for an optional field the body did not have;
/// `ERPOPS_STATUS_INVALID_EVENT` when the event is not valid.
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_field(
    validation: *const erpops_validation,
    field: i32,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = &unsafe { result_ref(validation)? }.parsed()?.event;
        let text: Option<String> = match field {
            ERPOPS_FIELD_CONNECTOR_ID => Some(e.connector_id.hyphenated().to_string()),
            ERPOPS_FIELD_EVENT_TYPE => Some(e.event_type.clone()),
            ERPOPS_FIELD_TIMESTAMP => Some(e.timestamp.to_string()),
            ERPOPS_FIELD_SEVERITY => Some(e.severity.as_str().to_owned()),
            ERPOPS_FIELD_SOURCE => e.source.clone(),
            ERPOPS_FIELD_MESSAGE => e.message.clone(),
            other => {
                return Err(Failure::new(
                    erpops_status::InvalidArgument,
                    format!("field {other} is not one of the ERPOPS_FIELD_* numbers"),
                ))
            }
        };
        let text = text.ok_or_else(|| {
            Failure::new(
                erpops_status::NotFound,
                format!("field {field} was not in the body"),
            )
        })?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(text.as_bytes(), out, cap, out_len, "out") }
    })
}

/// The event's timestamp as Unix milliseconds (rounded down).
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_timestamp_ms(
    validation: *const erpops_validation,
    unix_ms_out: *mut i64,
) -> erpops_status {
    guard(|| {
        let out = required(unix_ms_out, "unix_ms_out")?;
        // SAFETY: caller contract.
        let e = &unsafe { result_ref(validation)? }.parsed()?.event;
        let ms = i64::try_from(e.timestamp.unix_millis()).map_err(|_| {
            Failure::new(
                erpops_status::InvalidArgument,
                "timestamp out of int64 milliseconds",
            )
        })?;
        // SAFETY: non-NULL, writable (caller contract).
        unsafe { out.write(ms) };
        Ok(())
    })
}

/// Copies the whole normalized event as compact JSON (absent optional
/// fields left out; metadata in body order).
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_event_json(
    validation: *const erpops_validation,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = &unsafe { result_ref(validation)? }.parsed()?.event;
        let json = serde_json::to_vec(e).map_err(|err| {
            Failure::new(
                erpops_status::Internal,
                format!("cannot encode the event: {err}"),
            )
        })?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(&json, out, cap, out_len, "out") }
    })
}

/// Copies the PII redactions applied (policy `redact`) as a JSON array of
/// `{"pointer": "/message", "kinds": ["email"]}`; `[]` when none.
///
/// Thread-safe: a result is immutable once made.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_validation_redactions_json(
    validation: *const erpops_validation,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let parsed = unsafe { result_ref(validation)? }.parsed()?;
        let json = serde_json::to_vec(&parsed.redactions).map_err(|err| {
            Failure::new(erpops_status::Internal, format!("cannot encode: {err}"))
        })?;
        // SAFETY: caller contract for outputs.
        unsafe { write_out(&json, out, cap, out_len, "out") }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_listed_bound_is_the_cores() {
        assert_eq!(
            super::ERPOPS_MAX_LISTED_VIOLATIONS,
            erpops_core::event::MAX_LISTED_VIOLATIONS
        );
    }
}
