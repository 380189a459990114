//! Session cookies and CSRF tokens.
//!
//! The cookie holds 32 random bytes (hex); the store keeps only their
//! SHA-256, so neither a copy of the database nor a log line can sign
//! anybody in. Each session has its own CSRF token, sent in a hidden
//! input of every form and compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "erpops_session";
/// The sign-in form's own token cookie (before a session exists).
pub const LOGIN_COOKIE: &str = "erpops_login";

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> Result<String, String> {
    Ok(hex::encode(crate::clock::random_bytes::<32>()?))
}

/// The stored id of a cookie value: SHA-256 hex.
pub fn session_id(cookie_value: &str) -> String {
    hex::encode(Sha256::digest(cookie_value.as_bytes()))
}

/// Whether two tokens are equal, in time independent of where they
/// differ (length differences return at once: the length is public).
pub fn same_token(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The value of cookie `name` among the request's `Cookie` headers.
pub fn cookie<'a>(headers: impl Iterator<Item = &'a str>, name: &str) -> Option<String> {
    for header in headers {
        for pair in header.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                if k.trim() == name {
                    let v = v.trim().trim_matches('"');
                    // Only what this app sets (hex); anything else is
                    // nobody's session.
                    if !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Some(v.to_owned());
                    }
                }
            }
        }
    }
    None
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, scoped to `path`,
/// `Secure` when browsers reach the receiver over TLS; `max_age` 0
/// deletes it.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_tokens() {
        let headers = ["a=1; erpops_session=abcdef", "x=y"];
        assert_eq!(
            cookie(headers.iter().copied(), COOKIE).as_deref(),
            Some("abcdef")
        );
        assert_eq!(
            cookie(["erpops_session=<script>"].into_iter(), COOKIE),
            None
        );
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("", ""));
        assert_eq!(session_id("x").len(), 64);
        assert!(set_cookie(COOKIE, "v", "/admin", 5, true).ends_with("; Secure"));
    }
}
