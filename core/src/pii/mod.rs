//! Detection and redaction of personal data in free text (contract §3.4).
//!
//! [`find`] reports e-mail addresses, US social security numbers, payment
//! card numbers, IBANs and international phone numbers; [`redact()`] replaces
//! each with `[REDACTED:<kind>]`. Precision matters as much as recall: the
//! scanned text is ERP job output full of record counts, exit codes, dates,
//! process instances and run control ids, and none of those is ever a
//! finding. What each detector accepts, and what it deliberately does not,
//! is documented in its submodule and in `docs/pii.md`.
//!
//! Submodules, top-down: `fixpoint` makes redaction idempotent by rescanning
//! around new markers; `scan` runs one pass over the bytes, dispatching to
//! the detectors `email`, `ssn`, `card`, `iban` and `phone`, and holds the
//! token-boundary rules they share; `marker` renders `[REDACTED:<kind>]`.

use core::fmt;

mod card;
mod email;
mod fixpoint;
mod iban;
mod marker;
mod phone;
mod scan;
mod ssn;

/// A kind of personal data. Wire names: `email`, `ssn`, `card`, `iban`, `phone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    /// An e-mail address.
    Email,
    /// A US social security number.
    Ssn,
    /// A Luhn-valid payment card number.
    Card,
    /// A mod-97-valid IBAN.
    Iban,
    /// A phone number in international `+` form.
    Phone,
}

impl PiiKind {
    /// The wire name used in `[REDACTED:<kind>]` and in reports.
    pub const fn as_str(&self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Ssn => "ssn",
            PiiKind::Card => "card",
            PiiKind::Iban => "iban",
            PiiKind::Phone => "phone",
        }
    }
}

impl fmt::Display for PiiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of personal data found in a text: its kind and its byte range
/// in the scanned text (`start..end`, on UTF-8 character boundaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    /// What was found.
    pub kind: PiiKind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// What a receiver does with personal data found in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PiiPolicy {
    /// Replace each finding with `[REDACTED:<kind>]`, accept the event and
    /// report the kinds (the default).
    #[default]
    Redact,
    /// Refuse the event: a `pii` violation at each field that has a finding.
    Reject,
    /// Keep the text as sent.
    Allow,
}

impl PiiPolicy {
    /// Wire spelling: `redact`, `reject`, `allow`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            PiiPolicy::Redact => "redact",
            PiiPolicy::Reject => "reject",
            PiiPolicy::Allow => "allow",
        }
    }

    /// The policy spelled exactly `s`.
    pub fn from_wire(s: &str) -> Option<PiiPolicy> {
        [PiiPolicy::Redact, PiiPolicy::Reject, PiiPolicy::Allow]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Every finding in `text`, sorted by `start`, non-overlapping, on UTF-8
/// character boundaries. Never panics, whatever the input.
///
/// The result is what [`redact()`] replaces: after redaction nothing is found
/// any more (`find(&redact(x).0)` is empty), because the scan is repeated on
/// the redacted text until it is stable (see the `fixpoint` submodule).
pub fn find(text: &str) -> Vec<Finding> {
    fixpoint::fixed_point(text)
}

/// `text` with every finding replaced by `[REDACTED:<kind>]`, and the
/// findings (byte ranges refer to the input `text`).
///
/// Idempotent: redacting the output again changes nothing.
///
/// ```
/// use erpops_core::pii::{redact, PiiKind};
///
/// let (text, found) = redact("card 4111 1111 1111 1111 declined; exit code 1 at record 18441");
/// assert_eq!(text, "card [REDACTED:card] declined; exit code 1 at record 18441");
/// assert_eq!(found.len(), 1);
/// assert_eq!((found[0].kind, found[0].start, found[0].end), (PiiKind::Card, 5, 24));
/// ```
pub fn redact(text: &str) -> (String, Vec<Finding>) {
    let findings = fixpoint::fixed_point(text);
    (marker::render(text, &findings), findings)
}
