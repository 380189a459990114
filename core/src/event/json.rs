//! A strict, allocation-light JSON scanner over UTF-8 text (RFC 8259).
//!
//! Why not serde_json: its defaults accept duplicate keys (keeping the last)
//! and forget where values were, and it turns integers above `u64::MAX` into
//! floats. The contract needs every duplicate reported at its JSON pointer,
//! integers kept exactly or refused, and precise line/column positions for
//! syntax errors, on the hot path of every receiver. This scanner is a pull
//! parser: the event layer ([`super::parse`]) asks for the next key or value
//! and decides what each field may be. Strings without escapes are borrowed
//! from the body, not copied.
//!
//! Containers that the event layer does not want (an object where a string
//! belongs, anything nested in metadata) are skipped *iteratively* with an
//! explicit stack, checking their syntax and duplicate keys on the way, so
//! hostile nesting can never overflow the call stack; nesting deeper than
//! [`MAX_DEPTH`] is refused as a syntax error.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::violation::{pointer_join, ViolationCode, Violations};

/// The message of every `duplicate_key` violation.
pub(crate) const DUPLICATE_KEY_MESSAGE: &str =
    "this key appears more than once in the same object; send each key once";

/// Deepest nesting accepted anywhere in a body (objects and arrays, the
/// top-level object counting as 1). A valid event needs 2.
pub const MAX_DEPTH: usize = 128;

/// A syntax error: what is wrong and the byte offset where it was noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub what: &'static str,
}

pub(crate) type Result<T> = core::result::Result<T, SyntaxError>;

/// A JSON number, classified the way the contract needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// An integer (no fraction, no exponent) in `i64` range.
    Int(i64),
    /// An integer above `i64::MAX`, up to `u64::MAX`.
    UInt(u64),
    /// A number with a fraction or exponent, finite.
    Float(f64),
    /// An integer outside −2⁶³..2⁶⁴−1.
    IntOutOfRange,
    /// A float too large for `f64` (would be infinite).
    FloatOverflow,
}

/// A value as the event layer sees it: scalars in full, containers only by
/// kind (already skipped and checked).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Str(Cow<'a, str>),
    Num(Number),
    Bool(bool),
    Null,
    Object,
    Array,
}

impl Value<'_> {
    /// "a string", "an object", … for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Num(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
            Value::Object => "an object",
            Value::Array => "an array",
        }
    }
}

/// A set of keys of one object, to find duplicates. Small objects (the
/// common case) use a linear scan; large ones switch to an ordered set so a
/// hostile body with thousands of keys stays `O(n log n)`. No hashing, so no
/// random seed.
#[derive(Debug, Default)]
pub(crate) struct KeySet<'a> {
    small: Vec<Cow<'a, str>>,
    big: Option<BTreeSet<Cow<'a, str>>>,
}

impl<'a> KeySet<'a> {
    const SMALL: usize = 16;

    /// Adds `key`; `false` when it was already there. Takes the `Cow` so a
    /// borrowed key is stored without copying.
    #[allow(clippy::ptr_arg)]
    pub fn insert(&mut self, key: &Cow<'a, str>) -> bool {
        if let Some(big) = &mut self.big {
            return big.insert(key.clone());
        }
        if self.small.iter().any(|k| k == key) {
            return false;
        }
        self.small.push(key.clone());
        if self.small.len() > Self::SMALL {
            self.big = Some(self.small.drain(..).collect());
        }
        true
    }
}

/// Where a skipped container sits: the pointer of the value being skipped.
/// Built only when a duplicate inside it has to be reported.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Base<'p> {
    /// The whole document (pointer `""`).
    Root,
    /// The member `key` of the object at pointer `parent`.
    Member { parent: &'p str, key: &'p str },
}

impl Base<'_> {
    fn pointer(&self) -> String {
        match self {
            Base::Root => String::new(),
            Base::Member { parent, key } => pointer_join(parent, key),
        }
    }
}

