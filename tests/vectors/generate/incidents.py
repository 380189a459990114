#!/usr/bin/env python3
"""Generates tests/vectors/incidents.json: scripted incident timelines.

Each case is a sequence of steps (ingest an event, run a command, tick the
timer) at given times with the effects expected after each step, and the
incidents the model holds at the end. The expectations below are written by
hand from the rules of contract section 6 and issue #5; the only thing
computed here is each incident id, with Python's hashlib as an oracle
independent of the Rust code:

    id = "inc_" + hex(SHA-256(canonical_key || "e" || u64be(len(event_id)) || event_id))[:32]
    canonical_key = "erpops.incident.key.v1"
                    + part("c", connector uuid, lowercase hyphenated)
                    + part("s", source) + part("f", family)
                    + part("d", dedup_key) + part("r", run_id)
    part(tag, None)  = tag || 0x00
    part(tag, value) = tag || 0x01 || u64be(len(utf8 value)) || utf8 value

Run with `--check` to verify that the committed file is exactly what this
script produces (make test does).
"""
import hashlib
import json
import struct
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "incidents.json"

CONNECTOR = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
OTHER_CONNECTOR = "0b7e5a7c-1d2e-4f30-9a4b-5c6d7e8f9a0b"
PAYROLL = "PSFT_PAYROLL_BATCH"


def part(tag, value):
    if value is None:
        return tag.encode() + b"\x00"
    raw = value.encode()
    return tag.encode() + b"\x01" + struct.pack(">Q", len(raw)) + raw


def key(source=PAYROLL, family="integration", dedup_key=None, run_id=None, connector=CONNECTOR):
    if dedup_key is not None:
        source, family = None, None
    return {"connector_id": connector, "source": source, "family": family,
            "dedup_key": dedup_key, "run_id": run_id}


def key_json(k):
    return {name: v for name, v in k.items() if v is not None}


def incident_id(k, event_id):
    canonical = (b"erpops.incident.key.v1" + part("c", k["connector_id"]) + part("s", k["source"])
                 + part("f", k["family"]) + part("d", k["dedup_key"]) + part("r", k["run_id"]))
    digest = hashlib.sha256(
        canonical + b"e" + struct.pack(">Q", len(event_id.encode())) + event_id.encode()
    ).hexdigest()
    return "inc_" + digest[:32]


def ts(hhmmss, day=20, frac=""):
    return f"2026-04-{day:02d}T{hhmmss}{frac}Z"


def event(event_type, at, severity="info", source=PAYROLL, message=None, metadata=None,
          connector=CONNECTOR):
    e = {"connector_id": connector, "event_type": event_type, "timestamp": at,
         "severity": severity}
    if source is not None:
        e["source"] = source
    if message is not None:
        e["message"] = message
    if metadata:
        e["metadata"] = metadata
    return e


def ingest(event_id, ev, expect, now=None, next_wakeup=None):
    step = {"now": now or ev["timestamp"], "ingest": {"event_id": event_id, "event": ev},
            "expect": expect}
    if next_wakeup is not None:
        step["next_wakeup"] = next_wakeup
    return step


def command(now, name, incident, actor="ana", note=None, expect=None, error=None,
            next_wakeup=None):
    cmd = {"command": name, "incident_id": incident, "actor": actor}
    if note is not None:
        cmd["note"] = note
    step = {"now": now, "command": cmd}
    if error is not None:
        step["expect_error"] = error
    else:
        step["expect"] = expect
    if next_wakeup is not None:
        step["next_wakeup"] = next_wakeup
    return step


def tick(now, expect, next_wakeup=None):
    step = {"now": now, "tick": True, "expect": expect}
    if next_wakeup is not None:
        step["next_wakeup"] = next_wakeup
    return step


def fx(kind, **incident):
    extra = {}
    for name in ("reason", "previous_severity"):
        if name in incident:
            extra[name] = incident.pop(name)
    return {"kind": kind, "incident": incident, **extra}


NONE = "none"  # next_wakeup sentinel meaning "no timer pending" (JSON null)


