"""Typed usage of the public API: `mypy --strict` checks it against the stubs.

Not a test module (pytest does not collect it); it must type-check, and it
also runs: `python tests/typing_usage.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import erpops


def sign_and_verify(body: bytes, secret: str) -> bool:
    header: str = erpops.sign(body, secret)
    erpops.verify(body, header, [secret, erpops.Secret(b"previous")])
    ok: bool = erpops.is_valid(memoryview(body), header.encode(), secret)
    return ok


def incremental(chunks: list[bytes], secret: erpops.Secret) -> str:
    signer = erpops.Signer(secret)
    for chunk in chunks:
        signer.update(chunk)
    fed: int = signer.bytes_fed
    assert fed == sum(map(len, chunks))
    return signer.finalize()


def handle(body: bytes, header: str | None) -> tuple[int, str]:
    try:
        erpops.verify(body, header, b"s3cret")
    except erpops.InvalidSignature as e:
        status: int | None = e.status
        code: str = e.code
        return (status or 401, code)
    return (202, "accepted")


def receive(body: bytes, header_id: str) -> dict[str, object]:
    try:
        event: erpops.Event = erpops.validate(body, connector_id=header_id, pii_policy="reject")
    except erpops.ValidationError as e:
        pointers: list[str] = [v["pointer"] for v in e.errors]
        return {"status": 422, "pointers": pointers}
    sev: erpops.Severity = event.severity
    return {"status": 202, "severity": sev.value, "ts": event.timestamp.isoformat(), **event.to_dict()}


def send(secret: bytes) -> tuple[bytes, dict[str, str]]:
    built: bytes = (
        erpops.EventBuilder()
        .connector_id("3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d")
        .event_type("integration.failed")
        .timestamp("2026-04-20T03:00:00Z")
        .metadata("exit_code", 1)
        .build()
    )
    assert built
    return erpops.signed_request(
        secret=secret,
        connector_id="3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
        event_type="integration.failed",
        timestamp="2026-04-20T03:00:00Z",
        metadata={"records_total": 40000},
    )


def send_within_limit(secret: bytes, note: str) -> tuple[int, str]:
    try:
        body, _headers = erpops.signed_request(
            secret=secret,
            connector_id="3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
            event_type="integration.failed",
            timestamp="2026-04-20T03:00:00Z",
            metadata={"note": note},
            max_body_bytes=erpops.DEFAULT_MAX_BODY_BYTES,
        )
    except erpops.BodyTooLarge as e:
        size: int = e.size
        limit: int = e.limit
        return (size - limit, e.code)
    except erpops.ValidationError as e:
        count: int = e.error_count
        return (count, e.code)
    built: bytes = erpops.EventBuilder().max_body_bytes(1000).message(note).build_signed(secret)[0]
    return (len(body) + len(built) + erpops.MAX_LISTED_VIOLATIONS, "built")


def quota_and_incidents(event: erpops.Event) -> int:
    ledger = erpops.QuotaLedger()
    d: erpops.QuotaDecision = ledger.consume("acme", plan="free")
    model = erpops.IncidentModel(reopen_window=1800)
    effects = model.ingest(event, "evt_1")
    text, findings = erpops.redact("mail me at a@b.example")
    spans: list[tuple[int, int]] = [(f.start, f.end) for f in findings]
    return len(effects) + (d.remaining or 0) + len(text) + len(spans)


def alerting(event: erpops.Event) -> list[str]:
    flapping: erpops.FlappingOptions = {"max_transitions": 6, "window": timedelta(hours=2)}
    engine = erpops.AlertEngine(reopen_window=timedelta(minutes=30), flapping=flapping)
    try:
        engine.set_rule({"id": "ops", "name": "Ops", "channel": "pager", "repeat_interval": 14400})
    except erpops.AlertError as e:
        return [e.code]
    engine.set_silence({"id": "maint", "starts_at": datetime.now(timezone.utc), "ends_at": "2030-01-01T00:00:00Z"})
    engine.set_heartbeat(
        {"connector_id": event.connector_id, "source": "NIGHTLY", "period": timedelta(days=1), "grace": 1800},
        now=event.timestamp,
    )
    engine.set_heartbeat_paused(event.connector_id, "NIGHTLY", False)
    effects: list[dict[str, Any]] = engine.ingest(event, "evt_1", now=event.timestamp)
    kinds: list[str] = [str(e["kind"]) for e in effects]
    try:
        engine.command("acknowledge", "inc_0", actor="ana", note=None, now=0)
    except erpops.IncidentError as e:
        kinds.append(e.code)
    wake: datetime | None = engine.next_wakeup()
    if wake is not None:
        kinds += [str(e["kind"]) for e in engine.tick(wake)]
    kinds += [str(e["kind"]) for e in engine.expire_silence("maint")]
    payroll = erpops.Schedule.single("0 2 * * MON-FRI", "America/Chicago")
    engine.set_job(
        {
            "connector_id": event.connector_id,
            "source": "PSFT_PAYROLL_BATCH",
            "expectation": {"schedule": payroll},
            "grace": timedelta(minutes=15),
            "max_runtime": timedelta(hours=2),
            "deadline": {"time": "06:00", "time_zone": "America/Chicago"},
        },
        now=event.timestamp,
    )
    engine.set_job_paused(event.connector_id, "PSFT_PAYROLL_BATCH", False, now=event.timestamp)
    job: dict[str, Any] | None = engine.job(event.connector_id, "PSFT_PAYROLL_BATCH")
    runs: list[dict[str, Any]] = job["runs"] if job is not None and "runs" in job else []
    engine.set_window({"id": "patching", "schedule": erpops.Schedule.single("0 1 * * SUN"), "duration": 14400})
    kinds += [str(e["kind"]) for e in engine.remove_window("patching")]
    kinds += [str(len(engine.jobs()) + len(engine.windows()) + len(runs))]
    restored: erpops.AlertEngine = engine.restore(engine.snapshot())
    removed: dict[str, Any] | None = restored.remove_rule("ops")
    beats: list[dict[str, Any]] = restored.heartbeats()
    return kinds + [str(removed is None), str(len(beats) + len(restored) + restored.active_count())]


def schedules() -> list[datetime]:
    try:
        payroll = erpops.Schedule([("0 2 * * MON-FRI", "America/Chicago"), {"cron": "@daily", "time_zone": "UTC"}])
    except erpops.ScheduleError as e:
        print(e.code)  # invalid_cron, cron_never_fires, unknown_time_zone, invalid_schedule
        raise
    entries: list[erpops.ScheduleEntry] = payroll.entries
    again = erpops.Schedule(entries)
    assert again == payroll and len(again) == 2
    nxt: datetime | None = erpops.Schedule.single("30 2 * * *", "Europe/London").next_fire_after(0)
    fires: list[datetime] = payroll.fires_after(datetime(2026, 3, 6, tzinfo=timezone.utc), 3)
    tz: str = erpops.TZDB_VERSION
    assert tz
    return fires + ([nxt] if nxt is not None else [])


if __name__ == "__main__":
    assert sign_and_verify(b"{}", "k")
    assert incremental([b"{", b"}"], erpops.Secret("k")) == erpops.sign(b"{}", "k")
    assert handle(b"{}", None) == (401, "signature_missing")
    ev = erpops.validate(
        b'{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed",'
        b'"timestamp":"2026-04-20T02:00:00Z","severity":"error","source":"NIGHTLY"}',
        now=datetime(2026, 4, 20, 2, tzinfo=timezone.utc),
    )
    assert "opened" in alerting(ev)
    assert len(schedules()) == 4
    print(erpops.SIGNATURE_HEADER, erpops.__version__)
