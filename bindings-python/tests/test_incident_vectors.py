"""Replays tests/vectors/incidents.json through erpops.IncidentModel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import erpops
from conftest import load_vectors

CASES = load_vectors("incidents.json")["cases"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def matches(expected: Any, actual: Any, path: str = "") -> None:
    """Subset match: every member given must equal the actual one; null means absent or null."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for k, v in expected.items():
            if v is None:
                assert actual.get(k) is None, f"{path}/{k}: expected absent or null, got {actual.get(k)!r}"
            else:
                assert k in actual, f"{path}/{k}: missing in {actual!r}"
                matches(v, actual[k], f"{path}/{k}")
    else:
        assert expected == actual, f"{path}: expected {expected!r}, got {actual!r}"


def model_for(case: dict[str, Any]) -> erpops.IncidentModel:
    config = case.get("config") or {}
    return erpops.IncidentModel(
        reopen_window=config.get("reopen_window_secs"),
        ack_timeout=config.get("ack_timeout_secs"),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    model = model_for(case)
    for i, step in enumerate(case["steps"]):
        now = at(step["now"])
        where = f"step {i}"
        if "ingest" in step:
            effects = model.ingest(step["ingest"]["event"], step["ingest"]["event_id"], now=now)
        elif "command" in step:
            c = step["command"]
            try:
                effects = model.command(
                    c["command"], c["incident_id"], actor=c["actor"], note=c.get("note"), now=now
                )
            except erpops.IncidentError as e:
                assert "expect_error" in step, f"{where}: unexpected {e!r}"
                assert e.code == step["expect_error"], where
                continue
            assert "expect_error" not in step, f"{where}: expected {step['expect_error']}"
        elif step.get("tick"):
            effects = model.tick(now)
        else:
            pytest.fail(f"{where}: unknown action")
        expected = step.get("expect", [])
        assert len(effects) == len(expected), f"{where}: {effects!r}"
        for e, a in zip(expected, effects):
            matches(e, a, where)
        if "next_wakeup" in step:
            wake = model.next_wakeup()
            want = step["next_wakeup"]
            assert (None if wake is None else wake) == (None if want is None else at(want)), where
    final = {i["id"]: i for i in model.incidents()}
    assert len(final) == len(case["final"])
    for expected in case["final"]:
        matches(expected, final[expected["id"]], "final")
    # The snapshot round trip keeps every incident.
    restored = model.restore(model.snapshot())
    assert restored.incidents() == model.incidents()
