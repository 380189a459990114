"""Memory stays flat over many calls, on the success and on the exception paths."""

from __future__ import annotations

import gc
import os

import erpops

CALLS = 250_000  # iterations; each makes 4 to 7 erpops calls: over a million calls
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


CID = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
EVENT = (
    b'{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed",'
    b'"timestamp":"2026-04-20T03:00:00Z","severity":"error","message":"mail ops@example.com",'
    b'"metadata":{"records_total":40000,"ok":true}}'
)
BAD_EVENT = b'{"connector_id":"nope","event_type":"X","extra":[1,{"a":2}]}'
NOW = 1_776_654_300


def run(n: int) -> None:
    secret = erpops.Secret(b"leak-test-secret")
    body = b'{"event_type":"integration.failed"}' * 4
    good = erpops.sign(body, secret)
    for i in range(n):
        header = erpops.sign(body, b"leak-test-secret")
        erpops.verify(bytearray(body), header, [secret])
        if i % 4 == 0:
            try:
                erpops.verify(body, good[:-1] + "0", secret)
            except erpops.InvalidSignature:
                pass
            signer = erpops.Signer(secret)
            signer.update(memoryview(body))
            signer.finalize()
        if i % 8 == 0:
            event = erpops.validate(EVENT, connector_id=CID, now=NOW)
            event.to_dict()
            event.metadata
            event.redactions
            try:
                erpops.validate(BAD_EVENT, now=NOW)
            except erpops.ValidationError as e:
                assert e.errors
            erpops.EventBuilder().connector_id(CID).event_type("a.b").timestamp(NOW).build_signed(secret)
            headers = {
                "Content-Type": "application/json",
                erpops.CONNECTOR_ID_HEADER: CID,
                erpops.SIGNATURE_HEADER: erpops.sign(EVENT, secret),
            }
            erpops.check_request(headers, EVENT, secrets=secret, now=NOW)
            try:
                erpops.check_request(headers, BAD_EVENT, secrets=[secret], now=NOW)
            except erpops.RequestRejected as r:
                assert r.problem


def test_rss_is_stable_over_many_calls() -> None:
    run(25_000)  # warm up caches, allocator arenas and interned strings
    gc.collect()
    before = rss_bytes()
    run(CALLS)
    gc.collect()
    grown = rss_bytes() - before
    # A leak of even 16 bytes per call would be > 3 MiB here.
    assert grown < 2 * 1024 * 1024, f"RSS grew by {grown} bytes over {CALLS} iterations"


def run_alerting(n: int) -> None:
    """The alerting and schedule paths: records converted from native values,
    effects returned as dicts, and the error paths (AlertError, ScheduleError,
    IncidentError) of every kind of bad input."""
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 4, 20, 2, tzinfo=timezone.utc)
    schedule = erpops.Schedule([("0 2 * * MON-FRI", "America/Chicago"), {"cron": "@hourly", "time_zone": "UTC"}])
    for i in range(n):
        engine = erpops.AlertEngine(flapping={"max_transitions": 3, "window": timedelta(hours=1)})
        engine.set_rule({"id": "ops", "name": "Ops", "channel": "pager", "kinds": {"opened"}, "repeat_interval": 60})
        engine.set_silence({"id": "s", "starts_at": start, "ends_at": start + timedelta(minutes=5)})
        engine.set_heartbeat({"connector_id": CID, "source": "NIGHTLY", "period": timedelta(days=1), "grace": 0}, now=NOW)
        effects = engine.ingest(EVENT_DICT, f"evt_{i}", now=NOW)
        engine.command("acknowledge", effects[0]["incident"]["id"], actor="ana", now=NOW)
        engine.tick(NOW + 86_400)
        engine.restore(engine.snapshot()).rules()
        for bad in ({"id": ""}, {"id": "", "name": "n", "channel": "c"}, 42):
            try:
                engine.set_rule(bad)  # type: ignore[arg-type]
            except (erpops.AlertError, TypeError):
                pass
        try:
            engine.command("resolve", "inc_x", actor="ana", now=NOW)
        except erpops.IncidentError:
            pass
        schedule.fires_after(NOW, 3)
        try:
            erpops.Schedule.single("0 2 * * *", "Mars/Base")
        except erpops.ScheduleError:
            pass


EVENT_DICT = {
    "connector_id": CID,
    "event_type": "integration.failed",
    "timestamp": "2026-04-20T03:00:00Z",
    "severity": "error",
    "source": "PSFT",
}


def test_rss_is_stable_over_many_alerting_calls() -> None:
    run_alerting(1_000)
    gc.collect()
    before = rss_bytes()
    run_alerting(8_000)  # 17 calls each: 136,000 calls
    gc.collect()
    grown = rss_bytes() - before
    # A leak of 256 bytes per iteration would be 2 MiB here.
    assert grown < 2 * 1024 * 1024, f"RSS grew by {grown} bytes over 8,000 iterations"
