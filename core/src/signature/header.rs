//! The text form of a signature: `sha256=` + 64 hex digits.

use core::fmt;

use super::error::{MalformedReason, SignatureError};

/// The label that starts every signature value (compared case-insensitively
/// when verifying, always written in lowercase when signing).
pub const LABEL: &str = "sha256=";

/// Length in bytes of a signature header value: `sha256=` + 64 hex digits.
pub const HEADER_LEN: usize = LABEL.len() + 64;

/// A signature ready to send: exactly `sha256=<64 lowercase hex digits>`.
///
/// Stored inline (no allocation): signing a body allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureHeader {
    text: [u8; HEADER_LEN],
}

impl SignatureHeader {
    /// Formats a raw 32-byte MAC as a header value.
    pub fn from_mac(mac: &[u8; 32]) -> Self {
        let mut text = [0u8; HEADER_LEN];
        let (label, digits) = text.split_at_mut(LABEL.len());
        label.copy_from_slice(LABEL.as_bytes());
        // Cannot fail: `digits` is exactly twice the length of `mac`.
        let _ = hex::encode_to_slice(mac, digits);
        SignatureHeader { text }
    }

    /// The header value as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written into `text`.
        core::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The header value as bytes (71 ASCII bytes).
    pub fn as_bytes(&self) -> &[u8; HEADER_LEN] {
        &self.text
    }

    /// The 32 MAC bytes this header encodes.
    pub fn mac(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        if let Some(digits) = self.text.get(LABEL.len()..) {
            let _ = hex::decode_to_slice(digits, &mut out);
        }
        out
    }
}

impl fmt::Display for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SignatureHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureHeader({})", self.as_str())
    }
}

impl AsRef<str> for SignatureHeader {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A signature header value that passed the strict syntax check: the 32 MAC
/// bytes it claims.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ParsedSignature {
    mac: [u8; 32],
}

impl fmt::Debug for ParsedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ParsedSignature(..)")
    }
}

impl ParsedSignature {
    /// The claimed MAC.
    pub fn mac(&self) -> &[u8; 32] {
        &self.mac
    }

    /// Parses a header value strictly.
    ///
    /// Accepted: optional spaces/tabs, the label `sha256=` in any letter
    /// case, exactly 64 hex digits in either case, optional spaces/tabs.
    /// A value that is empty or only blanks is [`SignatureError::Missing`];
    /// anything else is [`SignatureError::Malformed`].
    pub fn parse(value: &[u8]) -> Result<Self, SignatureError> {
        let value = crate::wire::trim_ows(value);
        if value.is_empty() {
            return Err(SignatureError::Missing);
        }
        let (label, digits) = match value.split_at_checked(LABEL.len()) {
            Some(parts) => parts,
            None => return Err(SignatureError::Malformed(MalformedReason::Label)),
        };
        if !label.eq_ignore_ascii_case(LABEL.as_bytes()) {
            return Err(SignatureError::Malformed(MalformedReason::Label));
        }
        if let Some(at) = digits.iter().position(|b| !b.is_ascii_hexdigit()) {
            return Err(SignatureError::Malformed(MalformedReason::NotHex { at }));
        }
        if digits.len() != 64 {
            return Err(SignatureError::Malformed(MalformedReason::Length {
                found: digits.len(),
            }));
        }
        let mut mac = [0u8; 32];
        hex::decode_to_slice(digits, &mut mac)
            .map_err(|_| SignatureError::Malformed(MalformedReason::NotHex { at: 0 }))?;
        Ok(ParsedSignature { mac })
    }

    /// Parses an optional header: `None` (header absent) is
    /// [`SignatureError::Missing`].
    pub fn parse_optional(value: Option<&[u8]>) -> Result<Self, SignatureError> {
        match value {
            Some(v) => Self::parse(v),
            None => Err(SignatureError::Missing),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGITS: &str = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";

    fn parse(s: &str) -> Result<ParsedSignature, SignatureError> {
        ParsedSignature::parse(s.as_bytes())
    }

    #[test]
    fn accepts_label_in_any_case_and_digits_in_either_case() {
        let want = parse(&format!("sha256={DIGITS}")).unwrap();
        for v in [
            format!("SHA256={DIGITS}"),
            format!("Sha256={}", DIGITS.to_uppercase()),
            format!(" \t sha256={DIGITS}\t "),
        ] {
            assert_eq!(parse(&v).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn blank_or_absent_is_missing() {
        assert_eq!(parse(""), Err(SignatureError::Missing));
        assert_eq!(parse(" \t "), Err(SignatureError::Missing));
        assert_eq!(
            ParsedSignature::parse_optional(None),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn reports_why_it_is_malformed() {
        use MalformedReason::*;
        let m = |r| Err(SignatureError::Malformed(r));
        assert_eq!(parse("sha256="), m(Length { found: 0 }));
        assert_eq!(
            parse(&format!("sha256={}", &DIGITS[1..])),
            m(Length { found: 63 })
        );
        assert_eq!(parse(&format!("sha256={DIGITS}0")), m(Length { found: 65 }));
        assert_eq!(parse(&format!("sha512={DIGITS}")), m(Label));
        assert_eq!(parse(&format!("sha256:{DIGITS}")), m(Label));
        assert_eq!(parse(DIGITS), m(Label));
        assert_eq!(parse(&format!("sha256=={DIGITS}")), m(NotHex { at: 0 }));
        assert_eq!(parse(&format!("sha256= {DIGITS}")), m(NotHex { at: 0 }));
        assert_eq!(
            parse(&format!("sha256={}g", &DIGITS[1..])),
            m(NotHex { at: 63 })
        );
        assert_eq!(parse("sha"), m(Label));
    }

    #[test]
    fn header_round_trips_through_parse() {
        let mac = [0xabu8; 32];
        let h = SignatureHeader::from_mac(&mac);
        assert_eq!(h.as_str().len(), HEADER_LEN);
        assert!(h.as_str().starts_with("sha256=abab"));
        assert_eq!(h.mac(), mac);
        assert_eq!(ParsedSignature::parse(h.as_bytes()).unwrap().mac(), &mac);
    }
}
