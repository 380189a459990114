#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the shared vectors.

usage: seeds.py OUT_DIR  (creates OUT_DIR/<target>/ for each target)
"""
import json
from datetime import datetime
import sys
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
CONNECTOR = b"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"


def main():
    out = Path(sys.argv[1])
    for target in ("parse_event", "build_round_trip", "verify", "receive", "quota_ledger", "incidents"):
        (out / target).mkdir(parents=True, exist_ok=True)
    events = json.loads((VECTORS / "events.json").read_text())["cases"]
    for i, case in enumerate(events):
        body = bytes.fromhex(case["body_hex"])
        if len(body) > 8192:
            continue
        for target in ("parse_event", "build_round_trip"):
            (out / target / f"event{i}").write_bytes(body)
        # receive: mode byte (bits: GET, no content type, real signature, real connector,
        # body too large), then content type, signature, connector id, body split by 0xff.
        (out / "receive" / f"signed{i}").write_bytes(
            bytes([0b01100]) + b"application/json\xff\xff\xff" + body)
        (out / "receive" / f"forged{i}").write_bytes(
            bytes([0]) + b"application/json\xffsha256=" + b"0" * 64 + b"\xff" + CONNECTOR + b"\xff" + body)
    for i, case in enumerate(json.loads((VECTORS / "signatures.json").read_text())["verify"]):
        key = bytes.fromhex(case["secrets_hex"][0]) if case["secrets_hex"] else b"k"
        header = (case["header"] or "").encode()
        body = bytes.fromhex(case["body_hex"])
        (out / "verify" / f"sig{i}").write_bytes(
            bytes([min(len(key), 255)]) + key[:255] + bytes([min(len(header), 255)]) + header[:255] + body)
    for i, seq in enumerate(json.loads((VECTORS / "quota.json").read_text())["sequences"]):
        (out / "quota_ledger" / f"seq{i}").write_bytes(quota_seed(seq["steps"]))
    for i, case in enumerate(json.loads((VECTORS / "incidents.json").read_text())["cases"]):
        (out / "incidents" / f"case{i}").write_bytes(incident_seed(case))
    print(f"seed corpora written to {out}")


def unix(text):
    """Unix seconds of an RFC 3339 UTC time (a leap second counts as :59 + 1)."""
    leap = ":60" in text
    text = text.replace(":60", ":59").replace("Z", "+00:00")
    return int(datetime.fromisoformat(text).timestamp()) + leap


def advance(seconds, units):
    """Clock-advance operations (opcode `op`) covering `seconds` (>= 0)."""
    out = b""
    for unit_index, unit in reversed(list(enumerate(units))):
        count = seconds // unit
        seconds -= count * unit
        while count > 0:
            step = min(count, 0xFFFF)
            out += bytes([unit_index]) + step.to_bytes(2, "little")
            count -= step
    return out


def index_of(table, value, size):
    """A stable small index for `value` (first come, first numbered)."""
    return table.setdefault(value, len(table)) % size


# The byte formats below are documented in core/tests/fuzz_support/*_ops.rs.
QUOTA_START = 1_709_161_200


def quota_seed(steps):
    out, tenants, keys, now = b"", {}, {}, QUOTA_START
    for step in steps:
        at = step["now_unix_ms"] // 1000 if step.get("now_unix_ms") is not None else now
        if at > now:
            out += b"".join(bytes([2]) + chunk for chunk in split3(advance(at - now, [1, 60, 3600, 86400])))
            now = at
        if step["op"] == "prune":
            out += bytes([3])
            continue
        if step["op"] == "restore":
            out += bytes([4])
            continue
        plan = step.get("plan")
        limit = {"free": 1, "professional": 1, "enterprise": 2}.get(plan, 3) if isinstance(plan, str) or plan is None else 3
        cost = step.get("cost", 1)
        cost = 255 if cost > 5 else cost
        key = step.get("idempotency_key")
        key = index_of(keys, key, 4) if key is not None else 7
        metric = 0 if step.get("metric", "inbound_event") == "inbound_event" else 1
        op = 1 if step["op"] == "peek" else 0
        out += bytes([op, index_of(tenants, step.get("tenant", "acme"), 3), metric, limit, cost, key])
    return out + bytes([4, 3])


def split3(data):
    return [data[i:i + 3] for i in range(0, len(data), 3)]


INCIDENT_START = 1_776_650_400
TYPES = ["integration.failed", "integration.succeeded", "integration.started", "integration.note",
         "health.degraded", "health.recovered", "gl.load.timeout"]
SOURCES = ["PSFT_PAYROLL_BATCH", "GL_LOAD", "AP_EXPORT"]
SEVERITIES = ["info", "warn", "error", "critical"]
COMMANDS = {"acknowledge": 1, "resolve": 2, "reopen": 3}


def incident_seed(case):
    config = case.get("config") or {}
    a = {0: 0, 60: 1}.get(config.get("reopen_window_secs"), 2) + 3 * (0 if config.get("ack_timeout_secs") == 0 else 2) + 9 * 2
    out = bytes([a, 4])
    connectors, now = {}, INCIDENT_START
    for step in case["steps"]:
        at = unix(step["now"])
        if at > now:
            out += b"".join(bytes([4]) + chunk for chunk in split3(advance(at - now, [1, 60, 3600])))
            now = at
        if "ingest" in step:
            e = step["ingest"]["event"]
            meta = e.get("metadata") or {}
            offset = max(-32768, min(32767, unix(e["timestamp"]) - now)) & 0xFFFF
            flags = (1 if "records_processed" in meta and "records_total" in meta else 0) \
                | (2 if "dedup_key" in meta else 0) | (4 if "run_id" in meta else 0)
            out += bytes([0, index_of(connectors, e["connector_id"], 2),
                          SOURCES.index(e["source"]) if e.get("source") in SOURCES else 3,
                          TYPES.index(e["event_type"]) if e["event_type"] in TYPES else 0,
                          SEVERITIES.index(e.get("severity", "info"))]) + offset.to_bytes(2, "little") + bytes([flags])
            if flags & 1:
                out += (int(meta["records_processed"]) & 0xFFFF).to_bytes(2, "little")
                out += (int(meta["records_total"]) & 0xFFFF).to_bytes(2, "little")
        if "command" in step:
            c = step["command"]
            out += bytes([COMMANDS[c["command"]], 0, 1, 7 if c.get("note") else 0])
        if "tick" in step:
            out += bytes([5])
    return out + bytes([6, 5])


if __name__ == "__main__":
    main()
