#!/usr/bin/env python3
"""Writes flat TSV mirrors of the JSON vector files for the C and COBOL runners.

C has no JSON parser in its standard library; these mirrors are generated at test
time (never committed) so the JSON files stay the single source of truth.

usage: tsv.py OUT_DIR
"""
import json
import sys
from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent


def field(s):
    if "\t" in s or "\n" in s:
        raise SystemExit(f"field {s!r} cannot be written to TSV")
    return s


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    sig = json.loads((VECTORS / "signatures.json").read_text())
    with open(out / "sign.tsv", "w") as f:
        for c in sig["sign"]:
            f.write("\t".join(map(field, [c["name"], c["secret_hex"], c["body_hex"], c["header"]])) + "\n")
    with open(out / "verify.tsv", "w") as f:
        for c in sig["verify"]:
            header = "-" if c["header"] is None else c["header"].encode().hex()
            secrets = ",".join(c["secrets_hex"]) or "-"
            index = str(c.get("matched_index", "-"))
            f.write("\t".join(map(field, [c["name"], secrets, c["body_hex"], header, c["expect"], index])) + "\n")
    write_events(out)
    write_builder(out)
    write_pii(out)
    write_receive(out)
    print(f"wrote TSV vector mirrors to {out}")


KIND_BIT = {"email": 1, "ssn": 2, "card": 4, "iban": 8, "phone": 16}


def write_pii(out):
    """pii.tsv: name, text_hex, redacted_hex, findings count, kinds mask (ERPOPS_PII_* bits)."""
    pii = json.loads((VECTORS / "pii.json").read_text())
    with open(out / "pii.tsv", "w") as f:
        for c in pii["cases"]:
            mask = 0
            for x in c["findings"]:
                mask |= KIND_BIT[x["kind"]]
            row = [c["name"], hexs(c["text"]) or "-", hexs(c["redacted"]) or "-", str(len(c["findings"])), str(mask)]
            f.write("\t".join(map(field, row)) + "\n")


POLICY = {"redact": 0, "reject": 1, "allow": 2}
EVENT_FIELDS = ["connector_id", "event_type", "timestamp", "severity", "source", "message"]


def hexs(text):
    return text.encode("utf-8").hex()


def write_events(out):
    """events.tsv: name, body_hex, header_connector_id|-, now_ms, future_skew_ms, max_age_ms,
    max_body_bytes, pii_policy (0 redact, 1 reject, 2 allow), expect, fields, violations,
    violation_count|-.

    fields (valid): the six ERPOPS_FIELD_* values in order, each hex or `-` when absent,
    joined by commas. violations (invalid): hex of the sorted lines `pointer<US>code`
    joined by newlines (US = 0x1f), comparing bytes; at most 100 are listed and
    violation_count is the total (erpops_validation_violation_total)."""
    events = json.loads((VECTORS / "events.json").read_text())
    with open(out / "events.tsv", "w") as f:
        for c in events["cases"]:
            o = c["options"]
            fields, violations, count = "-", "-", "-"
            if c["expect"] == "valid":
                e = c["event"]
                fields = ",".join("-" if e.get(k) is None else hexs(e[k]) for k in EVENT_FIELDS)
            else:
                lines = sorted(f"{v['pointer']}\x1f{v['code']}".encode() for v in c["violations"])
                violations = b"\n".join(lines).hex() or "-"
                count = str(c["violation_count"])
            row = [c["name"], c["body_hex"] or "-", o["header_connector_id"] or "-", str(o["now_unix_ms"]),
                   str(o["future_skew_seconds"] * 1000), str(o["max_age_seconds"] * 1000),
                   str(o["max_body_bytes"]), str(POLICY[o["pii_policy"]]), c["expect"], fields, violations,
                   count]
            f.write("\t".join(map(field, row)) + "\n")


BUILDER_FIELDS = ["connector_id", "event_type", "timestamp", "severity", "source", "message"]


