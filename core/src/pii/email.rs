//! E-mail addresses in the practical syntax people and systems write:
//! `local@domain.tld`.
//!
//! - Local part: ASCII letters, digits and `. _ % + -`, at most 64 bytes,
//!   no leading, trailing or doubled dot. The rarer RFC 5322 `atext`
//!   characters (`' = / { } | ! # $ & * ? ^ ~` and backtick) are treated as
//!   delimiters, because in log text they are far more often syntax around
//!   an address (`to='a@b.example'`, `user=a@b.example`) than part of it.
//! - Domain: at least two dot-separated labels of letters, digits and
//!   hyphens (no hyphen at either end of a label, at most 63 bytes each, at
//!   most 253 in all), the last one a top-level domain of 2+ letters (or a
//!   punycode `xn--` label).
//!
//! So `user@localhost`, `@handle` and `host@10.0.0.1` are not addresses.
//! Non-ASCII (internationalised) addresses are detected from their ASCII
//! part only.

/// The range of an address whose `@` is at `at`.
pub(super) fn match_around(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let start = local_start(bytes, at)?;
    let end = domain_end(bytes, at + 1)?;
    Some((start, end))
}

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// The start of the local part ending at `at`. A run with doubled dots
/// (`see...john@`) starts after the last doubled dot. A run longer than a
/// local part can be (64 bytes after at most one leading dot) is refused
/// without reading further, which bounds the window the decision depends on.
fn local_start(bytes: &[u8], at: usize) -> Option<usize> {
    let mut start = at;
    while let Some(prev) = start.checked_sub(1) {
        match bytes.get(prev) {
            Some(&b) if is_local(b) => {
                if b == b'.' && bytes.get(start) == Some(&b'.') {
                    break;
                }
                if at - prev > 65 {
                    return None;
                }
                start = prev;
            }
            _ => break,
        }
    }
    while bytes.get(start) == Some(&b'.') {
        start += 1;
    }
    let len = at.checked_sub(start)?;
    let ok = (1..=64).contains(&len) && at.checked_sub(1).and_then(|j| bytes.get(j)) != Some(&b'.');
    ok.then_some(start)
}

fn is_label(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// The end of the longest domain starting at `from` whose last label is a
/// top-level domain; labels after an invalid one are not considered.
fn domain_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut best = None;
    let mut labels = 0;
    let mut pos = from;
    loop {
        let mut end = pos;
        while end - pos < 64 && bytes.get(end).is_some_and(|&b| is_label(b)) {
            end += 1;
        }
        let label = bytes.get(pos..end)?;
        let valid = (1..=63).contains(&label.len())
            && !bytes.get(end).is_some_and(|&b| is_label(b))
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
            && end - from <= 253;
        if !valid {
            break;
        }
        labels += 1;
        if labels >= 2 && is_tld(label) {
            best = Some(end);
        }
        if bytes.get(end) == Some(&b'.') {
            pos = end + 1;
        } else {
            break;
        }
    }
    best
}

/// File extensions that are not top-level domains, so that file names with
/// an `@` (`logo@2x.png`, `export@2026.csv`) are not addresses.
const FILE_EXTENSIONS: &[&[u8]] = &[
    b"bak", b"css", b"csv", b"dat", b"doc", b"docx", b"gif", b"htm", b"html", b"jpeg", b"jpg",
    b"js", b"json", b"log", b"pdf", b"png", b"sql", b"svg", b"tmp", b"txt", b"xls", b"xlsx",
    b"xml",
];

fn is_tld(label: &[u8]) -> bool {
    let alpha = label.len() >= 2
        && label.iter().all(u8::is_ascii_alphabetic)
        && !FILE_EXTENSIONS
            .iter()
            .any(|e| e.eq_ignore_ascii_case(label));
    let puny = label.len() > 4
        && label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"));
    alpha || puny
}
