"""Replays tests/vectors/runs.json (its schedule cases) through erpops.Schedule.

The same replay as core/tests/schedule_vectors.rs: each `fires` case from
`after`, calling next_fire_after with the previous result and expecting
exactly `expect` (and fires_after agreeing); each `errors` case refused with
its code.
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