enum Frame<'a> {
    Object { keys: KeySet<'a>, key: Cow<'a, str> },
    Array { index: usize },
}

/// The scanner: a position in a UTF-8 text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Non-zero when some byte of `v` is below `n` (n ≤ 128): the classic
/// "has less" bit trick, exact as a yes/no answer.
#[inline]
pub(crate) const fn has_byte_below(v: u64, n: u8) -> u64 {
    v.wrapping_sub(ONES * n as u64) & !v & HIGHS
}

/// Non-zero when some byte of `v` equals `b`.
#[inline]
pub(crate) const fn has_byte(v: u64, b: u8) -> u64 {
    has_byte_below(v ^ (ONES * b as u64), 1)
}

/// The eight bytes at `at`, if there are eight.
#[inline]
pub(crate) fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// Moves `pos` over plain string bytes (not `"`, `\\` or a control
/// character), eight at a time while it can.
#[inline]
fn skip_plain(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(v) = word_at(bytes, pos) {
        if (has_byte(v, b'"') | has_byte(v, b'\\') | has_byte_below(v, 0x20)) != 0 {
            break;
        }
        pos += 8;
    }
    while let Some(&c) = bytes.get(pos) {
        if SPECIAL.get(usize::from(c)) != Some(&false) {
            break;
        }
        pos += 1;
    }
    pos
}

