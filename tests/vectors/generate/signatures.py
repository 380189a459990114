#!/usr/bin/env python3
"""Generates tests/vectors/signatures.json with Python's stdlib `hmac` as the oracle.

The expected headers in the vector file are computed here, independently of the
Rust implementation, and the RFC 4231 cases are additionally pinned to the
digests printed in the RFC. Run with `--check` to verify that the committed
file is exactly what this script produces (make test does).
"""
import hashlib
import hmac
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "signatures.json"

# RFC 4231 section 4, HMAC-SHA-256 outputs (case 5 with its full 256-bit output).
RFC4231 = [
    ("rfc4231-1", b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    ("rfc4231-2", b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ("rfc4231-3", b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    ("rfc4231-4", bytes(range(1, 26)), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    ("rfc4231-5-full-output", b"\x0c" * 20, b"Test With Truncation",
     "a3b6167473100ee06e0c796c2955552b"),  # RFC prints only 128 bits: prefix check
    ("rfc4231-6-key-longer-than-block", b"\xaa" * 131,
     b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ("rfc4231-7-key-and-data-longer-than-block", b"\xaa" * 131,
     b"This is a test using a larger than block-size key and a larger than block-size data."
     b" The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]

SEED_ID = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
SEED_CURL = (
    '{"connector_id":"YOUR_ID","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z",'
    '"severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441"}'
).encode()
SEED_EVENT = (
    '{"connector_id":"' + SEED_ID + '","event_type":"integration.failed",'
    '"timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH",'
    '"message":"Exit code 1 at record 18441","metadata":{"exit_code":1,'
    '"records_processed":18441,"records_total":40000}}'
).encode()
# What the API reference's Python example sends: json.dumps spacing, isoformat() offset.
SEED_PYTHON = json.dumps({
    "connector_id": SEED_ID, "event_type": "integration.failed",
    "timestamp": "2026-04-20T03:00:00.123456+00:00", "severity": "error",
    "source": "PSFT_PAYROLL_BATCH", "message": "Exit code 1 at record 18441"}).encode()

SECRET = b"whsec_erpops_test_secret_0123456789"
OTHER = b"whsec_erpops_other_secret_9876543210"

EXTRA_SIGN = [
    ("empty-body", SECRET, b"", "The empty body has a signature like any other."),
    ("seed-curl-example", b"YOUR_SECRET", SEED_CURL,
     "The API reference's cURL body, as `echo -n \"$BODY\" | openssl dgst -sha256 -hmac YOUR_SECRET` signs it."),
    ("seed-event-with-metadata", SECRET, SEED_EVENT, "The reference body with metadata."),
    ("seed-python-json-dumps", SECRET, SEED_PYTHON,
     "json.dumps default spacing (`, ` and `: `) is signed as sent."),
    ("trailing-lf", SECRET, SEED_EVENT + b"\n", "A trailing newline changes the signature."),
    ("trailing-crlf", SECRET, SEED_EVENT + b"\r\n", "A trailing CRLF changes it again."),
    ("utf8-literal", SECRET, '{"message":"Grüße, José — 給与"}'.encode("utf-8"),
     "Non-ASCII text sent as raw UTF-8."),
    ("utf8-escaped", SECRET, b'{"message":"Gr\\u00fc\\u00dfe, Jos\\u00e9 \\u2014 \\u7d66\\u4e0e"}',
     "The same text as \\u escapes: different bytes, different signature."),
    ("latin1-bytes-not-utf8", SECRET, '{"message":"Grüße"}'.encode("latin-1"),
     "ISO-8859-1 bytes are not UTF-8 but are signed byte for byte."),
    ("binary-non-utf8", SECRET, bytes([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a, 0x00]),
     "Arbitrary bytes, NULs included."),
    ("key-64-bytes-exactly-one-block", b"k" * 64, b"block-size key", "Key of exactly the block size."),
    ("key-65-bytes-hashed-first", b"k" * 65, b"block-size key", "Key one byte longer: hashed first."),
    ("key-200-bytes", bytes(range(200)), b"long binary key", "A long binary key."),
    ("key-one-byte", b"\x00", b"tiny key", "A one-byte key (a NUL) is a valid, non-empty key."),
    ("body-one-block", SECRET, b"x" * 64, "A body of exactly one SHA-256 block."),
    ("body-4096", SECRET, bytes(i % 251 for i in range(4096)), "A 4 KiB body."),
]


def mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def build():
    sign = []
    for name, key, body, rfc in RFC4231:
        digest = mac(key, body)
        assert digest.startswith(rfc), f"{name}: python hmac disagrees with RFC 4231"
        sign.append({"name": name, "secret_hex": key.hex(), "body_hex": body.hex(),
                     "header": "sha256=" + digest, "note": "RFC 4231 test case"})
    for name, key, body, note in EXTRA_SIGN:
        sign.append({"name": name, "secret_hex": key.hex(), "body_hex": body.hex(),
                     "header": "sha256=" + mac(key, body), "note": note})

    body = SEED_EVENT
    good = mac(SECRET, body)
    flipped = good[:10] + ("0" if good[10] != "0" else "1") + good[11:]
    v = []

    def case(name, header, expect, secrets=(SECRET,), body=body, index=None, note=""):
        c = {"name": name, "secrets_hex": [s.hex() for s in secrets], "body_hex": body.hex(),
             "header": header, "expect": expect}
        if index is not None:
            c["matched_index"] = index
        if note:
            c["note"] = note
        v.append(c)

    case("valid-lowercase", "sha256=" + good, "ok", index=0)
    case("valid-uppercase-digits", "sha256=" + good.upper(), "ok", index=0)
    case("valid-uppercase-label", "SHA256=" + good, "ok", index=0)
    case("valid-mixed-case-label", "Sha256=" + good, "ok", index=0)
    case("valid-surrounding-blanks", " \t sha256=" + good + "\t ", "ok", index=0)
    case("rotation-old-secret-second", "sha256=" + mac(OTHER, body), "ok",
         secrets=(SECRET, OTHER), index=1, note="Signed with the previous secret during rotation.")
    case("rotation-new-secret-first", "sha256=" + good, "ok", secrets=(SECRET, OTHER), index=0)
    case("empty-body-valid", "sha256=" + mac(SECRET, b""), "ok", body=b"", index=0)
    case("non-utf8-body-valid", "sha256=" + mac(SECRET, b"\xff\xfe\x00"), "ok",
         body=b"\xff\xfe\x00", index=0)
    case("missing-header", None, "signature_missing")
    case("empty-header", "", "signature_missing", note="A blank value counts as missing.")
    case("blank-header", " \t ", "signature_missing")
    case("label-only", "sha256=", "signature_malformed")
    case("63-digits", "sha256=" + good[:63], "signature_malformed")
    case("65-digits", "sha256=" + good + "0", "signature_malformed")
    case("non-hex-digit", "sha256=" + good[:63] + "g", "signature_malformed")
    case("other-label-sha512", "sha512=" + good, "signature_malformed")
    case("other-label-sha1", "sha1=" + good[:40], "signature_malformed")
    case("colon-instead-of-equals", "sha256:" + good, "signature_malformed")
    case("bare-digits-no-label", good, "signature_malformed")
    case("two-equals", "sha256==" + good, "signature_malformed")
    case("space-after-equals", "sha256= " + good, "signature_malformed")
    case("inner-space", "sha256=" + good[:32] + " " + good[32:], "signature_malformed")
    case("space-before-equals", "sha256 =" + good, "signature_malformed")
    case("two-signatures-comma", "sha256=" + good + ",sha256=" + good, "signature_malformed")
    case("trailing-newline-in-value", "sha256=" + good + "\n", "signature_malformed",
         note="Only spaces and tabs may surround the value.")
    case("standard-webhooks-style", "v1," + good, "signature_malformed")
    case("base64-digest", "sha256=" + "A" * 43 + "=", "signature_malformed")
    case("wrong-secret", "sha256=" + good, "signature_mismatch", secrets=(OTHER,))
    case("no-candidate-secrets", "sha256=" + good, "signature_mismatch", secrets=())
    case("one-digit-flipped", "sha256=" + flipped, "signature_mismatch")
    case("body-with-added-newline", "sha256=" + good, "signature_mismatch", body=body + b"\n")
    case("body-reserialized", "sha256=" + good, "signature_mismatch",
         body=json.dumps(json.loads(body)).encode(),
         note="Parsed and re-serialized JSON has other bytes.")
    case("utf8-vs-escaped", "sha256=" + mac(SECRET, '{"m":"é"}'.encode()), "signature_mismatch",
         body=b'{"m":"\\u00e9"}')
    case("all-zero-digest", "sha256=" + "0" * 64, "signature_mismatch")

    return {
        "description": "HMAC-SHA256 `sha256=` signature vectors for the ERPOps SDK. "
                       "Generated by tests/vectors/generate/signatures.py; see tests/vectors/README.md.",
        "version": 1,
        "sign": sign,
        "verify": v,
    }


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=True) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            sys.exit(f"{OUT} is stale: run python3 {Path(__file__).name}")
        print(f"{OUT.name}: matches the Python hmac oracle")
    else:
        OUT.write_text(text)
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
