"""Replays tests/vectors/events.json through erpops.validate (the receiver's rules, every case)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import erpops
from conftest import load_vectors

CASES = load_vectors("events.json")["cases"]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def run(case: dict[str, Any], body: Any) -> erpops.Event:
    o = case["options"]
    return erpops.validate(
        body,
        connector_id=o["header_connector_id"],
        now=EPOCH + timedelta(milliseconds=o["now_unix_ms"]),
        future_skew=o["future_skew_seconds"],
        max_age=o["max_age_seconds"],
        max_body_bytes=o["max_body_bytes"],
        pii_policy=o["pii_policy"],
    )


def check_metadata(expected: list[dict[str, Any]], actual: dict[str, Any]) -> None:
    assert list(actual) == [m["key"] for m in expected]
    for m in expected:
        v = actual[m["key"]]
        t = m["type"]
        if t in ("int", "uint"):
            assert type(v) is int and v == int(m["value"])
        elif t == "float":
            assert type(v) is float
            assert v == m["value"] or (math.isnan(v) and math.isnan(m["value"]))
        elif t == "bool":
            assert type(v) is bool and v == m["value"]
        elif t == "null":
            assert v is None
        else:
            assert type(v) is str and v == m["value"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    body = bytes.fromhex(case["body_hex"])
    if case["expect"] == "valid":
        event = run(case, body)
        want = case["event"]
        d = event.to_dict()
        assert str(event.connector_id) == want["connector_id"] == d["connector_id"]
        assert event.event_type == want["event_type"]
        assert d["timestamp"] == want["timestamp"]
        assert event.severity == want["severity"] and isinstance(event.severity, erpops.Severity)
        assert event.source == want["source"]
        assert event.message == want["message"]
        check_metadata(want["metadata"], event.metadata)
        assert event.redactions == [
            {"pointer": r["pointer"], "kinds": r["kinds"]} for r in case["redactions"]
        ]
        assert event.timestamp.tzinfo is not None and event.timestamp.utcoffset() == timedelta(0)
    else:
        with pytest.raises(erpops.ValidationError) as info:
            run(case, body)
        e = info.value
        assert (e.code, e.status) == ("invalid_event", 422)
        got = sorted((v["pointer"], v["code"]) for v in e.errors)
        want_v = sorted((v["pointer"], v["code"]) for v in case["violations"])
        assert got == want_v
        # Bounded: the first MAX_LISTED_VIOLATIONS listed, all counted.
        assert e.error_count == case["violation_count"]
        assert len(e.errors) == min(case["violation_count"], erpops.MAX_LISTED_VIOLATIONS)
        assert all(v["message"] for v in e.errors)
        assert set(e.errors[0]) == {"pointer", "code", "message"}
        if "syntax" in case:
            assert e.syntax == case["syntax"]


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c["expect"] == "valid"][:20],
    ids=[c["name"] for c in CASES if c["expect"] == "valid"][:20],
)
def test_every_input_type_validates_alike(case: dict[str, Any]) -> None:
    body = bytes.fromhex(case["body_hex"])
    want = run(case, body)
    assert run(case, bytearray(body)) == want
    assert run(case, memoryview(body)) == want
    assert run(case, body.decode("utf-8")) == want


def test_valid_events_rebuild_to_bodies_that_validate_to_the_same_event() -> None:
    for case in CASES:
        if case["expect"] != "valid" or case["options"]["pii_policy"] != "allow":
            continue
        event = run(case, bytes.fromhex(case["body_hex"]))
        d = event.to_dict()
        body = erpops.build_event(**d)
        assert run(case, body) == event
