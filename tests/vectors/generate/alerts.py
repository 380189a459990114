#!/usr/bin/env python3
"""Generates tests/vectors/alerts.json: scripted alerting timelines.

Each case sets up rules, silences and heartbeats, then runs steps (ingest an
event, run a command, tick the timer, end a silence early) at given times
with the effects expected after each step. The expectations below are
written by hand from contract section 6 and issue #6 (docs/alerting.md);
the only things computed here are ids, with Python's hashlib as an oracle
independent of the Rust code:

  incident ids: as in incidents.py (canonical key, then the opening event id).
  synthetic heartbeat event ids (a missed run's id is the opening event id
  of its incident):
    "evt_" + hex(SHA-256(lp(label) || lp(connector uuid) || lp(source)
                          || i128be(unix nanos of the instant)))[:32]
    lp(x) = u64be(len(utf8 x)) || utf8 x
    label "missed" at the deadline; "ok" at the sign of life.

Run with `--check` to verify that the committed file is exactly what this
script produces (make test does).
"""
import datetime
import hashlib
import json
import struct
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # importing incidents.py leaves no __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
from incidents import CONNECTOR, PAYROLL, event, incident_id, key, key_json  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "alerts.json"
NONE = "none"  # next_wakeup sentinel meaning "no timer pending" (JSON null)


def ts(hhmmss, day=20, frac=""):
    return f"2026-04-{day:02d}T{hhmmss}{frac}Z"


def before(hhmmss, day=20):
    """One nanosecond before hh:mm:ss."""
    t = datetime.datetime.fromisoformat(f"2026-04-{day:02d}T{hhmmss}+00:00")
    t -= datetime.timedelta(seconds=1)
    return ts(t.strftime("%H:%M:%S"), t.day, ".999999999")


def unix_nanos(text):
    whole, _, frac = text.rstrip("Z").partition(".")
    t = datetime.datetime.fromisoformat(whole + "+00:00")
    return int(t.timestamp()) * 10**9 + int((frac or "0").ljust(9, "0"))


def lp(text):
    raw = text.encode()
    return struct.pack(">Q", len(raw)) + raw


def synthetic_event_id(label, source, at, connector=CONNECTOR):
    digest = hashlib.sha256(
        lp(label) + lp(connector) + lp(source) + unix_nanos(at).to_bytes(16, "big", signed=True)
    ).hexdigest()
    return "evt_" + digest[:32]


def step(now, action, expect, next_wakeup=None):
    s = {"now": now, **action, "expect": expect}
    if next_wakeup is not None:
        s["next_wakeup"] = next_wakeup
    return s


def ingest(event_id, ev, expect, now=None, next_wakeup=None):
    return step(now or ev["timestamp"], {"ingest": {"event_id": event_id, "event": ev}},
                expect, next_wakeup)


def tick(now, expect, next_wakeup=None):
    return step(now, {"tick": True}, expect, next_wakeup)


def command(now, name, incident, expect, next_wakeup=None):
    return step(now, {"command": {"command": name, "incident_id": incident, "actor": "ana"}},
                expect, next_wakeup)


def expire_silence(now, silence_id, expect, next_wakeup=None):
    return step(now, {"expire_silence": silence_id}, expect, next_wakeup)


def inc(kind, **incident):
    extra = {}
    for name in ("reason", "previous_severity"):
        if name in incident:
            extra[name] = incident.pop(name)
    return {"kind": kind, "incident": incident, **extra}


def notify(rule, reason, incident, channel="ops"):
    return {"kind": "notify", "rule_id": rule, "channel": channel,
            "incident": {"id": incident}, "reason": reason}


def held(rule, reason, would, incident, silence_id=None, channel="ops"):
    e = {"kind": "suppressed", "rule_id": rule, "channel": channel,
         "incident": {"id": incident}, "would_notify": would, "reason": reason}
    if silence_id is not None:
        e["silence_id"] = silence_id
    return e


def rule(rule_id, channel="ops", kinds=None, matchers=None, repeat=None, group_wait=None):
    r = {"id": rule_id, "name": f"rule {rule_id}", "channel": channel}
    if kinds:
        r["kinds"] = kinds
    if matchers:
        r["matchers"] = matchers
    if repeat is not None:
        r["repeat_interval"] = repeat
    if group_wait is not None:
        r["group_wait"] = group_wait
    return r


FAILED = "integration.failed"
OK = "integration.succeeded"


