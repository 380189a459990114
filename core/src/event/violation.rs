//! What is wrong with a body: violations with a JSON pointer, a stable code
//! and a message that tells the sender what to change (contract §3.2, §10).
//!
//! Every language exposes a violation as the same three names, `pointer`,
//! `code` and `message`; the codes are part of the HTTP contract (they are
//! returned in the 422 problem body), so they never change spelling.
//!
//! A list keeps at most [`MAX_LISTED_VIOLATIONS`] items (the first ones, in
//! the order found) and counts the rest, so a hostile body with thousands of
//! problems costs a bounded answer: [`Violations::total`] is the full count.

use core::fmt;

use serde::{Serialize, Serializer};

/// The stable machine code of a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViolationCode {
    /// A required field is absent.
    Missing,
    /// A value has the wrong JSON type (or the body is not an object).
    Type,
    /// A string or number does not have the required form.
    Format,
    /// A value is not one of the allowed words.
    Enum,
    /// A string is longer than allowed, or the body is larger than allowed.
    TooLong,
    /// An object has more entries than allowed.
    TooMany,
    /// A top-level field that the contract does not define.
    UnknownField,
    /// The same key appears twice in one object.
    DuplicateKey,
    /// The body's connector id differs from the header's.
    Mismatch,
    /// The timestamp is further in the future than the allowed skew.
    InFuture,
    /// The timestamp is older than the maximum age.
    TooOld,
    /// Personal data found while the policy is `reject`.
    Pii,
    /// The bytes are not one strict UTF-8 JSON text.
    Syntax,
}

impl ViolationCode {
    /// Every code, in contract order.
    pub const ALL: [ViolationCode; 13] = [
        ViolationCode::Missing,
        ViolationCode::Type,
        ViolationCode::Format,
        ViolationCode::Enum,
        ViolationCode::TooLong,
        ViolationCode::TooMany,
        ViolationCode::UnknownField,
        ViolationCode::DuplicateKey,
        ViolationCode::Mismatch,
        ViolationCode::InFuture,
        ViolationCode::TooOld,
        ViolationCode::Pii,
        ViolationCode::Syntax,
    ];

    /// The wire spelling, e.g. `duplicate_key`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            ViolationCode::Missing => "missing",
            ViolationCode::Type => "type",
            ViolationCode::Format => "format",
            ViolationCode::Enum => "enum",
            ViolationCode::TooLong => "too_long",
            ViolationCode::TooMany => "too_many",
            ViolationCode::UnknownField => "unknown_field",
            ViolationCode::DuplicateKey => "duplicate_key",
            ViolationCode::Mismatch => "mismatch",
            ViolationCode::InFuture => "in_future",
            ViolationCode::TooOld => "too_old",
            ViolationCode::Pii => "pii",
            ViolationCode::Syntax => "syntax",
        }
    }

    /// The code spelled exactly `s`.
    pub fn from_wire(s: &str) -> Option<ViolationCode> {
        ViolationCode::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Serialized as its wire name, e.g. `"duplicate_key"`.
impl Serialize for ViolationCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a body. Serializes as
/// `{"pointer": …, "code": …, "message": …}`, the item of a 422 problem
/// body's `errors` in every language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// RFC 6901 JSON pointer to the offending value (no `#`); `""` is the
    /// whole document.
    pub pointer: String,
    /// Stable machine code.
    pub code: ViolationCode,
    /// What to change, for a human. Never contains personal data found in
    /// the body.
    pub message: String,
}

impl Violation {
    /// A violation at `pointer`.
    pub fn new(
        pointer: impl Into<String>,
        code: ViolationCode,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            pointer: pointer.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {} ({})", self.message, self.code)
    }
}

/// The most violations a [`Violations`] list holds: the first 100 found,
/// in their deterministic order. Every one beyond is counted
/// ([`Violations::total`]) but not kept, so the 422 problem body's `errors`
/// stays bounded (its `error_count` is the total) however many problems a
/// body has.
pub const MAX_LISTED_VIOLATIONS: usize = 100;

/// Where a JSON syntax error is, so a sender can find it in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxPosition {
    /// 1-based line (lines end at `\n`).
    pub line: usize,
    /// 1-based column, counted in characters (code points) of that line.
    pub column: usize,
    /// 0-based byte offset in the body.
    pub offset: usize,
}

/// Every violation found in a body (never empty when returned as an error).
///
/// Validation collects all of them rather than stopping at the first, so a
/// sender can fix a body in one round trip. A body that is not JSON at all
/// has exactly one `syntax` violation, and [`Violations::syntax`] gives its
/// position.
///
/// Bounded: the list keeps the first [`MAX_LISTED_VIOLATIONS`] violations
/// in the order found and only counts the others; [`len`](Self::len) is
/// the number listed, [`total`](Self::total) the number found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Violations {
    items: Vec<Violation>,
    /// Every violation found, listed or not.
    total: usize,
    syntax: Option<SyntaxPosition>,
}

impl Violations {
    /// An empty list (used while collecting).
    pub const fn new() -> Self {
        Violations {
            items: Vec::new(),
            total: 0,
            syntax: None,
        }
    }

