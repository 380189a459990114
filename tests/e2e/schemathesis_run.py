#!/usr/bin/env python3
"""Schemathesis against docs/openapi.yaml and an installed receiver (issue #24).

Starts `erpops serve` from the given binary on a free port with a fresh data directory,
makes a tenant, a connector, an API key and a batch job with `erpops admin …`, sends a few
signed events so incidents, events and ids exist, then runs `schemathesis run --checks all`
on every operation of the spec with the key as Bearer auth, a fixed seed and a bounded
number of examples. The real ids are offered to the generator through dictionaries (half
of the generated ids are real ones), so the operations on one resource are exercised past
their 404. Fails on any failure, on a receiver that does not stop cleanly, and on a
secret or key in the receiver's log.

    schemathesis_run.py --erpops DIST/bin/erpops [--spec docs/openapi.yaml] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from receiver import Receiver  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = 24
MAX_EXAMPLES = 50


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def config(ids: dict[str, list[str]]) -> str:
    """schemathesis.toml: the seeded ids as dictionaries, bound to the path parameters."""
    # The hooks module (Idempotency-Key values made unique), found on PYTHONPATH.
    lines = ['hooks = "schemathesis_hooks"', ""]
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {toml_list(values)}", ""]
    bindings = [
        ("^/v1/incidents/\\{id\\}", "id", "incidents"),
        ("^/v1/connectors/\\{id\\}", "id", "connectors"),
        ("^/v1/jobs/\\{id\\}", "id", "jobs"),
        ("^/v1/heartbeats/", "connector_id", "connectors"),
    ]
    for regex, param, dictionary in bindings:
        lines += [
            "[[operations]]",
            f"include-path-regex = '{regex}'",
            f'parameters = {{ "path.{param}" = {{ dictionary = "{dictionary}", probability = 0.5 }} }}',
            "",
        ]
    # Writes whose bodies hold what no JSON Schema can check (a cron expression, an IANA time
    # zone, a connector of the key's own tenant, a path id the body must repeat): the server's
    # documented 422 for a body the schema admits is a correct answer, not a rejection of
    # valid data. Everything else about them is still checked.
    lines += [
        "[[operations]]",
        "include-path-regex = '^/v1/(rules|silences|windows|heartbeats|jobs)'",
        "include-method-regex = '^(POST|PUT)$'",
        "checks.positive_data_acceptance.expected-statuses = "
        '["2xx", 401, 403, 404, 409, 422, 429]',
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--erpops", required=True, help="the installed erpops binary")
    parser.add_argument("--spec", default=str(ROOT / "docs" / "openapi.yaml"))
    parser.add_argument("--work", help="working directory (default: a fresh temporary one, removed)")
    parser.add_argument("--schemathesis", default=shutil.which("schemathesis") or "schemathesis")
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("extra", nargs="*", help="more `schemathesis run` options, after --")
    args = parser.parse_args()

    keep = args.work is not None
    work = Path(args.work) if keep else Path(tempfile.mkdtemp(prefix="erpops-schemathesis."))
    if keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    receiver = Receiver(Path(args.erpops).resolve(), work / "receiver")
    try:
        receiver.create_tenant("acme")
        receiver.create_tenant("globex")
        payroll = receiver.create_connector("acme", "payroll")
        ledger = receiver.create_connector("acme", "ledger")
        foreign = receiver.create_connector("globex", "other tenant")
        key = receiver.create_api_key("acme", "schemathesis")
        decoy = receiver.create_api_key("acme", "revoked instead of the run's key")
        receiver.admin(
            "jobs", "set", "--connector", payroll.id, "--source", "PSFT_PAYROLL_BATCH",
            "--schedule", "0 2 * * MON-FRI", "--time-zone", "America/Chicago", "--grace", "15m",
        )
        receiver.start()
        print(f"receiver at {receiver.url} (data {receiver.data})", flush=True)
        sent = [
            receiver.send_event(payroll),
            receiver.send_event(payroll, source="PSFT_GL_POST", severity="critical"),
            receiver.send_event(ledger, source="SAP_IDOC", event_type="idoc.failed", severity="warn"),
            receiver.send_event(ledger, source="SAP_IDOC", event_type="idoc.processed", severity="info"),
            receiver.send_event(foreign),
        ]
        for status, body in sent:
            if status != 202:
                raise RuntimeError(f"seed event answered {status}: {body}")
        incidents = [b["incident_id"] for _, b in sent[:3] if b.get("incident_id")]
        status, jobs = receiver.api(key.key, "GET", "/v1/jobs")
        if status != 200 or not jobs["data"]:
            raise RuntimeError(f"GET /v1/jobs answered {status}: {jobs}")
        ids = {
            "incidents": incidents,
            "connectors": [payroll.id, ledger.id],
            "jobs": [j["id"] for j in jobs["data"]],
        }
        (work / "schemathesis.toml").write_text(config(ids))

        command = [
            args.schemathesis, "--config-file", str(work / "schemathesis.toml"),
            "run", str(Path(args.spec).resolve()),
            "--url", receiver.url,
            "--header", f"Authorization: Bearer {key.key}",
            "--checks", "all",
            "--max-examples", str(args.max_examples),
            "--seed", str(args.seed),
            "--generation-database", "none",
            "--workers", "1",
            "--request-timeout", "20",
            "--no-color",
            "--report", "junit",
            "--report-dir", str(work / "report"),
            *args.extra,
        ]
        print("$ " + " ".join(c if "Bearer" not in c else "Authorization: Bearer [key]" for c in command), flush=True)
        here = str(Path(__file__).resolve().parent)
        env = dict(os.environ, ERPOPS_E2E_KEY_ID=key.id, ERPOPS_E2E_DECOY_KEY_ID=decoy.id, PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
        result = subprocess.run(command, cwd=work, env=env)
        failed = result.returncode != 0
    finally:
        stopped = receiver.stop()
    log = receiver.log()
    problems = []
    if failed:
        problems.append(f"schemathesis found failures (exit {result.returncode})")
    if stopped != 0:
        problems.append(f"the receiver did not stop cleanly (exit {stopped})")
    for secret in (key.key, decoy.key, payroll.secret, ledger.secret, foreign.secret):
        if secret in log:
            problems.append("a secret or API key appears in the receiver's log")
            break
    if " ERROR " in log or "panicked" in log:
        problems.append("the receiver logged an error:\n" + "\n".join(
            line for line in log.splitlines() if " ERROR " in line or "panicked" in line))
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    if not problems:
        print("schemathesis: the spec and the receiver agree")
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"(receiver log and report kept in {work})", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
