#!/usr/bin/env python3
"""Writes the `timelines` of tests/vectors/runs.json: batch jobs in the alert
engine (issue #23, docs/runs.md) across the 2026 daylight-saving transitions of
America/Chicago, Europe/London and Australia/Sydney.

Each timeline sets up rules, jobs and maintenance windows, then runs steps
(ingest an event, tick) at given times with the effects expected after each
step, and, where given, what the job's state must show. The expectations are
written by hand from docs/runs.md; what is computed here, independently of the
Rust code, is:

  instants: local wall-clock times turned into UTC with Python's zoneinfo
    (first occurrence in an overlap, `local()` below);
  incident ids: as in incidents.py (canonical key, then the opening event id);
  synthetic job event ids (the opening event of an expectation's incident):
    "evt_" + hex(SHA-256(lp(label) || lp(connector uuid) || lp(source)
                          || lp(kind) || i128be(unix nanos of the instant)))[:32]
    lp(x) = u64be(len(utf8 x)) || utf8 x
    label "problem" for the incident's problem, "ok" for its recovery;
    kind `missed_run`, `missed_start`, `run_too_long`, `run_too_short` or
    `deadline_missed`; the incident key's family is `job.<kind>`.

The `fires` and `errors` sections of the file are hand-written and checked by
runs_check.py; this script keeps them as they are.

Run with `--check` to verify that the committed file is exactly what this
script produces (make test does).
"""
import datetime
import hashlib
import json
import struct
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from incidents import CONNECTOR, PAYROLL, incident_id, key  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "runs.json"
NONE = "none"  # next_wakeup sentinel meaning "no timer pending" (JSON null)
EXTRACT = "GL_EXTRACT"


def local(zone, text):
    """UTC RFC 3339 of the local wall-clock time `YYYY-MM-DD HH:MM[:SS]` in
    `zone` (its first occurrence when the clock repeats it)."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    naive = datetime.datetime.strptime(text, fmt)
    aware = naive.replace(tzinfo=ZoneInfo(zone), fold=0)
    utc = aware.astimezone(datetime.timezone.utc)
    # A time inside a gap does not exist: refuse it rather than guess.
    back = utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert back == naive, f"{text} does not exist in {zone}"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(text):
    return text.replace(" ", "T") + ("Z" if text.count(":") == 2 else ":00Z")


def unix_nanos(text):
    t = datetime.datetime.fromisoformat(text.rstrip("Z") + "+00:00")
    return int(t.timestamp()) * 10**9


def lp(text):
    raw = text.encode()
    return struct.pack(">Q", len(raw)) + raw


def job_event_id(label, source, kind, at, connector=CONNECTOR):
    digest = hashlib.sha256(
        lp(label) + lp(connector) + lp(source) + lp(kind)
        + unix_nanos(at).to_bytes(16, "big", signed=True)
    ).hexdigest()
    return "evt_" + digest[:32]


def expectation_incident(source, kind, at):
    """Id of the incident a job's `kind` expectation opens at `at`."""
    return incident_id(key(source=source, family=f"job.{kind}"),
                       job_event_id("problem", source, kind, at))


def event(event_type, at, severity="info", source=PAYROLL, metadata=None):
    e = {"connector_id": CONNECTOR, "event_type": event_type, "timestamp": at,
         "severity": severity, "source": source}
    if metadata:
        e["metadata"] = metadata
    return e


def step(now, action, expect, next_wakeup=None, job=None):
    s = {"now": now, **action, "expect": expect}
    if next_wakeup is not None:
        s["next_wakeup"] = next_wakeup
    if job is not None:
        s["job"] = job
    return s


def ingest(event_id, ev, expect, next_wakeup=None, job=None):
    return step(ev["timestamp"], {"ingest": {"event_id": event_id, "event": ev}}, expect,
                next_wakeup, job)


def tick(now, expect, next_wakeup=None, job=None):
    return step(now, {"tick": True}, expect, next_wakeup, job)


