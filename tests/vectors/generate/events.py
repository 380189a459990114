#!/usr/bin/env python3
"""Generate tests/vectors/events.json: the event-contract conformance cases.

Every expectation below is written by hand from the contract (shared
contract §3.2-3.4 and §10), not computed by the Rust code, and checked
against Python's json and datetime before the file is written: the Rust, C,
Python and Node runners replay the file and must agree with it. Bodies are
built here so that large and odd ones (64 KiB ± 1, deep nesting, non-UTF-8)
stay reproducible.

    python3 tests/vectors/generate/events.py          # rewrite the file
    python3 tests/vectors/generate/events.py --check  # fail if it differs
"""

import json
import os
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "events.json")

CID = "123e4567-e89b-12d3-a456-426614174000"
OTHER = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
NOW = "2026-04-20T03:05:00Z"
NOW_MS = 1_776_654_300_000
TS = "2026-04-20T03:00:00Z"
MAX = 65536
# The most violations a list holds (the first found, in order); the others are only counted.
MAX_LISTED = 100

DEFAULT_OPTIONS = {
    "now": NOW,
    "now_unix_ms": NOW_MS,
    "header_connector_id": CID,
    "future_skew_seconds": 300,
    "max_age_seconds": 86400,
    "max_body_bytes": MAX,
    "pii_policy": "redact",
}

cases = []
names = set()


class Raw:
    """A JSON fragment inserted verbatim."""

    def __init__(self, text):
        self.text = text


DROP = object()


def enc(v):
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, dict):
        return "{" + ",".join(enc_key(k) + ":" + enc(x) for k, x in v.items()) + "}"
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def enc_key(k):
    return k.text if isinstance(k, Raw) else json.dumps(k, ensure_ascii=False)


BASE = {
    "connector_id": CID,
    "event_type": "integration.failed",
    "timestamp": TS,
    "severity": "error",
    "source": "PSFT_PAYROLL_BATCH",
    "message": "Exit code 1 at record 18441",
}


def body(**over):
    """The base body with fields replaced (DROP removes one); new keys are
    appended in order."""
    d = dict(BASE)
    for k, v in over.items():
        if v is DROP:
            d.pop(k, None)
        else:
            d[k] = v
    return enc(d)


def normalized(fields):
    """The normalized event of a valid body (metadata as typed entries)."""
    e = {
        "connector_id": fields.get("connector_id", CID).lower(),
        "event_type": fields["event_type"],
        "timestamp": fields["timestamp"],
        "severity": fields.get("severity", "info"),
        "source": fields.get("source"),
        "message": fields.get("message"),
        "metadata": fields.get("metadata", []),
    }
    return e


def base_event(**over):
    f = {k: v for k, v in BASE.items()}
    for k, v in over.items():
        if v is DROP:
            f.pop(k, None)
        else:
            f[k] = v
    return normalized(f)


def add(name, data, note, *, event=None, violations=None, redactions=None,
        options=None, syntax=None):
    assert name not in names, name
    names.add(name)
    if isinstance(data, str):
        data = data.encode("utf-8")
    opts = dict(DEFAULT_OPTIONS)
    opts.update(options or {})
    case = {"name": name, "note": note, "options": opts, "body_hex": data.hex()}
    if len(data) <= 600:
        try:
            case["body"] = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if event is not None:
        assert violations is None
        case["expect"] = "valid"
        case["event"] = event
        case["redactions"] = redactions or []
    else:
        assert violations, name
        case["expect"] = "invalid"
        # `violations` is given in the order the validator finds them (document order,
        # then missing fields) when there are more than MAX_LISTED: only the first
        # MAX_LISTED are listed, `violation_count` counts them all.
        case["violations"] = sorted(
            [{"pointer": p, "code": c} for p, c in violations[:MAX_LISTED]],
            key=lambda v: (v["pointer"], v["code"]),
        )
        case["violation_count"] = len(violations)
        if syntax is not None:
            case["syntax"] = syntax
    cases.append(case)


def valid(name, data, event, note, **kw):
    add(name, data, note, event=event, **kw)


def invalid(name, data, violations, note, **kw):
    add(name, data, note, violations=violations, **kw)


def meta(*entries):
    """Typed metadata entries: (key, type, value)."""
    return [{"key": k, "type": t, "value": v} for k, t, v in entries]


# ---------------------------------------------------------------- seeds
SEED_CURL = ('{"connector_id":"%s","event_type":"integration.failed",'
             '"timestamp":"2026-04-20T03:00:00Z","severity":"error",'
             '"source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441"}' % CID)
valid("seed_curl_body", SEED_CURL, base_event(),
      "the API reference's cURL body with a real connector id")

SEED_NODE = json.dumps({
    "connector_id": CID, "event_type": "integration.failed",
    "timestamp": "2026-04-20T03:00:00.000Z", "severity": "error",
    "source": "PSFT_PAYROLL_BATCH", "message": "Exit code 1 at record 18441"},
    separators=(",", ":"))
valid("seed_node_body", SEED_NODE, base_event(),
      "the Node example: JSON.stringify with toISOString() (.000Z)")

SEED_PY = json.dumps({
    "connector_id": CID, "event_type": "integration.failed",
    "timestamp": "2026-04-20T03:00:00.123456+00:00", "severity": "error",
    "source": "PSFT_PAYROLL_BATCH", "message": "Exit code 1 at record 18441"})
valid("seed_python_body", SEED_PY, base_event(timestamp="2026-04-20T03:00:00.123456Z"),
      "the Python example: json.dumps (', ' and ': ' separators) with "
      "datetime.now(timezone.utc).isoformat()")

SEED_SCHEMA = body(metadata={"exit_code": 1, "records_processed": 18441, "records_total": 40000})
valid("seed_schema_example", SEED_SCHEMA,
      base_event(metadata=meta(("exit_code", "int", "1"), ("records_processed", "int", "18441"),
                               ("records_total", "int", "40000"))),
      "the reference's body schema example with its metadata")

# ---------------------------------------------------------------- valid shapes
valid("minimal_required_only",
      enc({"connector_id": CID, "event_type": "health.degraded", "timestamp": TS}),
      normalized({"event_type": "health.degraded", "timestamp": TS}),
      "only the three required fields; severity defaults to info")
for sev in ["info", "warn", "error", "critical"]:
    valid("severity_" + sev, body(severity=sev), base_event(severity=sev),
          "every severity word is accepted")
