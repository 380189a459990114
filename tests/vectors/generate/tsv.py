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
    print(f"wrote TSV vector mirrors to {out}")


if __name__ == "__main__":
    main()
