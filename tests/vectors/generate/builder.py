#!/usr/bin/env python3
"""Generates tests/vectors/builder.json: the event builder's size limit (issue #22).

A builder (Rust `EventBuilder`, C `erpops_event_builder`, Python `EventBuilder`, Node
`buildEvent`/`signedRequest`, `erpops send`) must never emit or sign a body that a receiver
would refuse with 413: once the fields are valid, a body longer than the builder's limit
(65,536 bytes, the receiver's default `max_body_bytes`, unless set otherwise) is refused with
the code `body_too_large`, naming the body's size and the limit.

Every expectation is computed here from the contract, independently of the Rust code: the
body is the contract's compact JSON in the fixed field order (contract 3.3) written with
Python's `json` (the same escaping: `"`, `\\`, control characters; non-ASCII as UTF-8), its
size is `len()` of those bytes, and the signature of a built body is Python's `hmac`
(`sha256=` + hex HMAC-SHA256 with `secret_hex`). Before writing, each built body is loaded
back strictly with Python's `json`.

    python3 tests/vectors/generate/builder.py          # rewrite the file
    python3 tests/vectors/generate/builder.py --check  # fail if it differs (make test)
"""
import hashlib
import hmac
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "builder.json"

SECRET = b"whsec_erpops_builder_vectors"
CID = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
TS = "2026-04-20T03:00:00Z"
DEFAULT_LIMIT = 65536
ORDER = ["connector_id", "event_type", "timestamp", "severity", "source", "message", "metadata"]

cases = []


def base(**over):
    f = {"connector_id": CID, "event_type": "integration.failed", "timestamp": TS,
         "severity": "error", "source": "PSFT_PAYROLL_BATCH"}
    f.update(over)
    return {k: v for k, v in f.items() if v is not None}


def dump(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def body_of(fields):
    """The builder's body: compact JSON, fixed field order, unset fields left out."""
    parts = []
    for name in ORDER:
        if name not in fields:
            continue
        v = fields[name]
        if name == "metadata":
            v = "{" + ",".join(dump(m["key"]) + ":" + (m["value"] if m["type"] == "int" else dump(m["value"]))
                               for m in v) + "}"
            parts.append(dump(name) + ":" + v)
        else:
            parts.append(dump(name) + ":" + dump(v))
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def padded_to(size, **over):
    """Fields whose body is exactly `size` bytes: metadata strings of 1,024 characters (the
    most one may have), then one shorter string padding to the byte."""
    fields = base(**over)
    meta = [{"key": "pad", "type": "string", "value": ""}]
    fields["metadata"] = meta
    while size - len(body_of(fields)) > 1024:
        meta.insert(-1, {"key": "note%02d" % (len(meta) - 1), "type": "string", "value": "x" * 1024})
    meta[-1]["value"] = "y" * (size - len(body_of(fields)))
    assert len(body_of(fields)) == size, (size, len(body_of(fields)))
    assert len(meta) <= 64 and all(len(m["value"]) <= 1024 for m in meta)
    return fields


def add(name, note, fields, max_body_bytes=None, violations=None):
    """The expectation follows from the fields: `violations` (written by hand) when a field
    breaks the contract, else `body_too_large` when the body is longer than the limit, else
    `built`."""
    limit = DEFAULT_LIMIT if max_body_bytes is None else max_body_bytes
    body = body_of(fields)
    case = {"name": name, "note": note, "fields": fields, "max_body_bytes": max_body_bytes}
    if violations:
        case["expect"] = "invalid"
        case["violations"] = sorted(({"pointer": p, "code": c} for p, c in violations),
                                    key=lambda v: (v["pointer"], v["code"]))
    elif len(body) > limit:
        case["expect"] = "body_too_large"
        case["size"] = len(body)
        case["limit"] = limit
    else:
        doc = json.loads(body, object_pairs_hook=strict_pairs)
        assert list(doc) == [k for k in ORDER if k in fields], name
        case["expect"] = "built"
        case["body_length"] = len(body)
        case["signature"] = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if len(body) <= 600:
            case["body_hex"] = body.hex()
    cases.append(case)


def strict_pairs(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), "duplicate key"
    return dict(pairs)


# ---------------------------------------------------------------- the default limit (64 KiB)
add("default_limit_exactly_65536", "a body of exactly 65,536 bytes is built and signed",
    padded_to(DEFAULT_LIMIT))
add("default_limit_65537_refused", "one byte more is refused with body_too_large (size 65537, "
    "limit 65536) before anything is signed: a receiver would answer 413", padded_to(DEFAULT_LIMIT + 1))
add("small_event_default_limit", "an ordinary event is far below the limit",
    base(message="Exit code 1 at record 18441",
         metadata=[{"key": "records_processed", "type": "int", "value": "18441"}]))
add("multibyte_text_counts_bytes", "the limit is in bytes: 17 metadata strings of 1,000 "
    "four-byte characters (each within its 1,024-character limit) make a body of ~68 KB",
    base(metadata=[{"key": "k%02d" % i, "type": "string", "value": "\U0001F600" * 1000}
                   for i in range(17)]))

# ---------------------------------------------------------------- a limit set on the builder
add("custom_limit_exactly", "max_body_bytes 300 (a receiver configured lower): a 300-byte "
    "body is built", padded_to(300, source=None), max_body_bytes=300)
add("custom_limit_plus_one", "max_body_bytes 300: a 301-byte body is refused (limit 300)",
    padded_to(301, source=None), max_body_bytes=300)
add("custom_limit_multibyte_message", "max_body_bytes 1000: a 300-character message of "
    "four-byte characters is 1,200 bytes of text", base(message="\U0001F600" * 300), max_body_bytes=1000)
add("custom_limit_above_default", "max_body_bytes 65537 (a receiver configured higher): the "
    "65,537-byte body the default refuses is built", padded_to(DEFAULT_LIMIT + 1),
    max_body_bytes=DEFAULT_LIMIT + 1)

# ---------------------------------------------------------------- order of the checks
add("field_violations_before_the_size", "a message over its 4,096 characters is too_long at "
    "/message (invalid_event), not body_too_large, although the body is also over the limit",
    base(message="m" * 5000), max_body_bytes=1000, violations=[("/message", "too_long")])
add("missing_fields_before_the_size", "required fields are checked before the size",
    {"event_type": "integration.failed", "message": "m" * 2000}, max_body_bytes=100,
    violations=[("/connector_id", "missing"), ("/timestamp", "missing")])


def build():
    return {
        "version": 1,
        "description": "Event builder size limit (issue #22): build each case's fields with the "
                       "builder (max_body_bytes set when not null); `built` gives the body's length "
                       "and its signature with secret_hex, `body_too_large` the size and limit, "
                       "`invalid` the (pointer, code) violations. See tests/vectors/README.md.",
        "secret_hex": SECRET.hex(),
        "cases": cases,
    }


def main():
    text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is stale or hand-edited: run {sys.argv[0]} to regenerate")
        print(f"{OUT.name}: {len(cases)} cases, matches its generator")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