valid("connector_id_uppercase", body(connector_id=CID.upper()), base_event(),
      "UUIDs compare as values: uppercase hex equals the lowercase header")
valid("connector_id_mixed_case_header", body(),
      base_event(), "the header's UUID in uppercase still matches",
      options={"header_connector_id": CID.upper()})
valid("connector_id_no_header", body(connector_id=OTHER), base_event(connector_id=OTHER),
      "without a header connector id nothing is compared",
      options={"header_connector_id": None})
valid("connector_id_nil", body(connector_id="00000000-0000-0000-0000-000000000000"),
      base_event(connector_id="00000000-0000-0000-0000-000000000000"),
      "any hex digits in the 8-4-4-4-12 form are a UUID",
      options={"header_connector_id": None})

TIMESTAMPS_OK = [
    ("ts_z", "2026-04-20T03:00:00Z", "2026-04-20T03:00:00Z", "Z"),
    ("ts_plus_zero", "2026-04-20T03:00:00+00:00", "2026-04-20T03:00:00Z", "+00:00"),
    ("ts_minus_zero", "2026-04-20T03:00:00-00:00", "2026-04-20T03:00:00Z", "-00:00 (unknown offset) is UTC"),
    ("ts_offset_east", "2026-04-20T05:00:00+02:00", "2026-04-20T03:00:00Z", "an east offset is converted to UTC"),
    ("ts_offset_west_half", "2026-04-19T21:30:00-05:30", "2026-04-20T03:00:00Z", "a west offset with minutes"),
    ("ts_offset_crosses_day", "2026-04-19T23:30:00-03:30", "2026-04-20T03:00:00Z", "conversion crosses midnight"),
    ("ts_no_offset", "2026-04-20T03:00:00", "2026-04-20T03:00:00Z", "no offset is read as UTC (datetime.utcnow().isoformat())"),
    ("ts_python_utcnow_micro", "2026-04-20T03:00:00.654321", "2026-04-20T03:00:00.654321Z", "utcnow().isoformat() with microseconds"),
    ("ts_js_iso", "2026-04-20T03:00:00.250Z", "2026-04-20T03:00:00.250Z", "toISOString() with milliseconds"),
    ("ts_lowercase_t_z", "2026-04-20t03:00:00z", "2026-04-20T03:00:00Z", "RFC 3339 allows lowercase t and z"),
    ("ts_leap_second", "2026-04-20T02:59:60Z", "2026-04-20T02:59:59.999999999Z", ":60 reads as :59.999999999"),
    ("ts_leap_second_fraction", "2026-04-20T02:59:60.5Z", "2026-04-20T02:59:59.999999999Z", ":60.5 reads as :59.999999999 too"),
    ("ts_leap_second_offset", "2026-04-20T04:59:60+02:00", "2026-04-20T02:59:59.999999999Z", "a leap second with an offset"),
    ("ts_leap_day", "2024-02-29T12:00:00Z", None, "Feb 29 of a leap year (too old here, but well formed)"),
]
for i in range(1, 10):
    frac = "123456789"[:i]
    n = frac.ljust(9, "0")
    norm = n.rstrip("0")
    if len(norm) <= 3:
        shown = n[:3]
    elif len(norm) <= 6:
        shown = n[:6]
    else:
        shown = n
    TIMESTAMPS_OK.append(("ts_fraction_%d_digits" % i, "2026-04-20T03:00:00.%s+00:00" % frac,
                          "2026-04-20T03:00:00.%sZ" % shown, "%d fraction digit(s)" % i))
for name, text, norm, note in TIMESTAMPS_OK:
    if norm is None:
        invalid(name, body(timestamp=text), [("/timestamp", "too_old")], note)
    else:
        valid(name, body(timestamp=text), base_event(timestamp=norm), note)

valid("window_edge_future", body(timestamp="2026-04-20T03:10:00Z"),
      base_event(timestamp="2026-04-20T03:10:00Z"), "exactly now + 5 min is accepted")
valid("window_edge_past", body(timestamp="2026-04-19T03:05:00Z"),
      base_event(timestamp="2026-04-19T03:05:00Z"), "exactly now - 24 h is accepted")
valid("window_custom_wide", body(timestamp="2026-04-10T03:05:00Z"),
      base_event(timestamp="2026-04-10T03:05:00Z"), "max_age is configurable",
      options={"max_age_seconds": 864000})

PRETTY = json.dumps(dict(BASE), indent=2)
valid("pretty_printed", PRETTY, base_event(), "whitespace and newlines between tokens")
valid("surrounding_whitespace", " \t\r\n" + body() + "\n\n", base_event(),
      "whitespace before and after the object")
valid("field_order_free", enc({"message": BASE["message"], "timestamp": TS, "severity": "error",
                               "source": "PSFT_PAYROLL_BATCH", "event_type": "integration.failed",
                               "connector_id": CID}), base_event(), "fields may come in any order")
valid("escapes_in_strings", body(message=Raw(r'"caf\u00e9 \ud83d\ude00 a\/b \"q\" \\ tab\there\nline"')),
      base_event(message='café \U0001F600 a/b "q" \\ tab\there\nline'),
      "escapes: \\u, a surrogate pair, \\/, quotes, backslash, tab and newline")
valid("unicode_raw", body(message="Überweisung fehlgeschlagen — 支付失败 😀", source="SAP_FI_Überweisung"),
      base_event(message="Überweisung fehlgeschlagen — 支付失败 😀", source="SAP_FI_Überweisung"),
      "non-ASCII text as raw UTF-8")
valid("message_empty", body(message=""), base_event(message=""), "an empty message is allowed")
valid("message_max_chars", body(message="m" * 4096), base_event(message="m" * 4096),
      "message of exactly 4,096 characters")
valid("message_max_code_points", body(message="é" * 4096), base_event(message="é" * 4096),
      "4,096 two-byte characters: lengths count code points, not bytes")
valid("message_astral_code_points", body(message="😀" * 4096), base_event(message="😀" * 4096),
      "4,096 four-byte characters (16 KiB) are still 4,096 characters")
valid("source_max_chars", body(source="S" * 128), base_event(source="S" * 128),
      "source of exactly 128 characters")
ET128 = "a." + "b" * 126
valid("event_type_max_chars", body(event_type=ET128), base_event(event_type=ET128),
      "event_type of exactly 128 characters")
