#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the shared vectors.

usage: seeds.py OUT_DIR  (creates OUT_DIR/<target>/ for each target)
"""
import json
import sys
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
CONNECTOR = b"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"


def main():
    out = Path(sys.argv[1])
    for target in ("parse_event", "build_round_trip", "verify", "receive"):
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
    print(f"seed corpora written to {out}")


if __name__ == "__main__":
    main()
