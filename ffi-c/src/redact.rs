//! `erpops_redact`: the core's PII redactor, for senders that want to clean
//! a message before building an event.

use core::ffi::c_char;

use erpops_core::pii::{self, PiiKind};

use crate::boundary::{guard, input_str, write_out};
use crate::status::erpops_status;

/// Bit of `kinds_found` for an e-mail address.
pub const ERPOPS_PII_EMAIL: u32 = 1;
/// Bit for a US social security number.
pub const ERPOPS_PII_SSN: u32 = 2;
/// Bit for a payment card number.
pub const ERPOPS_PII_CARD: u32 = 4;
/// Bit for an IBAN.
pub const ERPOPS_PII_IBAN: u32 = 8;
/// Bit for an international phone number.
pub const ERPOPS_PII_PHONE: u32 = 16;

const fn bit(kind: PiiKind) -> u32 {
    match kind {
        PiiKind::Email => ERPOPS_PII_EMAIL,
        PiiKind::Ssn => ERPOPS_PII_SSN,
        PiiKind::Card => ERPOPS_PII_CARD,
        PiiKind::Iban => ERPOPS_PII_IBAN,
        PiiKind::Phone => ERPOPS_PII_PHONE,
    }
}

/// Writes `text` (UTF-8) with every e-mail address, SSN, card number, IBAN
/// and international phone number replaced by `[REDACTED:<kind>]`.
/// `findings_count` and `kinds_found` (a mask of `ERPOPS_PII_*` bits) are
/// optional (NULL to skip). The output can be longer than the input.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_redact(
    text: *const u8,
    text_len: usize,
    out: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    findings_count: *mut usize,
    kinds_found: *mut u32,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract for inputs.
        let text = unsafe { input_str(text, text_len, "text")? };
        let (redacted, findings) = pii::redact(text);
        // SAFETY: caller contract for outputs.
        unsafe { write_out(redacted.as_bytes(), out, cap, out_len, "out")? };
        if !findings_count.is_null() {
            // SAFETY: non-NULL, writable (caller contract).
            unsafe { findings_count.write(findings.len()) };
        }
        if !kinds_found.is_null() {
            let mask = findings.iter().fold(0, |m, f| m | bit(f.kind));
            // SAFETY: non-NULL, writable (caller contract).
            unsafe { kinds_found.write(mask) };
        }
        Ok(())
    })
}