/// Bytes that end a run of plain string content: `"`, `\\` and controls.
/// (Indexing in a constant initializer is checked at compile time.)
#[allow(clippy::indexing_slicing)]
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    /// Current byte offset.
    pub fn offset(&self) -> usize {
        self.pos
    }

    fn err<T>(&self, what: &'static str) -> Result<T> {
        Err(SyntaxError {
            offset: self.pos,
            what,
        })
    }

    /// The next byte, if any.
    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    pub fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !is_ws(b) {
                break;
            }
            self.pos += 1;
        }
    }

    /// Consumes `b` (after whitespace) or fails with `what`.
    pub fn expect(&mut self, b: u8, what: &'static str) -> Result<()> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(self.eof_or(what))
        }
    }

    fn eof_or(&self, what: &'static str) -> &'static str {
        if self.pos >= self.bytes.len() {
            "unexpected end of the body"
        } else {
            what
        }
    }

    /// After whitespace: consumes `b` and returns `true` if it is next.
    pub fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// After an object member: `true` for `,`, `false` for `}`.
    pub fn member_separator(&mut self) -> Result<bool> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            _ => self.err(self.eof_or("expected ',' or '}' after an object member")),
        }
    }

    /// An object key and its `:`; the scanner must be at the key (after
    /// whitespace).
    pub fn key(&mut self) -> Result<Cow<'a, str>> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return self.err(self.eof_or("expected a string key in double quotes"));
        }
        self.pos += 1;
        let k = self.string_body()?;
        self.expect(b':', "expected ':' after the key")?;
        Ok(k)
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.bytes.len()
    }

    /// The rest of a string whose opening quote was consumed.
    fn string_body(&mut self) -> Result<Cow<'a, str>> {
        let start = self.pos;
        loop {
            self.pos = skip_plain(self.bytes, self.pos);
            let Some(&b) = self.bytes.get(self.pos) else {
                return self.err("unexpected end of the body inside a string");
            };
            match b {
                b'"' => {
                    let s = self.slice(start, self.pos)?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => {
                    let mut owned = String::with_capacity(self.pos - start + 16);
                    owned.push_str(self.slice(start, self.pos)?);
                    return self.string_escaped(owned).map(Cow::Owned);
                }
                0..=0x1f => {
                    return self.err(
                        "control character inside a string (write it as an escape such as \\n or \\u0001)",
                    )
                }
                _ => self.pos += 1,
            }
        }
    }

    fn slice(&self, start: usize, end: usize) -> Result<&'a str> {
        match self.text.get(start..end) {
            Some(s) => Ok(s),
            None => self.err("invalid UTF-8 inside a string"),
        }
    }

    /// The rest of a string that has escapes; the scanner is at a `\`.
    fn string_escaped(&mut self, mut out: String) -> Result<String> {
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return self.err("unexpected end of the body inside a string");
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.bytes.get(self.pos) else {
                        return self.err("unexpected end of the body inside a string");
                    };
                    self.pos += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.pos -= 1;
                            return self.err(
                                "invalid escape (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)",
                            );
                        }
                    };
                    out.push(c);
                }
                0..=0x1f => {
                    return self.err(
                        "control character inside a string (write it as an escape such as \\n or \\u0001)",
                    )
                }
                _ => {
                    // Copy the run up to the next quote, backslash or control.
                    let start = self.pos;
                    self.pos = skip_plain(self.bytes, self.pos);
                    out.push_str(self.slice(start, self.pos)?);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.bytes.get(self.pos) {
                Some(&c @ b'0'..=b'9') => u32::from(c - b'0'),
                Some(&c @ b'a'..=b'f') => u32::from(c - b'a' + 10),
                Some(&c @ b'A'..=b'F') => u32::from(c - b'A' + 10),
                _ => return self.err("\\u must be followed by 4 hex digits"),
            };
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    /// After `\u`: one code point, joining a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char> {
        let hi = self.hex4()?;
        let cp = if (0xD800..0xDC00).contains(&hi) {
            if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return self.err("lone UTF-16 surrogate in a \\u escape (a high surrogate must be followed by a low one)");
            }
            self.pos += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return self.err("lone UTF-16 surrogate in a \\u escape (a high surrogate must be followed by a low one)");
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else if (0xDC00..0xE000).contains(&hi) {
            return self.err("lone UTF-16 low surrogate in a \\u escape");
        } else {
            hi
        };
        match char::from_u32(cp) {
            Some(c) => Ok(c),
            None => self.err("invalid \\u escape"),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number; the scanner is at `-` or a digit.
    fn number(&mut self) -> Result<Number> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return self.err("numbers must not have leading zeros");
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => {
                if self.bytes.get(self.pos..self.pos + 8) == Some(b"Infinity") {
                    return self.err("Infinity is not a JSON number");
                }
                return self.err("expected digits in a number");
            }
        }
        let int_end = self.pos;
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.err("expected digits after the decimal point");
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err("expected digits in the exponent");
            }
            is_float = true;
        }
        if is_float {
            let lexeme = self.slice(start, self.pos)?;
            return Ok(match lexeme.parse::<f64>() {
                Ok(f) if f.is_finite() => Number::Float(f),
                _ => Number::FloatOverflow,
            });
        }
        let mut v: u64 = 0;
        for &d in self.bytes.get(int_start..int_end).unwrap_or_default() {
            match v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
            {
                Some(n) => v = n,
                None => return Ok(Number::IntOutOfRange),
            }
        }
        Ok(if negative {
            if v <= 1u64 << 63 {
                // 0 - v fits i64 for v ≤ 2⁶³.
                Number::Int((v as i128).wrapping_neg() as i64)
            } else {
                Number::IntOutOfRange
            }
        } else {
            match i64::try_from(v) {
                Ok(i) => Number::Int(i),
                Err(_) => Number::UInt(v),
            }
        })
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<()> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err("invalid literal (only true, false and null are JSON words)")
        }
    }

    /// A scalar value at the current position, or `None` at a container
    /// start (`{` or `[`).
    fn scalar(&mut self) -> Result<Option<Value<'a>>> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return self.err("unexpected end of the body, expected a value");
        };
        Ok(Some(match b {
            b'"' => {
                self.pos += 1;
                Value::Str(self.string_body()?)
            }
            b'-' | b'0'..=b'9' => Value::Num(self.number()?),
            b't' => {
                self.literal(b"true")?;
                Value::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Bool(false)
            }
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            b'{' | b'[' => return Ok(None),
            b'N' if self.bytes.get(self.pos..self.pos + 3) == Some(b"NaN") => {
                return self.err("NaN is not a JSON number")
            }
            b'I' if self.bytes.get(self.pos..self.pos + 8) == Some(b"Infinity") => {
                return self.err("Infinity is not a JSON number")
            }
            b'\'' => return self.err("strings must use double quotes"),
            _ => return self.err("expected a value"),
        }))
    }

    /// Any value. Containers are skipped (see the module docs); duplicate
    /// keys inside them are added to `out` at their pointers under `base`.
    /// `depth` is the nesting depth of the value's parent.
    pub fn value(
        &mut self,
        base: Base<'_>,
        depth: usize,
        out: &mut Violations,
    ) -> Result<Value<'a>> {
        match self.scalar()? {
            Some(v) => Ok(v),
            None => self.skip_container(base, depth, out),
        }
    }

    /// Skips the container at the current position (`{` or `[`). Cold: a
    /// valid event never has a container outside `metadata`, so keeping it
    /// out of line keeps the scalar path small.
    #[cold]
    #[inline(never)]
    pub fn skip_container(
        &mut self,
        base: Base<'_>,
        depth: usize,
        out: &mut Violations,
    ) -> Result<Value<'a>> {
        let kind = if self.peek() == Some(b'{') {
            Value::Object
        } else {
            Value::Array
        };
        let mut stack: Vec<Frame<'a>> = Vec::new();
        loop {
            // At the start of a value.
            match self.scalar()? {
                Some(_) => {}
                None => {
                    if depth + stack.len() + 1 > MAX_DEPTH {
                        return self.err("nesting is deeper than 128 levels");
                    }
                    let open = self.peek();
                    self.pos += 1;
                    self.skip_ws();
                    if open == Some(b'{') {
                        if self.peek() == Some(b'}') {
                            self.pos += 1;
                        } else {
                            let key = self.key()?;
                            let mut keys = KeySet::default();
                            keys.insert(&key);
                            stack.push(Frame::Object { keys, key });
                            continue;
                        }
                    } else if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        stack.push(Frame::Array { index: 0 });
                        continue;
                    }
                }
            }
            // After a value: close containers until one has a next element.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(kind);
                };
                self.skip_ws();
                let next = self.peek();
                match top {
                    Frame::Object { keys, key } => match next {
                        Some(b',') => {
                            self.pos += 1;
                            let k = self.key()?;
                            let duplicate = !keys.insert(&k);
                            *key = k;
                            if duplicate {
                                out.add(
                                    frames_pointer(base, &stack),
                                    ViolationCode::DuplicateKey,
                                    DUPLICATE_KEY_MESSAGE.into(),
                                );
                            }
                            break;
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            stack.pop();
                        }
                        _ => return self.err(self.eof_or("expected ',' or '}' in an object")),
                    },
                    Frame::Array { index } => match next {
                        Some(b',') => {
                            self.pos += 1;
                            *index += 1;
                            break;
                        }
                        Some(b']') => {
                            self.pos += 1;
                            stack.pop();
                        }
                        _ => return self.err(self.eof_or("expected ',' or ']' in an array")),
                    },
                }
            }
        }
    }
}

