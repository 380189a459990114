"""Batch jobs and maintenance windows through erpops.AlertEngine (issue #23):
schedules in local time, runs paired by run_id, the expectations, windows,
dependencies, typed errors and the snapshot. The rules are the core's
(core/tests/job_engine.rs checks them at their boundaries); these tests check
that Python reaches each of them with native values and gets the core's
records and codes back."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import erpops

CONNECTOR = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
PAYROLL = "PSFT_PAYROLL_BATCH"
EXTRACT = "GL_EXTRACT"
US = timedelta(microseconds=1)

# 2026-04-20 is a Monday; Chicago is on CDT (UTC-5): 02:00 local = 07:00Z.


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def engine() -> erpops.AlertEngine:
    e = erpops.AlertEngine()
    e.set_rule({"id": "ops", "name": "Ops", "channel": "pager"})
    return e


def payroll(**extra: Any) -> dict[str, Any]:
    """Weekdays at 02:00 Chicago time, 15 minutes' grace."""
    return {
        "connector_id": CONNECTOR,
        "source": PAYROLL,
        "expectation": {"schedule": erpops.Schedule.single("0 2 * * MON-FRI", "America/Chicago")},
        "grace": timedelta(minutes=15),
        **extra,
    }


def signal(source: str, phase: str, at: datetime, run_id: str | None = None, records: int | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if run_id is not None:
        metadata["run_id"] = run_id
    if records is not None:
        metadata["records_processed"] = records
    return {
        "connector_id": CONNECTOR,
        "event_type": f"payroll.run.{phase}",
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "severity": "error" if phase == "failed" else "info",
        "source": source,
        "metadata": metadata,
    }


def send(e: erpops.AlertEngine, source: str, phase: str, at: str, **kw: Any) -> list[dict[str, Any]]:
    now = t(at)
    return e.ingest(signal(source, phase, now, **kw), f"evt_{source}_{phase}_{at}", now=now)


def notifies(effects: list[dict[str, Any]]) -> list[str]:
    return [x["reason"] for x in effects if x["kind"] == "notify"]


def test_a_scheduled_job_is_due_at_its_local_time_and_missed_after_the_grace() -> None:
    e = engine()
    e.set_job(payroll(), now=t("2026-04-19T12:00:00Z"))
    state = e.job(CONNECTOR, PAYROLL)
    assert state is not None
    assert (state["due"], state["miss_at"]) == ("2026-04-20T07:00:00Z", "2026-04-20T07:15:00Z")
    assert state["job"]["expectation"] == {"schedule": [{"cron": "0 2 * * MON-FRI", "time_zone": "America/Chicago"}]}
    assert state["job"]["grace"] == 900
    assert e.next_wakeup() == t("2026-04-20T07:15:00Z")
    assert e.tick(t("2026-04-20T07:15:00Z") - US) == []
    fx = e.tick(t("2026-04-20T07:15:00Z"))
    assert [x["kind"] for x in fx] == ["opened", "notify"]
    assert notifies(fx) == ["missed_run"]
    assert fx[0]["incident"]["event_type"] == "job.missed_run.missed"
    assert e.job(CONNECTOR, PAYROLL)["due"] == "2026-04-21T07:00:00Z"  # type: ignore[index]
    # Any event from the source is a sign of life and resolves it.
    fx = send(e, PAYROLL, "succeeded", "2026-04-20T07:40:00Z")
    assert fx[0]["kind"] == "resolved" and notifies(fx)[0] == "resolved"


def test_runs_pair_by_run_id_and_record_duration_outcome_and_records() -> None:
    e = engine()
    e.set_job(payroll(), now=t("2026-04-19T12:00:00Z"))
    send(e, PAYROLL, "started", "2026-04-20T07:00:00Z", run_id="A")
    send(e, PAYROLL, "started", "2026-04-20T07:05:00Z", run_id="B")
    state = e.job(CONNECTOR, PAYROLL)
    assert state is not None and [r["run_id"] for r in state["open_runs"]] == ["A", "B"]
    send(e, PAYROLL, "succeeded", "2026-04-20T07:15:00Z", run_id="B", records=40_000)
    send(e, PAYROLL, "failed", "2026-04-20T07:30:00Z", run_id="A", records=12)
    [state] = e.jobs()
    assert state["sends_starts"] is True
    assert state.get("open_runs", []) == []
    runs = [(r["run_id"], r["duration_ms"], r["outcome"], r["records_processed"]) for r in state["runs"]]
    assert runs == [("B", 600_000, "succeeded", 40_000), ("A", 1_800_000, "failed", 12)]


def test_run_too_long_opens_while_it_runs_and_resolves_when_it_ends() -> None:
    e = engine()
    e.set_job(payroll(max_runtime=timedelta(hours=2)), now=t("2026-04-19T12:00:00Z"))
    send(e, PAYROLL, "started", "2026-04-20T07:00:00Z", run_id="r1")
    assert e.next_wakeup() == t("2026-04-20T09:00:00Z")
    assert e.tick(t("2026-04-20T09:00:00Z") - US) == []
    fx = e.tick(t("2026-04-20T09:00:00Z"))
    assert notifies(fx) == ["run_too_long"]
    incident_id = fx[0]["incident"]["id"]
    assert e.tick(t("2026-04-20T09:30:00Z")) == []
    fx = send(e, PAYROLL, "succeeded", "2026-04-20T09:45:00Z", run_id="r1")
    assert "resolved" in notifies(fx)
    incident = e.get(incident_id)
    assert incident is not None and incident["status"] == "resolved"


def test_deadline_missed_at_the_local_time() -> None:
    e = engine()
    e.set_job(
        payroll(deadline={"time": "06:00", "time_zone": "America/Chicago"}, grace=timedelta(hours=8)),
        now=t("2026-04-19T12:00:00Z"),
    )
    send(e, PAYROLL, "started", "2026-04-20T07:00:00Z")
    # 06:00 CDT = 11:00Z: no success yet.
    fx = e.tick(t("2026-04-20T11:00:00Z"))
    assert notifies(fx) == ["deadline_missed"]
    assert fx[0]["incident"]["event_type"] == "job.deadline_missed.missed"


def test_a_window_holds_new_pages_and_never_the_resolution_of_one_sent_before() -> None:
    e = engine()
    e.set_window(
        {
            "id": "patching",
            "schedule": [{"cron": "0 1 * * SUN", "time_zone": "America/Chicago"}],
            "duration": timedelta(hours=4),
            "comment": "OS patching",
        }
    )
    assert [w["id"] for w in e.windows()] == ["patching"]
    # Paged at 00:30 local, before the window (Sunday 01:00-05:00 CDT = 06:00Z-10:00Z).
    fx = send(e, PAYROLL, "failed", "2026-04-19T05:30:00Z")
    assert notifies(fx) == ["first"]
    # Resolved inside the window: the all-clear goes out.
    fx = send(e, PAYROLL, "succeeded", "2026-04-19T07:00:00Z")
    assert notifies(fx) == ["resolved"]
    # A new page inside the window is held, and released when it ends.
    fx = send(e, EXTRACT, "failed", "2026-04-19T07:10:00Z")
    held = [x for x in fx if x["kind"] == "suppressed"]
    assert [(x["reason"], x["window_id"]) for x in held] == [("maintenance", "patching")]
    assert e.next_wakeup() == t("2026-04-19T10:00:00Z")
    assert notifies(e.tick(t("2026-04-19T10:00:00Z"))) == ["window_ended"]
    assert e.remove_window("patching", now=t("2026-04-19T11:00:00Z")) == []
    assert e.windows() == []


def test_a_dependency_incident_inhibits_and_its_resolution_releases() -> None:
    e = engine()
    now = t("2026-04-19T12:00:00Z")
    e.set_job(
        {
            "connector_id": CONNECTOR,
            "source": EXTRACT,
            "expectation": {"schedule": [{"cron": "0 1 * * *", "time_zone": "America/Chicago"}]},
            "grace": 900,
        },
        now=now,
    )
    e.set_job(payroll(depends_on=[{"connector_id": CONNECTOR, "source": EXTRACT}]), now=now)
    fx = send(e, EXTRACT, "failed", "2026-04-20T06:05:00Z")
    upstream = fx[0]["incident"]["id"]
    assert notifies(fx) == ["first"]
    fx = e.tick(t("2026-04-20T07:15:00Z"))
    assert [x["kind"] for x in fx] == ["opened", "suppressed"]
    assert (fx[1]["reason"], fx[1]["inhibited_by"], fx[1]["would_notify"]) == ("inhibited", upstream, "missed_run")
    fx = send(e, EXTRACT, "succeeded", "2026-04-20T07:30:00Z")
    assert notifies(fx) == ["resolved", "inhibition_ended"]


def test_pause_resume_and_remove() -> None:
    e = engine()
    e.set_job(payroll(), now=t("2026-04-19T12:00:00Z"))
    e.set_job_paused(CONNECTOR, PAYROLL, True, now=t("2026-04-19T12:00:00Z"))
    state = e.job(CONNECTOR, PAYROLL)
    assert state is not None and state["job"]["paused"] is True and state.get("due") is None
    assert e.tick(t("2026-04-21T00:00:00Z")) == []
    e.set_job_paused(CONNECTOR, PAYROLL, False, now=t("2026-04-21T00:00:00Z"))
    assert e.job(CONNECTOR, PAYROLL)["due"] == "2026-04-21T07:00:00Z"  # type: ignore[index]
    removed = e.remove_job(CONNECTOR, PAYROLL)
    assert removed is not None and removed["source"] == PAYROLL
    assert e.remove_job(CONNECTOR, PAYROLL) is None
    assert e.job(CONNECTOR, PAYROLL) is None and e.jobs() == []


GOOD: dict[str, Any] = {"connector_id": CONNECTOR, "source": "X", "expectation": {"period": 60}, "grace": 0}
DAILY = {"schedule": [{"cron": "0 2 * * *", "time_zone": "UTC"}]}


@pytest.mark.parametrize(
    ("job", "code"),
    [
        ({**GOOD, "expectation": {"schedule": [{"cron": "0 2 * * *", "time_zone": "America/Chigaco"}]}}, "unknown_time_zone"),
        ({**GOOD, "expectation": {"schedule": [{"cron": "0 2 * *", "time_zone": "UTC"}]}}, "invalid_cron"),
        ({**GOOD, "expectation": {"schedule": [{"cron": "0 0 30 2 *", "time_zone": "UTC"}]}}, "cron_never_fires"),
        ({**GOOD, "expectation": {"schedule": []}}, "invalid_schedule"),
        ({**GOOD, "expectation": {"period": 0}}, "invalid_period"),
        ({**GOOD, "expectation": DAILY, "deadline": {"time": "25:00", "time_zone": "UTC"}}, "invalid_deadline"),
        ({**GOOD, "expectation": DAILY, "deadline": {"time": "05:00", "time_zone": "CDT"}}, "unknown_time_zone"),
        ({**GOOD, "deadline": {"time": "05:00", "time_zone": "UTC"}}, "deadline_needs_schedule"),
        ({**GOOD, "min_runtime": 60, "max_runtime": 30}, "invalid_runtime_range"),
        ({**GOOD, "max_runtime": 0}, "invalid_duration"),
        ({**GOOD, "source": " "}, "invalid_name"),
        ({**GOOD, "depends_on": [{"connector_id": CONNECTOR, "source": "X"}]}, "dependency_cycle"),
        ({**GOOD, "depends_on": [{"connector_id": CONNECTOR, "source": f"S{i}"} for i in range(17)]}, "too_many_dependencies"),
        ({k: v for k, v in GOOD.items() if k != "grace"}, "invalid_argument"),
        ({**GOOD, "expectation": {"every": 60}}, "invalid_argument"),
    ],
)
def test_invalid_jobs_are_refused_with_the_core_code(job: dict[str, Any], code: str) -> None:
    e = engine()
    with pytest.raises(erpops.AlertError) as info:
        e.set_job(job, now=0)
    assert info.value.code == code, str(info.value)
    assert e.jobs() == []


def test_other_job_and_window_errors() -> None:
    e = engine()
    with pytest.raises(erpops.AlertError) as info:
        e.set_job_paused(CONNECTOR, "NOPE", True, now=0)
    assert info.value.code == "unknown_job"
    e.set_heartbeat({"connector_id": CONNECTOR, "source": "HB", "period": 60, "grace": 0}, now=0)
    with pytest.raises(erpops.AlertError) as info:
        e.set_job({**GOOD, "source": "HB"}, now=0)
    assert info.value.code == "watched_twice"
    window = {"id": "w", "schedule": erpops.Schedule.single("0 * * * *"), "duration": 7200}
    with pytest.raises(erpops.AlertError) as info:
        e.set_window(window)
    assert info.value.code == "invalid_window"
    with pytest.raises(erpops.AlertError) as info:
        e.set_window({**window, "schedule": [{"cron": "0 1 * * SUN", "time_zone": "Nowhere/City"}]})
    assert info.value.code == "unknown_time_zone"
    with pytest.raises(erpops.AlertError) as info:
        e.set_window({**window, "duration": 0})
    assert info.value.code == "invalid_duration"
    with pytest.raises(TypeError):
        e.set_job("payroll", now=0)  # type: ignore[arg-type]


def test_snapshot_and_restore_keep_jobs_runs_and_windows() -> None:
    e = engine()
    e.set_job(payroll(max_runtime=7200), now=t("2026-04-19T12:00:00Z"))
    e.set_window({"id": "patching", "schedule": erpops.Schedule.single("0 1 * * SUN", "America/Chicago"), "duration": 14400})
    send(e, PAYROLL, "started", "2026-04-20T07:00:00Z", run_id="r1")
    text = e.snapshot()
    snap = json.loads(text)
    assert snap["jobs"] and snap["windows"]
    back = e.restore(text)
    assert back.snapshot() == text
    assert back.jobs() == e.jobs() and back.windows() == e.windows()
    assert back.next_wakeup() == e.next_wakeup() == t("2026-04-20T09:00:00Z")
    assert back.tick(t("2026-04-20T09:00:00Z")) == e.tick(t("2026-04-20T09:00:00Z"))
