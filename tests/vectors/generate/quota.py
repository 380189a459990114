#!/usr/bin/env python3
"""Generates tests/vectors/quota.json with an independent Python oracle.

The expected decisions and header strings are computed here from Python's
`datetime` and `calendar` modules and a from-scratch model of the quota rule
(contract section 5), not by the Rust implementation. Run with `--check` to
verify that the committed file is exactly what this script produces
(`make test` does).
"""
import calendar
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "quota.json"

PLANS = {
    "free": {"inbound_event": 100, "ai_query": 100},
    "professional": {"inbound_event": 50000, "ai_query": 5000},
    "enterprise": {"inbound_event": None, "ai_query": None},
}
POLICY = {"inbound_event": "events", "ai_query": "ai-queries"}


def parse(text):
    """RFC 3339 `...Z` with an optional fraction; a leap second `:60` reads
    as `:59.999999999` (here: `.999` ms, the bindings' precision)."""
    leap = text[17:19] == "60"
    if leap:
        text = text[:17] + "59" + text[19:]
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    ms = int(dt.timestamp()) * 1000 + dt.microsecond // 1000
    if leap:
        ms = int(dt.timestamp()) * 1000 + 999
    return ms


def iso(secs):
    return datetime.fromtimestamp(secs, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def window(metric, ms):
    secs = ms // 1000
    d = datetime.fromtimestamp(secs, timezone.utc)
    if metric == "inbound_event":
        start = datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
        end = start + timedelta(days=1)
    else:
        start = datetime(d.year, d.month, 1, tzinfo=timezone.utc)
        end = start + timedelta(days=calendar.monthrange(d.year, d.month)[1])
    return int(start.timestamp()), int(end.timestamp())


def limit_of(plan, metric):
    return (PLANS[plan] if isinstance(plan, str) else plan)[metric]


class Oracle:
    """The quota rule, written independently of the Rust code."""

    def __init__(self):
        self.rows = {}  # (tenant, metric, window_start) -> [used, set(keys)]

    def decide(self, step, record):
        metric, cost, key = step["metric"], step["cost"], step["idempotency_key"]
        ms = parse(step["now"])
        start, end = window(metric, ms)
        reset_after = max(1, end - ms // 1000)
        limit = limit_of(step["plan"], metric)
        row = self.rows.get((step["tenant"], metric, start), [0, set()])
        used = row[0]
        if key is not None and key in row[1]:
            kind = "replayed"
        elif limit is None or used + cost <= limit:
            kind = "allowed"
        elif cost > limit:
            kind = "quota_cost_exceeds_limit"
        else:
            kind = "quota_exceeded"
        if kind == "allowed" and record:
            used += cost
            row[0] = used
            if key is not None:
                row[1].add(key)
            self.rows[(step["tenant"], metric, start)] = row
        elif kind == "allowed":
            used += cost
        remaining = None if limit is None else max(0, limit - used)
        headers = []
        if limit is not None:
            name = POLICY[metric]
            if kind == "quota_exceeded":
                headers.append(["Retry-After", str(reset_after)])
            headers.append(["RateLimit-Policy", f'"{name}";q={limit};w={end - start}'])
            headers.append(["RateLimit", f'"{name}";r={remaining};t={reset_after}'])
        return {
            "decision": kind,
            "remaining": remaining,
            "window_start": start,
            "reset_at": iso(end),
            "reset_after": reset_after,
            "retry_after": reset_after if kind == "quota_exceeded" else None,
            "headers": headers,
        }

    def prune(self, now):
        secs = parse(now) // 1000
        before = len(self.rows)
        self.rows = {
            k: v for k, v in self.rows.items()
            if window(k[1], k[2] * 1000)[1] > secs
        }
        return before - len(self.rows)


def consume(now, tenant, plan, metric, cost=1, key=None, op="consume"):
    return {"op": op, "now": now, "tenant": tenant, "plan": plan, "metric": metric,
            "cost": cost, "idempotency_key": key}


def peek(*args, **kw):
    return consume(*args, op="peek", **kw)


E, A = "inbound_event", "ai_query"
ZERO_EVENTS = {"inbound_event": 0, "ai_query": None}

SEQUENCES = [
    ("free-events-2024-02-29",
     "A Free tenant's 100 events on a leap day: r counts down, the 101st is refused until "
     "midnight, exactly one second before the reset it is still refused.",
     [consume("2024-02-29T12:00:00Z", "acme", "free", E),
      consume("2024-02-29T12:00:00Z", "acme", "free", E, cost=98),
      consume("2024-02-29T12:30:00Z", "acme", "free", E),
      consume("2024-02-29T12:30:00.500Z", "acme", "free", E),
      consume("2024-02-29T12:30:01Z", "globex", "free", E),
      peek("2024-02-29T23:59:59.999Z", "acme", "free", E),
      consume("2024-03-01T00:00:00Z", "acme", "free", E)]),
    ("free-ai-queries-february-2024",
     "AI queries count per calendar month: February 2024 has 29 days (w=2505600).",
     [consume("2024-02-29T12:00:00Z", "acme", "free", A),
      consume("2024-02-01T00:00:00Z", "initech", "free", A, cost=100),
      consume("2024-02-29T23:59:59Z", "initech", "free", A),
      consume("2024-03-01T00:00:00Z", "initech", "free", A)]),
    ("professional-2100-02-28",
     "2100 is not a leap year: February has 28 days and the day after the 28th is March 1st.",
     [consume("2100-02-28T00:00:00Z", "initech", "professional", E),
      consume("2100-02-28T00:00:00Z", "initech", "professional", E, cost=49999),
      consume("2100-02-28T18:00:00Z", "initech", "professional", E),
      consume("2100-02-28T18:00:00Z", "initech", "professional", A),
      consume("2100-03-01T00:00:00Z", "initech", "professional", E)]),
    ("year-end-2024-12-31",
     "At 23:59:59 on December 31st both the day and the month reset in one second.",
     [consume("2024-12-31T23:59:59Z", "acme", "free", E, cost=100),
      consume("2024-12-31T23:59:59Z", "acme", "free", E),
      consume("2024-12-31T23:59:59Z", "acme", "free", A, cost=100),
      consume("2024-12-31T23:59:59.999Z", "acme", "free", A),
      consume("2025-01-01T00:00:00Z", "acme", "free", A)]),
    ("leap-second-2016-12-31",
     "23:59:60 is read as 23:59:59.999999999 (Unix time has no leap second): it belongs to "
     "December 31st and its Retry-After is 1.",
     [consume("2016-12-31T23:59:60Z", "initech", "professional", E),
      consume("2016-12-31T23:59:60Z", "acme", "free", E, cost=100),
      consume("2016-12-31T23:59:60Z", "acme", "free", E),
      consume("2017-01-01T00:00:00Z", "acme", "free", E)]),
    ("enterprise-unlimited",
     "Unlimited plans are never refused and carry no RateLimit fields.",
     [consume("2024-02-29T12:00:00Z", "megacorp", "enterprise", E, cost=1000000),
      consume("2024-02-29T12:00:00Z", "megacorp", "enterprise", A, cost=1000000),
      consume("2024-02-29T12:00:01Z", "megacorp", "enterprise", E)]),
    ("downgrade-mid-window",
     "The limit is read at decision time: after a downgrade below the usage, remaining is 0 "
     "(never negative) until the reset; an upgrade gives the room back at once.",
     [consume("2024-07-15T08:00:00Z", "acme", "professional", E, cost=250),
      consume("2024-07-15T09:00:00Z", "acme", "free", E),
      peek("2024-07-15T09:00:00Z", "acme", "free", E, cost=0),
      consume("2024-07-15T10:00:00Z", "acme", "professional", E),
      consume("2024-07-16T00:00:00Z", "acme", "free", E)]),
    ("cost-above-limit",
     "A cost larger than the limit can never succeed: no Retry-After, nothing consumed. A "
     "custom plan of 0 events refuses every event this way.",
     [consume("2024-01-31T10:00:00Z", "acme", "free", A, cost=101),
      consume("2024-01-31T10:00:00Z", "acme", "free", A, cost=100),
      consume("2024-01-31T10:00:00Z", "acme", "free", A),
      consume("2024-01-31T10:00:00Z", "tiny", ZERO_EVENTS, E),
      consume("2024-01-31T10:00:00Z", "tiny", ZERO_EVENTS, A, cost=7)]),
    ("idempotency-keys",
     "The same idempotency key in the same window replays without consuming; a refused "
     "request does not remember its key; the next window consumes again.",
     [consume("2024-01-31T23:00:00Z", "acme", "free", A, cost=60, key="q-1"),
      consume("2024-01-31T23:00:05Z", "acme", "free", A, cost=60, key="q-1"),
      consume("2024-01-31T23:10:00Z", "acme", "free", A, cost=60, key="q-2"),
      consume("2024-01-31T23:10:00Z", "acme", "free", A, cost=40, key="q-2"),
      consume("2024-01-31T23:10:01Z", "acme", "free", A, cost=40, key="q-2"),
      consume("2024-02-01T00:00:00Z", "acme", "free", A, cost=60, key="q-1")]),
    ("snapshot-and-prune",
     "A runner snapshots its ledger to JSON and restores it mid-sequence (op restore), and "
     "prunes windows that ended (op prune, expect the number of rows removed).",
     [consume("2000-02-28T23:59:59Z", "acme", "free", E, cost=99, key="a"),
      consume("2000-02-29T00:00:00Z", "acme", "free", E, cost=100),
      consume("2000-02-29T10:00:00Z", "acme", "free", A, cost=5, key="b"),
      {"op": "restore"},
      consume("2000-02-29T23:59:59Z", "acme", "free", E),
      consume("2000-02-28T23:59:59Z", "acme", "free", E, key="a"),
      {"op": "prune", "now": "2000-03-01T00:00:00Z"},
      consume("2000-03-01T00:00:00Z", "acme", "free", A, cost=5, key="b"),
      {"op": "prune", "now": "2000-04-01T00:00:00Z"}]),
]


def build():
    sequences = []
    for name, note, steps in SEQUENCES:
        oracle = Oracle()
        out = []
        for step in steps:
            step = dict(step)
            if step["op"] in ("consume", "peek"):
                step["now_unix_ms"] = parse(step["now"])
                step["expect"] = oracle.decide(step, record=step["op"] == "consume")
            elif step["op"] == "prune":
                step["now_unix_ms"] = parse(step["now"])
                step["expect"] = {"removed": oracle.prune(step["now"])}
            out.append(step)
        sequences.append({"name": name, "note": note, "steps": out})
    return {
        "version": 1,
        "description": "Quota accounting (contract section 5): scripted sequences replayed "
                       "against one fresh ledger per sequence; see README.md.",
        "plans": PLANS,
        "sequences": sequences,
    }


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is stale or hand-edited: run {sys.argv[0]} to regenerate")
        print(f"{OUT.name}: ok")
    else:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
