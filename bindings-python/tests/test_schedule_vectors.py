"""Replays tests/vectors/runs.json through erpops.Schedule and erpops.AlertEngine.

The same replay as core/tests/schedule_vectors.rs: each `fires` case from
`after`, calling next_fire_after with the previous result and expecting
exactly `expect` (and fires_after agreeing); each `errors` case refused with
its code; each `timelines` case (jobs, runs, expectations, windows,
dependencies) step by step on a fresh engine, with a snapshot round trip
after every step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import erpops
from conftest import load_vectors

FILE = load_vectors("runs.json")
FIRES = FILE["fires"]
ERRORS = FILE["errors"]
TIMELINES = FILE["timelines"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_vector_file_is_the_version_this_runner_reads() -> None:
    assert FILE["version"] == 1
    assert FILE["tzdb"] == erpops.TZDB_VERSION, "regenerate or re-check the vectors"
    assert len(FIRES) >= 10
    assert ERRORS


@pytest.mark.parametrize("case", FIRES, ids=[c["name"] for c in FIRES])
def test_fire_times(case: dict[str, Any]) -> None:
    schedule = erpops.Schedule(case["schedule"])
    after = at(case["after"])
    expected = [at(t) for t in case["expect"]]
    previous = after
    for i, want in enumerate(expected):
        got = schedule.next_fire_after(previous)
        assert got == want, f"{case['name']} fire #{i}: expected {want}, got {got}"
        previous = want
    # The batch helper agrees.
    assert schedule.fires_after(after, len(expected)) == expected
    # The entries' JSON form builds the same schedule.
    assert erpops.Schedule(schedule.entries) == schedule


@pytest.mark.parametrize("case", ERRORS, ids=[c["name"] for c in ERRORS])
def test_refused_schedules(case: dict[str, Any]) -> None:
    with pytest.raises(erpops.ScheduleError) as info:
        erpops.Schedule(case["schedule"])
    assert info.value.code == case["expect_error"], str(info.value)
    assert str(info.value)
    # The same entries as (cron, time_zone) tuples are refused the same way.
    with pytest.raises(erpops.ScheduleError) as again:
        erpops.Schedule([(e["cron"], e["time_zone"]) for e in case["schedule"]])
    assert again.value.code == case["expect_error"]


def matches(expected: Any, actual: Any, path: str) -> None:
    """The README's subset rule: every member given equals the actual one
    (objects recursively, lists of the same length item by item); null
    means absent or null."""
    if expected is None:
        assert actual is None, f"{path}: expected absent or null, got {actual!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for k, v in expected.items():
            matches(v, actual.get(k), f"{path}/{k}")
    elif isinstance(expected, list):
        got = [] if actual is None and not expected else actual
        assert isinstance(got, list) and len(got) == len(expected), (
            f"{path}: expected {len(expected)} items, got {actual!r}"
        )
        for i, (w, g) in enumerate(zip(expected, got)):
            matches(w, g, f"{path}/{i}")
    else:
        assert expected == actual, f"{path}: expected {expected!r}, got {actual!r}"


@pytest.mark.parametrize("case", TIMELINES, ids=[c["name"] for c in TIMELINES])
def test_job_timelines(case: dict[str, Any]) -> None:
    engine = erpops.AlertEngine()
    for rule in case.get("rules", []):
        engine.set_rule(rule)
    for j in case.get("jobs", []):
        engine.set_job(j["job"], now=at(j["now"]))
    for w in case.get("windows", []):
        engine.set_window(w)
    for i, step in enumerate(case["steps"]):
        where = f"{case['name']} step {i}"
        now = at(step["now"])
        if "ingest" in step:
            assert "tick" not in step, where
            effects = engine.ingest(step["ingest"]["event"], step["ingest"]["event_id"], now=now)
        else:
            assert step["tick"] is True, where
            effects = engine.tick(now)
        expected = step["expect"]
        assert len(effects) == len(expected), f"{where}: {[e['kind'] for e in effects]}"
        for j, (want, got) in enumerate(zip(expected, effects)):
            matches(want, got, f"{where} effect {j}")
        if "next_wakeup" in step:
            want_wakeup = step["next_wakeup"]
            wake = engine.next_wakeup()
            assert wake == (None if want_wakeup is None else at(want_wakeup)), f"{where}: next_wakeup"
        if "job" in step:
            view = step["job"]
            state = engine.job(view["connector_id"], view["source"])
            assert state is not None, where
            matches(view["expect"], state, f"{where} /job")
        # A snapshot round trip at every step keeps the state exactly.
        text = engine.snapshot()
        engine = engine.restore(text)
        assert engine.snapshot() == text, where