def cases():
    out = []
    k = key()

    # 1. The story: three failures tonight are one incident, the 04:10 success
    #    resolves it, tomorrow's failure is a new one.
    a = incident_id(k, "evt_night_1")
    b = incident_id(k, "evt_tomorrow")
    progress = {"records_processed": 18441, "records_total": 40000, "exit_code": 1}
    out.append({
        "name": "payroll_night_one_incident_then_a_new_one_tomorrow",
        "note": "Repeats update, a higher severity escalates, the recovery resolves at its "
                "event time, and a failure the next night (beyond the reopen window) opens a "
                "new incident; the old one is superseded and no longer held.",
        "steps": [
            ingest("evt_night_1", event("integration.failed", ts("02:00:00"), "error",
                                        message="Exit code 1 at record 18441", metadata=progress),
                   [fx("opened", id=a, key=key_json(k), status="open", severity="error",
                       title="PSFT_PAYROLL_BATCH: integration.failed", family="integration",
                       source=PAYROLL, connector_id=CONNECTOR, opened_by_event="evt_night_1",
                       first_seen=ts("02:00:00"), last_seen=ts("02:00:00"), event_count=1,
                       last_message="Exit code 1 at record 18441", last_metadata=progress,
                       progress={"outcome": "failed", "records_processed": 18441,
                                 "records_total": 40000,
                                 "summary": "failed at record 18,441 of 40,000 (46.1%)"},
                       reopen_count=0, recent_event_ids=["evt_night_1"])],
                   now=ts("02:00:05")),
            ingest("evt_night_2", event("integration.failed", ts("02:30:00"), "error",
                                        message="Exit code 1 again"),
                   [fx("updated", id=a, status="open", event_count=2,
                       last_message="Exit code 1 again", last_metadata=progress,
                       last_seen=ts("02:30:00"))]),
            ingest("evt_night_3", event("integration.failed", ts("03:00:00"), "critical"),
                   [fx("escalated", id=a, status="open", severity="critical", event_count=3,
                       previous_severity="error")]),
            ingest("evt_ok", event("integration.succeeded", ts("04:10:00")),
                   [fx("resolved", id=a, status="resolved", severity="critical", event_count=4,
                       resolved_at=ts("04:10:00"), resolution_reason="recovery",
                       reason="recovery")]),
            ingest("evt_tomorrow", event("integration.failed", ts("02:00:00", day=21), "error"),
                   [fx("opened", id=b, status="open", severity="error", event_count=1,
                       reopen_count=0)]),
        ],
        "final": [{"id": b, "status": "open", "event_count": 1}],
    })

    # 2/3. The reopen window boundary (default 30 min, by event time, inclusive).
    a = incident_id(k, "evt_1")
    out.append({
        "name": "reopen_window_boundary_is_inclusive",
        "note": "A problem exactly 30 min after the resolution's event time reopens.",
        "steps": [
            ingest("evt_1", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a, status="open")]),
            ingest("evt_2", event("integration.succeeded", ts("01:10:00")),
                   [fx("resolved", id=a, resolved_at=ts("01:10:00"), reason="recovery")]),
            ingest("evt_3", event("integration.failed", ts("01:40:00"), "error"),
                   [fx("reopened", id=a, status="open", reopen_count=1, event_count=3,
                       resolved_at=None, resolution_reason=None)], now=ts("01:45:00")),
        ],
        "final": [{"id": a, "status": "open", "reopen_count": 1}],
    })
    c = incident_id(k, "evt_3")
    out.append({
        "name": "reopen_window_boundary_plus_one_nanosecond_opens_new",
        "note": "One nanosecond past the window the problem is a new incident.",
        "steps": [
            ingest("evt_1", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            ingest("evt_2", event("integration.succeeded", ts("01:10:00")),
                   [fx("resolved", id=a)]),
            ingest("evt_3", event("integration.failed", ts("01:40:00", frac=".000000001"),
                                  "error"),
                   [fx("opened", id=c, status="open", reopen_count=0, event_count=1)],
                   now=ts("01:45:00")),
        ],
        "final": [{"id": c, "status": "open"}],
    })
    out.append({
        "name": "reopen_window_configured",
        "note": "reopen_window_secs = 60: 61 s after the resolution opens a new incident.",
        "config": {"reopen_window_secs": 60},
        "steps": [
            ingest("evt_1", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            ingest("evt_2", event("integration.succeeded", ts("01:10:00")),
                   [fx("resolved", id=a)]),
            ingest("evt_3", event("integration.failed", ts("01:11:01"), "error"),
                   [fx("opened", id=c)]),
        ],
        "final": [{"id": c, "status": "open"}],
    })

    # 4. Out of order: a recovery older than the latest problem does not resolve.
    a = incident_id(k, "evt_p1")
    out.append({
        "name": "late_recovery_older_than_latest_problem_does_not_resolve",
        "note": "Failures at 01:00 and 01:20; a success stamped 01:10 arrives after both: it "
                "is recorded but the incident stays open. A success at 01:30 resolves.",
        "steps": [
            ingest("evt_p1", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            ingest("evt_p2", event("integration.failed", ts("01:20:00"), "error"),
                   [fx("updated", id=a, event_count=2)]),
            ingest("evt_r1", event("integration.succeeded", ts("01:10:00"),
                                   message="late success"),
                   [fx("updated", id=a, status="open", event_count=3, last_seen=ts("01:20:00"),
                       last_problem_at=ts("01:20:00"))], now=ts("01:21:00")),
            ingest("evt_r2", event("integration.succeeded", ts("01:30:00")),
                   [fx("resolved", id=a, status="resolved", event_count=4,
                       resolved_at=ts("01:30:00"))]),
        ],
        "final": [{"id": a, "status": "resolved", "event_count": 4}],
    })

    # 5. Out of order: a problem older than the resolution does not reopen.
    out.append({
        "name": "late_problem_older_than_resolution_does_not_reopen",
        "note": "Resolved at 01:30; a failure stamped 01:15 arrives later: counts and "
                "history update, severity too (it happened while open), status stays resolved.",
        "steps": [
            ingest("evt_p1", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            ingest("evt_r1", event("integration.succeeded", ts("01:30:00")),
                   [fx("resolved", id=a)]),
            ingest("evt_p2", event("integration.failed", ts("01:15:00"), "critical"),
                   [fx("updated", id=a, status="resolved", event_count=3, severity="critical",
                       reopen_count=0, resolved_at=ts("01:30:00"),
                       first_seen=ts("01:00:00"), last_seen=ts("01:30:00"))],
                   now=ts("01:35:00")),
        ],
        "final": [{"id": a, "status": "resolved", "event_count": 3}],
    })

    # 6. A recovery that arrives before its problem.
    a = incident_id(k, "evt_p")
    out.append({
        "name": "recovery_arriving_before_its_problem",
        "note": "The success (01:30) arrives first: no incident, but its time is kept. The "
                "failure (01:00) then opens and is resolved at once, as the time-ordered "
                "replay would have it.",
        "steps": [
            ingest("evt_r", event("integration.succeeded", ts("01:30:00")), [],
                   now=ts("01:31:00")),
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a, status="open", event_count=1),
                    fx("resolved", id=a, status="resolved", resolved_at=ts("01:30:00"),
                       resolution_reason="recovery", reason="recovery", event_count=1)],
                   now=ts("01:32:00")),
        ],
        "final": [{"id": a, "status": "resolved"}],
    })

    # 7. Orphan recoveries.
    a = incident_id(k, "evt_p")
    out.append({
        "name": "orphan_recoveries_never_create_incidents",
        "note": "A recovery with no incident produces nothing; after a resolution, a further "
                "recovery is recorded on the last resolved incident.",
        "steps": [
            ingest("evt_r0", event("integration.succeeded", ts("00:30:00")), []),
            ingest("evt_h0", event("health.ok", ts("00:31:00")), []),
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            ingest("evt_r1", event("integration.completed", ts("01:10:00")),
                   [fx("resolved", id=a)]),
            ingest("evt_r2", event("integration.succeeded", ts("02:10:00")),
                   [fx("updated", id=a, status="resolved", event_count=3,
                       resolved_at=ts("01:10:00"), last_seen=ts("02:10:00"))]),
        ],
        "final": [{"id": a, "status": "resolved", "event_count": 3}],
    })

    # 8. Acknowledgement and its expiry.
    a = incident_id(k, "evt_p")
    out.append({
        "name": "acknowledgement_expires_after_the_timeout",
        "note": "Ack at 01:05 expires at 01:35 (caller's clock). tick 1 ns earlier does "
                "nothing; tick at next_wakeup fires ack_expired.",
        "steps": [
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)], next_wakeup=NONE),
            command(ts("01:05:00"), "acknowledge", a, note="on it",
                    expect=[fx("acknowledged", id=a, status="acknowledged",
                               acknowledged_by="ana", acknowledged_at=ts("01:05:00"),
                               ack_expires_at=ts("01:35:00"), last_note="on it")],
                    next_wakeup=ts("01:35:00")),
            command(ts("01:06:00"), "acknowledge", a, actor="ben",
                    error="already_acknowledged"),
            tick(ts("01:34:59", frac=".999999999"), [], next_wakeup=ts("01:35:00")),
            tick(ts("01:35:00"), [fx("ack_expired", id=a, status="open",
                                     acknowledged_by=None, ack_expires_at=None)],
                 next_wakeup=NONE),
            tick(ts("01:40:00"), []),
        ],
        "final": [{"id": a, "status": "open"}],
    })
    out.append({
        "name": "ack_timeout_zero_never_expires",
        "note": "ack_timeout_secs = 0 means acknowledgements never expire.",
        "config": {"ack_timeout_secs": 0},
        "steps": [
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            command(ts("01:05:00"), "acknowledge", a,
                    expect=[fx("acknowledged", id=a, ack_expires_at=None)], next_wakeup=NONE),
            tick(ts("23:00:00"), [], next_wakeup=NONE),
        ],
        "final": [{"id": a, "status": "acknowledged"}],
    })

    # 9. Escalation re-opens an acknowledged incident.
    out.append({
        "name": "escalation_reopens_an_acknowledged_incident",
        "note": "Same severity keeps the ack; a higher one escalates, opens and cancels the "
                "ack timer. Severity never decreases.",
        "steps": [
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "warn"),
                   [fx("opened", id=a, severity="warn")]),
            command(ts("01:01:00"), "acknowledge", a,
                    expect=[fx("acknowledged", id=a)], next_wakeup=ts("01:31:00")),
            ingest("evt_p2", event("integration.failed", ts("01:02:00"), "warn"),
                   [fx("updated", id=a, status="acknowledged")]),
            ingest("evt_p3", event("integration.failed", ts("01:03:00"), "critical"),
                   [fx("escalated", id=a, status="open", severity="critical",
                       acknowledged_by=None, previous_severity="warn")], next_wakeup=NONE),
            ingest("evt_p4", event("integration.failed", ts("01:04:00"), "error"),
                   [fx("updated", id=a, severity="critical")]),
        ],
        "final": [{"id": a, "status": "open", "severity": "critical", "event_count": 4}],
    })

    out.append({
        "name": "recovery_resolves_an_acknowledged_incident_and_cancels_the_timer",
        "note": "A recovery resolves an acknowledged incident too; the ack timer goes with it, "
                "and an informational event on a resolved incident is ignored.",
        "steps": [
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            command(ts("01:01:00"), "acknowledge", a,
                    expect=[fx("acknowledged", id=a)], next_wakeup=ts("01:31:00")),
            ingest("evt_r", event("integration.recovered", ts("01:05:00")),
                   [fx("resolved", id=a, status="resolved", acknowledged_by=None,
                       ack_expires_at=None, reason="recovery")], next_wakeup=NONE),
            tick(ts("01:31:00"), []),
            ingest("evt_i", event("integration.note", ts("01:06:00"), "warn"), []),
        ],
        "final": [{"id": a, "status": "resolved", "event_count": 2}],
    })

    # 10. Commands and their errors.
    out.append({
        "name": "manual_resolve_reopen_and_command_errors",
        "note": "A manual resolve is at the caller's now: an event stamped before it does not "
                "reopen. Errors leave the state unchanged.",
        "steps": [
            ingest("evt_p", event("integration.failed", ts("01:00:00"), "error"),
                   [fx("opened", id=a)]),
            command(ts("01:10:00"), "reopen", a, error="not_resolved"),
            command(ts("01:10:00"), "resolve", a, actor=" ", error="invalid_actor"),
            command(ts("01:10:00"), "resolve", a, note="bad\u0000note", error="invalid_note"),
            command(ts("01:10:00"), "acknowledge", "inc_00000000000000000000000000000000",
                    error="incident_not_found"),
            command(ts("01:10:00"), "resolve", a, note="restarted the job",
                    expect=[fx("resolved", id=a, status="resolved", resolved_by="ana",
                               resolved_at=ts("01:10:00"), resolution_reason="manual",
                               last_note="restarted the job", reason="manual")]),
            command(ts("01:11:00"), "resolve", a, error="already_resolved"),
            command(ts("01:11:00"), "acknowledge", a, error="already_resolved"),
            ingest("evt_p2", event("integration.failed", ts("01:09:59"), "error"),
                   [fx("updated", id=a, status="resolved", event_count=2)],
                   now=ts("01:12:00")),
            command(ts("01:20:00"), "reopen", a, actor="ben", note="still failing",
                    expect=[fx("reopened", id=a, status="open", reopen_count=1,
                               resolved_by=None, last_note="still failing")]),
        ],
        "final": [{"id": a, "status": "open", "reopen_count": 1}],
    })

    # 11. Correlation: dedup_key replaces, run_id refines, the connector always separates.
    kd = key(dedup_key="nightly-gl")
    kr1 = key(run_id="4711")
    kr2 = key(run_id="4712")
    ko = key(connector=OTHER_CONNECTOR)
    d = incident_id(kd, "evt_d1")
    r1 = incident_id(kr1, "evt_r1")
    r2 = incident_id(kr2, "evt_r2")
    o = incident_id(ko, "evt_o")
    out.append({
        "name": "correlation_dedup_key_run_id_and_connector",
        "note": "dedup_key groups events of any source and family (per connector); run_id "
                "splits runs of one job; a blank dedup_key is ignored; another connector "
                "never shares an incident.",
        "steps": [
            ingest("evt_d1", event("integration.failed", ts("01:00:00"), "error",
                                   metadata={"dedup_key": "nightly-gl"}),
                   [fx("opened", id=d, key=key_json(kd))]),
            ingest("evt_d2", event("health.degraded", ts("01:01:00"), "warn", source="OTHER",
                                   metadata={"dedup_key": "nightly-gl"}),
                   [fx("updated", id=d, event_count=2)]),
            ingest("evt_r1", event("integration.failed", ts("01:02:00"), "error",
                                   metadata={"run_id": "4711"}),
                   [fx("opened", id=r1, key=key_json(kr1))]),
            ingest("evt_r2", event("integration.failed", ts("01:03:00"), "error",
                                   metadata={"run_id": "4712"}),
                   [fx("opened", id=r2, key=key_json(kr2))]),
            ingest("evt_r1ok", event("integration.succeeded", ts("01:04:00"),
                                     metadata={"run_id": "4711"}),
                   [fx("resolved", id=r1)]),
            ingest("evt_o", event("integration.failed", ts("01:05:00"), "error",
                                  connector=OTHER_CONNECTOR, metadata={"dedup_key": " "}),
                   [fx("opened", id=o, key=key_json(ko), connector_id=OTHER_CONNECTOR)]),
        ],
        "final": [{"id": d, "status": "open", "event_count": 2},
                  {"id": r1, "status": "resolved"},
                  {"id": r2, "status": "open"},
                  {"id": o, "status": "open"}],
    })

    # 12. Classification.
    kh = key(family="health")
    kgl = key(source=None, family="gl.load")
    h = incident_id(kh, "evt_h")
    g = incident_id(kgl, "evt_g")
    a = incident_id(k, "evt_s")
    out.append({
        "name": "classification_by_outcome_and_severity",
        "note": "started and informational events never open; severity error/critical makes "
                "any event a problem, even a succeeded one; the family is everything before "
                "the last dot.",
        "steps": [
            ingest("evt_st", event("integration.started", ts("01:00:00")), []),
            ingest("evt_inf", event("health.notice", ts("01:00:01"), "warn"), []),
            ingest("evt_h", event("health.notice", ts("01:00:02"), "error"),
                   [fx("opened", id=h, family="health", title="PSFT_PAYROLL_BATCH: health.notice")]),
            ingest("evt_s", event("integration.succeeded", ts("01:00:03"), "critical"),
                   [fx("opened", id=a, severity="critical")]),
            ingest("evt_g", event("gl.load.timeout", ts("01:00:04"), source=None),
                   [fx("opened", id=g, family="gl.load", severity="info",
                       title="gl.load.timeout", key=key_json(kgl))]),
            ingest("evt_st2", event("integration.started", ts("01:00:05")),
                   [fx("updated", id=a, status="open", event_count=2)]),
        ],
        "final": [{"id": h, "status": "open"}, {"id": a, "status": "open"},
                  {"id": g,
                   "status": "open"}],
    })

    # 13. Progress.
    a = incident_id(k, "evt_1")
    out.append({
        "name": "progress_from_records_processed_and_total",
        "note": "Integers only, total > 0, processed <= total; percentage rounded down to a "
                "tenth; invalid reports are ignored; the latest valid report by event time "
                "wins.",
        "steps": [
            ingest("evt_1", event("integration.failed", ts("01:00:00"), "error",
                                  metadata={"records_processed": 1234567,
                                            "records_total": 1234568}),
                   [fx("opened", id=a, progress={
                       "summary": "failed at record 1,234,567 of 1,234,568 (99.9%)"})]),
            ingest("evt_2", event("integration.failed", ts("01:01:00"), "error",
                                  metadata={"records_processed": 10, "records_total": 0}),
                   [fx("updated", id=a, progress={"records_processed": 1234567})]),
            ingest("evt_3", event("integration.failed", ts("01:02:00"), "error",
                                  metadata={"records_processed": 11, "records_total": 10}),
                   [fx("updated", id=a, progress={"records_processed": 1234567})]),
            ingest("evt_4", event("integration.failed", ts("01:03:00"), "error",
                                  metadata={"records_processed": -1, "records_total": 10}),
                   [fx("updated", id=a, progress={"records_processed": 1234567})]),
            ingest("evt_5", event("integration.failed", ts("01:04:00"), "error",
                                  metadata={"records_processed": 2.5, "records_total": 10}),
                   [fx("updated", id=a, progress={"records_processed": 1234567})]),
            ingest("evt_6", event("integration.aborted", ts("01:05:00"), "error",
                                  metadata={"records_processed": 0, "records_total": 999}),
                   [fx("updated", id=a, progress={
                       "outcome": "aborted",
                       "summary": "aborted at record 0 of 999 (0.0%)"})]),
            ingest("evt_7", event("integration.failed", ts("00:59:00"), "error",
                                  metadata={"records_processed": 5, "records_total": 5}),
                   [fx("updated", id=a, progress={"outcome": "aborted"})],
                   now=ts("01:06:00")),
        ],
        "final": [{"id": a, "event_count": 7, "progress": {"records_total": 999}}],
    })
    return out


def build():
    return {
        "version": 1,
        "description": (
            "Incident model timelines (contract section 6, issue #5). Replay each case on a "
            "fresh model with the default configuration overridden by `config`; after each "
            "step compare the effects with `expect` (same length and order; each expected "
            "object's members must equal the actual ones, objects compared the same way "
            "recursively, a null member must be absent or null) or the error code with "
            "`expect_error`; `next_wakeup`, when present, is the model's next wake-up after "
            "the step (null: none). `final` lists every incident the model holds at the end, "
            "matched by id."
        ),
        "cases": cases(),
    }


def render():
    text = json.dumps(build(), indent=2, ensure_ascii=False)
    return text.replace('"next_wakeup": "none"', '"next_wakeup": null') + "\n"


def main():
    text = render()
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python3 tests/vectors/generate/incidents.py",
                  file=sys.stderr)
            sys.exit(1)
        print(f"{OUT.name}: {len(build()['cases'])} cases agree with the generator")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
