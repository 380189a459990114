#!/usr/bin/env python3
"""Generates tests/vectors/receive.json: scripted request -> response cases
for the receive decision (contract section 4, issue #7).

Each scenario is an initial state (configuration, tenants, connectors) and a
list of requests at given times, each with the complete expected response:
status, every header in order, and the body. The outcome of each step (which
rung answers, which violations) is written by hand from the contract; what
is computed here uses only Python's standard library, independently of the
Rust code:

- signatures: hmac + hashlib (`sha256=` + hex HMAC-SHA256 of the raw body);
- event ids: "evt_" + hex(SHA-256(lowercase connector UUID || "\\n" || body))[:32];
- incident ids: the formula of generate/incidents.py (SHA-256 over the
  correlation key's canonical bytes and the opening event id);
- quota headers: a from-scratch model of the daily window (contract 5, 10):
  `RateLimit-Policy: "events";q=<limit>;w=86400`,
  `RateLimit: "events";r=<left after this request>;t=<secs to UTC midnight>`;
- the replay set: a digest is remembered until accepted_at + replay window
  (inclusive), and the model asserts that each hand-written `duplicate` or
  `accepted` expectation agrees with it.

Problem bodies: `detail` and each `errors[].message` are human text and are
not pinned (runners check that they are non-empty strings); every other
member is compared exactly and no other member may be present. A 422 lists
at most MAX_LISTED_VIOLATIONS violations in `errors` (the first found, in
order) and gives the total in `error_count`.

Run with `--check` to verify that the committed file is exactly what this
script produces (make test does).
"""
import hashlib
import hmac
import json
import struct
import sys
from datetime import datetime, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "receive.json"

SECRET = b"whsec_erpops_vectors_primary"
OLD_SECRET = b"whsec_erpops_vectors_previous"
WRONG_SECRET = b"not-the-connector-secret"

C_MAIN = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
C_DISABLED = "0b7e5a7c-1d2e-4f30-9a4b-5c6d7e8f9a0b"
C_SUSPENDED = "6a1f0e2d-3c4b-4a59-8e7d-6c5b4a392817"
C_UNKNOWN = "99999999-8888-4777-8666-555555555555"
C_OTHER = "12345678-90ab-4cde-8f01-234567890abc"

PAYROLL = "PSFT_PAYROLL_BATCH"
PROBLEM_OUTCOMES = {"failed", "failure", "error", "degraded", "down", "timeout", "missed",
                    "aborted", "stalled", "unhealthy"}

STATUS = {
    "method_not_allowed": 405, "body_too_large": 413, "unsupported_media_type": 415,
    "signature_missing": 401, "signature_malformed": 401, "connector_id_missing": 401,
    "connector_id_malformed": 401, "connector_not_found": 403, "connector_disabled": 403,
    "tenant_suspended": 403, "signature_mismatch": 401, "invalid_event": 422,
    "quota_exceeded": 429,
}
TITLE = {
    "method_not_allowed": "Method not allowed", "body_too_large": "Body too large",
    "unsupported_media_type": "Unsupported media type",
    "signature_missing": "Signature missing", "signature_malformed": "Signature malformed",
    "connector_id_missing": "Connector id missing",
    "connector_id_malformed": "Connector id malformed",
    "connector_not_found": "Connector not found", "connector_disabled": "Connector disabled",
    "tenant_suspended": "Tenant suspended", "signature_mismatch": "Signature mismatch",
    "invalid_event": "Invalid event", "quota_exceeded": "Quota exceeded",
}
# Rungs after which the tenant is known: these carry the RateLimit fields.
TENANT_KNOWN = {"invalid_event", "quota_exceeded"}

DEFAULT_CONFIG = {"max_body_bytes": 65536, "future_skew_secs": 300, "max_age_secs": 86400,
                  "replay_window_secs": 86700}
PLAN_LIMITS = {"free": 100, "professional": 50000, "enterprise": None}
# The most violations a 422 lists in `errors` (contract: bounded problem bodies, issue #22).
MAX_LISTED_VIOLATIONS = 100