def before(at):
    """One nanosecond before the UTC instant `at`."""
    t = datetime.datetime.fromisoformat(at.rstrip("Z") + "+00:00") - datetime.timedelta(seconds=1)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".999999999Z"


def inc(kind, **incident):
    extra = {}
    for name in ("reason",):
        if name in incident:
            extra[name] = incident.pop(name)
    return {"kind": kind, "incident": incident, **extra}


def notify(reason, incident, rule="ops"):
    return {"kind": "notify", "rule_id": rule, "channel": "ops", "incident": {"id": incident},
            "reason": reason}


def held(reason, would, incident, rule="ops", **by):
    return {"kind": "suppressed", "rule_id": rule, "channel": "ops",
            "incident": {"id": incident}, "would_notify": would, "reason": reason, **by}


def job(source, cron, zone, grace, **extra):
    j = {"connector_id": CONNECTOR, "source": source,
         "expectation": {"schedule": [{"cron": cron, "time_zone": zone}]}, "grace": grace}
    j.update(extra)
    return j


def job_view(source=PAYROLL, **expect):
    """What the job's state must show: members of its serialized state plus
    `status` and `median_duration_ms`, matched by subset."""
    return {"connector_id": CONNECTOR, "source": source, "expect": expect}


def run(phase, at, run_id=None, records=None, source=PAYROLL, family="payroll.run"):
    meta = {}
    if run_id is not None:
        meta["run_id"] = run_id
    if records is not None:
        meta["records_processed"] = records
    sev = "error" if phase == "failed" else "info"
    return event(f"{family}.{phase}", at, sev, source, meta or None)


RULE = [{"id": "ops", "name": "everything", "channel": "ops"}]
CHI = "America/Chicago"
LON = "Europe/London"
SYD = "Australia/Sydney"


