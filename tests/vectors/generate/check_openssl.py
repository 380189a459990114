#!/usr/bin/env python3
"""Cross-checks every `sign` vector against the openssl command-line tool.

A second oracle, independent of Python's hmac module and of our Rust code:
`openssl dgst -sha256 -mac HMAC -macopt hexkey:<key>` over the body bytes.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent / "signatures.json"


def main():
    if shutil.which("openssl") is None:
        print("openssl not found: skipping the openssl cross-check")
        return
    cases = json.loads(VECTORS.read_text())["sign"]
    failed = 0
    for c in cases:
        out = subprocess.run(
            ["openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + c["secret_hex"]],
            input=bytes.fromhex(c["body_hex"]), capture_output=True, check=True,
        ).stdout.decode()
        got = "sha256=" + out.strip().split()[-1]
        if got != c["header"]:
            failed += 1
            print(f"MISMATCH {c['name']}: openssl {got} != vector {c['header']}")
    print(f"openssl cross-check: {len(cases) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
