//! International bank account numbers (ISO 13616): two-letter country
//! code, two check digits, then the country's BBAN, either in one run or in
//! groups of four separated by single spaces (the printed form). Letters
//! must be uppercase, as the standard writes them.
//!
//! A candidate must have exactly the length registered for its country
//! (the SWIFT IBAN registry, [`LENGTHS`]) and satisfy the mod-97 check
//! (rearranged number ≡ 1 mod 97). Together these leave about one chance in
//! 97 × (country and length coincidence) for a random uppercase token, and
//! none for the all-digit numbers of ERP logs. Countries outside the
//! registry (including "partial IBAN" countries) are not detected.

use super::scan::{digit_at, right_ok};

/// IBAN length per country code, sorted by code for binary search.
/// Source: SWIFT IBAN registry (release 2024/2025).
const LENGTHS: &[([u8; 2], u8)] = &[
    (*b"AD", 24),
    (*b"AE", 23),
    (*b"AL", 28),
    (*b"AT", 20),
    (*b"AZ", 28),
    (*b"BA", 20),
    (*b"BE", 16),
    (*b"BG", 22),
    (*b"BH", 22),
    (*b"BI", 27),
    (*b"BR", 29),
    (*b"BY", 28),
    (*b"CH", 21),
    (*b"CR", 22),
    (*b"CY", 28),
    (*b"CZ", 24),
    (*b"DE", 22),
    (*b"DJ", 27),
    (*b"DK", 18),
    (*b"DO", 28),
    (*b"EE", 20),
    (*b"EG", 29),
    (*b"ES", 24),
    (*b"FI", 18),
    (*b"FK", 18),
    (*b"FO", 18),
    (*b"FR", 27),
    (*b"GB", 22),
    (*b"GE", 22),
    (*b"GI", 23),
    (*b"GL", 18),
    (*b"GR", 27),
    (*b"GT", 28),
    (*b"HN", 28),
    (*b"HR", 21),
    (*b"HU", 28),
    (*b"IE", 22),
    (*b"IL", 23),
    (*b"IQ", 23),
    (*b"IS", 26),
    (*b"IT", 27),
    (*b"JO", 30),
    (*b"KW", 30),
    (*b"KZ", 20),
    (*b"LB", 28),
    (*b"LC", 32),
    (*b"LI", 21),
    (*b"LT", 20),
    (*b"LU", 20),
    (*b"LV", 21),
    (*b"LY", 25),
    (*b"MC", 27),
    (*b"MD", 24),
    (*b"ME", 22),
    (*b"MK", 19),
    (*b"MN", 20),
    (*b"MR", 27),
    (*b"MT", 31),
    (*b"MU", 30),
    (*b"NI", 28),
    (*b"NL", 18),
    (*b"NO", 15),
    (*b"OM", 23),
    (*b"PK", 24),
    (*b"PL", 28),
    (*b"PS", 29),
    (*b"PT", 25),
    (*b"QA", 29),
    (*b"RO", 24),
    (*b"RS", 22),
    (*b"RU", 33),
    (*b"SA", 24),
    (*b"SC", 31),
    (*b"SD", 18),
    (*b"SE", 24),
    (*b"SI", 19),
    (*b"SK", 24),
    (*b"SM", 27),
    (*b"SO", 23),
    (*b"ST", 25),
    (*b"SV", 28),
    (*b"TL", 23),
    (*b"TN", 24),
    (*b"TR", 26),
    (*b"UA", 29),
    (*b"VA", 22),
    (*b"VG", 24),
    (*b"XK", 20),
    (*b"YE", 30),
];

/// The registered IBAN length for a country code.
pub(super) fn country_length(code: [u8; 2]) -> Option<usize> {
    LENGTHS
        .binary_search_by(|(c, _)| c.cmp(&code))
        .ok()
        .and_then(|at| LENGTHS.get(at))
        .map(|&(_, len)| usize::from(len))
}

/// The end of an IBAN starting at `i` (already known to be a token start).
pub(super) fn match_at(bytes: &[u8], i: usize) -> Option<usize> {
    let c0 = upper_at(bytes, i)?;
    let c1 = upper_at(bytes, i + 1)?;
    let d0 = digit_at(bytes, i + 2)?;
    let d1 = digit_at(bytes, i + 3)?;
    let len = country_length([c0, c1])?;
    let grouped = bytes.get(i + 4) == Some(&b' ');
    // mod 97 of the rearranged number: BBAN first, then country and check.
    let mut rem = 0u32;
    let mut pos = i + 4;
    for n in 4..len {
        if grouped && n % 4 == 0 {
            if bytes.get(pos) != Some(&b' ') {
                return None;
            }
            pos += 1;
        }
        let b = *bytes.get(pos)?;
        rem = match b {
            b'0'..=b'9' => push_digit(rem, b - b'0'),
            b'A'..=b'Z' => push_letter(rem, b),
            _ => return None,
        };
        pos += 1;
    }
    rem = push_digit(push_digit(push_letter(push_letter(rem, c0), c1), d0), d1);
    (rem == 1 && right_ok(bytes, pos)).then_some(pos)
}

fn upper_at(bytes: &[u8], i: usize) -> Option<u8> {
    bytes.get(i).copied().filter(u8::is_ascii_uppercase)
}

fn push_digit(rem: u32, d: u8) -> u32 {
    (rem * 10 + u32::from(d)) % 97
}

/// A letter counts as two digits: `A` = 10 … `Z` = 35.
fn push_letter(rem: u32, letter: u8) -> u32 {
    (rem * 100 + u32::from(letter - b'A') + 10) % 97
}