def timelines():
    out = []

    # 1. A scheduled job that sends no start signals: missed_run, then a late sign of life.
    due = local(CHI, "2026-04-20 02:00")          # Monday 02:00 CDT
    miss = local(CHI, "2026-04-20 02:15")
    m = expectation_incident(PAYROLL, "missed_run", miss)
    m2 = expectation_incident(PAYROLL, "missed_run", local(CHI, "2026-04-21 02:15"))
    out.append({
        "name": "weekday_job_missed_run_and_late_sign_of_life",
        "note": "Payroll weekdays at 02:00 America/Chicago with 15 min grace, set on Sunday. "
                "Nothing by 02:15 CDT Monday opens missed_run (the job has never sent a start "
                "signal, so any event answers); the next due time is Tuesday 02:00. A late "
                "success resolves it. A tick that comes days late counts one miss; weekend days are "
                "not due: after Friday the next is Monday.",
        "rules": RULE,
        "jobs": [{"now": utc("2026-04-19 12:00:00"),
                  "job": job(PAYROLL, "0 2 * * MON-FRI", CHI, 900)}],
        "steps": [
            tick(before(miss), [], next_wakeup=miss,
                 job=job_view(due=due, miss_at=miss, status="waiting")),
            tick(miss, [inc("opened", id=m, event_type="job.missed_run.missed",
                            family="job.missed_run", severity="error"),
                        notify("missed_run", m)],
                 next_wakeup=local(CHI, "2026-04-21 02:15"),
                 job=job_view(due=local(CHI, "2026-04-21 02:00"), missed_count=1,
                              status="failing")),
            ingest("evt_late", event("integration.succeeded", local(CHI, "2026-04-20 02:40")),
                   [inc("resolved", id=m, reason="recovery"), notify("resolved", m)],
                   next_wakeup=local(CHI, "2026-04-21 02:15"),
                   job=job_view(missed_count=0, sends_starts=False, status="ok")),
            # Ticks stop until Friday 02:15: one miss is counted, dated at the first
            # missed due time (Tuesday), not a burst; the next due time is Monday.
            tick(local(CHI, "2026-04-24 02:15"),
                 [inc("opened", id=m2, first_seen=local(CHI, "2026-04-21 02:15")),
                  notify("missed_run", m2)],
                 job=job_view(due=local(CHI, "2026-04-27 02:00"), missed_count=1)),
        ],
    })

    # 2. London spring forward: a 01:30 job on 2026-03-29 is due once, at 02:00 BST.
    gap_end = utc("2026-03-29 01:00:00")          # 02:00 BST, the end of the gap
    miss = utc("2026-03-29 01:10:00")
    m = expectation_incident(PAYROLL, "missed_start", miss)
    out.append({
        "name": "london_spring_forward_missed_start_then_late_start",
        "note": "A 01:30 Europe/London job with 10 min grace. On 2026-03-28 it starts at 01:31 "
                "GMT and succeeds: from then on only a start answers. On 2026-03-29 01:30 does "
                "not exist (01:00 GMT -> 02:00 BST): it is due once, at 02:00 BST (01:00Z). No "
                "start by 01:10Z opens missed_start; a start at 01:20Z resolves it; the next "
                "due time is 01:30 BST on 03-30 (00:30Z).",
        "rules": RULE,
        "jobs": [{"now": utc("2026-03-27 12:00:00"),
                  "job": job(PAYROLL, "30 1 * * *", LON, 600)}],
        "steps": [
            ingest("evt_s1", run("started", local(LON, "2026-03-28 01:31")), [],
                   job=job_view(due=gap_end, sends_starts=True, status="running")),
            ingest("evt_f1", run("succeeded", local(LON, "2026-03-28 01:50"), records=120), [],
                   next_wakeup=miss,
                   job=job_view(runs=[{"started_at": local(LON, "2026-03-28 01:31"),
                                       "ended_at": local(LON, "2026-03-28 01:50"),
                                       "duration_ms": 1140000, "outcome": "succeeded",
                                       "records_processed": 120}],
                                status="ok", median_duration_ms=1140000)),
            tick(miss, [inc("opened", id=m, event_type="job.missed_start.missed",
                            family="job.missed_start"),
                        notify("missed_start", m)],
                 job=job_view(due=local(LON, "2026-03-30 01:30"), status="failing")),
            ingest("evt_s2", run("started", utc("2026-03-29 01:20:00")),
                   [inc("resolved", id=m, reason="recovery"), notify("resolved", m)],
                   job=job_view(due=utc("2026-03-30 00:30:00"), missed_count=0,
                                status="running")),
        ],
    })

    # 3. Sydney fall back: a 02:30 job on 2026-04-05 runs at its first (AEDT) occurrence,
    # runs too long (opened by the tick while it runs) and is resolved by its end.
    start = local(SYD, "2026-04-05 02:30")        # 02:30 AEDT = 04-04 15:30Z
    too_long = utc("2026-04-04 16:30:00")
    m = expectation_incident(PAYROLL, "run_too_long", too_long)
    out.append({
        "name": "sydney_fall_back_run_too_long_while_running",
        "note": "A 02:30 Australia/Sydney job with max_runtime 3600 s. On 2026-04-05 02:30 "
                "happens twice (03:00 AEDT -> 02:00 AEST); it is due at the first, 02:30 AEDT "
                "(15:30Z on 04-04), never at the repeat. Run r1 starts then; at 16:30Z, still "
                "running, the tick opens run_too_long; its end at 16:45Z resolves it and "
                "records 75 min.",
        "rules": RULE,
        "jobs": [{"now": utc("2026-04-04 00:00:00"),
                  "job": job(PAYROLL, "30 2 * * *", SYD, 300, max_runtime=3600)}],
        "steps": [
            ingest("evt_s1", run("started", start, run_id="r1"), [], next_wakeup=too_long,
                   job=job_view(due=local(SYD, "2026-04-06 02:30"),
                                open_runs=[{"run_id": "r1", "started_at": start,
                                            "too_long_at": too_long}],
                                status="running")),
            tick(before(too_long), [], next_wakeup=too_long),
            tick(too_long, [inc("opened", id=m, event_type="job.run_too_long.missed",
                                family="job.run_too_long"),
                            notify("run_too_long", m)],
                 next_wakeup=local(SYD, "2026-04-06 02:35")),
            ingest("evt_f1", run("succeeded", utc("2026-04-04 16:45:00"), run_id="r1",
                                 records=1200),
                   [inc("resolved", id=m, reason="recovery"), notify("resolved", m)],
                   job=job_view(open_runs=[], runs=[{"run_id": "r1", "duration_ms": 4500000,
                                                     "outcome": "succeeded",
                                                     "records_processed": 1200}],
                                status="ok")),
        ],
    })

    # 4. Concurrent runs pair by run_id; a quick success is run_too_short.
    s1, s2 = local(CHI, "2026-04-20 02:00"), local(CHI, "2026-04-20 02:01")
    f2, f1 = local(CHI, "2026-04-20 02:03"), local(CHI, "2026-04-20 02:30")
    m = expectation_incident(PAYROLL, "run_too_short", f2)
    out.append({
        "name": "concurrent_runs_pair_by_run_id_and_a_quick_success_is_too_short",
        "note": "Two runs overlap: A starts 02:00 CDT, B 02:01. B succeeds at 02:03 having run "
                "2 min, under min_runtime 300 s: run_too_short opens. A succeeds at 02:30 after "
                "30 min, a run of normal length, which resolves it. Runs keep their run_id, "
                "duration and records_processed; the median of two is the lower one.",
        "rules": RULE,
        "jobs": [{"now": utc("2026-04-19 12:00:00"),
                  "job": job(PAYROLL, "0 2 * * MON-FRI", CHI, 900, min_runtime=300)}],
        "steps": [
            ingest("evt_a1", run("started", s1, run_id="A"), []),
            ingest("evt_b1", run("started", s2, run_id="B"), []),
            ingest("evt_b2", run("succeeded", f2, run_id="B", records=0),
                   [inc("opened", id=m, event_type="job.run_too_short.missed",
                        family="job.run_too_short"),
                    notify("run_too_short", m)],
                   job=job_view(open_runs=[{"run_id": "A", "started_at": s1}],
                                runs=[{"run_id": "B", "started_at": s2, "duration_ms": 120000,
                                       "records_processed": 0}])),
            ingest("evt_a2", run("succeeded", f1, run_id="A", records=40000),
                   [inc("resolved", id=m, reason="recovery"), notify("resolved", m)],
                   job=job_view(open_runs=[], median_duration_ms=120000,
                                runs=[{"run_id": "B"}, {"run_id": "A",
                                                        "duration_ms": 1800000}])),
        ],
    })

    # 5. A deadline at a local time of day.
    deadline = local(CHI, "2026-04-20 06:00")
    m = expectation_incident(PAYROLL, "deadline_missed", deadline)
    out.append({
        "name": "deadline_missed_at_0600_chicago_and_a_late_success",
        "note": "Due 02:00 CDT, must succeed by 06:00 America/Chicago (11:00Z). It starts on "
                "time but is still running at 06:00: the tick opens deadline_missed. The "
                "success at 06:20 resolves it; Tuesday's deadline stays pending.",
        "rules": RULE,
        "jobs": [{"now": utc("2026-04-19 12:00:00"),
                  "job": job(PAYROLL, "0 2 * * MON-FRI", CHI, 900,
                             deadline={"time": "06:00", "time_zone": CHI})}],
        "steps": [
            ingest("evt_s1", run("started", local(CHI, "2026-04-20 02:00")), [],
                   next_wakeup=deadline,
                   job=job_view(deadlines=[
                       {"due": local(CHI, "2026-04-20 02:00"), "at": deadline},
                       {"due": local(CHI, "2026-04-21 02:00"),
                        "at": local(CHI, "2026-04-21 06:00")}])),
            tick(before(deadline), [], next_wakeup=deadline),
            tick(deadline, [inc("opened", id=m, event_type="job.deadline_missed.missed",
                                family="job.deadline_missed"),
                            notify("deadline_missed", m)],
                 next_wakeup=local(CHI, "2026-04-21 02:15")),
            ingest("evt_f1", run("succeeded", local(CHI, "2026-04-20 06:20")),
                   [inc("resolved", id=m, reason="recovery"), notify("resolved", m)],
                   job=job_view(deadlines=[{"due": local(CHI, "2026-04-21 02:00")}])),
        ],
    })

    # 6. A maintenance window never holds the all-clear of an earlier page.
    k = key()
    a = incident_id(k, "evt_1")
    b = incident_id(key(source="GL_LOAD"), "evt_3")
    w_start, w_end = local(LON, "2026-04-19 01:00"), local(LON, "2026-04-19 05:00")
    out.append({
        "name": "maintenance_window_holds_new_pages_but_not_an_owed_resolution",
        "note": "Sundays 01:00-05:00 Europe/London (BST: 00:00Z-04:00Z). Payroll failed at "
                "00:30 BST, before the window, and was paged; its resolution at 02:00 BST, "
                "inside the window, goes out at once (Alertmanager #226). GL_LOAD fails inside "
                "the window: held as maintenance and released with reason window_ended when "
                "the occurrence ends, since it is still open.",
        "rules": RULE,
        "windows": [{"id": "patching", "schedule": [{"cron": "0 1 * * SUN", "time_zone": LON}],
                     "duration": 14400}],
        "steps": [
            ingest("evt_1", event("integration.failed", local(LON, "2026-04-19 00:30"), "error"),
                   [inc("opened", id=a), notify("first", a)], next_wakeup=NONE),
            ingest("evt_2", event("integration.succeeded", local(LON, "2026-04-19 02:00")),
                   [inc("resolved", id=a, reason="recovery"), notify("resolved", a)]),
            ingest("evt_3", event("integration.failed", local(LON, "2026-04-19 02:10"), "error",
                                  source="GL_LOAD"),
                   [inc("opened", id=b), held("maintenance", "first", b, window_id="patching")],
                   next_wakeup=w_end),
            tick(before(w_end), [], next_wakeup=w_end),
            tick(w_end, [notify("window_ended", b)], next_wakeup=NONE),
        ],
    })
    assert w_start == utc("2026-04-19 00:00:00")

    # 7. Dependencies: the extract's failure inhibits payroll's pages until it resolves.
    x = incident_id(key(source=EXTRACT, family="gl.extract"), "evt_x1")
    miss = local(CHI, "2026-04-20 02:15")
    m = expectation_incident(PAYROLL, "missed_run", miss)
    payroll = job(PAYROLL, "0 2 * * MON-FRI", CHI, 900)
    payroll["depends_on"] = [{"connector_id": CONNECTOR, "source": EXTRACT}]
    out.append({
        "name": "dependency_inhibits_then_releases_when_it_resolves",
        "note": "Payroll depends on GL_EXTRACT. The extract fails at 01:05 CDT (paged). "
                "Payroll then misses its 02:00 run: its incident opens but the page is held as "
                "inhibited, naming the extract's incident. When the extract succeeds, its "
                "resolution goes out, then payroll's held page (inhibition_ended) because "
                "payroll is still missing.",
        "rules": RULE,
        "jobs": [{"now": utc("2026-04-19 12:00:00"),
                  "job": job(EXTRACT, "0 1 * * *", CHI, 900)},
                 {"now": utc("2026-04-19 12:00:00"), "job": payroll}],
        "steps": [
            ingest("evt_x1", run("failed", local(CHI, "2026-04-20 01:05"), source=EXTRACT,
                                 family="gl.extract"),
                   [inc("opened", id=x), notify("first", x)]),
            tick(miss, [inc("opened", id=m, family="job.missed_run"),
                        held("inhibited", "missed_run", m, inhibited_by=x)]),
            ingest("evt_x2", run("succeeded", local(CHI, "2026-04-20 02:30"), source=EXTRACT,
                                 family="gl.extract"),
                   [inc("resolved", id=x, reason="recovery"), notify("resolved", x),
                    notify("inhibition_ended", m)]),
        ],
    })
    # 8. Too few records, and a failure streak with thresholds.
    days = [local(CHI, f"2026-04-{d} 02:30") for d in (20, 21, 22, 23, 24)]
    few = expectation_incident(PAYROLL, "too_few_records", days[0])
    streak = expectation_incident(PAYROLL, "runs_failing", days[3])
    fail = lambda i: incident_id(key(family="payroll.run"), f"evt_f{i}")  # noqa: E731
    out.append({
        "name": "too_few_records_and_a_failure_streak_with_thresholds",
        "note": "min_records 1000, failure_threshold 2, recovery_threshold 2; the rule takes "
                "the two expectations and resolutions of job.* incidents. Monday's run succeeds with 999 records: "
                "too_few_records. Tuesday's with 1000 (exactly the minimum) resolves it. "
                "Wednesday and Thursday fail: the second failure in a row opens runs_failing "
                "(each failure is also its own incident, which this rule does not take). Friday "
                "succeeds: one success of the two needed, so it stays open.",
        "rules": [{"id": "ops", "name": "expectations", "channel": "ops",
                   "kinds": ["too_few_records", "runs_failing", "resolved"],
                   "matchers": {"event_type": "job.*"}}],
        "jobs": [{"now": utc("2026-04-19 12:00:00"),
                  "job": job(PAYROLL, "0 2 * * MON-FRI", CHI, 900, min_records=1000,
                             failure_threshold=2, recovery_threshold=2)}],
        "steps": [
            ingest("evt_s0", run("succeeded", days[0], records=999),
                   [inc("opened", id=few, event_type="job.too_few_records.missed",
                        family="job.too_few_records"),
                    notify("too_few_records", few)]),
            ingest("evt_s1", run("succeeded", days[1], records=1000),
                   [inc("resolved", id=few, reason="recovery"), notify("resolved", few)]),
            ingest("evt_f2", run("failed", days[2]), [inc("opened", id=fail(2))],
                   job=job_view(failures_in_a_row=1)),
            ingest("evt_f3", run("failed", days[3]),
                   [inc("opened", id=streak, event_type="job.runs_failing.missed",
                        family="job.runs_failing"),
                    notify("runs_failing", streak),
                    inc("updated", id=fail(2))],
                   job=job_view(failures_in_a_row=2, status="failing")),
            ingest("evt_s4", run("succeeded", days[4], records=5000),
                   [inc("resolved", id=fail(2), reason="recovery")],
                   job=job_view(failures_in_a_row=None, successes_in_a_row=1,
                                incidents=[{"kind": "runs_failing", "incident_id": streak}])),
        ],
    })
    return out