valid("event_type_three_tokens", body(event_type="gl.load.failed"), base_event(event_type="gl.load.failed"),
      "more than two tokens")
valid("event_type_digits_underscores", body(event_type="job_2.step_10_done"),
      base_event(event_type="job_2.step_10_done"), "digits and underscores after the first letter")
valid("no_source_no_message", body(source=DROP, message=DROP), base_event(source=DROP, message=DROP),
      "source and message are optional")

valid("metadata_empty", body(metadata={}), base_event(), "an empty metadata object")
valid("metadata_scalars", body(metadata=Raw(
    '{"s":"text","i":-42,"f":1.5,"e":1E-5,"big":1e300,"t":true,"n":null,"z":-0,"fz":0.0}')),
    base_event(metadata=meta(("s", "string", "text"), ("i", "int", "-42"), ("f", "float", 1.5),
                             ("e", "float", 1e-05), ("big", "float", 1e300), ("t", "bool", True),
                             ("n", "null", None), ("z", "int", "0"), ("fz", "float", 0.0))),
    "every scalar type; -0 is the integer 0; numbers with a fraction or exponent are floats")
valid("metadata_integer_edges", body(metadata=Raw(
    '{"i64_min":-9223372036854775808,"i64_max":9223372036854775807,'
    '"above_i64":9223372036854775808,"u64_max":18446744073709551615}')),
    base_event(metadata=meta(("i64_min", "int", "-9223372036854775808"),
                             ("i64_max", "int", "9223372036854775807"),
                             ("above_i64", "uint", "9223372036854775808"),
                             ("u64_max", "uint", "18446744073709551615"))),
    "integers from -2^63 to 2^64-1 are kept exactly")
M64 = {"k%02d" % i: i for i in range(64)}
valid("metadata_64_entries", body(metadata=M64),
      base_event(metadata=meta(*[(k, "int", str(v)) for k, v in M64.items()])),
      "exactly 64 entries")
K64 = "K" * 64
valid("metadata_key_64_chars", body(metadata={K64: 1}),
      base_event(metadata=meta((K64, "int", "1"))), "a key of exactly 64 characters")
valid("metadata_key_charset", body(metadata={"A-z_0.9": "x"}),
      base_event(metadata=meta(("A-z_0.9", "string", "x"))), "keys may use A-Z a-z 0-9 _ . -")
valid("metadata_string_1024", body(metadata={"s": "v" * 1024}),
      base_event(metadata=meta(("s", "string", "v" * 1024))), "a metadata string of exactly 1,024 characters")
valid("metadata_string_tab_newline", body(metadata={"s": "a\tb\nc"}),
      base_event(metadata=meta(("s", "string", "a\tb\nc"))), "tab and newline are allowed in metadata strings")
valid("metadata_order_kept", body(metadata=Raw('{"z":1,"a":2,"m":3}')),
      base_event(metadata=meta(("z", "int", "1"), ("a", "int", "2"), ("m", "int", "3"))),
      "metadata keeps body order")

# PII
valid("pii_redact_email", body(message="contact jane.doe@example.com now"),
      base_event(message="contact [REDACTED:email] now"), "the default policy redacts and reports",
      redactions=[{"pointer": "/message", "kinds": ["email"]}])
valid("pii_redact_many_fields", body(
    source="ops+alerts@example.org",
    message="card 4111 1111 1111 1111 and ssn 123-45-6789",
    metadata={"iban": "DE89 3704 0044 0532 0130 00", "phone": "call +44 20 7946 0958", "count": 5}),
    base_event(source="[REDACTED:email]", message="card [REDACTED:card] and ssn [REDACTED:ssn]",
               metadata=meta(("iban", "string", "[REDACTED:iban]"),
                             ("phone", "string", "call [REDACTED:phone]"), ("count", "int", "5"))),
    "source, message and metadata strings are redacted; kinds reported per field",
    redactions=[{"pointer": "/source", "kinds": ["email"]},
                {"pointer": "/message", "kinds": ["ssn", "card"]},
                {"pointer": "/metadata/iban", "kinds": ["iban"]},
                {"pointer": "/metadata/phone", "kinds": ["phone"]}])
valid("pii_allow_keeps_text", body(message="contact jane.doe@example.com"),
      base_event(message="contact jane.doe@example.com"), "the allow policy keeps the text",
      options={"pii_policy": "allow"})
valid("pii_false_positive_traps", body(
    message="Exit code 1 at record 18441 of 40000; process instance 123456789; run 2026-04-20; "
            "connector 123e4567-e89b-12d3-a456-426614174000; elapsed 00:03:12",
    metadata={"records_total": 40000, "run_cntl_id": "PAYROLL_0420", "process_instance": "8812345"}),
    base_event(message="Exit code 1 at record 18441 of 40000; process instance 123456789; run 2026-04-20; "
                       "connector 123e4567-e89b-12d3-a456-426614174000; elapsed 00:03:12",
               metadata=meta(("records_total", "int", "40000"), ("run_cntl_id", "string", "PAYROLL_0420"),
                             ("process_instance", "string", "8812345"))),
    "counts, exit codes, dates, UUIDs and PeopleSoft run/process numbers are never PII",
    options={"pii_policy": "reject"})
invalid("pii_reject_message", body(message="contact jane.doe@example.com"),
        [("/message", "pii")], "reject: a pii violation at the field", options={"pii_policy": "reject"})
invalid("pii_reject_every_field", body(
    source="ops@example.org", message="ssn 123-45-6789",
    metadata={"a": "+1 (555) 123-4567", "b": "fine", "c": "4111-1111-1111-1111"}),
    [("/source", "pii"), ("/message", "pii"), ("/metadata/a", "pii"), ("/metadata/c", "pii")],
    "reject: one violation per field with a finding", options={"pii_policy": "reject"})

# ---------------------------------------------------------------- size
def padded(total):
    b = body()
    return b + " " * (total - len(b))


valid("size_exactly_64kib", padded(MAX), base_event(), "a 65,536-byte body (trailing spaces) is accepted")
valid("size_64kib_minus_one", padded(MAX - 1), base_event(), "65,535 bytes")
invalid("size_64kib_plus_one", padded(MAX + 1), [("", "too_long")],
        "65,537 bytes: one too_long at the document, nothing else checked")
invalid("size_over_limit_is_not_parsed", b"\xff" * 1010, [("", "too_long")],
        "an over-size body is refused before it is decoded (limit 1,000 bytes here)",
        options={"max_body_bytes": 1000})
