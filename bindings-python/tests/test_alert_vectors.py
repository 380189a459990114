"""Replays tests/vectors/alerts.json through erpops.AlertEngine.

The same replay as the Rust runner (core/tests/alert_vectors.rs) and the Node
one (bindings-node/__test__/alerts.test.mjs): every case on a fresh engine
after setting its rules, silences and heartbeats, every step compared with
the README's subset rule, `next_wakeup` when the step gives it, and a
snapshot round trip after every step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import erpops
from conftest import load_vectors

FILE = load_vectors("alerts.json")
CASES = FILE["cases"]
ACTIONS = ("ingest", "command", "tick", "expire_silence")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def matches(expected: Any, actual: Any, path: str) -> None:
    """The README's subset rule: every member given equals the actual one
    (objects recursively, lists exactly); null means absent or null."""
    if expected is None:
        assert actual is None, f"{path}: expected absent or null, got {actual!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for k, v in expected.items():
            matches(v, actual.get(k), f"{path}/{k}")
    else:
        assert expected == actual, f"{path}: expected {expected!r}, got {actual!r}"


def options(config: dict[str, Any] | None) -> dict[str, Any]:
    """The vector `config` as AlertEngine keyword arguments."""
    if not config:
        return {}
    kwargs: dict[str, Any] = {
        "reopen_window": config.get("reopen_window_secs"),
        "ack_timeout": config.get("ack_timeout_secs"),
    }
    f = config.get("flapping")
    if f is False:
        kwargs["flapping"] = False
    elif f is not None:
        kwargs["flapping"] = {
            "max_transitions": f["max_transitions"],
            "window": f["window_secs"],
            "quiet_period": f["quiet_period_secs"],
        }
    return kwargs


def test_the_vector_file_is_the_version_this_runner_reads() -> None:
    assert FILE["version"] == 1
    assert len(CASES) >= 9


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    kwargs = options(case.get("config"))
    engine = erpops.AlertEngine(**kwargs)
    for rule in case.get("rules", []):
        engine.set_rule(rule)
    for silence in case.get("silences", []):
        engine.set_silence(silence)
    for h in case.get("heartbeats", []):
        engine.set_heartbeat(h["heartbeat"], now=at(h["now"]))
    for i, step in enumerate(case["steps"]):
        where = f"{case['name']} step {i}"
        now = at(step["now"])
        actions = [a for a in ACTIONS if a in step]
        assert len(actions) == 1, f"{where}: a step is exactly one action, got {actions}"
        if "ingest" in step:
            effects = engine.ingest(step["ingest"]["event"], step["ingest"]["event_id"], now=now)
        elif "command" in step:
            c = step["command"]
            effects = engine.command(
                c["command"], c["incident_id"], actor=c["actor"], note=c.get("note"), now=now
            )
        elif "tick" in step:
            assert step["tick"] is True, where
            effects = engine.tick(now)
        else:
            effects = engine.expire_silence(step["expire_silence"], now=now)
        expected = step["expect"]
        assert len(effects) == len(expected), f"{where}: {[e['kind'] for e in effects]}"
        for j, (want, got) in enumerate(zip(expected, effects)):
            matches(want, got, f"{where} effect {j}")
        if "next_wakeup" in step:
            want_wakeup = step["next_wakeup"]
            wake = engine.next_wakeup()
            assert wake == (None if want_wakeup is None else at(want_wakeup)), f"{where}: next_wakeup"
        # A snapshot round trip at every step keeps the state exactly.
        text = engine.snapshot()
        engine = engine.restore(text)
        assert engine.snapshot() == text, where