def build():
    data = json.loads(OUT.read_text(encoding="utf-8"))
    data["description"] = (
        "Batch runs (issue #23, docs/runs.md). `fires`: starting from `after`, call "
        "next_fire_after repeatedly (each time with the previous result) and expect exactly "
        "`expect` (RFC 3339 UTC). `errors`: each schedule must be refused with the code "
        "`expect_error`. `timelines`: replay each on a fresh alert engine with the default "
        "configuration, after setting `rules`, `jobs` (each at its `now`) and `windows`; after "
        "each step compare the effects with `expect` as in alerts.json (same length and order, "
        "members matched by subset, null = absent or null), `next_wakeup` when present, and "
        "`job` when present: the serialized state of the job (connector_id, source) plus "
        "`status` and `median_duration_ms` must match `job.expect` by subset (lists: same "
        "length, items matched by subset)."
    )
    data["timelines"] = timelines()
    return data


def render():
    text = json.dumps(build(), indent=2, ensure_ascii=False)
    return text.replace('"next_wakeup": "none"', '"next_wakeup": null') + "\n"


def main():
    text = render()
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python3 tests/vectors/generate/runs.py", file=sys.stderr)
            sys.exit(1)
        print(f"{OUT.name}: {len(build()['timelines'])} timelines agree with the generator")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
