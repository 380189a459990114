"""Threads racing on shared erpops objects; on free-threaded CPython, the GIL stays off."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

import erpops

NOW = datetime(2026, 4, 20, 3, 5, tzinfo=timezone.utc)
CID = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"


@pytest.mark.skipif(not hasattr(sys, "_is_gil_enabled"), reason="needs CPython 3.13+")
def test_importing_erpops_does_not_re_enable_the_gil() -> None:
    if sysconfig_gil_disabled():
        assert not sys._is_gil_enabled()  # type: ignore[attr-defined]


def sysconfig_gil_disabled() -> bool:
    import sysconfig

    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def test_shared_objects_under_racing_threads() -> None:
    secret = erpops.Secret(b"race")
    ledger = erpops.QuotaLedger()
    model = erpops.IncidentModel()
    builder = erpops.EventBuilder().connector_id(CID).event_type("integration.failed").timestamp(NOW)

    def work(i: int) -> tuple[bool, str]:
        body, sig = builder.build_signed(secret)
        erpops.verify(body, sig, secret)
        event = erpops.validate(body, connector_id=CID, now=NOW)
        model.ingest(event, f"evt_{i}", now=NOW)
        return ledger.consume("acme", plan="free", now=NOW).permitted, sig

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    assert sum(ok for ok, _ in results) == 100
    assert len({sig for _, sig in results}) == 1
    [incident] = model.incidents()
    assert incident["event_count"] == 400


def test_a_shared_alert_engine_under_racing_threads() -> None:
    engine = erpops.AlertEngine()
    engine.set_rule({"id": "ops", "name": "Ops", "channel": "pager"})
    engine.set_heartbeat({"connector_id": CID, "source": "NIGHTLY", "period": 3600, "grace": 0}, now=NOW)
    event = {"connector_id": CID, "event_type": "integration.failed", "timestamp": "2026-04-20T03:05:00Z",
             "severity": "error", "source": "PSFT"}

    def work(i: int) -> list[str]:
        kinds = [e["kind"] for e in engine.ingest(event, f"evt_{i}", now=NOW)]
        engine.tick(NOW)
        engine.snapshot()
        return kinds

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    # One incident, opened and notified exactly once whatever the interleaving.
    assert sum(k.count("opened") for k in results) == 1
    assert sum(k.count("notify") for k in results) == 1
    [incident] = engine.incidents()
    assert incident["event_count"] == 400