invalid("size_custom_limit", body(), [("", "too_long")], "max_body_bytes is configurable",
        options={"max_body_bytes": 100})
valid("size_custom_limit_exact", body(), base_event(), "a body exactly at a custom limit",
      options={"max_body_bytes": len(body())})

# ---------------------------------------------------------------- missing / type
for f in ["connector_id", "event_type", "timestamp"]:
    invalid("missing_" + f, body(**{f: DROP}), [("/" + f, "missing")], f + " is required")
invalid("empty_object", "{}", [("/connector_id", "missing"), ("/event_type", "missing"),
                               ("/timestamp", "missing")], "an empty object misses all three")
for f in ["connector_id", "event_type", "timestamp", "severity", "source", "message"]:
    invalid("type_%s_number" % f, body(**{f: 42}), [("/" + f, "type")], f + " must be a string")
    invalid("type_%s_null" % f, body(**{f: None}), [("/" + f, "type")],
            f + ": null is not a way to leave a field out")
for f, v in [("connector_id", Raw("[]")), ("event_type", Raw("{}")), ("source", True),
             ("message", Raw('["a"]'))]:
    invalid("type_%s_%s" % (f, type(v).__name__.lower()), body(**{f: v}), [("/" + f, "type")],
            f + " must be a string, not a container or boolean")
for name, v in [("array", Raw("[1,2]")), ("string", "a=1"), ("null", None), ("number", 1)]:
    invalid("type_metadata_" + name, body(metadata=v), [("/metadata", "type")],
            "metadata must be an object")
for name, text in [("array", "[]"), ("string", '"event"'), ("number", "42"), ("null", "null"),
                   ("true", "true"), ("array_of_event", "[" + body() + "]")]:
    invalid("top_level_" + name, text, [("", "type")], "the body must be a JSON object")

# ---------------------------------------------------------------- connector id
for name, v in [("braces", "{%s}" % CID), ("urn", "urn:uuid:" + CID), ("simple", CID.replace("-", "")),
                ("short", CID[:-1]), ("non_hex", CID[:-1] + "g"), ("backtick", CID[:-1] + "`"),
                ("at_sign", "@" + CID[1:]), ("colon", CID[:-1] + ":"), ("empty", ""),
                ("spaces", " " + CID), ("hyphens_moved", "123e4567e-89b-12d3-a456-426614174000")]:
    invalid("connector_id_" + name, body(connector_id=v), [("/connector_id", "format")],
            "only the hyphenated 8-4-4-4-12 form is a connector id")
invalid("connector_id_mismatch", body(connector_id=OTHER), [("/connector_id", "mismatch")],
        "the body's id differs from the header's")

# ---------------------------------------------------------------- event type
for name, v in [("single_token", "integration"), ("uppercase", "Integration.Failed"), ("empty", ""),
                ("leading_digit", "1job.failed"), ("hyphen", "gl-load.failed"), ("trailing_dot", "a.b."),
                ("double_dot", "a..b"), ("leading_dot", ".a.b"), ("space", "integration failed"),
                ("token_digit_start", "job.2failed"), ("non_ascii", "intégration.failed")]:
    invalid("event_type_" + name, body(event_type=v), [("/event_type", "format")],
            "event_type is lowercase dotted tokens, at least two")
invalid("event_type_129_chars", body(event_type="a." + "b" * 127), [("/event_type", "too_long")],
        "event_type over 128 characters")

# ---------------------------------------------------------------- timestamp
for name, v in [("date_only", "2026-04-20"), ("basic_format", "20260420T030000Z"),
                ("space_separator", "2026-04-20 03:00:00Z"), ("no_seconds", "2026-04-20T03:00Z"),
                ("ten_fraction_digits", "2026-04-20T03:00:00.1234567890Z"),
                ("dot_without_digits", "2026-04-20T03:00:00.Z"), ("month_13", "2026-13-20T03:00:00Z"),
                ("feb_29_common_year", "2026-02-29T03:00:00Z"), ("apr_31", "2026-04-31T03:00:00Z"),
                ("hour_24", "2026-04-20T24:00:00Z"), ("minute_60", "2026-04-20T03:60:00Z"),
                ("second_61", "2026-04-20T03:00:61Z"), ("offset_hour_24", "2026-04-20T03:00:00+24:00"),
                ("offset_no_colon", "2026-04-20T03:00:00+0200"), ("offset_hours_only", "2026-04-20T03:00:00+02"),
                ("trailing_text", "2026-04-20T03:00:00Z UTC"), ("empty", ""), ("words", "yesterday"),
                ("two_digit_year", "26-04-20T03:00:00Z"), ("single_digit_month", "2026-4-20T03:00:00Z"),
                ("comma_fraction", "2026-04-20T03:00:00,5Z")]:
    invalid("timestamp_" + name, body(timestamp=v), [("/timestamp", "format")],
            "not an RFC 3339 date-time")
invalid("timestamp_before_year_0000_in_utc", body(timestamp="0000-01-01T00:30:00+01:00"),
        [("/timestamp", "format")], "in UTC this is year -1, which RFC 3339 cannot write")
invalid("timestamp_unix_number", body(timestamp=1776654000), [("/timestamp", "type")],
        "Unix seconds are not accepted: send RFC 3339 text")
invalid("timestamp_in_future", body(timestamp="2026-04-20T03:10:00.000000001Z"),
        [("/timestamp", "in_future")], "one nanosecond beyond now + 5 min")
invalid("timestamp_too_old", body(timestamp="2026-04-19T03:04:59.999Z"), [("/timestamp", "too_old")],
        "older than now - 24 h")
invalid("timestamp_future_custom_skew", body(timestamp="2026-04-20T03:06:00Z"),
        [("/timestamp", "in_future")], "future_skew is configurable", options={"future_skew_seconds": 30})

# ---------------------------------------------------------------- severity
for name, v in [("warning", "warning"), ("uppercase", "ERROR"), ("empty", ""), ("capitalized", "Info"),
                ("fatal", "fatal"), ("padded", " warn")]:
    invalid("severity_" + name, body(severity=v), [("/severity", "enum")],
            "severity is exactly info, warn, error or critical")

