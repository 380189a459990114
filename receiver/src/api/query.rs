//! Query strings and cursors of the REST API.

use erpops_core::Timestamp;

use crate::store::Cursor;

/// Decodes `%XX` and `+` of one query component; `None` if malformed.
pub fn percent_decode(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next()?;
                let lo = bytes.next()?;
                let hex = [hi, lo];
                let s = std::str::from_utf8(&hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).ok()
}

/// `(key, value)` pairs of a query string, in order.
pub fn parse(query: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for part in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode(k)
            .ok_or_else(|| format!("query parameter {k:?} is not valid percent-encoding"))?;
        let v = percent_decode(v)
            .ok_or_else(|| format!("the value of {k} is not valid percent-encoding"))?;
        out.push((k, v));
    }
    Ok(out)
}

/// A cursor as sent to clients: `<nanos>.<id>` (opaque to them).
pub fn encode_cursor(c: &Cursor) -> String {
    format!("{}.{}", c.at, c.id)
}

/// Reads a cursor back; `None` when it was not made by [`encode_cursor`].
pub fn decode_cursor(text: &str) -> Option<Cursor> {
    let (at, id) = text.split_once('.')?;
    Some(Cursor {
        at: at.parse().ok()?,
        id: id.to_owned(),
    })
}

/// `since`: RFC 3339 (the event contract's parser) or Unix seconds.
pub fn parse_since(text: &str) -> Option<Timestamp> {
    if let Ok(secs) = text.parse::<i64>() {
        return Some(Timestamp::from_unix_seconds(secs));
    }
    erpops_core::event::parse_timestamp(text).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decoding_and_cursors() {
        assert_eq!(percent_decode("a%20b+c").unwrap(), "a b c");
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%4").is_none());
        let q = parse(Some("status=open&source=PSFT%5FPAYROLL&flag")).unwrap();
        assert_eq!(q[1], ("source".to_owned(), "PSFT_PAYROLL".to_owned()));
        assert_eq!(q[2], ("flag".to_owned(), String::new()));
        let c = Cursor {
            at: 42,
            id: "inc_x".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
        assert!(decode_cursor("nope").is_none());
        assert_eq!(parse_since("60").unwrap().unix_seconds(), 60);
        assert_eq!(
            parse_since("1970-01-01T00:02:00Z").unwrap().unix_seconds(),
            120
        );
        assert!(parse_since("yesterday").is_none());
    }
}
