"""erpops.AlertEngine beyond the vectors: records in and out, native values,
errors with the core's codes, snapshot and restore, and no panic on any input."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import erpops

CONNECTOR = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
T0 = datetime(2026, 4, 20, 2, 0, tzinfo=timezone.utc)
RULE = {"id": "ops", "name": "Ops on call", "channel": "pager", "kinds": ["opened"]}


def failed(at: datetime, source: str = "PSFT_PAYROLL_BATCH") -> dict[str, Any]:
    return {
        "connector_id": CONNECTOR,
        "event_type": "integration.failed",
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "severity": "error",
        "source": source,
    }


def test_rules_silences_and_heartbeats_set_list_remove() -> None:
    e = erpops.AlertEngine()
    e.set_rule(RULE)
    assert [r["id"] for r in e.rules()] == ["ops"]
    e.set_silence({"id": "maint", "starts_at": "2026-04-20T00:00:00Z", "ends_at": "2026-04-20T06:00:00Z"})
    assert [s["id"] for s in e.silences()] == ["maint"]
    e.set_heartbeat({"connector_id": CONNECTOR, "source": "NIGHTLY", "period": 86400, "grace": 3600}, now=T0)
    [beat] = e.heartbeats()
    assert beat["heartbeat"]["source"] == "NIGHTLY"
    assert beat["last_seen"] == "2026-04-20T02:00:00Z"
    assert beat["deadline"] == "2026-04-21T03:00:00Z"
    e.set_heartbeat_paused(CONNECTOR, "NIGHTLY", True, now=T0)
    assert e.heartbeats()[0]["heartbeat"]["paused"] is True
    assert e.next_wakeup() == datetime(2026, 4, 20, 6, 0, tzinfo=timezone.utc)  # the silence's end
    removed = e.remove_heartbeat(uuid.UUID(CONNECTOR), "NIGHTLY")
    assert removed is not None and removed["source"] == "NIGHTLY"
    assert e.remove_heartbeat(CONNECTOR, "NIGHTLY") is None
    assert e.expire_silence("maint", now=T0) == []
    assert e.silences() == []
    assert e.expire_silence("maint", now=T0) == []  # unknown ids: no effects
    removed_rule = e.remove_rule("ops")
    assert removed_rule is not None and removed_rule["channel"] == "pager"
    assert e.remove_rule("ops") is None
    assert e.rules() == []


def test_native_python_values_are_accepted_in_records() -> None:
    e = erpops.AlertEngine()
    e.set_rule({**RULE, "kinds": {"opened", "resolved"}, "repeat_interval": timedelta(hours=4)})
    [rule] = e.rules()
    assert rule["kinds"] == ["opened", "resolved"]
    assert rule["repeat_interval"] == 14400
    e.set_silence(
        {
            "id": "maint",
            "starts_at": T0,
            "ends_at": T0.astimezone(timezone(timedelta(hours=-5))) + timedelta(hours=1),
            "matchers": {"connector_id": CONNECTOR},
        }
    )
    [silence] = e.silences()
    assert (silence["starts_at"], silence["ends_at"]) == ("2026-04-20T02:00:00Z", "2026-04-20T03:00:00Z")
    e.set_heartbeat(
        {"connector_id": uuid.UUID(CONNECTOR), "source": "NIGHTLY", "period": timedelta(days=1), "grace": 0},
        now=T0.timestamp(),
    )
    assert e.heartbeats()[0]["heartbeat"]["period"] == 86400
    # A naive datetime is ambiguous, as everywhere in the package.
    with pytest.raises(ValueError, match="timezone-aware"):
        e.set_silence({"id": "x", "starts_at": datetime(2026, 4, 20), "ends_at": T0})


def test_an_event_notifies_the_matching_rule_and_a_command_acknowledges() -> None:
    e = erpops.AlertEngine()
    e.set_rule(RULE)
    event = erpops.validate(json.dumps(failed(T0)).encode(), now=T0)
    effects = e.ingest(event, "evt_1", now=T0)
    assert [x["kind"] for x in effects] == ["opened", "notify"]
    notify = effects[1]
    assert (notify["rule_id"], notify["channel"], notify["reason"]) == ("ops", "pager", "first")
    incident_id = effects[0]["incident"]["id"]
    assert e.get(incident_id) == effects[0]["incident"] | {"status": "open"}
    assert len(e) == 1 and e.active_count() == 1
    assert [i["id"] for i in e.incidents()] == [incident_id]
    acked = e.command("acknowledge", incident_id, actor="ana", note="on it", now=T0 + timedelta(minutes=1))
    assert acked[0]["kind"] == "acknowledged"
    # The acknowledgement expires after 30 minutes: a timer tick fires.
    due = e.next_wakeup()
    assert due == T0 + timedelta(minutes=31)
    assert e.tick(due - timedelta(microseconds=1)) == []
    assert any(x["kind"] == "ack_expired" for x in e.tick(due))


def test_a_missed_heartbeat_fires_at_next_wakeup_through_tick() -> None:
    e = erpops.AlertEngine()
    e.set_rule({"id": "beat", "name": "Missed runs", "channel": "pager"})
    e.set_heartbeat({"connector_id": CONNECTOR, "source": "NIGHTLY", "period": 60, "grace": 30}, now=T0)
    due = e.next_wakeup()
    assert due == T0 + timedelta(seconds=90)
    assert e.tick(due - timedelta(microseconds=1)) == []
    effects = e.tick(due)
    kinds = [x["kind"] for x in effects]
    assert "opened" in kinds and "notify" in kinds, kinds
    assert next(x for x in effects if x["kind"] == "notify")["reason"] == "missed_run"
    assert e.heartbeats()[0]["missed_count"] == 1


def test_configuration_flapping_off_and_custom() -> None:
    def transitions(engine: erpops.AlertEngine) -> list[str]:
        kinds: list[str] = []
        for n in range(6):
            at = T0 + timedelta(minutes=n)
            ev = failed(at) if n % 2 == 0 else {**failed(at), "event_type": "integration.succeeded", "severity": "info"}
            kinds += [x["kind"] for x in engine.ingest(ev, f"evt_{n}", now=at)]
        return kinds

    assert "flapping_started" in transitions(erpops.AlertEngine())
    assert "flapping_started" not in transitions(erpops.AlertEngine(flapping=False))
    assert "flapping_started" not in transitions(erpops.AlertEngine(flapping={"max_transitions": 100}))
    quick = erpops.AlertEngine(flapping={"max_transitions": 1, "window": timedelta(hours=1), "quiet_period": 60})
    assert "flapping_started" in transitions(quick)
    # The configuration is kept by restore (it is not in the snapshot).
    off = erpops.AlertEngine(flapping=False)
    assert "flapping_started" not in transitions(off.restore(off.snapshot()))


def test_errors_carry_the_core_codes() -> None:
    e = erpops.AlertEngine()
    cases: list[tuple[Any, str]] = [
        (lambda: e.set_rule({**RULE, "id": ""}), "invalid_name"),
        (lambda: e.set_rule({**RULE, "channel": "a\nb"}), "invalid_name"),
        (lambda: e.set_rule({**RULE, "repeat_interval": 0}), "invalid_duration"),
        (lambda: e.set_rule({"id": "x"}), "invalid_argument"),
        (lambda: e.set_rule({**RULE, "kinds": ["opend"]}), "invalid_argument"),
        (lambda: e.set_rule({**RULE, "repeat_interval": timedelta(seconds=1.5)}), "invalid_argument"),
        (
            lambda: e.set_silence({"id": "s", "starts_at": "2026-04-20T06:00:00Z", "ends_at": "2026-04-20T00:00:00Z"}),
            "invalid_time_range",
        ),
        (lambda: e.set_silence({"id": "s", "starts_at": "yesterday", "ends_at": T0}), "invalid_argument"),
        (
            lambda: e.set_heartbeat({"connector_id": CONNECTOR, "source": "N", "period": 0, "grace": 0}),
            "invalid_duration",
        ),
        (
            lambda: e.set_heartbeat({"connector_id": "nope", "source": "N", "period": 60, "grace": 0}),
            "invalid_argument",
        ),
        (lambda: e.set_heartbeat_paused(CONNECTOR, "NOPE", True, now=T0), "unknown_heartbeat"),
        (lambda: e.restore('{"version": 99}'), "snapshot_syntax"),
        (lambda: e.restore("not json"), "snapshot_syntax"),
    ]
    for call, code in cases:
        with pytest.raises(erpops.AlertError) as info:
            call()
        assert info.value.code == code, (code, info.value)
        assert isinstance(info.value, ValueError) and str(info.value)
    # Nothing changed.
    assert e.rules() == [] and e.silences() == [] and e.heartbeats() == []
    snap = json.loads(e.snapshot())
    snap["version"] = 99
    with pytest.raises(erpops.AlertError) as v:
        e.restore(json.dumps(snap))
    assert v.value.code == "snapshot_version"
    # Commands raise IncidentError, as on IncidentModel.
    with pytest.raises(erpops.IncidentError) as c:
        e.command("resolve", "inc_x", actor="me", now=T0)
    assert c.value.code == "incident_not_found"
    with pytest.raises(ValueError, match="unknown command"):
        e.command("close", "inc_x", actor="me", now=T0)
    with pytest.raises(ValueError, match="UUID"):
        e.set_heartbeat_paused("not-a-uuid", "NOPE", True, now=T0)


def test_wrong_types_are_type_errors() -> None:
    e = erpops.AlertEngine()
    for call in (
        lambda: e.set_rule(42),  # type: ignore[arg-type]
        lambda: e.set_rule([RULE]),  # type: ignore[arg-type]
        lambda: e.set_rule({**RULE, "matchers": object()}),
        lambda: e.tick("soon"),  # type: ignore[arg-type]
        lambda: e.tick(True),
        lambda: e.set_heartbeat_paused(CONNECTOR, "N", "yes"),  # type: ignore[arg-type]
        lambda: erpops.AlertEngine(flapping="off"),  # type: ignore[arg-type]
        lambda: erpops.AlertEngine(flapping={"windows": 60}),  # type: ignore[arg-type]
        lambda: erpops.AlertEngine(reopen_window="1h"),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError):
            call()


def test_snapshot_and_restore_round_trip_the_whole_state() -> None:
    e = erpops.AlertEngine(reopen_window=600)
    e.set_rule({**RULE, "kinds": [], "repeat_interval": 3600})
    e.set_silence({"id": "later", "starts_at": "2026-04-21T00:00:00Z", "ends_at": "2026-04-21T06:00:00Z"})
    e.set_heartbeat({"connector_id": CONNECTOR, "source": "NIGHTLY", "period": 86400, "grace": 1800}, now=T0)
    e.ingest(failed(T0), "evt_1", now=T0)
    text = e.snapshot()
    back = e.restore(text)
    assert back.snapshot() == text
    assert back.rules() == e.rules()
    assert back.silences() == e.silences()
    assert back.heartbeats() == e.heartbeats()
    assert back.incidents() == e.incidents()
    assert back.next_wakeup() == e.next_wakeup()
    # Both continue identically, and independently.
    later = T0 + timedelta(hours=1)
    assert back.tick(later) == e.tick(later)
    assert [x["reason"] for x in e.tick(later) if x["kind"] == "notify"] == []
    back.remove_rule("ops")
    assert [r["id"] for r in e.rules()] == ["ops"]


record = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "id",
        "name",
        "channel",
        "kinds",
        "matchers",
        "repeat_interval",
        "group_wait",
        "starts_at",
        "ends_at",
        "connector_id",
        "source",
        "period",
        "grace",
        "severity",
        "paused",
        "expectation",
        "schedule",
        "deadline",
        "duration",
        "depends_on",
        "max_runtime",
        "min_runtime",
        "cron",
        "time_zone",
        "time",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, record, max_size=8), st.integers(min_value=-(2**40), max_value=2**40))
def test_no_input_panics(value: dict[str, Any], now: int) -> None:
    e = erpops.AlertEngine()
    for call in (
        lambda: e.set_rule(value),
        lambda: e.set_silence(value),
        lambda: e.set_heartbeat(value, now=now),
        lambda: e.set_job(value, now=now),
        lambda: e.set_job({"connector_id": CONNECTOR, "source": "S", "grace": 0, "expectation": value}, now=now),
        lambda: e.set_window(value),
        lambda: e.restore(json.dumps(value)),
        lambda: e.ingest(value, "evt", now=now),
        lambda: e.tick(now),
    ):
        try:
            call()
        except erpops.InternalError:  # a panic caught at the boundary
            raise
        except (erpops.Error, ValueError, TypeError, OverflowError):
            pass
