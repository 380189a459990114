"""Replays tests/vectors/quota.json through erpops.QuotaLedger (same decisions and headers as Rust)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import erpops
from conftest import load_vectors

VECTORS = load_vectors("quota.json")
SEQUENCES = VECTORS["sequences"]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def now_of(step: dict[str, Any]) -> datetime:
    return EPOCH + timedelta(milliseconds=step["now_unix_ms"])


def rfc3339(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def check(decision: erpops.QuotaDecision, expect: dict[str, Any]) -> None:
    assert decision.code == expect["decision"]
    assert decision.permitted == (expect["decision"] in ("allowed", "replayed"))
    assert decision.remaining == expect["remaining"]
    assert decision.window_start == expect["window_start"]
    assert rfc3339(decision.reset_at) == expect["reset_at"]
    assert decision.reset_after == expect["reset_after"]
    assert decision.retry_after == expect["retry_after"]
    assert [list(h) for h in decision.headers] == expect["headers"]


@pytest.mark.parametrize("sequence", SEQUENCES, ids=[s["name"] for s in SEQUENCES])
def test_sequence(sequence: dict[str, Any]) -> None:
    ledger = erpops.QuotaLedger()
    for step in sequence["steps"]:
        op = step["op"]
        if op in ("consume", "peek"):
            call = ledger.consume if op == "consume" else ledger.peek
            before = ledger.snapshot()
            decision = call(
                step["tenant"],
                plan=step["plan"],
                metric=step["metric"],
                cost=step["cost"],
                now=now_of(step),
                idempotency_key=step["idempotency_key"],
            )
            check(decision, step["expect"])
            if op == "peek" or not decision.code == "allowed":
                assert ledger.snapshot() == before, "peeks, refusals and replays change nothing"
        elif op == "restore":
            text = ledger.snapshot()
            ledger = erpops.QuotaLedger.restore(text)
            assert ledger.snapshot() == text
        elif op == "prune":
            assert ledger.prune(now_of(step)) == step["expect"]["removed"]
        else:
            pytest.fail(f"unknown op {op!r}")


def test_vectors_cover_every_op() -> None:
    ops = {step["op"] for s in SEQUENCES for step in s["steps"]}
    assert ops == {"consume", "peek", "restore", "prune"}