def secs(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def sign(secret, body):
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def event_id(connector, body):
    return "evt_" + hashlib.sha256(connector.lower().encode() + b"\n" + body).hexdigest()[:32]


def part(tag, value):
    if value is None:
        return tag.encode() + b"\x00"
    raw = value.encode()
    return tag.encode() + b"\x01" + struct.pack(">Q", len(raw)) + raw


def incident_id(connector, source, family, opening_event_id):
    canonical = (b"erpops.incident.key.v1" + part("c", connector) + part("s", source)
                 + part("f", family) + part("d", None) + part("r", None))
    raw = opening_event_id.encode()
    return "inc_" + hashlib.sha256(canonical + b"e" + struct.pack(">Q", len(raw)) + raw
                                   ).hexdigest()[:32]


# --- bodies as the seed's three examples produce them -------------------------------

def event(ts, connector=C_MAIN, event_type="integration.failed", **extra):
    e = {"connector_id": connector, "event_type": event_type, "timestamp": ts,
         "severity": "error", "source": PAYROLL, "message": "Exit code 1 at record 18441"}
    e.update(extra)
    return {k: v for k, v in e.items() if v is not None}


def curl_body(e):
    """The cURL example: a hand-written compact literal."""
    return json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode()


def node_body(e):
    """Node's JSON.stringify: compact, non-ASCII kept as UTF-8."""
    return json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode()


def python_body(e):
    """Python's json.dumps defaults: `, ` and `: ` separators, ASCII escapes."""
    return json.dumps(e).encode()


class Scenario:
    """The initial state, the steps and the independent model of their state."""

    def __init__(self, name, note, now, config=None):
        self.name, self.note = name, note
        self.config = dict(DEFAULT_CONFIG, **(config or {}))
        self.tenants, self.connectors, self.steps = [], [], []
        self.limits, self.owner = {}, {}
        self.used = {}        # (tenant, day start) -> accepted events
        self.seen = {}        # event id -> expiry (inclusive)
        self.incidents = {}   # (connector, source, family) -> open incident id
        self.start = now
        self.request_no = 0

    def tenant(self, tid, plan="free", pii_policy="redact", suspended=False):
        self.tenants.append({"id": tid, "plan": plan, "pii_policy": pii_policy,
                             "suspended": suspended})
        self.limits[tid] = PLAN_LIMITS[plan] if isinstance(plan, str) else plan["inbound_events"]

    def connector(self, cid, tenant, secrets=((SECRET, None),), enabled=True):
        self.connectors.append({
            "id": cid, "tenant": tenant, "enabled": enabled,
            "secrets": [{"secret_hex": s.hex(), "expires_at": exp} for s, exp in secrets]})
        self.owner[cid] = tenant

    # -- one request -------------------------------------------------------------------

    def receive(self, now, body, expect, *, signature=None, secret=SECRET, connector=C_MAIN,
                content_type="application/json", method="POST", too_large=None, errors=(),
                ev=None, name=None):
        """`expect` is "accepted", "duplicate" or a refusal code; `errors` the
        expected (pointer, code) violations of a 422, in the order found (the
        first MAX_LISTED_VIOLATIONS are listed, `error_count` is them all);
        `ev` the event dict of an accepted body (to derive its incident)."""
        self.request_no += 1
        rid = f"req-{self.name}-{self.request_no}"
        if signature is None and body is not None:
            signature = sign(secret, body)
        request = {"method": method, "content_type": content_type, "signature": signature,
                   "connector_id": connector}
        if too_large is not None:
            request["body_too_large_length"] = too_large
        else:
            request["body_hex"] = body.hex()
        request["request_id"] = rid

        t = secs(now)
        tenant = self.owner.get(connector)
        day = t - t % 86400
        limit = self.limits.get(tenant)
        used = self.used.get((tenant, day), 0)
        reset = day + 86400 - t
        eid = event_id(connector, body) if body is not None and connector else None

        headers = []
        if expect in ("accepted", "duplicate"):
            headers.append(["Content-Type", "application/json"])
        else:
            headers.append(["Content-Type", "application/problem+json"])
            if expect == "method_not_allowed":
                headers.append(["Allow", "POST"])

        if expect == "accepted":
            assert limit is None or used < limit, (self.name, rid, "model: quota exhausted")
            assert not (eid in self.seen and t <= self.seen[eid]), (rid, "model: a duplicate")
            self.used[(tenant, day)] = used + 1
            self.seen[eid] = t + self.config["replay_window_secs"]
            remaining = None if limit is None else limit - used - 1
            inc = None
            if ev["event_type"].rsplit(".", 1)[1] in PROBLEM_OUTCOMES or \
                    ev.get("severity") in ("error", "critical"):
                k = (connector.lower(), ev.get("source"), ev["event_type"].rsplit(".", 1)[0])
                inc = self.incidents.setdefault(k, incident_id(*k, eid))
            body_json = {"status": "accepted", "event_id": eid, "incident_id": inc,
                         "redactions": ev.get("_redactions", [])}
            status = 202
        elif expect == "duplicate":
            assert eid in self.seen and t <= self.seen[eid], (rid, "model: not a duplicate")
            remaining = None if limit is None else max(limit - used, 0)
            body_json = {"status": "duplicate", "event_id": eid}
            status = 200
        else:
            status = STATUS[expect]
            remaining = None if limit is None else max(limit - used, 0)
            if expect == "quota_exceeded":
                assert limit is not None and used >= limit, (rid, "model: quota left")
            body_json = {"type": "urn:erpops:problem:" + expect, "title": TITLE[expect],
                         "status": status, "code": expect}
            if expect == "invalid_event":
                body_json["errors"] = [{"pointer": p, "code": c}
                                       for p, c in errors[:MAX_LISTED_VIOLATIONS]]
                body_json["error_count"] = len(errors)
            body_json["request_id"] = rid

        if (expect in ("accepted", "duplicate") or expect in TENANT_KNOWN) and limit is not None:
            if expect == "quota_exceeded":
                headers.append(["Retry-After", str(reset)])
            headers.append(["RateLimit-Policy", f'"events";q={limit};w=86400'])
            headers.append(["RateLimit", f'"events";r={remaining};t={reset}'])

        step = {"name": name or expect, "now": now, "request": request,
                "response": {"status": status, "headers": headers, "body": body_json}}
        self.steps.append(step)
        return eid

    def json(self):
        return {"name": self.name, "note": self.note, "config": self.config,
                "tenants": self.tenants, "connectors": self.connectors, "steps": self.steps}


def ladder():
    s = Scenario("ladder", "Every rung of contract section 4 and the order where two failures "
                 "coexist (the earlier rung answers).", "2026-04-20T03:00:05Z")
    s.tenant("t-acme")
    s.tenant("t-suspended", suspended=True)
    s.connector(C_MAIN, "t-acme")
    s.connector(C_DISABLED, "t-acme", enabled=False)
    s.connector(C_SUSPENDED, "t-suspended")
    now = "2026-04-20T03:00:05Z"
    ok = curl_body(event("2026-04-20T03:00:00Z"))
    invalid = b'{"connector_id":"' + C_MAIN.encode() + b'","timestamp":"2026-04-20T03:00:00Z"}'

    s.receive(now, ok, "method_not_allowed", method="GET")
    s.receive(now, None, "body_too_large", too_large=65537, signature=sign(SECRET, ok))
    s.receive(now, None, "body_too_large", too_large=10_000_000, content_type="text/plain",
              signature=None, name="body_too_large_before_media_type")
    s.receive(now, ok, "unsupported_media_type", content_type="text/plain")
    s.receive(now, ok, "unsupported_media_type", content_type=None, name="media_type_missing")
    s.receive(now, ok, "unsupported_media_type", content_type="application/json-seq")
    s.receive(now, ok, "unsupported_media_type", content_type="text/plain", signature="",
              name="media_type_before_signature")
    s.receive(now, ok, "signature_missing", signature="")
    s.receive(now, ok, "signature_malformed", signature="sha256=abc")
    s.receive(now, ok, "signature_malformed", signature="sha1=" + "0" * 40,
              connector=None, name="signature_malformed_before_connector_missing")
    s.receive(now, ok, "connector_id_missing", connector=None)
    s.receive(now, ok, "connector_id_malformed", connector="YOUR_ID")
    s.receive(now, ok, "connector_id_malformed",
              connector="{3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d}", name="connector_id_braced")
    s.receive(now, ok, "connector_not_found", connector=C_UNKNOWN)
    s.receive(now, ok, "connector_not_found", connector=C_UNKNOWN, secret=WRONG_SECRET,
              name="connector_not_found_before_mac")
    s.receive(now, ok, "connector_disabled", connector=C_DISABLED)
    s.receive(now, ok, "tenant_suspended", connector=C_SUSPENDED)
    s.receive(now, ok, "signature_mismatch", secret=WRONG_SECRET)
    s.receive(now, invalid, "signature_mismatch", secret=WRONG_SECRET,
              name="mac_before_body_validation")
    pretty = json.dumps(event("2026-04-20T03:00:00Z"), indent=2).encode()
    s.receive(now, pretty, "signature_mismatch", signature=sign(SECRET, ok),
              name="reserialized_body_does_not_match")
    s.receive(now, invalid, "invalid_event", errors=[("/event_type", "missing")])
    s.receive(now, curl_body(event("2026-04-20T03:00:00Z", connector=C_OTHER)),
              "invalid_event", errors=[("/connector_id", "mismatch")],
              name="body_connector_differs_from_header")
    s.receive(now, curl_body(event("2026-04-19T03:00:04Z")), "invalid_event",
              errors=[("/timestamp", "too_old")], name="too_old")
    s.receive(now, curl_body(event("2026-04-20T03:05:06Z")), "invalid_event",
              errors=[("/timestamp", "in_future")], name="in_future")
    s.receive(now, b'{"connector_id":', "invalid_event", errors=[("", "syntax")],
              name="not_json")
    e = event("2026-04-20T03:00:00Z")
    s.receive(now, ok, "accepted", ev=e, name="accepted_curl_body")
    s.receive("2026-04-20T03:00:35Z", ok, "duplicate", name="retry_is_duplicate")
    s.receive("2026-04-20T03:00:36Z", ok, "signature_mismatch", secret=WRONG_SECRET,
              name="retry_with_bad_mac_is_401_not_duplicate")
    return s


def seed_examples():
    s = Scenario("seed_examples", "The API reference's cURL, Node and Python examples, "
                 "signed with a known secret: three accepted events of one incident.",
                 "2026-04-20T03:00:05Z")
    s.tenant("t-acme", plan="professional")
    s.connector(C_MAIN, "t-acme")
    e1 = event("2026-04-20T03:00:00Z")
    s.receive("2026-04-20T03:00:01Z", curl_body(e1), "accepted", ev=e1, name="curl")
    e2 = event("2026-04-20T03:01:00.123Z")
    s.receive("2026-04-20T03:01:00.500Z", node_body(e2), "accepted", ev=e2,
              name="node_json_stringify_toisostring")
    e3 = event("2026-04-20T03:02:00.654321+00:00")
    s.receive("2026-04-20T03:02:01Z", python_body(e3), "accepted", ev=e3,
              name="python_json_dumps_isoformat")
    s.receive("2026-04-20T03:02:02Z", python_body(e3), "duplicate",
              name="python_retry_is_duplicate")
    e4 = event("2026-04-20T03:03:00Z", event_type="integration.started", severity="info",
               source="GL_NIGHTLY_LOAD", message="Starting")
    s.receive("2026-04-20T03:03:00Z", node_body(e4), "accepted", ev=e4,
              name="informational_event_has_no_incident")
    return s


def pii():
    s = Scenario("pii", "PII policy per tenant: redact reports the kinds in the 202 body, "
                 "reject answers 422 with code pii.", "2026-04-20T03:00:05Z")
    s.tenant("t-redact")
    s.tenant("t-reject", pii_policy="reject")
    s.connector(C_MAIN, "t-redact")
    s.connector(C_OTHER, "t-reject")
    msg = "Payroll failed for ana@example.com"
    e = event("2026-04-20T03:00:00Z", message=msg)
    e["_redactions"] = [{"pointer": "/message", "kinds": ["email"]}]
    body = curl_body({k: v for k, v in e.items() if not k.startswith("_")})
    s.receive("2026-04-20T03:00:05Z", body, "accepted", ev=e, name="redacted_and_reported")
    e = event("2026-04-20T03:00:00Z", connector=C_OTHER, message=msg)
    s.receive("2026-04-20T03:00:05Z", curl_body(e), "invalid_event", connector=C_OTHER,
              errors=[("/message", "pii")], name="rejected_with_pii_code")
    return s


def quota_boundary():
    s = Scenario("quota_window_boundary", "A custom plan of 2 events a day: the third is 429 "
                 "with Retry-After to UTC midnight; a duplicate or an invalid body while "
                 "exhausted is not 429; the next day admits again.", "2026-04-20T23:59:58Z")
    s.tenant("t-small", plan={"inbound_events": 2})
    s.tenant("t-unlimited", plan="enterprise")
    s.connector(C_MAIN, "t-small")
    s.connector(C_OTHER, "t-unlimited")
    e1 = event("2026-04-20T23:59:50Z")
    e2 = event("2026-04-20T23:59:51Z")
    e3 = event("2026-04-20T23:59:52Z")
    s.receive("2026-04-20T23:59:58Z", curl_body(e1), "accepted", ev=e1, name="first")
    s.receive("2026-04-20T23:59:58.900Z", curl_body(e2), "accepted", ev=e2, name="last_of_day")
    s.receive("2026-04-20T23:59:59.999Z", curl_body(e3), "quota_exceeded", name="exhausted")
    s.receive("2026-04-20T23:59:59.999Z", curl_body(e1), "duplicate",
              name="duplicate_wins_over_exhausted_quota")
    s.receive("2026-04-20T23:59:59.999Z", curl_body(event("2026-04-18T00:00:00Z")),
              "invalid_event", errors=[("/timestamp", "too_old")],
              name="invalid_wins_over_exhausted_quota")
    s.receive("2026-04-21T00:00:00Z", curl_body(e3), "accepted", ev=e3,
              name="next_day_admits_the_refused_event")
    e5 = event("2026-04-21T00:00:00Z", connector=C_OTHER)
    s.receive("2026-04-21T00:00:00Z", curl_body(e5), "accepted", connector=C_OTHER, ev=e5,
              name="unlimited_plan_has_no_ratelimit_fields")
    return s


def rotation():
    s = Scenario("secret_rotation", "The connector has a new secret and the previous one "
                 "expiring at 12:00:00Z: the old one verifies until then, not at or after.",
                 "2026-04-20T11:59:59Z")
    s.tenant("t-acme")
    s.connector(C_MAIN, "t-acme",
                secrets=((SECRET, None), (OLD_SECRET, "2026-04-20T12:00:00Z")))
    e1 = event("2026-04-20T11:59:00Z")
    e2 = event("2026-04-20T11:59:30Z")
    e3 = event("2026-04-20T11:59:45Z")
    s.receive("2026-04-20T11:59:59.999Z", curl_body(e1), "accepted", secret=OLD_SECRET, ev=e1,
              name="old_secret_before_expiry")
    s.receive("2026-04-20T12:00:00Z", curl_body(e2), "signature_mismatch", secret=OLD_SECRET,
              name="old_secret_at_expiry")
    s.receive("2026-04-20T12:00:00Z", curl_body(e2), "accepted", secret=SECRET, ev=e2,
              name="new_secret")
    s.receive("2026-04-20T12:00:01Z", curl_body(e1), "duplicate", secret=SECRET,
              name="retry_signed_with_new_secret_is_duplicate")
    s.receive("2026-04-20T13:00:00Z", curl_body(e3), "signature_mismatch", secret=OLD_SECRET,
              name="old_secret_after_expiry")
    return s


def replay_window():
    s = Scenario("replay_window", "A retry is a duplicate while the event is young enough to "
                 "be accepted, and too_old afterwards: never accepted twice.",
                 "2026-04-20T03:00:00Z")
    s.tenant("t-acme", plan="professional")
    s.connector(C_MAIN, "t-acme")
    e = event("2026-04-20T03:05:00Z")
    body = curl_body(e)
    s.receive("2026-04-20T03:00:00Z", body, "accepted", ev=e, name="accepted_5_min_ahead")
    s.receive("2026-04-21T03:05:00Z", body, "duplicate", name="retry_at_max_age")
    s.receive("2026-04-21T03:05:00.001Z", body, "invalid_event",
              errors=[("/timestamp", "too_old")], name="retry_after_max_age")
    return s


def small_limit():
    s = Scenario("body_limit", "A 300-byte limit: a body of exactly 300 bytes is accepted, "
                 "301 bytes is 413 before anything else is looked at.", "2026-04-20T03:00:05Z",
                 config={"max_body_bytes": 300})
    s.tenant("t-acme")
    s.connector(C_MAIN, "t-acme")
    base = event("2026-04-20T03:00:00Z", message="")
    pad = 300 - len(curl_body(base))
    e = event("2026-04-20T03:00:00Z", message="x" * pad)
    assert len(curl_body(e)) == 300
    s.receive("2026-04-20T03:00:05Z", curl_body(e), "accepted", ev=e, name="exactly_at_limit")
    e = event("2026-04-20T03:00:00Z", message="y" * (pad + 1))
    s.receive("2026-04-20T03:00:05Z", curl_body(e), "body_too_large", content_type=None,
              connector=None, name="one_byte_over_limit")
    return s


def bounded_errors():
    s = Scenario("bounded_errors", "A 422 lists at most the first 100 violations in `errors`, in "
                 "the order found (document order, then missing fields), and counts them all in "
                 "`error_count`: 150 unknown fields and a missing timestamp are 151 violations, of "
                 "which the first 100 unknown fields are listed.", "2026-04-20T03:00:05Z")
    s.tenant("t-acme")
    s.connector(C_MAIN, "t-acme")
    now = "2026-04-20T03:00:05Z"

    def with_unknown(n, **over):
        e = event("2026-04-20T03:00:00Z", **over)
        for i in range(n):
            e["x%03d" % i] = i
        return e

    unknown = lambda n: [("/x%03d" % i, "unknown_field") for i in range(n)]  # noqa: E731
    s.receive(now, curl_body(with_unknown(150, timestamp=None)), "invalid_event",
              errors=unknown(150) + [("/timestamp", "missing")], name="first_100_of_151")
    s.receive(now, curl_body(with_unknown(100)), "invalid_event", errors=unknown(100),
              name="exactly_100_all_listed")
    s.receive(now, curl_body(with_unknown(101)), "invalid_event", errors=unknown(101),
              name="101_one_counted_not_listed")
    return s


# Configurations the engine must refuse when it is built (contract 4: the replay window is at
# least the maximum age plus the future skew).
CONFIG_ERRORS = [
    {"config": dict(DEFAULT_CONFIG, replay_window_secs=86699), "code": "replay_window_too_short"},
    {"config": dict(DEFAULT_CONFIG, max_age_secs=3600, future_skew_secs=60,
                    replay_window_secs=3659), "code": "replay_window_too_short"},
    {"config": dict(DEFAULT_CONFIG, max_age_secs=3600, future_skew_secs=60,
                    replay_window_secs=3660), "code": None},
    # A replay window left out (null) is the maximum age plus the skew in force, so a longer
    # maximum age alone is accepted (C spells null ERPOPS_REPLAY_WINDOW_AUTO, 0).
    {"config": dict(DEFAULT_CONFIG, max_age_secs=172800, replay_window_secs=None), "code": None},
]


def build():
    return {
        "version": 1,
        "description": "Receive decision (contract section 4): scripted scenarios of requests "
                       "against an initial state, each with the complete expected response. "
                       "See tests/vectors/README.md.",
        "scenarios": [x().json() for x in (ladder, seed_examples, pii, quota_boundary,
                                            rotation, replay_window, small_limit,
                                            bounded_errors)],
        "config_errors": CONFIG_ERRORS,
    }


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is stale or hand-edited: run {sys.argv[0]} to regenerate")
        print(f"{OUT.name}: ok")
    else:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