    /// One syntax error at `position`.
    pub fn syntax_error(position: SyntaxPosition, what: &str) -> Self {
        let message = format!(
            "{what} at line {}, column {} (byte {}); the body must be one JSON object encoded as UTF-8",
            position.line, position.column, position.offset
        );
        Violations {
            items: vec![Violation::new("", ViolationCode::Syntax, message)],
            total: 1,
            syntax: Some(position),
        }
    }

    /// Adds one violation: listed while fewer than
    /// [`MAX_LISTED_VIOLATIONS`] are, only counted after that.
    pub fn push(&mut self, v: Violation) {
        self.total = self.total.saturating_add(1);
        if self.items.len() < MAX_LISTED_VIOLATIONS {
            self.items.push(v);
        }
    }

    /// Adds a violation built from its parts (counted only, like
    /// [`push`](Self::push), once the list is full).
    pub(crate) fn add(&mut self, pointer: impl Into<String>, code: ViolationCode, message: String) {
        self.push(Violation::new(pointer, code, message));
    }

    /// The listed violations in the order they were found (document order,
    /// then missing fields): the first [`MAX_LISTED_VIOLATIONS`] of
    /// [`total`](Self::total).
    pub fn iter(&self) -> core::slice::Iter<'_, Violation> {
        self.items.iter()
    }

    /// The listed violations as a slice.
    pub fn as_slice(&self) -> &[Violation] {
        &self.items
    }

    /// Number of violations listed (at most [`MAX_LISTED_VIOLATIONS`]).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Number of violations found, listed or not (the problem body's
    /// `error_count`).
    pub fn total(&self) -> usize {
        self.total
    }

    /// Whether some violations were found but not listed (more than
    /// [`MAX_LISTED_VIOLATIONS`]).
    pub fn is_truncated(&self) -> bool {
        self.total > self.items.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The position of the syntax error, when the body is not JSON.
    pub fn syntax(&self) -> Option<SyntaxPosition> {
        self.syntax
    }

    /// Whether any listed violation has `code`.
    pub fn has(&self, code: ViolationCode) -> bool {
        self.items.iter().any(|v| v.code == code)
    }

    /// The listed violations, by value.
    pub fn into_vec(self) -> Vec<Violation> {
        self.items
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = core::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid event ({} problem", self.total)?;
        if self.total != 1 {
            f.write_str("s")?;
        }
        if self.is_truncated() {
            write!(f, ", the first {} listed", self.items.len())?;
        }
        f.write_str(")")?;
        for v in &self.items {
            write!(f, "; {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Serialized as the array of its listed items (the problem body's
/// `errors`; its `error_count` is [`Violations::total`]).
impl Serialize for Violations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

/// Appends `key` to `base` as one RFC 6901 reference token (`~` → `~0`,
/// `/` → `~1`).
pub(crate) fn pointer_join(base: &str, key: &str) -> String {
    let mut p = String::with_capacity(base.len() + key.len() + 1);
    p.push_str(base);
    p.push('/');
    for c in key.chars() {
        match c {
            '~' => p.push_str("~0"),
            '/' => p.push_str("~1"),
            c => p.push(c),
        }
    }
    p
}

/// `s` quoted for a message, cut to at most 40 characters so a huge value
/// does not flood the response.
pub(crate) fn quote_short(s: &str) -> String {
    let mut out = String::from("\"");
    for (n, c) in s.chars().enumerate() {
        if n == 40 {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_their_wire_names() {
        for c in ViolationCode::ALL {
            assert_eq!(ViolationCode::from_wire(c.as_str()), Some(c));
        }
        assert_eq!(ViolationCode::TooLong.as_str(), "too_long");
    }

    #[test]
    fn violations_serialize_as_the_problem_items() {
        let mut v = Violations::new();
        v.add("/severity", ViolationCode::Enum, "pick one".into());
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"[{"pointer":"/severity","code":"enum","message":"pick one"}]"#
        );
    }

    #[test]
    fn the_list_keeps_the_first_hundred_and_counts_the_rest() {
        let mut v = Violations::new();
        for i in 0..250 {
            v.add(
                format!("/f{i}"),
                ViolationCode::UnknownField,
                "drop it".into(),
            );
        }
        assert_eq!((v.len(), v.total()), (MAX_LISTED_VIOLATIONS, 250));
        assert!(v.is_truncated() && !v.is_empty());
        assert_eq!(v.as_slice()[0].pointer, "/f0");
        assert_eq!(v.as_slice()[99].pointer, "/f99");
        assert!(v.items.capacity() <= 2 * MAX_LISTED_VIOLATIONS);
        let text = v.to_string();
        assert!(
            text.starts_with("invalid event (250 problems, the first 100 listed); /f0: "),
            "{text}"
        );
        assert_eq!(
            serde_json::to_value(&v).unwrap().as_array().unwrap().len(),
            100
        );
        let mut one = Violations::new();
        one.add("/a", ViolationCode::Missing, "add it".into());
        assert_eq!((one.len(), one.total(), one.is_truncated()), (1, 1, false));
        assert_eq!(
            one.to_string(),
            "invalid event (1 problem); /a: add it (missing)"
        );
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_join("/metadata", "a/b~c"), "/metadata/a~1b~0c");
        assert_eq!(pointer_join("", ""), "/");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let q = quote_short(&"x".repeat(100));
        assert_eq!(q.chars().count(), 43);
        assert_eq!(quote_short("a\"\u{1}"), "\"a\\\"\\u0001\"");
    }
}
