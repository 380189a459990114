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
    write_pii(out)
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
    max_body_bytes, pii_policy (0 redact, 1 reject, 2 allow), expect, fields, violations.

    fields (valid): the six ERPOPS_FIELD_* values in order, each hex or `-` when absent,
    joined by commas. violations (invalid): hex of the sorted lines `pointer<US>code`
    joined by newlines (US = 0x1f), comparing bytes."""
    events = json.loads((VECTORS / "events.json").read_text())
    with open(out / "events.tsv", "w") as f:
        for c in events["cases"]:
            o = c["options"]
            fields, violations = "-", "-"
            if c["expect"] == "valid":
                e = c["event"]
                fields = ",".join("-" if e.get(k) is None else hexs(e[k]) for k in EVENT_FIELDS)
            else:
                lines = sorted(f"{v['pointer']}\x1f{v['code']}".encode() for v in c["violations"])
                violations = b"\n".join(lines).hex() or "-"
            row = [c["name"], c["body_hex"] or "-", o["header_connector_id"] or "-", str(o["now_unix_ms"]),
                   str(o["future_skew_seconds"] * 1000), str(o["max_age_seconds"] * 1000),
                   str(o["max_body_bytes"]), str(POLICY[o["pii_policy"]]), c["expect"], fields, violations]
            f.write("\t".join(map(field, row)) + "\n")


if __name__ == "__main__":
    main()
