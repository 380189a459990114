"""erpops against what Python services use today, in one process, on the same bodies.

Run with `make bench-python` (release build of the extension, pinned anchors);
`make bench` runs it with `--json OUT` to collect the rows for BENCHMARKS.md.
Prints a Markdown table: the time per call of each contender and its ratio to
the anchor measured in the same run (lower is better). Benchmarks are not
tests: nothing here asserts a speed.

Anchors:
- sign:   "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
- verify: hmac.compare_digest("sha256=" + hmac.new(...).hexdigest(), header)
          (the usual receiver code; erpops additionally parses the header strictly)
- validate (once erpops.validate exists): pydantic v2 model_validate_json on an
  equivalent model, and jsonschema on the published schema.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import platform
import sys
import timeit
from collections.abc import Callable

import erpops

KEY = b"whsec_4f1c2e9b7a6d5c3e8f0a1b2c3d4e5f60"
SEED_BODY = json.dumps(
    {
        "connector_id": "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
        "event_type": "integration.failed",
        "timestamp": "2026-04-20T03:00:00+00:00",
        "severity": "error",
        "source": "PSFT_PAYROLL_BATCH",
        "message": "Exit code 1 at record 18441",
        "metadata": {"exit_code": 1, "records_processed": 18441, "records_total": 40000},
    }
).encode()
BODIES = {
    f"seed event ({len(SEED_BODY)} B)": SEED_BODY,
    "4 KiB": SEED_BODY.ljust(4096, b" "),
    "1 MiB": SEED_BODY.ljust(1 << 20, b" "),
}


def per_call(fn: Callable[[], object], budget_s: float = 0.4) -> float:
    """Seconds per call: best of 5 runs, each sized to about budget_s / 5."""
    n, t = 1, 0.0
    while t < 0.02:
        t = timeit.timeit(fn, number=n)
        n *= 4
    number = max(1, int(n / 4 * (budget_s / 5) / max(t, 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def fmt(seconds: float) -> str:
    return f"{seconds * 1e9:,.0f} ns" if seconds < 1e-5 else f"{seconds * 1e6:,.1f} µs"


# Every row printed, for `--json OUT` (benches/report.py renders BENCHMARKS.md from it).
RESULTS: list[dict[str, object]] = []


def table(title: str, rows: list[tuple[str, float]], anchor: float) -> None:
    RESULTS.extend({"group": title, "name": n, "median_ns": t * 1e9, "anchor": t == anchor} for n, t in rows)
    print(f"\n### {title}\n")
    print("| contender | per call | ratio to anchor |")
    print("|---|---:|---:|")
    for name, t in rows:
        print(f"| {name} | {fmt(t)} | {t / anchor:.2f}× |")


def bench_signatures() -> None:
    secret = erpops.Secret(KEY)
    for label, body in BODIES.items():
        header = erpops.sign(body, KEY)

        def std_sign() -> str:
            return "sha256=" + hmac.new(KEY, body, hashlib.sha256).hexdigest()

        def std_verify() -> bool:
            return hmac.compare_digest("sha256=" + hmac.new(KEY, body, hashlib.sha256).hexdigest(), header)

        sign_anchor = per_call(std_sign)
        table(
            f"sign, {label}",
            [
                ("stdlib hmac (anchor)", sign_anchor),
                ("erpops.sign(body, key)", per_call(lambda: erpops.sign(body, KEY))),
                ("erpops.sign(body, Secret)", per_call(lambda: erpops.sign(body, secret))),
            ],
            sign_anchor,
        )
        verify_anchor = per_call(std_verify)
        table(
            f"verify, {label}",
            [
                ("stdlib hmac + compare_digest (anchor)", verify_anchor),
                ("erpops.verify(body, header, key)", per_call(lambda: erpops.verify(body, header, KEY))),
                ("erpops.verify(body, header, Secret)", per_call(lambda: erpops.verify(body, header, secret))),
            ],
            verify_anchor,
        )


def bench_validate() -> None:
    from datetime import datetime, timezone
    from pathlib import Path
    from typing import Annotated, Literal, Optional, Union
    from uuid import UUID

    import jsonschema
    from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

    Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", max_length=128)]
    Scalar = Union[Annotated[str, Field(max_length=1024)], int, float, bool, None]

    class PydanticEvent(BaseModel):
        """The event contract as far as a pydantic model expresses it."""

        model_config = ConfigDict(extra="forbid")
        connector_id: UUID
        event_type: Name
        timestamp: AwareDatetime
        severity: Literal["info", "warn", "error", "critical"] = "info"
        source: Optional[Annotated[str, Field(min_length=1, max_length=128)]] = None
        message: Optional[Annotated[str, Field(max_length=4096)]] = None
        metadata: Optional[dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")], Scalar]] = None

    schema_path = Path(__file__).resolve().parents[2] / "schema" / "event.schema.json"
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    cid = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
    fields = json.loads(SEED_BODY)
    fields["timestamp"] = datetime.now(timezone.utc).isoformat()
    body = json.dumps(fields).encode()
    erpops.validate(body, connector_id=cid)
    PydanticEvent.model_validate_json(body)
    validator.validate(json.loads(body))

    pyd = per_call(lambda: PydanticEvent.model_validate_json(body))
    js = per_call(lambda: validator.validate(json.loads(body)))
    ours = per_call(lambda: erpops.validate(body, connector_id=cid))
    table(
        f"validate, seed event with metadata ({len(body)} B)",
        [
            ("pydantic v2 model_validate_json (anchor)", pyd),
            ("jsonschema Draft202012Validator + json.loads", js),
            ("erpops.validate(body, connector_id=...)", ours),
        ],
        pyd,
    )
    print(f"\nerpops.validate / jsonschema: {ours / js:.3f}×")

    # check_request end to end (headers, signature, parse, validation) against
    # the hand-written receiver: stdlib hmac + compare_digest, then pydantic.
    header = erpops.sign(body, KEY)
    headers = {"Content-Type": "application/json", "X-ERPOps-Connector-Id": cid, "X-ERPOps-Signature": header}
    erpops.check_request(headers, body, secrets=KEY)

    def by_hand() -> object:
        want = "sha256=" + hmac.new(KEY, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, headers["X-ERPOps-Signature"]):
            raise ValueError("bad signature")
        return PydanticEvent.model_validate_json(body)

    hand = per_call(by_hand)
    table(
        f"check_request end to end, seed event ({len(body)} B)",
        [
            ("stdlib hmac + compare_digest + pydantic v2 (anchor)", hand),
            ("erpops.check_request(headers, body, secrets=key)", per_call(lambda: erpops.check_request(headers, body, secrets=KEY))),
        ],
        hand,
    )


def main() -> None:
    print(f"## Python benchmark: erpops {erpops.__version__}, CPython {platform.python_version()}, {platform.machine()}")
    print(f"\n(sys.version: {sys.version.splitlines()[0]})")
    bench_signatures()
    bench_validate()
    if len(sys.argv) > 2 and sys.argv[1] == "--json":
        with open(sys.argv[2], "w", encoding="utf-8") as out:
            json.dump({"erpops": erpops.__version__, "python": platform.python_version(), "rows": RESULTS}, out, indent=1)


if __name__ == "__main__":
    main()