# ---------------------------------------------------------------- source / message
invalid("source_empty", body(source=""), [("/source", "format")], "an empty source is format")
invalid("source_129_chars", body(source="S" * 129), [("/source", "too_long")], "source over 128")
invalid("source_129_code_points", body(source="é" * 129), [("/source", "too_long")],
        "129 two-byte characters")
for name, v in [("tab", "a\tb"), ("newline", "a\nb"), ("nul", "a\u0000b"), ("del", "a\u007fb"),
                ("c1", "a\u0085b")]:
    invalid("source_control_" + name, body(source=v), [("/source", "format")],
            "source has no control characters at all")
invalid("message_4097_chars", body(message="m" * 4097), [("/message", "too_long")], "message over 4,096")
for name, v in [("cr", "a\r\nb"), ("nul", "a\u0000"), ("escape", "\u001b[31mred"), ("bell", "\u0007"),
                ("del", "\u007f"), ("c1", "\u009b")]:
    invalid("message_control_" + name, body(message=v), [("/message", "format")],
            "message allows only tab and newline among control characters")

# ---------------------------------------------------------------- metadata
M65 = {"k%02d" % i: i for i in range(65)}
invalid("metadata_65_entries", body(metadata=M65), [("/metadata", "too_many")], "at most 64 entries")
invalid("metadata_key_empty", body(metadata={"": 1}), [("/metadata/", "format")],
        "an empty key; its pointer is /metadata/")
invalid("metadata_key_65_chars", body(metadata={"K" * 65: 1}), [("/metadata/" + "K" * 65, "too_long")],
        "keys are at most 64 characters")
invalid("metadata_key_space", body(metadata={"exit code": 1}), [("/metadata/exit code", "format")],
        "keys use A-Z a-z 0-9 _ . - only")
invalid("metadata_key_slash", body(metadata={"a/b": 1}), [("/metadata/a~1b", "format")],
        "a / in a key is ~1 in the pointer (RFC 6901)")
invalid("metadata_key_tilde", body(metadata={"a~b": 1}), [("/metadata/a~0b", "format")],
        "a ~ in a key is ~0 in the pointer")
invalid("metadata_key_non_ascii", body(metadata={"clé": 1}), [("/metadata/clé", "format")],
        "non-ASCII letters are not key characters")
invalid("metadata_nested_object", body(metadata={"a": {"b": 1}}), [("/metadata/a", "type")],
        "no nested objects")
invalid("metadata_nested_array", body(metadata={"a": [1, 2]}), [("/metadata/a", "type")], "no arrays")
invalid("metadata_string_1025", body(metadata={"s": "v" * 1025}), [("/metadata/s", "too_long")],
        "metadata strings are at most 1,024 characters")
invalid("metadata_string_cr", body(metadata={"s": "a\rb"}), [("/metadata/s", "format")],
        "metadata strings follow the message's control-character rule")
invalid("metadata_int_above_u64", body(metadata=Raw('{"n":18446744073709551616}')),
        [("/metadata/n", "format")], "2^64 does not fit")
invalid("metadata_int_below_i64", body(metadata=Raw('{"n":-9223372036854775809}')),
        [("/metadata/n", "format")], "-2^63-1 does not fit")
invalid("metadata_int_huge", body(metadata=Raw('{"n":%s}' % ("9" * 400))), [("/metadata/n", "format")],
        "a 400-digit integer")
invalid("metadata_float_overflow", body(metadata=Raw('{"f":1e400}')), [("/metadata/f", "format")],
        "a float that overflows to infinity")
invalid("metadata_float_overflow_negative", body(metadata=Raw('{"f":-1.5e309}')),
        [("/metadata/f", "format")], "negative overflow")
invalid("metadata_deep_nesting", body(metadata=Raw('{"a":' + "[" * 60 + "]" * 60 + "}")),
        [("/metadata/a", "type")], "60 nested arrays inside metadata: one type violation")

# ---------------------------------------------------------------- run signals
# metadata.run_id pairs a run's .started with its .succeeded or .failed: an integer, or a string of 1-128
# characters without control characters (source's rule). metadata.records_processed, on any
# event, is a non-negative integer. Other keys keep the generic metadata rules.
RUN_ID = "PAYNOTFY-8812345"


def run_body(outcome, metadata):
    return body(event_type="payroll." + outcome, severity="info", message=DROP, metadata=metadata)


def run_event(outcome, *entries):
    return base_event(event_type="payroll." + outcome, severity="info", message=DROP,
                      metadata=meta(*entries))


valid("run_started_with_run_id", run_body("started", {"run_id": RUN_ID}),
      run_event("started", ("run_id", "string", RUN_ID)),
      "a run signal: .started with the run id that pairs it")
valid("run_succeeded_with_records_processed",
      run_body("succeeded", {"run_id": RUN_ID, "records_processed": 40000}),
      run_event("succeeded", ("run_id", "string", RUN_ID), ("records_processed", "int", "40000")),
      "the same run's .succeeded with what it processed")
valid("run_failed_records_processed_zero",
      run_body("failed", {"run_id": RUN_ID, "records_processed": 0}),
      run_event("failed", ("run_id", "string", RUN_ID), ("records_processed", "int", "0")),
      "zero records is a valid count")
valid("run_records_processed_u64_max", run_body("succeeded", Raw('{"records_processed":18446744073709551615}')),
      run_event("succeeded", ("records_processed", "uint", "18446744073709551615")),
      "records_processed up to 2^64-1 without a run id")
valid("run_id_128_chars", run_body("started", {"run_id": "R" * 128}),
      run_event("started", ("run_id", "string", "R" * 128)), "a run id of exactly 128 characters")
valid("run_id_128_code_points", run_body("started", {"run_id": "é" * 128}),
      run_event("started", ("run_id", "string", "é" * 128)), "lengths count code points, not bytes")
valid("run_id_single_char", run_body("started", {"run_id": "7"}),
      run_event("started", ("run_id", "string", "7")), "one character is enough")
valid("run_id_spaces_and_punctuation", run_body("started", {"run_id": "PAY 01/2026-04-20 02:00 #3"}),
      run_event("started", ("run_id", "string", "PAY 01/2026-04-20 02:00 #3")),
      "spaces and punctuation are allowed")
valid("run_id_number_as_text", run_body("started", {"run_id": "4711"}),
      run_event("started", ("run_id", "string", "4711")), "a numeric id sent as text")
