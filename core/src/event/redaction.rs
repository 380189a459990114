//! Applying the tenant's PII policy to the text fields of an event
//! (contract §3.4): `source`, `message` and metadata string values.
//!
//! Detection itself is [`crate::pii`]'s job; this module decides what the
//! parser does with the findings and how they are reported without ever
//! repeating the personal data.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::pii::{self, Finding, PiiKind, PiiPolicy};

use super::violation::{ViolationCode, Violations};

/// What was redacted in one field: its pointer and the kinds found there
/// (sorted, each once). The receive decision reports these so a sender
/// learns that its events carry personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// JSON pointer of the field, e.g. `/message` or `/metadata/note`.
    pub pointer: String,
    /// The kinds of personal data replaced in it.
    pub kinds: Vec<PiiKind>,
}

/// Serialized as `{"pointer": "/message", "kinds": ["email"]}` for the
/// receive response.
impl Serialize for Redaction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kinds: Vec<&str> = self.kinds.iter().map(PiiKind::as_str).collect();
        let mut s = serializer.serialize_struct("Redaction", 2)?;
        s.serialize_field("pointer", &self.pointer)?;
        s.serialize_field("kinds", &kinds)?;
        s.end()
    }
}

fn kinds_of(findings: &[Finding]) -> Vec<PiiKind> {
    let mut kinds: Vec<PiiKind> = findings.iter().map(|f| f.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// "email at character 12, card at character 40" (1-based code points).
fn describe(text: &str, findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            let at = text.get(..f.start).map_or(0, |p| p.chars().count()) + 1;
            format!("{} at character {at}", f.kind)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `policy` to `text` found at `pointer` (built only when there is
/// something to report). Returns the text to keep; a `reject` finding is
/// added to `violations`, a `redact` one to `redactions`.
pub(crate) fn apply(
    policy: PiiPolicy,
    text: String,
    pointer: impl FnOnce() -> String,
    violations: &mut Violations,
    redactions: &mut Vec<Redaction>,
) -> String {
    if policy == PiiPolicy::Allow {
        return text;
    }
    let findings = pii::find(&text);
    if findings.is_empty() {
        return text;
    }
    match policy {
        PiiPolicy::Reject => {
            violations.add(
                pointer(),
                ViolationCode::Pii,
                format!(
                    "personal data found ({}); remove it before sending (the SDK's redact function replaces it with [REDACTED:<kind>])",
                    describe(&text, &findings)
                ),
            );
            text
        }
        PiiPolicy::Redact | PiiPolicy::Allow => {
            let (redacted, findings) = pii::redact(&text);
            redactions.push(Redaction {
                pointer: pointer(),
                kinds: kinds_of(&findings),
            });
            redacted
        }
    }
}
