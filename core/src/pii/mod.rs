//! Detection and redaction of personal data in free text (contract §3.4).
//!
//! **Interface only**: the detectors are being written (issue #3, PII part);
//! until then [`find`] reports nothing. The types and signatures below are
//! the agreed interface that the event parser and the bindings call.

use core::fmt;

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

/// Every finding in `text`, sorted by `start`, non-overlapping.
pub fn find(text: &str) -> Vec<Finding> {
    let _ = text;
    Vec::new()
}

/// `text` with every finding replaced by `[REDACTED:<kind>]`, and the
/// findings (byte ranges refer to the input `text`).
pub fn redact(text: &str) -> (String, Vec<Finding>) {
    let findings = find(text);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in &findings {
        out.push_str(text.get(at..f.start).unwrap_or_default());
        out.push_str("[REDACTED:");
        out.push_str(f.kind.as_str());
        out.push(']');
        at = f.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    (out, findings)
}