valid("run_id_redaction_cut_to_128", run_body("started", {"run_id": "R" * 116 + " 123-45-6789"}),
      run_event("started", ("run_id", "string", ("R" * 116 + " [REDACTED:ssn]")[:128])),
      "a 128-character run id lengthened by redaction is cut back to 128",
      redactions=[{"pointer": "/metadata/run_id", "kinds": ["ssn"]}])
valid("run_like_keys_keep_generic_rules", body(metadata={"run": "a\tb", "records": -1, "Run_ID": 7}),
      base_event(metadata=meta(("run", "string", "a\tb"), ("records", "int", "-1"),
                               ("Run_ID", "int", "7"))),
      "only the exact keys run_id and records_processed have their own rules")

invalid("run_id_empty", run_body("started", {"run_id": ""}), [("/metadata/run_id", "format")],
        "an empty run id pairs nothing: leave it out instead")
invalid("run_id_129_chars", run_body("started", {"run_id": "R" * 129}), [("/metadata/run_id", "too_long")],
        "run ids are at most 128 characters")
invalid("run_id_129_code_points", run_body("started", {"run_id": "é" * 129}),
        [("/metadata/run_id", "too_long")], "129 two-byte characters")
invalid("run_id_2000_chars", run_body("started", {"run_id": "R" * 2000}), [("/metadata/run_id", "too_long")],
        "over the generic 1,024 too: one too_long, the run id's")
for name, v in [("tab", "a\tb"), ("newline", "a\nb"), ("cr", "a\rb"), ("nul", "a\u0000b"),
                ("del", "a\u007fb"), ("c1", "a\u0085b")]:
    invalid("run_id_control_" + name, run_body("started", {"run_id": v}), [("/metadata/run_id", "format")],
            "run ids have no control characters at all (not even tab or newline)")
valid("run_id_integer", run_body("started", Raw('{"run_id":4711}')),
      run_event("started", ("run_id", "int", "4711")),
      "an integer run id is accepted (it pairs as its decimal text, as incident keys read it)")
for name, v in [("float", Raw("47.5")), ("bool", Raw("true")), ("null", Raw("null")),
                ("object", Raw('{"id":1}')), ("array", Raw('["a"]'))]:
    invalid("run_id_type_" + name, run_body("started", Raw('{"run_id":%s}' % v.text)),
            [("/metadata/run_id", "type")], "a run id is a string or an integer")
invalid("records_processed_negative", run_body("succeeded", Raw('{"records_processed":-1}')),
        [("/metadata/records_processed", "format")], "a count is never negative")
invalid("records_processed_i64_min", run_body("succeeded", Raw('{"records_processed":-9223372036854775808}')),
        [("/metadata/records_processed", "format")], "the most negative integer")
for name, v in [("fraction", "2.5"), ("integral_float", "5.0"), ("exponent", "1e3"),
                ("string", '"18441"'), ("bool", "false"), ("null", "null")]:
    invalid("records_processed_type_" + name, run_body("succeeded", Raw('{"records_processed":%s}' % v)),
            [("/metadata/records_processed", "type")],
            "records_processed is an integer without fraction, exponent or quotes")
invalid("records_processed_on_any_event", body(metadata={"records_processed": -5}),
        [("/metadata/records_processed", "format")], "the rule holds on every event, not only run signals")
invalid("run_id_and_records_processed_both_wrong",
        run_body("succeeded", Raw('{"run_id":"","records_total":10,"records_processed":-1,"exit code":1}')),
        [("/metadata/run_id", "format"), ("/metadata/records_processed", "format"),
         ("/metadata/exit code", "format")],
        "every violation is listed")
invalid("run_id_pii_reject", run_body("started", {"run_id": "ops@example.org"}),
        [("/metadata/run_id", "pii")], "the PII policy applies to run ids", options={"pii_policy": "reject"})
invalid("run_id_duplicate", run_body("started", Raw('{"run_id":"a","run_id":"b"}')),
        [("/metadata/run_id", "duplicate_key")], "one run id per event")

# ---------------------------------------------------------------- strictness
invalid("unknown_field", body(tenant="acme"), [("/tenant", "unknown_field")],
        "fields outside the contract are refused")
invalid("unknown_fields_two", body(host="h1", event_id="e1"),
        [("/host", "unknown_field"), ("/event_id", "unknown_field")], "each unknown field is reported")
invalid("unknown_field_container", body(extra={"a": [1, {"b": 2}]}), [("/extra", "unknown_field")],
        "an unknown field's value may be anything, it is still refused")
invalid("unknown_field_escaped_name", body(**{"a/b": 1}), [("/a~1b", "unknown_field")],
        "pointer escaping of an unknown top-level name")
invalid("unknown_field_case", body(Severity="error"), [("/Severity", "unknown_field")],
        "field names are case-sensitive")


def dup(first, key, value):
    """`first` (a body) with `"key":value` appended before the closing brace."""
    return first[:-1] + "," + json.dumps(key) + ":" + enc(value) + "}"


invalid("duplicate_connector_id", dup(body(), "connector_id", CID), [("/connector_id", "duplicate_key")],
        "a repeated top-level key, same value")
invalid("duplicate_severity_conflicting", dup(body(), "severity", "info"), [("/severity", "duplicate_key")],
        "a repeated key with another value (which one is checked further is unspecified)")
invalid("duplicate_message_thrice", dup(dup(body(), "message", "b"), "message", "c"),
        [("/message", "duplicate_key"), ("/message", "duplicate_key")], "three occurrences, two duplicates")
invalid("duplicate_unknown_field", dup(body(x=1), "x", 2), [("/x", "unknown_field"), ("/x", "duplicate_key")],
        "an unknown field, then again")
valid("escaped_field_name", body()[:1] + '"connector\\u005fid"' + body()[15:], base_event(),
      "keys are compared after unescaping: connector\\u005fid is connector_id")
invalid("duplicate_key_via_escape", dup(body(), "sev\u0065rity", "info").replace("sev\u0065rity", "sev\\u0065rity"),
        [("/severity", "duplicate_key")], "an escaped spelling of a key is the same key")
invalid("duplicate_metadata_key_via_escape", body(metadata=Raw('{"a_b":1,"a\\u005fb":2}')),
        [("/metadata/a_b", "duplicate_key")], "the same inside metadata")
invalid("duplicate_metadata_key", body(metadata=Raw('{"a":1,"b":2,"a":3}')), [("/metadata/a", "duplicate_key")],
        "duplicate keys inside metadata")
