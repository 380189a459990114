"""Replays tests/vectors/builder.json through EventBuilder: the builder's size limit (issue #22)."""

from __future__ import annotations

from typing import Any

import pytest

import erpops
from conftest import load_vectors

DOC = load_vectors("builder.json")
SECRET = bytes.fromhex(DOC["secret_hex"])
CASES = DOC["cases"]


def builder(case: dict[str, Any]) -> erpops.EventBuilder:
    f = case["fields"]
    b = erpops.EventBuilder()
    for name in ("connector_id", "event_type", "timestamp", "severity", "source", "message"):
        if f.get(name) is not None:
            getattr(b, name)(f[name])
    for m in f.get("metadata") or []:
        b.metadata(m["key"], int(m["value"]) if m["type"] == "int" else m["value"])
    if case["max_body_bytes"] is not None:
        b.max_body_bytes(case["max_body_bytes"])
    return b


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    b = builder(case)
    if case["expect"] == "built":
        body = b.build()
        assert len(body) == case["body_length"]
        if "body_hex" in case:
            assert body.hex() == case["body_hex"]
        signed, signature = b.build_signed(SECRET)
        assert signed == body and signature == case["signature"]
    elif case["expect"] == "body_too_large":
        for call in (b.build, lambda: b.build_signed(SECRET)):
            with pytest.raises(erpops.BodyTooLarge) as info:
                call()
            e = info.value
            assert (e.code, e.status, e.size, e.limit) == ("body_too_large", 413, case["size"], case["limit"])
            assert f"{case['size']} bytes" in str(e) and f"limit of {case['limit']} bytes" in str(e)
            assert [(v["pointer"], v["code"]) for v in e.errors] == [("", "too_long")]
    else:
        with pytest.raises(erpops.ValidationError) as invalid:
            b.build()
        assert not isinstance(invalid.value, erpops.BodyTooLarge)
        assert (invalid.value.code, invalid.value.status) == ("invalid_event", 422)
        got = sorted((v["pointer"], v["code"]) for v in invalid.value.errors)
        assert got == sorted((v["pointer"], v["code"]) for v in case["violations"])
        with pytest.raises(erpops.ValidationError):
            b.build_signed(SECRET)