def write_builder(out):
    """builder.tsv: the first line is `secret <secret_hex>`, then one case per line:
    name, the six text fields (hex, `-` when not set) in BUILDER_FIELDS order, metadata
    (`key_hex:type:value_hex` entries joined by `,`, type `string` or `int` with the decimal
    text as value, `-` when none), max_body_bytes|-, expect (built | body_too_large |
    invalid), body_length (built) or size (body_too_large) or -, limit|-, signature|-,
    violations_hex|- (sorted `pointer<US>code` lines joined by newlines, as events.tsv)."""
    doc = json.loads((VECTORS / "builder.json").read_text())
    with open(out / "builder.tsv", "w") as f:
        f.write("secret\t" + doc["secret_hex"] + "\n")
        for c in doc["cases"]:
            fields = c["fields"]
            texts = [hexs(fields[k]) if fields.get(k) is not None else "-" for k in BUILDER_FIELDS]
            meta = ",".join(f"{hexs(m['key'])}:{m['type']}:{hexs(m['value'])}"
                            for m in fields.get("metadata") or []) or "-"
            limit = "-" if c["max_body_bytes"] is None else str(c["max_body_bytes"])
            size, want_limit, signature, violations = "-", "-", "-", "-"
            if c["expect"] == "built":
                size, signature = str(c["body_length"]), c["signature"]
            elif c["expect"] == "body_too_large":
                size, want_limit = str(c["size"]), str(c["limit"])
            else:
                lines = sorted(f"{v['pointer']}\x1f{v['code']}".encode() for v in c["violations"])
                violations = b"\n".join(lines).hex()
            row = [c["name"], *texts, meta, limit, c["expect"], size, want_limit, signature, violations]
            f.write("\t".join(map(field, row)) + "\n")


def unix_ms(text):
    """RFC 3339 (as written in the vectors: `Z` or an offset) to Unix milliseconds."""
    from datetime import datetime

    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


NO_EXPIRY = str(2**63 - 1)  # ERPOPS_NO_EXPIRY
UNLIMITED = str(2**64 - 1)  # ERPOPS_UNLIMITED


def opt_hex(value):
    return "-" if value is None else hexs(value)


def expected_body(body):
    """The expected body as compact JSON, in the vector's member order. For problem
    bodies the C runner first removes `detail` and each `errors[].message` (human
    text, checked to be non-empty strings) from the actual body, then compares bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def write_receive(out):
    """receive.tsv: one record per line, the first field says which.

    config_error  max_body_bytes future_skew_secs max_age_secs replay_window_secs(0: auto) code|-
    scenario      name max_body_bytes future_skew_secs max_age_secs replay_window_secs
    tenant        id plan(free|professional|enterprise|custom) inbound_events_per_day
                  (custom: a number or ERPOPS_UNLIMITED) pii_policy suspended(0|1)
    connector     id tenant enabled(0|1) secrets: `secret_hex:expires_unix_ms` joined by `,`
                  (ERPOPS_NO_EXPIRY for none)
    step          name now_ms method content_type_hex|- signature_hex|- connector_id_hex|-
                  body_hex|- body_too_large_length|- request_id status
                  headers_hex (`name: value` lines joined by newlines) body_hex (compact JSON)
    Records of a scenario follow its `scenario` line; its steps run in order on one engine."""
    rec = json.loads((VECTORS / "receive.json").read_text())
    rows = []
    for c in rec["config_errors"]:
        k = c["config"]
        # A window left out (null) is ERPOPS_REPLAY_WINDOW_AUTO (0) in C.
        window = k["replay_window_secs"]
        rows.append(["config_error", str(k["max_body_bytes"]), str(k["future_skew_secs"]), str(k["max_age_secs"]),
                     "0" if window is None else str(window), c["code"] or "-"])
    for s in rec["scenarios"]:
        k = s["config"]
        rows.append(["scenario", s["name"], str(k["max_body_bytes"]), str(k["future_skew_secs"]),
                     str(k["max_age_secs"]), str(k["replay_window_secs"])])
        for t in s["tenants"]:
            plan, limit = t["plan"], "-"
            if isinstance(plan, dict):
                limit = UNLIMITED if plan["inbound_events"] is None else str(plan["inbound_events"])
                plan = "custom"
            rows.append(["tenant", t["id"], plan, limit, str(POLICY[t["pii_policy"]]), str(int(t["suspended"]))])
        for c in s["connectors"]:
            secrets = ",".join(
                f"{x['secret_hex']}:{NO_EXPIRY if x['expires_at'] is None else unix_ms(x['expires_at'])}"
                for x in c["secrets"])
            rows.append(["connector", c["id"], c["tenant"], str(int(c["enabled"])), secrets])
        for st in s["steps"]:
            r, w = st["request"], st["response"]
            headers = "\n".join(f"{n}: {v}" for n, v in w["headers"])
            rows.append(["step", st["name"], str(unix_ms(st["now"])), r["method"], opt_hex(r["content_type"]),
                         opt_hex(r["signature"]), opt_hex(r["connector_id"]), r.get("body_hex") or "-",
                         str(r.get("body_too_large_length", "-")), r["request_id"], str(w["status"]),
                         hexs(headers) or "-", hexs(expected_body(w["body"]))])
    with open(out / "receive.tsv", "w") as f:
        for row in rows:
            f.write("\t".join(map(field, row)) + "\n")


if __name__ == "__main__":
    main()