invalid("duplicate_in_nested_metadata_value", body(metadata=Raw('{"a":{"k":1,"k":2}}')),
        [("/metadata/a", "type"), ("/metadata/a/k", "duplicate_key")],
        "duplicates are found at any depth, even inside a value that is refused")
invalid("duplicate_deep_in_unknown_field", body(x=Raw('[0,{"y":[{"z":1,"z":2}]}]')),
        [("/x", "unknown_field"), ("/x/1/y/0/z", "duplicate_key")], "pointer through arrays and objects")
invalid("duplicate_metadata_field", dup(body(metadata={"a": 1}), "metadata", {"b": 2}),
        [("/metadata", "duplicate_key")], "metadata itself twice")
dup_keys = "{" + ",".join('"k%03d":%d' % (i, i) for i in range(40)) + ',"k007":0}'
invalid("duplicate_in_large_metadata", body(metadata=Raw(dup_keys)),
        [("/metadata/k007", "duplicate_key")], "duplicate found among many keys")

invalid("many_violations_collected", enc({
    "connector_id": "not-a-uuid", "event_type": "Bad", "timestamp": "2026-04-20",
    "severity": "warning", "source": "", "message": "a\rb", "metadata": {"bad key": 1, "n": Raw("[1]")},
    "extra": True}),
    [("/connector_id", "format"), ("/event_type", "format"), ("/timestamp", "format"), ("/severity", "enum"),
     ("/source", "format"), ("/message", "format"), ("/metadata/bad key", "format"), ("/metadata/n", "type"),
     ("/extra", "unknown_field")], "every violation is reported, not just the first")
invalid("missing_plus_others", enc({"event_type": "x", "severity": 1}),
        [("/connector_id", "missing"), ("/timestamp", "missing"), ("/event_type", "format"),
         ("/severity", "type")], "missing fields are reported with the others")

# ---------------------------------------------------------------- bounded lists
def unknown_fields(n):
    """The base body with n unknown top-level fields x000, x001, ... (in that order)."""
    return body(**{"x%03d" % i: i for i in range(n)})


def unknown(n):
    return [("/x%03d" % i, "unknown_field") for i in range(n)]


invalid("violations_exactly_100_all_listed", unknown_fields(100), unknown(100),
        "100 violations: all listed, violation_count 100")
invalid("violations_101_first_100_listed", unknown_fields(101), unknown(101),
        "101 violations: the first 100 found are listed, the 101st (/x100) only counted")
def base36(i):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = digits[i % 36]
    while i >= 36:
        i //= 36
        out = digits[i % 36] + out
    return out


many = [base36(i) for i in range(8000)]
invalid("violations_8000_first_100_listed", body(**{k: 0 for k in many}),
        [("/" + k, "unknown_field") for k in many],
        "8,000 unknown fields in a body under 64 KiB: 8,000 violations counted, only the first "
        "100 found listed, so the answer stays small")
invalid("violations_missing_field_after_the_first_100",
        enc({k: v for k, v in list(BASE.items()) if k != "timestamp"} | {"x%03d" % i: i for i in range(120)}),
        unknown(120) + [("/timestamp", "missing")],
        "missing fields are found last: with 120 unknown fields before, the missing timestamp "
        "is the 121st violation, counted but not listed")

# ---------------------------------------------------------------- syntax
SYN = [
    ("syntax_empty_body", b"", {"line": 1, "column": 1, "offset": 0}, "an empty body is not JSON"),
    ("syntax_whitespace_only", b" \n ", {"line": 2, "column": 2, "offset": 3}, "only whitespace"),
    ("syntax_unclosed_object", b"{", None, "an unterminated object"),
    ("syntax_truncated", body().encode()[:-10], None, "a body cut short"),
    ("syntax_trailing_comma", (body()[:-1] + ",}").encode(), None, "a trailing comma in the object"),
    ("syntax_trailing_comma_metadata", body(metadata=Raw('{"a":1,}')).encode(), None,
     "a trailing comma in metadata"),
    ("syntax_single_quotes", b"{'connector_id':'x'}", {"line": 1, "column": 2, "offset": 1},
     "single quotes are not JSON"),
    ("syntax_unquoted_key", b"{connector_id:1}", {"line": 1, "column": 2, "offset": 1}, "keys must be quoted"),
    ("syntax_trailing_garbage", (body() + "x").encode(), {"line": 1, "column": len(body()) + 1,
                                                          "offset": len(body())}, "text after the object"),
    ("syntax_two_objects", (body() + "\n{}").encode(), {"line": 2, "column": 1, "offset": len(body()) + 1},
     "two objects"),
    ("syntax_nan", body(metadata=Raw('{"f":NaN}')).encode(), None, "NaN is not JSON"),
    ("syntax_infinity", body(metadata=Raw('{"f":Infinity}')).encode(), None, "Infinity is not JSON"),
    ("syntax_negative_infinity", body(metadata=Raw('{"f":-Infinity}')).encode(), None, "-Infinity is not JSON"),
    ("syntax_leading_zero", body(metadata=Raw('{"n":01}')).encode(), None, "leading zeros"),
    ("syntax_bare_fraction", body(metadata=Raw('{"n":.5}')).encode(), None, "a number needs an integer part"),
    ("syntax_trailing_dot", body(metadata=Raw('{"n":1.}')).encode(), None, "a number needs fraction digits"),
    ("syntax_plus_sign", body(metadata=Raw('{"n":+1}')).encode(), None, "no leading plus"),
    ("syntax_hex_number", body(metadata=Raw('{"n":0x1F}')).encode(), None, "no hex numbers"),
    ("syntax_comment", ("{/* c */" + body()[1:]).encode(), {"line": 1, "column": 2, "offset": 1},
     "comments are not JSON"),
    ("syntax_raw_newline_in_string", body(message=Raw('"line1\nline2"')).encode(), None,
     "a raw control character inside a string must be escaped"),
    ("syntax_raw_tab_in_string", body(message=Raw('"a\tb"')).encode(), None, "a raw tab inside a string"),
    ("syntax_invalid_escape", body(message=Raw(r'"a\x41"')).encode(), None, "\\x is not a JSON escape"),
    ("syntax_short_unicode_escape", body(message=Raw(r'"a\u12"')).encode(), None, "\\u needs four hex digits"),
    ("syntax_lone_high_surrogate", body(message=Raw(r'"a\ud83d b"')).encode(), None,
     "a high surrogate without its low half"),
    ("syntax_lone_low_surrogate", body(message=Raw(r'"a\ude00"')).encode(), None, "a low surrogate alone"),
    ("syntax_literal_case", body(metadata=Raw('{"b":True}')).encode(), None, "True is not a JSON literal"),
    ("syntax_missing_colon", b'{"connector_id" "x"}', {"line": 1, "column": 17, "offset": 16},
     "a key without a colon"),
    ("syntax_missing_comma", ('{"connector_id":"%s" "event_type":"a.b"}' % CID).encode(),
     {"line": 1, "column": 56, "offset": 55}, "members without a comma"),
    ("syntax_unclosed_string", b'{"connector_id":"abc', None, "an unterminated string"),
    ("syntax_bom", b"\xef\xbb\xbf" + body().encode(), {"line": 1, "column": 1, "offset": 0},
     "a UTF-8 byte order mark is refused"),
    ("syntax_non_utf8_latin1", body(message="caf\u00e9").encode("latin-1"), None,
     "Latin-1 bytes are not UTF-8"),
    ("syntax_non_utf8_ff", b'{"a":"\xff"}', {"line": 1, "column": 7, "offset": 6}, "a 0xFF byte"),
    ("syntax_overlong_utf8", b'{"a":"\xc0\xaf"}', {"line": 1, "column": 7, "offset": 6},
     "an overlong UTF-8 sequence"),
    ("syntax_utf8_surrogate", b'{"a":"\xed\xa0\x80"}', {"line": 1, "column": 7, "offset": 6},
     "a UTF-8-encoded surrogate"),
    ("syntax_utf16le", body().encode("utf-16-le"), {"line": 1, "column": 2, "offset": 1},
     "UTF-16 is not accepted (its zero bytes are control characters outside a string)"),
    ("syntax_deep_nesting_open", b"[" * 10000, {"line": 1, "column": 129, "offset": 128},
     "10,000 open brackets: refused at the depth limit (128), never a stack overflow"),
    ("syntax_deep_nesting_closed", b"[" * 200 + b"]" * 200, {"line": 1, "column": 129, "offset": 128},
     "200 nested arrays, well formed, deeper than the limit of 128"),
    ("syntax_deep_in_metadata", body(metadata=Raw('{"a":' + "[" * 200 + "]" * 200 + "}")).encode(), None,
     "deep nesting inside metadata also meets the depth limit"),
    ("syntax_nul_byte", b"{\x00}", {"line": 1, "column": 2, "offset": 1}, "a NUL byte between tokens"),
    ("syntax_multiline_position", b'{\n  "connector_id": "x",\n  "event_type": oops\n}',
     {"line": 3, "column": 17, "offset": 41}, "line and column on a pretty-printed body"),
]
for name, data, pos, note in SYN:
    invalid(name, data, [("", "syntax")], note, syntax=pos)