fn frames_pointer(base: Base<'_>, stack: &[Frame<'_>]) -> String {
    let mut p = base.pointer();
    for f in stack {
        p = match f {
            Frame::Object { key, .. } => pointer_join(&p, key),
            Frame::Array { index } => pointer_join(&p, &index.to_string()),
        };
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(s: &str) -> Result<Value<'_>> {
        let mut sc = Scanner::new(s);
        let mut out = Violations::new();
        sc.value(Base::Root, 1, &mut out)
    }

    #[test]
    fn integers_are_exact_at_the_edges() {
        assert_eq!(scalar("0"), Ok(Value::Num(Number::Int(0))));
        assert_eq!(scalar("-0"), Ok(Value::Num(Number::Int(0))));
        assert_eq!(
            scalar("-9223372036854775808"),
            Ok(Value::Num(Number::Int(i64::MIN)))
        );
        assert_eq!(
            scalar("-9223372036854775809"),
            Ok(Value::Num(Number::IntOutOfRange))
        );
        assert_eq!(
            scalar("9223372036854775808"),
            Ok(Value::Num(Number::UInt(1 << 63)))
        );
        assert_eq!(
            scalar("18446744073709551615"),
            Ok(Value::Num(Number::UInt(u64::MAX)))
        );
        assert_eq!(
            scalar("18446744073709551616"),
            Ok(Value::Num(Number::IntOutOfRange))
        );
        assert_eq!(scalar("1e400"), Ok(Value::Num(Number::FloatOverflow)));
        assert_eq!(scalar("1.5e2"), Ok(Value::Num(Number::Float(150.0))));
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        assert!(matches!(
            scalar("\"abc\""),
            Ok(Value::Str(Cow::Borrowed("abc")))
        ));
        assert_eq!(
            scalar(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#),
            Ok(Value::Str(Cow::Owned(
                "a\"\\/\u{8}\u{c}\n\r\té\u{1F600}".into()
            )))
        );
        assert!(scalar(r#""\ud83d""#).is_err());
        assert!(scalar(r#""\ude00""#).is_err());
        assert!(scalar("\"a\u{1}\"").is_err());
        assert!(scalar(r#""\x""#).is_err());
    }

    #[test]
    fn bad_numbers_and_words_are_syntax_errors() {
        for s in [
            "01",
            "-",
            "1.",
            "1e",
            ".5",
            "NaN",
            "Infinity",
            "-Infinity",
            "tru",
            "'a'",
        ] {
            let r = scalar(s);
            // "01" parses 0 then stops at the leading zero check.
            assert!(r.is_err(), "{s}: {r:?}");
        }
    }

    #[test]
    fn duplicates_inside_skipped_containers_have_pointers() {
        let mut sc = Scanner::new(r#"{"a":[{"k":1,"k":2}],"b":{"c":{}, "c":[]}}"#);
        let mut out = Violations::new();
        let v = sc.value(
            Base::Member {
                parent: "/metadata",
                key: "m",
            },
            2,
            &mut out,
        );
        assert_eq!(v, Ok(Value::Object));
        let ptrs: Vec<_> = out.iter().map(|v| v.pointer.as_str()).collect();
        assert_eq!(ptrs, ["/metadata/m/a/0/k", "/metadata/m/b/c"]);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = "[".repeat(100_000);
        let mut sc = Scanner::new(&deep);
        let mut out = Violations::new();
        let e = sc.value(Base::Root, 1, &mut out).unwrap_err();
        assert_eq!(e.offset, MAX_DEPTH - 1);
    }

    #[test]
    fn word_tricks_find_exactly_the_bytes_asked_for() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[lane] = b;
                let v = u64::from_le_bytes(bytes);
                assert_eq!(has_byte(v, b'"') != 0, b == b'"');
                assert_eq!(has_byte_below(v, 0x20) != 0, b < 0x20);
            }
        }
        let long = format!("\"{}\\n{}\"", "x".repeat(20), "y".repeat(20));
        assert_eq!(
            scalar(&long),
            Ok(Value::Str(Cow::Owned(format!(
                "{}\n{}",
                "x".repeat(20),
                "y".repeat(20)
            ))))
        );
    }

    #[test]
    fn key_sets_find_duplicates_small_and_large() {
        let mut ks = KeySet::default();
        let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        for k in &keys {
            assert!(ks.insert(&Cow::Borrowed(k.as_str())));
        }
        assert!(!ks.insert(&Cow::Borrowed("k3")));
        assert!(!ks.insert(&Cow::Owned("k99".to_string())));
    }
}
