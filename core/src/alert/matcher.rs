//! What a rule or a silence applies to: connector, source glob, event-type
//! glob and minimum severity, matched against an incident.
//!
//! Rules and silences match **incidents**, not single events: the event
//! type is the one that opened the incident and the severity is the
//! incident's (the highest seen), so every transition of one incident
//! (opened, escalated, resolved, ...) is matched alike.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Severity;
use crate::incident::Incident;

/// Whether `text` matches the glob `pattern`: `*` matches any run of
/// characters (dots included, so `integration.*` matches
/// `integration.gl.failed`), `?` exactly one character, anything else
/// itself (case-sensitive). There is no escape: ERP job names and event
/// types do not contain `*` or `?`.
///
/// Linear-time backtracking on the last `*`, so a hostile pattern cannot
/// make matching exponential.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position after the last `*` seen and the text position it resumes at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi + 1, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((after, resume)) => {
                    pi = after;
                    ti = resume + 1;
                    star = Some((after, resume + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Conditions on an incident; an absent condition matches everything, so
/// the default matches every incident.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Matchers {
    /// Only incidents of this connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<Uuid>,
    /// Glob on the incident's source (`PSFT_*`). An incident without a
    /// source matches only a pattern made of `*` alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Glob on the event type that opened the incident (`integration.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// Only incidents at least this severe (`error` matches `error` and
    /// `critical`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
}

impl Matchers {
    /// Whether every condition holds for `incident`.
    pub fn matches(&self, incident: &Incident) -> bool {
        if self
            .connector_id
            .is_some_and(|c| c != incident.connector_id)
        {
            return false;
        }
        if let Some(glob) = &self.source {
            if !glob_match(glob, incident.source.as_deref().unwrap_or_default()) {
                return false;
            }
        }
        if let Some(glob) = &self.event_type {
            if !glob_match(glob, &incident.event_type) {
                return false;
            }
        }
        self.min_severity.is_none_or(|min| incident.severity >= min)
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob_cases() {
        for (p, t, want) in [
            ("*", "", true),
            ("*", "anything.at.all", true),
            ("", "", true),
            ("", "a", false),
            ("PSFT_*", "PSFT_PAYROLL", true),
            ("PSFT_*", "XPSFT_PAYROLL", false),
            ("*.failed", "integration.failed", true),
            ("*.failed", "integration.failed.x", false),
            ("integration.*", "integration.gl.failed", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("**", "x", true),
            ("ü?", "üß", true),
            ("psft_*", "PSFT_X", false),
        ] {
            assert_eq!(glob_match(p, t), want, "{p:?} vs {t:?}");
        }
    }
}
