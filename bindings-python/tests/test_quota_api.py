"""QuotaLedger's Python surface: now in its three forms, plans, errors, threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

import erpops

NOON = datetime(2024, 2, 29, 12, 0, tzinfo=timezone.utc)


def test_now_as_datetime_int_float_or_other_offset_agree() -> None:
    ledger = erpops.QuotaLedger()
    secs = int(NOON.timestamp())
    cet = NOON.astimezone(timezone(timedelta(hours=1)))
    for now in (NOON, secs, float(secs) + 0.25, cet):
        d = ledger.peek("acme", plan="free", now=now)
        assert (d.window_start, d.reset_after) == (secs - 12 * 3600, 12 * 3600)


def test_now_defaults_to_the_clock() -> None:
    d = erpops.QuotaLedger().consume("acme", plan="free")
    assert d.code == "allowed" and d.remaining == 99
    assert d.reset_at > datetime.now(timezone.utc)


def test_naive_datetime_and_bad_types_are_refused() -> None:
    ledger = erpops.QuotaLedger()
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.consume("acme", plan="free", now=datetime(2024, 1, 1))
    with pytest.raises(TypeError):
        ledger.consume("acme", plan="free", now="2024-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ledger.consume("acme", plan="free", now=True)
    with pytest.raises(ValueError, match="unknown plan"):
        ledger.consume("acme", plan="gold", now=NOON)
    with pytest.raises(ValueError, match="unknown metric"):
        ledger.consume("acme", plan="free", metric="events", now=NOON)
    with pytest.raises(ValueError, match="ai_query"):
        ledger.consume("acme", plan={"inbound_event": 5}, now=NOON)


def test_custom_plan_and_denial_headers() -> None:
    ledger = erpops.QuotaLedger()
    plan = {"inbound_event": 2, "ai_query": None}
    assert ledger.consume("t", plan=plan, now=NOON).remaining == 1
    assert ledger.consume("t", plan=plan, now=NOON).remaining == 0
    denied = ledger.consume("t", plan=plan, now=NOON)
    assert (denied.code, denied.permitted, denied.retry_after) == ("quota_exceeded", False, 43200)
    assert denied.headers[0] == ("Retry-After", "43200")
    unlimited = ledger.consume("t", plan=plan, metric="ai_query", now=NOON)
    assert unlimited.limit is None and unlimited.remaining is None and unlimited.headers == []
    assert ledger.used("t", now=NOON) == 2 and len(ledger) == 2


def test_idempotent_retry_is_replayed() -> None:
    ledger = erpops.QuotaLedger()
    first = ledger.consume("t", plan="free", now=NOON, idempotency_key="evt_1")
    again = ledger.consume("t", plan="free", now=NOON, idempotency_key="evt_1")
    assert (first.code, again.code, again.remaining) == ("allowed", "replayed", 99)


def test_corrupt_snapshot_raises_quota_error_with_code() -> None:
    with pytest.raises(erpops.QuotaError) as info:
        erpops.QuotaLedger.restore("{not json")
    assert info.value.code == "snapshot_syntax"
    good = erpops.QuotaLedger()
    good.consume("t", plan="free", now=NOON)
    data = json.loads(good.snapshot())
    data["version"] = 99
    with pytest.raises(erpops.QuotaError) as info:
        erpops.QuotaLedger.restore(json.dumps(data))
    assert info.value.code == "snapshot_version"
    assert isinstance(info.value, erpops.Error)


def test_concurrent_consumers_never_over_admit() -> None:
    ledger = erpops.QuotaLedger()

    def one(_: int) -> bool:
        return ledger.consume("acme", plan="free", now=NOON).permitted

    with ThreadPoolExecutor(max_workers=8) as pool:
        admitted = sum(pool.map(one, range(500)))
    assert admitted == 100
    assert ledger.used("acme", now=NOON) == 100