def cases():
    out = []
    k = key()

    # 1. No rules: the incident model's facts only.
    a = incident_id(k, "evt_1")
    out.append({
        "name": "no_rules_no_notifications",
        "note": "Without rules the engine passes the incident facts through and never notifies.",
        "rules": [],
        "steps": [
            ingest("evt_1", event(FAILED, ts("02:00:00"), "error"),
                   [inc("opened", id=a, status="open")], next_wakeup=NONE),
            ingest("evt_2", event(OK, ts("02:05:00")),
                   [inc("resolved", id=a, reason="recovery")], next_wakeup=NONE),
        ],
    })

    # 2. Matching: kinds, source and event-type globs, minimum severity; rule-id order.
    a = incident_id(k, "evt_1")
    b = incident_id(key(source="GL_LOAD"), "evt_3")
    out.append({
        "name": "rules_match_kind_globs_and_severity",
        "note": "payroll-pager takes opened/resolved of PSFT_* integration incidents of severity "
                "error or more; critical-only takes every kind of critical incidents, so it "
                "hears the escalation. GL_LOAD (warn) matches neither. Rules notify in id order.",
        "rules": [
            rule("payroll-pager", channel="pager", kinds=["opened", "resolved"],
                 matchers={"source": "PSFT_*", "event_type": "integration.*",
                           "min_severity": "error"}),
            rule("critical-only", channel="cto", matchers={"min_severity": "critical"}),
        ],
        "steps": [
            ingest("evt_1", event(FAILED, ts("02:00:00"), "error"),
                   [inc("opened", id=a, event_type=FAILED),
                    notify("payroll-pager", "first", a, channel="pager")]),
            ingest("evt_2", event(FAILED, ts("02:01:00"), "critical"),
                   [inc("escalated", id=a, severity="critical", previous_severity="error"),
                    notify("critical-only", "escalated", a, channel="cto")]),
            ingest("evt_3", event(FAILED, ts("02:02:00"), "warn", source="GL_LOAD"),
                   [inc("opened", id=b)]),
            ingest("evt_4", event(OK, ts("02:30:00")),
                   [inc("resolved", id=a, reason="recovery"),
                    notify("critical-only", "resolved", a, channel="cto"),
                    notify("payroll-pager", "resolved", a, channel="pager")]),
        ],
    })

    # 3. repeat_interval: exact repeats, a throttled reopen, resume after ack expiry.
    a = incident_id(k, "evt_1")
    out.append({
        "name": "repeat_interval_repeats_exactly_and_throttles_a_reopen",
        "note": "Open and unacknowledged, the incident is notified again every 10 min, exactly "
                "at the interval. A reopen 5 min after the last notification tells the channel "
                "nothing new (throttled); the repeat resumes from that notification. An "
                "acknowledgement stops repeats; when it expires (not a kind this rule takes) the "
                "overdue repeat goes out in the same tick.",
        "rules": [rule("pager", kinds=["opened", "reopened"], repeat=600)],
        "steps": [
            ingest("evt_1", event(FAILED, ts("02:00:00"), "error"),
                   [inc("opened", id=a), notify("pager", "first", a)],
                   next_wakeup=ts("02:10:00")),
            tick(before("02:10:00"), [], next_wakeup=ts("02:10:00")),
            tick(ts("02:10:00"), [notify("pager", "repeat_elapsed", a)],
                 next_wakeup=ts("02:20:00")),
            ingest("evt_2", event(OK, ts("02:12:00")),
                   [inc("resolved", id=a)], next_wakeup=NONE),
            ingest("evt_3", event(FAILED, ts("02:15:00"), "error"),
                   [inc("reopened", id=a), held("pager", "throttled", "reopened", a)],
                   next_wakeup=ts("02:20:00")),
            tick(ts("02:20:00"), [notify("pager", "repeat_elapsed", a)],
                 next_wakeup=ts("02:30:00")),
            command(ts("02:21:00"), "acknowledge", a,
                    [inc("acknowledged", id=a, status="acknowledged")],
                    next_wakeup=ts("02:51:00")),
            tick(ts("02:51:00"),
                 [inc("ack_expired", id=a, status="open"), notify("pager", "repeat_elapsed", a)],
                 next_wakeup=ts("03:01:00")),
        ],
    })

    # 4. Escalations and ack expiries pass the throttle.
    a = incident_id(k, "evt_1")
    out.append({
        "name": "escalation_and_ack_expiry_always_pass",
        "note": "With a 1 h repeat_interval, a more severe event (which also ends the "
                "acknowledgement) and an expired acknowledgement are still notified at once.",
        "rules": [rule("all", repeat=3600)],
        "steps": [
            ingest("evt_1", event(FAILED, ts("02:00:00"), "error"),
                   [inc("opened", id=a), notify("all", "first", a)], next_wakeup=ts("03:00:00")),
            command(ts("02:05:00"), "acknowledge", a, [inc("acknowledged", id=a)],
                    next_wakeup=ts("02:35:00")),
            ingest("evt_2", event(FAILED, ts("02:10:00"), "critical"),
                   [inc("escalated", id=a, status="open"), notify("all", "escalated", a)],
                   next_wakeup=ts("03:10:00")),
            command(ts("02:15:00"), "acknowledge", a, [inc("acknowledged", id=a)],
                    next_wakeup=ts("02:45:00")),
            tick(ts("02:45:00"), [inc("ack_expired", id=a), notify("all", "ack_expired", a)],
                 next_wakeup=ts("03:45:00")),
        ],
    })

    # 5. A silence ending mid-burst.
    a = incident_id(k, "evt_1")
    b = incident_id(key(source="GL_LOAD"), "evt_2")
    maint = {"id": "maint", "matchers": {"source": PAYROLL},
             "starts_at": ts("02:00:00"), "ends_at": ts("02:30:00"), "comment": "ERP patching"}
    out.append({
        "name": "silence_ending_mid_burst",
        "note": "The payroll burst starts inside the silence: recorded, held (with the silence "
                "id). Other sources still notify. At ends_at (not 1 ns before) the held incident "
                "is notified once; later failures of the burst are updates.",
        "rules": [rule("all")],
        "silences": [maint],
        "steps": [
            ingest("evt_1", event(FAILED, ts("02:10:00"), "error"),
                   [inc("opened", id=a), held("all", "silenced", "first", a, silence_id="maint")],
                   next_wakeup=ts("02:30:00")),
            ingest("evt_2", event(FAILED, ts("02:11:00"), "error", source="GL_LOAD"),
                   [inc("opened", id=b), notify("all", "first", b)]),
            ingest("evt_3", event(FAILED, ts("02:20:00"), "error"),
                   [inc("updated", id=a, event_count=2)]),
            tick(before("02:30:00"), [], next_wakeup=ts("02:30:00")),
            tick(ts("02:30:00"), [notify("all", "silence_ended", a)], next_wakeup=NONE),
            ingest("evt_4", event(FAILED, ts("02:40:00"), "error"),
                   [inc("updated", id=a, event_count=3)]),
            ingest("evt_5", event(OK, ts("02:50:00")),
                   [inc("resolved", id=a), notify("all", "resolved", a)]),
        ],
    })

    # 6. Resolved under the silence, and ended early.
    a = incident_id(k, "evt_1")
    out.append({
        "name": "resolved_under_silence_is_not_released",
        "note": "An incident opened and resolved while silenced is never notified, not even "
                "when the silence is ended early.",
        "rules": [rule("all")],
        "silences": [{"id": "night", "starts_at": ts("00:00:00"), "ends_at": ts("06:00:00")}],
        "steps": [
            ingest("evt_1", event(FAILED, ts("02:00:00"), "error"),
                   [inc("opened", id=a), held("all", "silenced", "first", a, silence_id="night")]),
            ingest("evt_2", event(OK, ts("02:05:00")),
                   [inc("resolved", id=a),
                    held("all", "silenced", "resolved", a, silence_id="night")]),
            expire_silence(ts("02:10:00"), "night", [], next_wakeup=NONE),
        ],
    })

    # 7. Flapping: the N-th vs the N+1-th transition.
    a = incident_id(k, "evt_1")
    kj = key_json(k)
    flap_steps = []
    for n in range(1, 7):
        at = ts(f"02:0{n}:00")
        ev = event(FAILED, at, "error") if n % 2 else event(OK, at)
        kind = "opened" if n == 1 else ("reopened" if n % 2 else "resolved")
        reason = {"opened": "first", "reopened": "reopened", "resolved": "resolved"}[kind]
        if n <= 4:
            expect = [inc(kind, id=a), notify("all", reason, a)]
        elif n == 5:
            expect = [inc(kind, id=a), {"kind": "flapping_started", "key": kj},
                      notify("all", "flapping_started", a), held("all", "flapping", reason, a)]
        else:
            expect = [inc(kind, id=a), held("all", "flapping", reason, a)]
        flap_steps.append(ingest(f"evt_{n}", ev, expect))
    flap_steps[-1]["next_wakeup"] = ts("03:06:00")
    flap_steps += [
        tick(before("03:06:00"), [], next_wakeup=ts("03:06:00")),
        tick(ts("03:06:00"), [{"kind": "flapping_stopped", "key": kj},
                              notify("all", "flapping_stopped", a)], next_wakeup=NONE),
    ]
    out.append({
        "name": "flapping_starts_at_the_transition_after_the_fourth",
        "note": "Defaults: more than 4 open/resolve transitions within 1 h. Transitions 1-4 "
                "notify; the 5th starts flapping (one notice) and is held; the 6th is held and "
                "pushes the quiet period out; 1 h after the last transition flapping stops, "
                "with a notice carrying the incident's current (resolved) state.",
        "rules": [rule("all")],
        "steps": flap_steps,
    })

    # 8. Heartbeat: exactly at period + grace.
    hk = key(family="heartbeat")
    d1 = ts("02:30:00", day=21)
    m = incident_id(hk, synthetic_event_id("missed", PAYROLL, d1))
    n = incident_id(k, "evt_fail")
    out.append({
        "name": "heartbeat_missed_run_at_period_plus_grace",
        "note": "A nightly job (period 24 h, grace 30 min) ran at 02:00. Nothing by 02:30 next "
                "day: at exactly that instant (not 1 ns before) tick opens a missed_run incident "
                "(key family `heartbeat`, synthetic `heartbeat.missed` event at the deadline). "
                "Another day without a run counts on it. The next event from the source "
                "resolves it (before the event itself is recorded) and re-arms the deadline.",
        "rules": [rule("all", kinds=["missed_run", "resolved"])],
        "heartbeats": [{"now": ts("00:00:00"),
                        "heartbeat": {"connector_id": CONNECTOR, "source": PAYROLL,
                                      "period": 86400, "grace": 1800}}],
        "steps": [
            ingest("evt_run", event(OK, ts("02:00:00")), [], next_wakeup=d1),
            tick(before("02:30:00", day=21), [], next_wakeup=d1),
            tick(d1, [inc("opened", id=m, event_type="heartbeat.missed", family="heartbeat",
                          source=PAYROLL, severity="error", status="open", first_seen=d1),
                      notify("all", "missed_run", m)],
                 next_wakeup=ts("02:30:00", day=22)),
            tick(ts("02:30:00", day=22), [inc("updated", id=m, event_count=2)],
                 next_wakeup=ts("02:30:00", day=23)),
            ingest("evt_fail", event(FAILED, ts("03:00:00", day=22), "error"),
                   [inc("resolved", id=m, reason="recovery", status="resolved"),
                    notify("all", "resolved", m),
                    inc("opened", id=n)],
                   next_wakeup=ts("03:30:00", day=23)),
        ],
    })

    # 9. group_wait.
    ids = {s: incident_id(key(source=s), f"evt_{s}") for s in ("PSFT_AP", "PSFT_GL")}
    c = incident_id(key(source="PSFT_HR"), "evt_PSFT_HR")
    flushed = [notify("digest", "first", i) for i in sorted(ids.values())]
    out.append({
        "name": "group_wait_batches_the_first_burst_of_a_connector",
        "note": "The first matching transition of the connector starts a 30 s group; every "
                "notification of that connector until then is held (group_wait) and sent "
                "together, in incident id order, when it elapses. PSFT_HR opened and resolved "
                "within the wait: nothing to say about it.",
        "rules": [rule("digest", group_wait=30)],
        "steps": [
            ingest("evt_PSFT_AP", event(FAILED, ts("02:00:00"), "error", source="PSFT_AP"),
                   [inc("opened", id=ids["PSFT_AP"]),
                    held("digest", "group_wait", "first", ids["PSFT_AP"])],
                   next_wakeup=ts("02:00:30")),
            ingest("evt_PSFT_GL", event(FAILED, ts("02:00:10"), "error", source="PSFT_GL"),
                   [inc("opened", id=ids["PSFT_GL"]),
                    held("digest", "group_wait", "first", ids["PSFT_GL"])]),
            ingest("evt_PSFT_HR", event(FAILED, ts("02:00:11"), "error", source="PSFT_HR"),
                   [inc("opened", id=c), held("digest", "group_wait", "first", c)]),
            ingest("evt_hr_ok", event(OK, ts("02:00:12"), source="PSFT_HR"),
                   [inc("resolved", id=c), held("digest", "group_wait", "resolved", c)]),
            tick(before("02:00:30"), [], next_wakeup=ts("02:00:30")),
            tick(ts("02:00:30"), flushed, next_wakeup=NONE),
        ],
    })
    return out


def build():
    return {
        "version": 1,
        "description": (
            "Alerting timelines (contract section 6, issue #6). Replay each case on a fresh "
            "engine with the default configuration overridden by `config`, after setting "
            "`rules`, `silences` and `heartbeats` (each heartbeat at its `now`). After each step "
            "compare the effects with `expect` (same length and order; each expected object's "
            "members must equal the actual ones, objects compared the same way recursively, a "
            "null member must be absent or null); `next_wakeup`, when present, is the engine's "
            "next wake-up after the step (null: none)."
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
            print(f"{OUT} is stale: run python3 tests/vectors/generate/alerts.py",
                  file=sys.stderr)
            sys.exit(1)
        print(f"{OUT.name}: {len(build()['cases'])} cases agree with the generator")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
