#!/usr/bin/env python3
"""Checks the hand-written fire times of tests/vectors/runs.json (draft, issue #23)
against an independent model of the schedule rule in docs/runs.md: Python's
zoneinfo for the zones, a small cron matcher written here, and a minute-by-minute
walk over the instants (no cron library, nothing from the Rust code).

The rule, read per minute instant t of an entry's zone:
- t fires when its wall-clock reading matches the expression and t is that
  reading's first occurrence (fold=0), so an overlap's repeat never fires;
- t also fires when it ends a gap (the wall clock jumped forward since the
  previous minute) and some skipped wall-clock minute matches.
A schedule fires at the union of its entries' fire times.

Usage: python3 tests/vectors/generate/runs_check.py   (exit 1 on a mismatch)
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

VECTORS = Path(__file__).resolve().parent.parent / "runs.json"
MINUTE = timedelta(minutes=1)
NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@hourly": "0 * * * *",
}
NAMES = {n: i for i, n in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
NAMES.update({n: i + 1 for i, n in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])})


def parse_field(text, lo, hi):
    """The set of values of one plain cron field, or None for `*`."""
    if text == "*":
        return None
    values = set()
    for part in text.split(","):
        rng, _, step = part.partition("/")
        step = int(step) if step else 1
        if rng == "*":
            a, b = lo, hi
        elif "-" in rng:
            a, b = (int(NAMES.get(x, x)) for x in rng.split("-"))
        else:
            a = int(NAMES.get(rng, rng))
            b = hi if step != 1 else a
        values.update(range(a, b + 1, step))
    return values


def matcher(expression):
    expression = NICKNAMES.get(expression.lower(), expression).upper()
    minute, hour, dom, month, dow = expression.split()
    m, h = parse_field(minute, 0, 59), parse_field(hour, 0, 23)
    d, mo = parse_field(dom, 1, 31), parse_field(month, 1, 12)
    w = parse_field(dow, 0, 7)
    if w is not None and 7 in w:
        w = (w - {7}) | {0}

    def has(s, v):
        return s is None or v in s

    def matches(wall):
        day_ok = has(d, wall.day)
        dow_ok = has(w, (wall.weekday() + 1) % 7)  # Sunday = 0
        day = (day_ok or dow_ok) if (d is not None and w is not None) else (day_ok and dow_ok)
        return has(m, wall.minute) and has(h, wall.hour) and has(mo, wall.month) and day

    return matches


def entry_fires(entry, start, end):
    zone = ZoneInfo(entry["time_zone"])
    matches = matcher(entry["cron"])
    wall_of = lambda t: t.astimezone(zone).replace(tzinfo=None)
    fires = set()
    t = start.replace(second=0, microsecond=0) + MINUTE
    while t <= end:
        wall = wall_of(t)
        first = wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc) == t
        fire = first and matches(wall)
        skipped = wall_of(t - MINUTE) + MINUTE
        while skipped < wall:  # t ends a gap
            fire = fire or matches(skipped)
            skipped += MINUTE
        if fire:
            fires.add(t)
        t += MINUTE
    return fires


def parse(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def main():
    vectors = json.loads(VECTORS.read_text())
    failures = 0
    for case in vectors["fires"]:
        start = parse(case["after"])
        expect = [parse(x) for x in case["expect"]]
        fires = set()
        for entry in case["schedule"]:
            fires |= entry_fires(entry, start, expect[-1])
        got = sorted(fires)
        if got != expect:
            failures += 1
            print(f"{case['name']}: model gives {[t.isoformat() for t in got]}", file=sys.stderr)
    print(f"runs.json: {len(vectors['fires']) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
