//! The fast cases: every bad request that must be answered at once.

use super::cases::*;
use crate::common::raw::{self, Step};
use crate::common::{body, now_rfc3339, signature, RECEIVE};

pub fn build_corpus(connector: &str, secret: &str) -> Corpus {
    let mut c = Corpus {
        cases: Vec::new(),
        connector: connector.to_owned(),
        secret: secret.to_owned(),
    };
    let good = body(connector, "hostile corpus");
    let good = good.as_bytes();
    let ct = "Content-Type: application/json".to_owned();
    let cid = format!("X-ERPOps-Connector-Id: {connector}");
    let sig = format!("X-ERPOps-Signature: {}", c.sig(good));

    // --- Methods on the receive path: 405 before anything else. ---
    for m in [
        "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "post", "Post", "PROPFIND",
    ] {
        let bytes = raw::request(m, RECEIVE, &[], b"");
        c.raw(
            "method",
            format!("{m} without body"),
            &bytes,
            Expect::Status(405, Some("method_not_allowed")),
        );
        let bytes = raw::request(m, RECEIVE, &[ct.clone(), cid.clone(), sig.clone()], good);
        c.raw(
            "method",
            format!("{m} with a signed body"),
            &bytes,
            Expect::Status(405, Some("method_not_allowed")),
        );
    }

    // --- Content types: 415 (checked before the signature). ---
    let bad_types: &[&[u8]] = &[
        b"text/plain",
        b"application/xml",
        b"application/x-www-form-urlencoded",
        b"multipart/form-data; boundary=x",
        b"application/jsonp",
        b"application/json-patch+json",
        b"application/problem+json",
        b"text/json",
        b"json",
        b"application/",
        b"/json",
        b"application /json",
        b"application/ json",
        b"*/*",
        b"application/*",
        b"APPLICATION/XML",
        b"application/jso",
        b"application/jsonn",
        b"application/json,text/plain",
        b"",
        b"application/\xffjson",
        b"text/html; charset=utf-8",
        b"application\\json",
        b"application/json/extra",
    ];
    for t in bad_types {
        let mut bytes =
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ").into_bytes();
        bytes.extend_from_slice(t);
        bytes.extend_from_slice(
            format!(
                "\r\n{cid}\r\n{sig}\r\nContent-Length: {}\r\n\r\n",
                good.len()
            )
            .as_bytes(),
        );
        bytes.extend_from_slice(good);
        c.raw(
            "content-type",
            format!("Content-Type {}", String::from_utf8_lossy(t)),
            &bytes,
            Expect::Status(415, Some("unsupported_media_type")),
        );
    }
    c.post(
        "content-type",
        "no Content-Type",
        &[cid.clone(), sig.clone()],
        good,
        Expect::Status(415, Some("unsupported_media_type")),
    );

    // --- Signature header: missing, malformed (401 before any lookup),
    // well-formed but wrong (401 mismatch). ---
    c.post(
        "signature",
        "no signature header",
        &[ct.clone(), cid.clone()],
        good,
        Expect::Status(401, Some("signature_missing")),
    );
    let h = hex64('a');
    c.post(
        "signature",
        "empty signature header",
        &[ct.clone(), cid.clone(), "X-ERPOps-Signature: ".to_owned()],
        good,
        Expect::Status(401, Some("signature_missing")),
    );
    let malformed: Vec<Vec<u8>> = vec![
        b"sha256".to_vec(),
        b"sha256=".to_vec(),
        format!("sha256={}", &h[..63]).into_bytes(),
        format!("sha256={h}a").into_bytes(),
        format!("sha256={}", hex64('g')).into_bytes(),
        format!("sha1={}", &h[..40]).into_bytes(),
        format!("sha512={h}{h}").into_bytes(),
        format!("md5={}", &h[..32]).into_bytes(),
        format!("sha256:{h}").into_bytes(),
        format!("sha256 ={h}").into_bytes(),
        format!("={h}").into_bytes(),
        h.clone().into_bytes(),
        format!("sha256=sha256={h}").into_bytes(),
        format!("sha256={h},sha256={h}").into_bytes(),
        format!("sha256={} {}", &h[..32], &h[32..]).into_bytes(),
        b"sha256=qUqP5cyxm6YcTAhz05Hph5gvu9M=".to_vec(),
        format!("sha256=0x{}", &h[..62]).into_bytes(),
        [format!("sha256={}", &h[..63]).as_bytes(), b"\xff"].concat(),
        "sha256=\u{ff10}".as_bytes().to_vec(),
        format!("sha256= {h} x").into_bytes(),
        format!("sha256=-{}", &h[..63]).into_bytes(),
        format!("sha256={}", "0".repeat(10_000)).into_bytes(),
    ];
    for m in &malformed {
        let mut bytes = format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: localhost\r\n{ct}\r\n{cid}\r\nX-ERPOps-Signature: "
        )
        .into_bytes();
        bytes.extend_from_slice(m);
        bytes.extend_from_slice(format!("\r\nContent-Length: {}\r\n\r\n", good.len()).as_bytes());
        bytes.extend_from_slice(good);
        let shown: String = String::from_utf8_lossy(m).chars().take(40).collect();
        c.raw(
            "signature",
            format!("signature {shown:?}"),
            &bytes,
            Expect::Status(401, Some("signature_malformed")),
        );
    }
    let other_body = body(connector, "another body");
    let mismatches: Vec<(&str, String)> = vec![
        ("zero mac", format!("sha256={}", hex64('0'))),
        ("mac of another body", c.sig(other_body.as_bytes())),
        ("mac with another secret", signature("not-the-secret", good)),
        ("mac of the body plus a newline", {
            let mut b = good.to_vec();
            b.push(b'\n');
            c.sig(&b)
        }),
        ("uppercase mac of another body", {
            let s = c.sig(other_body.as_bytes());
            format!("SHA256={}", s["sha256=".len()..].to_ascii_uppercase())
        }),
        ("mac of the empty body", c.sig(b"")),
        ("one bit flipped", {
            let s = c.sig(good);
            let last = s.chars().last().unwrap();
            let flipped = if last == '0' { '1' } else { '0' };
            format!("{}{flipped}", &s[..s.len() - 1])
        }),
    ];
    for (name, s) in mismatches {
        c.post(
            "signature",
            name,
            &[ct.clone(), cid.clone(), format!("X-ERPOps-Signature: {s}")],
            good,
            Expect::Status(401, Some("signature_mismatch")),
        );
    }

    // --- Connector header. ---
    c.post(
        "connector",
        "no connector header",
        &[ct.clone(), sig.clone()],
        good,
        Expect::Status(401, Some("connector_id_missing")),
    );
    let simple = connector.replace('-', "");
    c.post(
        "connector",
        "empty connector header",
        &[ct.clone(), sig.clone(), "X-ERPOps-Connector-Id:".to_owned()],
        good,
        Expect::Status(401, Some("connector_id_missing")),
    );
    for bad in [
        "not-a-uuid".to_owned(),
        connector[..35].to_owned(),
        format!("{connector}0"),
        format!("{connector} {connector}"),
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz".to_owned(),
        format!("{connector},{connector}"),
        "'; DROP TABLE events; --".to_owned(),
        "../../etc/passwd".to_owned(),
        "%00".to_owned(),
        format!("{}{simple}", "x"),
    ] {
        c.post(
            "connector",
            format!("connector {bad:?}"),
            &[
                ct.clone(),
                sig.clone(),
                format!("X-ERPOps-Connector-Id: {bad}"),
            ],
            good,
            Expect::Status(401, Some("connector_id_malformed")),
        );
    }
    for unknown in [
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    ] {
        let b = body(unknown, "unknown connector");
        let h = raw::signed_headers(unknown, secret, b.as_bytes());
        c.post(
            "connector",
            format!("unknown connector {unknown}"),
            &h,
            b.as_bytes(),
            Expect::Status(403, Some("connector_not_found")),
        );
    }

    // --- Correctly signed bodies that are not valid events: 422. ---
    let mut bodies: Vec<(String, Vec<u8>)> = vec![
        ("empty body".into(), b"".to_vec()),
        ("null".into(), b"null".to_vec()),
        ("array".into(), b"[]".to_vec()),
        ("string".into(), b"\"event\"".to_vec()),
        ("number".into(), b"1".to_vec()),
        ("open brace".into(), b"{".to_vec()),
        ("close brace".into(), b"}".to_vec()),
        ("empty object".into(), b"{}".to_vec()),
        ("whitespace".into(), b"   \n\t ".to_vec()),
        ("truncated object".into(), good[..good.len() - 1].to_vec()),
        ("trailing garbage".into(), [good, b"x"].concat()),
        ("two objects".into(), [good, good].concat()),
        (
            "byte-order mark".into(),
            [b"\xef\xbb\xbf".as_slice(), good].concat(),
        ),
        ("NUL byte".into(), [good, b"\0"].concat()),
        (
            "single quotes".into(),
            good.iter()
                .map(|&b| if b == b'"' { b'\'' } else { b })
                .collect(),
        ),
        ("comment".into(), [b"/* c */".as_slice(), good].concat()),
        (
            "trailing comma".into(),
            [&good[..good.len() - 1], b",}"].concat(),
        ),
        ("unquoted keys".into(), b"{connector_id:1}".to_vec()),
        (
            "unknown field".into(),
            with_field(connector, "priority", "\"high\""),
        ),
        (
            "event_type number".into(),
            with_field(connector, "event_type", "1"),
        ),
        (
            "event_type one token".into(),
            with_field(connector, "event_type", "\"failed\""),
        ),
        (
            "event_type upper".into(),
            with_field(connector, "event_type", "\"Integration.Failed\""),
        ),
        (
            "event_type 200 chars".into(),
            with_field(
                connector,
                "event_type",
                &format!("\"a.{}\"", "b".repeat(200)),
            ),
        ),
        (
            "severity unknown".into(),
            with_field(connector, "severity", "\"fatal\""),
        ),
        (
            "timestamp garbage".into(),
            with_field(connector, "timestamp", "\"yesterday\""),
        ),
        (
            "timestamp in 2099".into(),
            with_field(connector, "timestamp", "\"2099-01-01T00:00:00Z\""),
        ),
        (
            "timestamp in 1970".into(),
            with_field(connector, "timestamp", "\"1970-01-01T00:00:00Z\""),
        ),
        (
            "timestamp month 13".into(),
            with_field(connector, "timestamp", "\"2026-13-01T00:00:00Z\""),
        ),
        (
            "timestamp 10 fraction digits".into(),
            with_field(
                connector,
                "timestamp",
                "\"2026-01-01T00:00:00.1234567890Z\"",
            ),
        ),
        (
            "connector mismatch".into(),
            with_field(
                connector,
                "connector_id",
                "\"00000000-0000-0000-0000-000000000000\"",
            ),
        ),
        (
            "connector not a string".into(),
            with_field(connector, "connector_id", "{}"),
        ),
        (
            "message 5000 chars".into(),
            with_field(connector, "message", &format!("\"{}\"", "m".repeat(5000))),
        ),
        (
            "message control char".into(),
            with_field(connector, "message", "\"a\\u0001b\""),
        ),
        (
            "message raw control char".into(),
            with_field(connector, "message", "\"a\u{1}b\""),
        ),
        (
            "message lone surrogate".into(),
            with_field(connector, "message", "\"\\ud800\""),
        ),
        (
            "message reversed surrogates".into(),
            with_field(connector, "message", "\"\\udc00\\ud800\""),
        ),
        (
            "message bad escape".into(),
            with_field(connector, "message", "\"\\x41\""),
        ),
        (
            "message short unicode escape".into(),
            with_field(connector, "message", "\"\\u12\""),
        ),
        (
            "message unterminated".into(),
            with_field(connector, "message", "\"abc"),
        ),
        (
            "source empty".into(),
            with_field(connector, "source", "\"\""),
        ),
        (
            "metadata array".into(),
            with_field(connector, "metadata", "[]"),
        ),
        (
            "metadata nested object".into(),
            with_field(connector, "metadata", "{\"a\":{\"b\":1}}"),
        ),
        (
            "metadata nested array".into(),
            with_field(connector, "metadata", "{\"a\":[1,2]}"),
        ),
        (
            "metadata bad key".into(),
            with_field(connector, "metadata", "{\"a b\":1}"),
        ),
        (
            "metadata empty key".into(),
            with_field(connector, "metadata", "{\"\":1}"),
        ),
        (
            "metadata 65 entries".into(),
            with_field(
                connector,
                "metadata",
                &format!(
                    "{{{}}}",
                    (0..65)
                        .map(|i| format!("\"k{i}\":{i}"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ),
        ),
        (
            "metadata value 2000 chars".into(),
            with_field(
                connector,
                "metadata",
                &format!("{{\"a\":\"{}\"}}", "v".repeat(2000)),
            ),
        ),
    ];
    // Invalid UTF-8 in every shape, inside a string value and bare.
    for (name, bad) in [
        ("0xff", b"\xff".as_slice()),
        ("0xfe", b"\xfe"),
        ("overlong NUL", b"\xc0\x80"),
        ("overlong slash", b"\xe0\x80\xaf"),
        ("lone continuation", b"\x80"),
        ("encoded surrogate", b"\xed\xa0\x80"),
        ("truncated 2-byte", b"\xc3"),
        ("truncated 3-byte", b"\xe2\x82"),
        ("truncated 4-byte", b"\xf0\x9f\x98"),
        ("above U+10FFFF", b"\xf4\x90\x80\x80"),
        ("5-byte form", b"\xf8\x88\x80\x80\x80"),
        ("latin-1 e-acute", b"\xe9"),
    ] {
        // with_field works on text; splice the raw bytes in afterwards.
        let marked = with_field(connector, "message", "\"@@\"");
        let pos = marked.windows(2).position(|w| w == b"@@").unwrap();
        let mut b = marked[..pos].to_vec();
        b.extend_from_slice(b"ok ");
        b.extend_from_slice(bad);
        b.extend_from_slice(&marked[pos + 2..]);
        bodies.push((format!("invalid UTF-8 {name} in message"), b));
        bodies.push((format!("invalid UTF-8 {name} bare"), [bad, good].concat()));
        let mut key = good[..good.len() - 1].to_vec();
        key.extend_from_slice(b",\"");
        key.extend_from_slice(bad);
        key.extend_from_slice(b"\":1}");
        bodies.push((format!("invalid UTF-8 {name} in a key"), key));
    }
    // Numbers the contract refuses.
    for n in [
        "18446744073709551616",
        "-9223372036854775809",
        "1e999",
        "-1e999",
        "123456789012345678901234567890",
        "NaN",
        "Infinity",
        "-Infinity",
        "01",
        "+1",
        ".5",
        "1.",
        "0x10",
        "1e",
        "--1",
        "1_000",
        &"9".repeat(20_000),
        &format!("0.{}e999999999999999999999", "1".repeat(100)),
    ] {
        bodies.push((
            format!("metadata number {}", &n[..n.len().min(30)]),
            with_field(connector, "metadata", &format!("{{\"n\":{n}}}")),
        ));
    }
    bodies.push((
        "severity huge number".into(),
        with_field(connector, "severity", "1e999"),
    ));
    // Duplicate keys at every level and under every spelling.
    for (name, dup) in [
        ("event_type twice", format!("{{\"connector_id\":\"{connector}\",\"event_type\":\"a.b\",\"event_type\":\"c.d\",\"timestamp\":\"{}\"}}", now_rfc3339())),
        ("connector_id twice", format!("{{\"connector_id\":\"{connector}\",\"connector_id\":\"{connector}\",\"event_type\":\"a.b\",\"timestamp\":\"{}\"}}", now_rfc3339())),
        ("escaped duplicate", format!("{{\"connector_id\":\"{connector}\",\"event_type\":\"a.b\",\"\\u0065vent_type\":\"c.d\",\"timestamp\":\"{}\"}}", now_rfc3339())),
        ("timestamp twice", format!("{{\"connector_id\":\"{connector}\",\"event_type\":\"a.b\",\"timestamp\":\"{0}\",\"timestamp\":\"{0}\"}}", now_rfc3339())),
        ("metadata twice", String::from_utf8(with_field(connector, "metadata", "{}")).unwrap().replace("\"metadata\":{}", "\"metadata\":{},\"metadata\":{}")),
    ] {
        bodies.push((format!("duplicate key: {name}"), dup.into_bytes()));
    }
    for (name, meta) in [
        ("metadata key twice", "{\"a\":1,\"a\":2}"),
        ("metadata key twice escaped", "{\"a\":1,\"\\u0061\":2}"),
        (
            "metadata key 100 times",
            &format!(
                "{{{}}}",
                (0..100)
                    .map(|i| format!("\"a\":{i}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
    ] {
        bodies.push((
            format!("duplicate key: {name}"),
            with_field(connector, "metadata", meta),
        ));
    }
    // Deep nesting, everywhere it fits in the size limit.
    for depth in [65usize, 1_000, 10_000, 30_000] {
        bodies.push((
            format!("{depth} nested arrays in metadata"),
            with_field(
                connector,
                "metadata",
                &format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth)),
            ),
        ));
        bodies.push((
            format!("{depth} unclosed arrays at the top"),
            "[".repeat(depth).into_bytes(),
        ));
    }
    for depth in [1_000usize, 6_000] {
        bodies.push((
            format!("{depth} nested objects in metadata"),
            with_field(
                connector,
                "metadata",
                &format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
            ),
        ));
        bodies.push((
            format!("{depth} nested objects at the top"),
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes(),
        ));
    }
    // Exactly at the size limit (valid framing, invalid event).
    let limit = erpops_core::event::DEFAULT_MAX_BODY_BYTES;
    let mut at_limit = good[..good.len() - 1].to_vec();
    at_limit.resize(limit - 1, b' ');
    at_limit.push(b'x');
    bodies.push(("body of exactly the limit".into(), at_limit));
    for (name, b) in bodies {
        c.signed("body", name, &b, INVALID);
    }

    // --- Size limits and truncated bodies. ---
    let big = vec![b' '; limit + 1];
    c.signed(
        "size",
        "signed body one byte over the limit",
        &big,
        Expect::Status(413, Some("body_too_large")),
    );
    for declared in [
        limit as u64 + 1,
        10_000_000,
        u64::MAX / 4,
        1_000_000_000_000_000,
    ] {
        c.raw(
            "size",
            format!("declared Content-Length {declared}, small body sent"),
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n{cid}\r\n{sig}\r\nContent-Length: {declared}\r\n\r\n{{}}").as_bytes(),
            Expect::Status(413, Some("body_too_large")),
        );
    }
    // u64::MAX is hyper's own marker for "chunked": it refuses it as an
    // overflowing length (431) before the receiver sees the request.
    c.raw(
        "size",
        "Content-Length u64::MAX",
        format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nContent-Length: {}\r\n\r\n",
            u64::MAX
        )
        .as_bytes(),
        Expect::OrClose(&[400, 413, 431]),
    );
    c.raw(
        "size",
        "Content-Length beyond u64",
        format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nContent-Length: 99999999999999999999999\r\n\r\n").as_bytes(),
        Expect::OrClose(&[400, 413]),
    );
    for chunk in [1024usize, 8 * 1024, 60 * 1024] {
        let mut bytes = format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n{cid}\r\n{sig}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        .into_bytes();
        let mut sent = 0;
        while sent <= limit + chunk {
            bytes.extend_from_slice(format!("{chunk:x}\r\n").as_bytes());
            bytes.extend(std::iter::repeat_n(b'a', chunk));
            bytes.extend_from_slice(b"\r\n");
            sent += chunk;
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        c.raw(
            "size",
            format!("chunked body over the limit in {chunk}-byte chunks"),
            &bytes,
            Expect::Status(413, Some("body_too_large")),
        );
    }
    // Truncated: the client stops and half-closes. The body read fails.
    for (name, head_len, sent) in [
        ("half the body", good.len(), good.len() / 2),
        ("no body at all", good.len(), 0),
        ("one byte missing", good.len(), good.len() - 1),
    ] {
        let mut bytes = format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n{cid}\r\n{sig}\r\nContent-Length: {head_len}\r\n\r\n"
        )
        .into_bytes();
        bytes.extend_from_slice(&good[..sent]);
        c.add(
            "truncated",
            format!("truncated body: {name}"),
            vec![Step::Send(bytes), Step::ShutdownWrite],
            Expect::OrClose(&[400, 408]),
        );
    }
    for (name, tail) in [
        ("mid chunk", "20\r\nabc"),
        ("after a chunk", "3\r\nabc\r\n"),
        ("in the size line", "1"),
        ("before the last CRLF", "3\r\nabc\r\n0\r\n"),
    ] {
        let bytes = format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n{cid}\r\n{sig}\r\nTransfer-Encoding: chunked\r\n\r\n{tail}"
        );
        c.add(
            "truncated",
            format!("truncated chunked body: {name}"),
            vec![Step::Send(bytes.into_bytes()), Step::ShutdownWrite],
            Expect::OrClose(&[400, 408]),
        );
    }
    for (name, head) in [
        ("request line only", format!("POST {RECEIVE} HTTP/1.1\r\n")),
        ("half a request line", "POST /functions/v1/rec".to_owned()),
        (
            "headers without the blank line",
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n"),
        ),
        (
            "half a header",
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nContent-Ty"),
        ),
    ] {
        c.add(
            "truncated",
            format!("truncated head: {name}"),
            vec![Step::Send(head.into_bytes()), Step::ShutdownWrite],
            Expect::OrClose(&[400]),
        );
    }

    // --- Framing: Content-Length and Transfer-Encoding abuse. ---
    for cl in ["abc", "-1", "+5", "5, 6", "0x10", "1e3", " ", "5 5", "٣"] {
        c.raw(
            "framing",
            format!("Content-Length {cl:?}"),
            format!(
                "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nContent-Length: {cl}\r\n\r\nhello"
            )
            .as_bytes(),
            Expect::OrClose(&[400]),
        );
    }
    c.raw(
        "framing",
        "two different Content-Length headers",
        format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nhello").as_bytes(),
        Expect::OrClose(&[400]),
    );
    for te in [
        "gzip",
        "chunked, gzip",
        "identity",
        "chunked;q=1",
        "xchunked",
        "chunked\x0b",
    ] {
        c.raw(
            "framing",
            format!("Transfer-Encoding {te:?}"),
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nTransfer-Encoding: {te}\r\n\r\n5\r\nhello\r\n0\r\n\r\n").as_bytes(),
            Expect::OrClose(&[400, 501]),
        );
    }
    // Request smuggling shapes: whatever hyper makes of them, the result
    // is one refusal for the first request, never an accepted second one.
    for (name, bytes) in [
        ("CL.TE", format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG")),
        ("TE.CL", format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n")),
        ("TE twice", format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
        ("TE with a space before the colon", format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n")),
    ] {
        c.raw("framing", format!("smuggling {name}"), bytes.as_bytes(), Expect::OrClose(&[400, 401, 501]));
    }
    // Bad chunked encodings: hyper rejects the framing; the body read fails.
    for (name, chunks) in [
        ("size not hex", "zz\r\nhello\r\n0\r\n\r\n"),
        ("negative size", "-5\r\nhello\r\n0\r\n\r\n"),
        (
            "size overflow",
            "fffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
        ),
        ("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
        ("data longer than size", "2\r\nhello\r\n0\r\n\r\n"),
        ("data without CRLF", "5\r\nhello0\r\n\r\n"),
        ("LF only after size", "5\nhello\r\n0\r\n\r\n"),
        ("space in size", "5 5\r\nhello\r\n0\r\n\r\n"),
        ("empty size line", "\r\nhello\r\n0\r\n\r\n"),
        ("bare CR in extension", "5;a=\rb\r\nhello\r\n0\r\n\r\n"),
        ("NUL in size", "5\0\r\nhello\r\n0\r\n\r\n"),
    ] {
        c.raw(
            "chunked",
            format!("bad chunked: {name}"),
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n{cid}\r\n{sig}\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}").as_bytes(),
            Expect::OrClose(&[400, 408]),
        );
    }
    // Well-formed but unusual chunking of a bad body: the decision sees the
    // decoded bytes (here an unsigned one: 401 mismatch).
    for (name, chunks) in [
        (
            "one-byte chunks",
            good.iter()
                .map(|b| format!("1\r\n{}\r\n", *b as char))
                .collect::<String>()
                + "0\r\n\r\n",
        ),
        (
            "chunk extensions",
            format!(
                "{:x};ext=1;x=\"y\"\r\n{}\r\n0\r\n\r\n",
                good.len(),
                String::from_utf8_lossy(good)
            ),
        ),
        (
            "trailers",
            format!(
                "{:x}\r\n{}\r\n0\r\nX-ERPOps-Signature: sha256={}\r\n\r\n",
                good.len(),
                String::from_utf8_lossy(good),
                hex64('0')
            ),
        ),
        (
            "uppercase hex size",
            format!(
                "{:X}\r\n{}\r\n0\r\n\r\n",
                good.len(),
                String::from_utf8_lossy(good)
            ),
        ),
    ] {
        c.raw(
            "chunked",
            format!("chunked {name} with a wrong MAC"),
            format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\n{cid}\r\nX-ERPOps-Signature: sha256={}\r\nTransfer-Encoding: chunked\r\n\r\n{chunks}", hex64('0')).as_bytes(),
            Expect::Status(401, Some("signature_mismatch")),
        );
    }

    // --- Malformed request lines. ---
    let lines: &[&[u8]] = &[
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / \r\n\r\n",
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"GET / http/1.1\r\n\r\n",
        b"GET / HTTP/1.x\r\n\r\n",
        b"GET / HTTP/11\r\n\r\n",
        b"GET / FTP/1.1\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        b"GET /\xff HTTP/1.1\r\n\r\n",
        b"GET /a b HTTP/1.1\r\n\r\n",
        b"GET /\x7f HTTP/1.1\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\n\r\n",
        b"GE(T / HTTP/1.1\r\n\r\n",
        b" GET / HTTP/1.1\r\n\r\n",
        b"\tGET / HTTP/1.1\r\n\r\n",
        b"GET\t/\tHTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"\x00\x00\x00\x00\x00\x00\x00\x00",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"{\"connector_id\":1}\r\n\r\n",
        b"POST http://[::1 HTTP/1.1\r\n\r\n",
        b"POST http:// HTTP/1.1\r\n\r\n",
        b"POST //\x01 HTTP/1.1\r\n\r\n",
    ];
    for l in lines {
        let shown: String = String::from_utf8_lossy(l).chars().take(30).collect();
        c.raw(
            "request-line",
            format!("request line {shown:?}"),
            l,
            Expect::AnyClientErrorOrClose,
        );
    }
    let long_method = "A".repeat(2_000);
    c.raw(
        "request-line",
        "2,000-byte method",
        format!("{long_method} / HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        Expect::AnyClientErrorOrClose,
    );
    for n in [10_000usize, 100_000, 1_000_000] {
        c.raw(
            "request-line",
            format!("{n}-byte URI"),
            format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(n)).as_bytes(),
            Expect::AnyClientErrorOrClose,
        );
    }
    let mut rng = SplitMix(0x5eed_0013);
    for i in 0..25 {
        let len = 1 + (rng.next() % 300) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        bytes.extend_from_slice(b"\r\n\r\n");
        c.raw(
            "request-line",
            format!("random bytes #{i}"),
            &bytes,
            Expect::AnyClientErrorOrClose,
        );
    }
    // Random mutations of a valid request: one byte replaced.
    // The MAC is wrong, so a mutation that is still a valid request is
    // refused too (401) and nothing from this corpus is ever stored.
    let wrong = format!("X-ERPOps-Signature: sha256={}", hex64('0'));
    let template = raw::request("POST", RECEIVE, &[ct.clone(), cid.clone(), wrong], good);
    let head_len = template.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    for i in 0..25 {
        let mut bytes = template.clone();
        let at = (rng.next() as usize) % head_len;
        let v = [b'\0', b'\r', b'\n', b' ', b':', 0xff, b'\x7f'][(rng.next() % 7) as usize];
        bytes[at] = v;
        c.raw(
            "mutation",
            format!("head byte {at} set to {v:#04x} (#{i})"),
            &bytes,
            Expect::AnyClientErrorOrClose,
        );
    }

    // --- Malformed headers. ---
    let head_lines: &[&[u8]] = &[
        b"Bad Header: x",
        b"NoColon",
        b": empty-name",
        b"X-A : space-before-colon",
        b"X-A: a\r\n folded",
        b"X-A: a\r\n\tfolded",
        b"X-A: a\0b",
        b"X-A: a\rb",
        b"X-\xffA: b",
        b"X(A): b",
        b"X-A:\x01b",
        b"Host: x\r\nHost: y",
        b"\x00: x",
    ];
    for l in head_lines {
        let mut bytes = format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n").into_bytes();
        bytes.extend_from_slice(l);
        bytes.extend_from_slice(format!("\r\n{ct}\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes());
        let shown: String = String::from_utf8_lossy(l).chars().take(30).collect();
        // hyper refuses most with 400; the ones it accepts reach the
        // decision and are unsigned (401).
        c.raw(
            "header",
            format!("header line {shown:?}"),
            &bytes,
            Expect::OrClose(&[400, 401]),
        );
    }
    c.raw(
        "header",
        "leading whitespace before the first header",
        format!("POST {RECEIVE} HTTP/1.1\r\n Host: x\r\n{ct}\r\nContent-Length: 2\r\n\r\n{{}}")
            .as_bytes(),
        Expect::OrClose(&[400, 401]),
    );
    // Very many headers and very long ones.
    for n in [101usize, 1_000, 10_000] {
        let many: Vec<String> = (0..n).map(|i| format!("X-H{i}: v")).collect();
        let bytes = raw::request("POST", RECEIVE, &many, b"{}");
        c.raw(
            "many-headers",
            format!("{n} headers"),
            &bytes,
            Expect::OrClose(&[431, 400]),
        );
    }
    for n in [1_000_000usize, 4_000_000] {
        let long = format!("X-Long: {}", "v".repeat(n));
        let bytes = raw::request("POST", RECEIVE, &[long], b"{}");
        c.raw(
            "many-headers",
            format!("{n}-byte header value"),
            &bytes,
            Expect::OrClose(&[431, 400]),
        );
    }
    let long = format!("X-Long: {}", "v".repeat(100_000));
    c.post(
        "many-headers",
        "100 kB header value on an unsigned request",
        &[ct.clone(), long],
        b"{}",
        Expect::Status(401, Some("signature_missing")),
    );
    let dup_sig: Vec<String> = (0..50)
        .map(|_| format!("X-ERPOps-Signature: sha256={}", hex64('0')))
        .collect();
    c.post(
        "many-headers",
        "signature header 50 times",
        &[[ct.clone(), cid.clone()].as_slice(), &dup_sig].concat(),
        good,
        Expect::OrClose(&[401]),
    );

    // --- Header injection attempts: nothing injected is reflected. ---
    for (name, path) in [
        ("CRLF in the path", "/x%0d%0aSet-Cookie:%20a=b"),
        (
            "encoded CRLF in the receive path query",
            "/functions/v1/receive-event?a=%0d%0aX-Evil:%201",
        ),
        ("unicode line separator", "/x%E2%80%A8Set-Cookie:a"),
    ] {
        let bytes = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        c.raw(
            "injection",
            name,
            bytes.as_bytes(),
            Expect::OneOf(&[404, 405]),
        );
    }
    for (name, value) in [
        (
            "bare LF in the connector header",
            format!("{connector}\nX-ERPOps-Signature: sha256={}", hex64('0')),
        ),
        (
            "bare LF in the signature header",
            format!("sha256={}\nSet-Cookie: a=b", hex64('0')),
        ),
        (
            "CR in the signature header",
            format!("sha256={}\rSet-Cookie: a=b", hex64('0')),
        ),
        (
            "header name in the value",
            format!("X-ERPOps-Signature: sha256={}", hex64('0')),
        ),
    ] {
        let bytes = format!(
            "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nX-ERPOps-Connector-Id: {connector}\r\nX-Injected: {value}\r\nX-ERPOps-Signature: {value}\r\nContent-Length: {}\r\n\r\n",
            good.len()
        );
        c.raw(
            "injection",
            name,
            &[bytes.as_bytes(), good].concat(),
            Expect::OrClose(&[400, 401]),
        );
    }

    // --- HTTP/1.0. ---
    for (name, bytes) in [
        ("unsigned POST", format!("POST {RECEIVE} HTTP/1.0\r\n{ct}\r\nContent-Length: 2\r\n\r\n{{}}")),
        ("GET of the receive path", format!("GET {RECEIVE} HTTP/1.0\r\n\r\n")),
        ("keep-alive unsigned POST", format!("POST {RECEIVE} HTTP/1.0\r\nConnection: keep-alive\r\n{ct}\r\nContent-Length: 2\r\n\r\n{{}}")),
        ("no Host, unknown path", "GET /nowhere HTTP/1.0\r\n\r\n".to_owned()),
        ("POST without Content-Length", format!("POST {RECEIVE} HTTP/1.0\r\n{ct}\r\n\r\n")),
    ] {
        c.raw("http/1.0", format!("HTTP/1.0 {name}"), bytes.as_bytes(), Expect::OneOf(&[401, 404, 405, 415]));
    }
    c.raw(
        "http/1.0",
        "HTTP/1.0 with chunked encoding",
        format!("POST {RECEIVE} HTTP/1.0\r\n{ct}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n").as_bytes(),
        Expect::OrClose(&[400, 401]),
    );
    let b = with_field(connector, "severity", "\"loud\"");
    let mut bytes = format!(
        "POST {RECEIVE} HTTP/1.0\r\n{ct}\r\n{cid}\r\nX-ERPOps-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        c.sig(&b),
        b.len()
    )
    .into_bytes();
    bytes.extend_from_slice(&b);
    c.raw("http/1.0", "HTTP/1.0 signed invalid event", &bytes, INVALID);
    for v in ["HTTP/0.9", "HTTP/2.0", "HTTP/3"] {
        c.raw(
            "http/1.0",
            format!("{v} request line"),
            format!("GET / {v}\r\n\r\n").as_bytes(),
            Expect::AnyClientErrorOrClose,
        );
    }

    // --- Pipelining: answers in order, one per request. ---
    let unsigned = raw::request("POST", RECEIVE, std::slice::from_ref(&ct), b"{}");
    let get = raw::request("GET", RECEIVE, &[], b"");
    let nowhere = raw::request("GET", "/nowhere", &[], b"");
    let invalid_body = with_field(connector, "metadata", "{\"a\":[]}");
    let invalid = raw::request(
        "POST",
        RECEIVE,
        &raw::signed_headers(connector, secret, &invalid_body),
        &invalid_body,
    );
    c.raw(
        "pipelining",
        "three different refusals",
        &[unsigned.clone(), get.clone(), nowhere.clone()].concat(),
        Expect::Sequence(vec![401, 405, 404]),
    );
    for n in [2usize, 10, 50] {
        c.raw(
            "pipelining",
            format!("{n} signed invalid events"),
            &invalid.repeat(n),
            Expect::Sequence(vec![422; n]),
        );
    }
    c.raw(
        "pipelining",
        "20 mixed",
        &[
            unsigned.clone(),
            get.clone(),
            nowhere.clone(),
            invalid.clone(),
        ]
        .concat()
        .repeat(5),
        Expect::Sequence([401, 405, 404, 422].repeat(5)),
    );
    c.raw(
        "pipelining",
        "a good-framed request then garbage",
        &[unsigned.clone(), b"GARBAGE\r\n\r\n".to_vec()].concat(),
        Expect::Sequence(vec![401, 400]),
    );
    let mut closing = format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{ct}\r\nContent-Length: 2\r\n\r\n{{}}").into_bytes();
    closing.extend_from_slice(&nowhere);
    c.raw(
        "pipelining",
        "a request after Connection: close is not answered",
        &closing,
        Expect::Sequence(vec![401]),
    );
    c.raw(
        "pipelining",
        "Expect: 100-continue over the limit",
        format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n\r\n").as_bytes(),
        Expect::Status(413, Some("body_too_large")),
    );
    let mut continued = format!(
        "POST {RECEIVE} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n{}\r\nContent-Length: {}\r\n\r\n",
        raw::signed_headers(connector, secret, &invalid_body).join("\r\n"),
        invalid_body.len()
    )
    .into_bytes();
    continued.extend_from_slice(&invalid_body);
    c.raw(
        "pipelining",
        "Expect: 100-continue with a signed invalid event",
        &continued,
        INVALID,
    );
    c.raw(
        "pipelining",
        "Expect: something else",
        format!("POST {RECEIVE} HTTP/1.1\r\nHost: x\r\n{ct}\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes(),
        Expect::OneOf(&[401, 417]),
    );

    // --- Paths and the other routes. ---
    for (path, status) in [
        ("/functions/v1/receive-event/", 404u16),
        ("/FUNCTIONS/V1/RECEIVE-EVENT", 404),
        ("/functions/v1/../v1/receive-event", 404),
        ("//functions/v1/receive-event", 404),
        ("/functions/v1/receive%2Devent", 404),
        ("/functions/v1/receive-event%00", 404),
        ("/%00", 404),
        ("/..%2f..%2fetc%2fpasswd", 404),
        ("/functions/v1/receive-event;x", 404),
        ("/healthz/", 404),
        ("/metricsx", 404),
        // A known API route with another method: 405 before the key.
        ("/v1/incidents", 405),
        ("/v1/../../etc/passwd", 401),
        ("/v1/", 401),
    ] {
        let bytes = raw::request("POST", path, &[ct.clone(), cid.clone(), sig.clone()], good);
        c.raw(
            "path",
            format!("POST {path}"),
            &bytes,
            Expect::Status(status, None),
        );
    }
    for (name, auth) in [
        ("no key", None),
        ("empty bearer", Some("Bearer ")),
        ("wrong scheme", Some("Basic dXNlcjpwYXNz")),
        ("garbage key", Some("Bearer \u{1}\u{2}")),
        (
            "huge key",
            Some("Bearer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ),
        ("key with SQL", Some("Bearer ' OR 1=1 --")),
    ] {
        let headers: Vec<String> = auth
            .map(|a| format!("Authorization: {a}"))
            .into_iter()
            .collect();
        for path in ["/v1/incidents", "/v1/events", "/v1/usage"] {
            let bytes = raw::request("GET", path, &headers, b"");
            c.raw(
                "api",
                format!("GET {path} with {name}"),
                &bytes,
                Expect::OneOf(&[400, 401]),
            );
        }
    }
    c
}

/// Hostile input to the REST API with a valid key: bad query strings,
/// bad bodies, unknown ids — 400, 404 or 413, never a 5xx.
pub fn api_cases(c: &mut Corpus, key: &str) {
    let auth = format!("Authorization: Bearer {key}");
    let bad_param = Expect::Status(400, Some("invalid_parameter"));
    for query in [
        "limit=0",
        "limit=-1",
        "limit=201",
        "limit=abc",
        "limit=99999999999999999999999",
        "limit=1e2",
        "limit=%31%30%30%30",
        "cursor=garbage",
        "cursor=%ff%fe",
        "cursor=99999999999999999999999999.x",
        "since=yesterday",
        "since=-99999999999999999999",
        "since=2026-13-45T99:99:99Z",
        "%zz=1",
        "limit=%g1",
        "limit=%",
        "since=%c0%80",
    ] {
        for path in ["/v1/incidents", "/v1/events"] {
            let bytes = raw::request(
                "GET",
                &format!("{path}?{query}"),
                std::slice::from_ref(&auth),
                b"",
            );
            c.raw(
                "api",
                format!("GET {path}?{query}"),
                &bytes,
                bad_param.clone(),
            );
        }
    }
    for query in ["unknown=1", "status=open&x=1", "LIMIT=5"] {
        let bytes = raw::request(
            "GET",
            &format!("/v1/incidents?{query}"),
            std::slice::from_ref(&auth),
            b"",
        );
        c.raw(
            "api",
            format!("GET /v1/incidents?{query}"),
            &bytes,
            Expect::Status(400, Some("unknown_parameter")),
        );
    }
    for path in [
        "/v1/incidents/inc_does_not_exist",
        "/v1/incidents/%00",
        "/v1/incidents/..%2f..%2fetc%2fpasswd",
        "/v1/connectors/00000000-0000-0000-0000-000000000000",
        "/v1/connectors/not-a-uuid",
        "/v1/nothing",
        "/v1/incidents/a/b/c/d",
    ] {
        let bytes = raw::request("GET", path, std::slice::from_ref(&auth), b"");
        c.raw(
            "api",
            format!("GET {path}"),
            &bytes,
            Expect::Status(404, None),
        );
    }
    let ack = "/v1/incidents/inc_does_not_exist/acknowledge";
    let bad_bodies: Vec<(&str, Vec<u8>)> = vec![
        ("an open brace", b"{".to_vec()),
        ("invalid UTF-8", b"{\"note\":\"\xff\"}".to_vec()),
        ("a NUL", b"{\"note\":\"\0\"}".to_vec()),
        ("trailing garbage", b"{}x".to_vec()),
        (
            "5,000 nested arrays",
            format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
        ),
        ("a huge exponent", b"{\"note\":1e999999}".to_vec()),
    ];
    for (name, b) in bad_bodies {
        let bytes = raw::request(
            "POST",
            ack,
            &[auth.clone(), "Content-Type: application/json".to_owned()],
            &b,
        );
        c.raw(
            "api",
            format!("acknowledge with {name}"),
            &bytes,
            Expect::Status(400, Some("invalid_body")),
        );
    }
    let big = vec![b' '; 17 * 1024];
    let bytes = raw::request("POST", ack, std::slice::from_ref(&auth), &big);
    c.raw(
        "api",
        "acknowledge with a 17 KiB body",
        &bytes,
        Expect::Status(413, Some("body_too_large")),
    );
    for (name, b) in [
        ("an array body", "[]"),
        ("a numeric actor", "{\"actor\":1}"),
        ("a duplicate key", "{\"note\":\"a\",\"note\":\"b\"}"),
    ] {
        let bytes = raw::request("POST", ack, std::slice::from_ref(&auth), b.as_bytes());
        c.raw(
            "api",
            format!("acknowledge an unknown incident with {name}"),
            &bytes,
            // 422 invalid_field: a body field of the wrong type (#24).
            Expect::OneOf(&[400, 404, 422]),
        );
    }
    for method in ["DELETE", "PUT", "PATCH"] {
        let bytes = raw::request(method, "/v1/incidents", std::slice::from_ref(&auth), b"{}");
        c.raw(
            "api",
            format!("{method} /v1/incidents"),
            &bytes,
            Expect::Status(405, Some("method_not_allowed")),
        );
    }
}
