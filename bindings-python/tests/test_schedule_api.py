"""erpops.Schedule beyond the vectors: building, entries, the DST rule through
the Python API, errors with the core's codes, and no panic on any text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import erpops

UTC = timezone.utc


def test_single_entries_and_canonical_zone_names() -> None:
    s = erpops.Schedule.single("0 2 * * mon-fri", "america/chicago")
    assert s.entries == [{"cron": "0 2 * * mon-fri", "time_zone": "America/Chicago"}]
    assert len(s) == 1
    assert repr(s) == 'Schedule([("0 2 * * mon-fri", "America/Chicago")])'
    assert erpops.Schedule.single("@daily").entries == [{"cron": "@daily", "time_zone": "UTC"}]
    assert s == erpops.Schedule([("0 2 * * mon-fri", "America/Chicago")])
    assert s == erpops.Schedule(s.entries)
    assert s != erpops.Schedule.single("0 3 * * mon-fri", "America/Chicago")
    assert erpops.TZDB_VERSION.startswith("20") and len(erpops.TZDB_VERSION) == 5


def test_weekday_payroll_across_spring_forward() -> None:
    payroll = erpops.Schedule.single("0 2 * * MON-FRI", "America/Chicago")
    friday_after_run = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    assert payroll.fires_after(friday_after_run, 2) == [
        datetime(2026, 3, 9, 7, 0, tzinfo=UTC),  # Monday 02:00 CDT
        datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
    ]


def test_the_dst_rule_gap_and_overlap() -> None:
    gap = erpops.Schedule.single("30 2 * * *", "America/Chicago")
    # 02:30 does not exist on 2026-03-08: it fires once, when the gap ends (03:00 CDT).
    assert gap.next_fire_after(datetime(2026, 3, 7, 12, tzinfo=UTC)) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    overlap = erpops.Schedule.single("30 1 * * *", "America/Chicago")
    # 01:30 happens twice on 2026-11-01: it fires at the first (CDT) only.
    first = overlap.next_fire_after(datetime(2026, 10, 31, 12, tzinfo=UTC))
    assert first == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert overlap.next_fire_after(first) == datetime(2026, 11, 2, 7, 30, tzinfo=UTC)


def test_after_takes_datetimes_in_any_zone_or_unix_seconds() -> None:
    s = erpops.Schedule.single("0 * * * *")
    start = datetime(2026, 4, 20, 2, 30, tzinfo=UTC)
    want = datetime(2026, 4, 20, 3, 0, tzinfo=UTC)
    assert s.next_fire_after(start) == want
    assert s.next_fire_after(start.astimezone(timezone(timedelta(hours=10)))) == want
    assert s.next_fire_after(int(start.timestamp())) == want
    assert s.next_fire_after(start.timestamp() + 0.5) == want
    # Strictly after: a fire time itself gives the next one.
    assert s.next_fire_after(want) == want + timedelta(hours=1)
    # Omitted, `after` is the clock.
    now = datetime.now(UTC)
    nxt = s.next_fire_after()
    assert nxt is not None and now < nxt <= now + timedelta(hours=1, seconds=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        s.next_fire_after(datetime(2026, 4, 20))
    with pytest.raises(TypeError):
        s.next_fire_after("2026-04-20T02:30:00Z")  # type: ignore[arg-type]


def test_several_entries_fire_at_the_union() -> None:
    s = erpops.Schedule(
        [
            {"cron": "0 9 * * *", "time_zone": "Europe/London"},
            ("0 9 * * *", "UTC"),  # the same instant in winter, an hour apart in summer
        ]
    )
    winter = s.fires_after(datetime(2026, 1, 5, 0, tzinfo=UTC), 2)
    assert winter == [datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 6, 9, tzinfo=UTC)]
    summer = s.fires_after(datetime(2026, 7, 6, 0, tzinfo=UTC), 3)
    assert summer == [
        datetime(2026, 7, 6, 8, tzinfo=UTC),
        datetime(2026, 7, 6, 9, tzinfo=UTC),
        datetime(2026, 7, 7, 8, tzinfo=UTC),
    ]


def test_fires_after_counts_and_the_end_of_the_range() -> None:
    s = erpops.Schedule.single("0 0 1 1 *")
    assert s.fires_after(datetime(2026, 4, 20, tzinfo=UTC), 0) == []
    # croner searches up to the year 5000: past it, no more fire times.
    assert s.fires_after(datetime(4997, 6, 1, tzinfo=UTC), 5) == [
        datetime(4998, 1, 1, tzinfo=UTC),
        datetime(4999, 1, 1, tzinfo=UTC),
        datetime(5000, 1, 1, tzinfo=UTC),
    ]
    assert s.next_fire_after(datetime(9999, 1, 1, tzinfo=UTC)) is None
    with pytest.raises(OverflowError):
        s.fires_after(0, -1)


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([("0 2 * *", "UTC")], "invalid_cron"),
        ([("0 0 2 * * *", "UTC")], "invalid_cron"),
        ([("@reboot", "UTC")], "invalid_cron"),
        ([("x" * 200, "UTC")], "invalid_cron"),
        ([("0 0 30 2 *", "UTC")], "cron_never_fires"),
        ([("0 2 * * *", "America/Chigaco")], "unknown_time_zone"),
        ([("0 2 * * *", "CDT")], "unknown_time_zone"),
        ([("0 2 * * *", "../zoneinfo")], "unknown_time_zone"),
        ([], "invalid_schedule"),
        ([("@hourly", "UTC")] * 33, "invalid_schedule"),
    ],
)
def test_refused_schedules_raise_schedule_error(entries: list[tuple[str, str]], code: str) -> None:
    with pytest.raises(erpops.ScheduleError) as info:
        erpops.Schedule(entries)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, erpops.Error)


def test_unknown_time_zone_names_the_fix() -> None:
    with pytest.raises(erpops.ScheduleError) as info:
        erpops.Schedule.single("0 2 * * *", "Mars/Olympus_Mons")
    assert info.value.code == "unknown_time_zone"
    assert "IANA" in str(info.value) and erpops.TZDB_VERSION in str(info.value)


def test_malformed_entries_are_type_errors() -> None:
    bad: list[Any] = [
        "0 2 * * *",
        {"cron": "0 2 * * *", "time_zone": "UTC"},
        [("0 2 * * *",)],
        [("0 2 * * *", "UTC", "x")],
        [{"cron": "0 2 * * *"}],
        [{"cron": "0 2 * * *", "time_zone": "UTC", "tz": "UTC"}],
        [{"cron": 2, "time_zone": "UTC"}],
        [("0 2 * * *", None)],
        [42],
        42,
    ]
    for entries in bad:
        with pytest.raises(TypeError):
            erpops.Schedule(entries)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=40), st.integers(min_value=-(2**40), max_value=2**40))
def test_any_text_gives_a_schedule_or_a_schedule_error(cron: str, zone: str, after: int) -> None:
    try:
        s = erpops.Schedule.single(cron, zone)
    except erpops.ScheduleError as e:
        assert e.code in {"invalid_cron", "cron_never_fires", "unknown_time_zone"}
        return
    try:
        fires = s.fires_after(after, 3)
    except OverflowError:  # an instant past what datetime can hold
        return
    assert fires == sorted(set(fires))