# ---------------------------------------------------------------- oracle
def strict_load(data):
    """Python's json as a second opinion: UTF-8 without BOM, no NaN or
    Infinity, no duplicate keys (ValueError otherwise)."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise ValueError("BOM")

    def pairs(items):
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(items)

    def no_constant(name):
        raise ValueError(name)

    return json.loads(data.decode("utf-8"), object_pairs_hook=pairs, parse_constant=no_constant)


def utc_text(text):
    """The normalized UTC text of an accepted timestamp, computed with
    datetime (leap seconds and 7-9 fraction digits handled around it)."""
    import datetime as dt
    import re
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)?", text)
    assert m, text
    date, hh, mm, ss, frac, off = m.groups()
    nanos = int((frac or "").ljust(9, "0"))
    if ss == "60":
        ss, nanos = "59", 999_999_999
    off = "+00:00" if off in (None, "Z", "z", "-00:00") else off
    t = dt.datetime.fromisoformat("%sT%s:%s:%s%s" % (date, hh, mm, ss, off)).astimezone(dt.timezone.utc)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos == 0:
        return base + "Z"
    digits = "%09d" % nanos
    for n in (3, 6, 9):
        if digits[n:].strip("0") == "":
            return base + "." + digits[:n] + "Z"


def check_with_python(case):
    data = bytes.fromhex(case["body_hex"])
    if case["expect"] == "invalid":
        if any(v["code"] == "syntax" for v in case["violations"]):
            if len(case["violations"]) != 1:
                raise AssertionError(case["name"] + ": syntax must be alone")
            try:
                doc = strict_load(data)
            except (ValueError, UnicodeDecodeError, RecursionError):
                return
            # What Python's json accepts but the contract refuses: nesting
            # deeper than 128 and lone surrogates (not Unicode text).
            assert "deep" in case["name"] or "surrogate" in case["name"], case["name"]
        return
    doc = strict_load(data)
    e = case["event"]
    assert doc["connector_id"].lower() == e["connector_id"], case["name"]
    assert doc["event_type"] == e["event_type"], case["name"]
    assert utc_text(doc["timestamp"]) == e["timestamp"], case["name"]
    assert doc.get("severity", "info") == e["severity"], case["name"]
    redacted = {r["pointer"] for r in case["redactions"]}
    for f in ("source", "message"):
        if "/" + f not in redacted:
            assert doc.get(f) == e[f], case["name"]
    got = [(m["key"], m["type"], m["value"]) for m in e["metadata"]]
    assert [k for k, _, _ in got] == list(doc.get("metadata", {})), case["name"]
    for k, t, v in got:
        sent = doc["metadata"][k]
        if t in ("int", "uint"):
            assert type(sent) is int and int(v) == sent, case["name"]
            assert (t == "int") == (-2**63 <= sent < 2**63), case["name"]
        elif t == "float":
            assert type(sent) is float and sent == v, case["name"]
        elif t == "string" and "/metadata/" + k not in redacted:
            assert sent == v, case["name"]


def main():
    for case in cases:
        check_with_python(case)
    doc = {
        "version": 1,
        "description": "Event contract conformance (contract 3.2-3.4, 10): parse each body with the "
                       "options; valid cases give the normalized event and redactions, invalid ones "
                       "exactly the listed (pointer, code) multiset. Generated by generate/events.py.",
        "cases": cases,
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit("events.json differs from generate/events.py; regenerate it")
        print("events.json: %d cases, matches its generator" % len(cases))
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %d cases" % len(cases))


if __name__ == "__main__":
    main()
