"""A receiver from an installed `erpops` binary, as an operator runs it (issue #24).

Shared by the end-to-end suites (schemathesis_run.py, browser_test.py): a fresh data
directory, `erpops admin …` for tenants, connectors and API keys, `erpops serve` on a
free port (read back from its "listening" log line, so no port is guessed and raced for),
and signed events sent the way a connector sends them. Standard library only, so the
module works with any Python 3 and the venv only adds the test tools.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

RECEIVE_PATH = "/functions/v1/receive-event"
LISTENING = re.compile(r"erpops receiver listening addr=(\S+)")
# The environment of an operator's shell: no build directory or toolchain on PATH.
USER_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": os.environ.get("HOME", "/root"),
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",
}


@dataclass
class Connector:
    id: str
    secret: str


@dataclass
class ApiKey:
    id: str
    key: str


def _field(output: str, name: str) -> str:
    """The value of a `name: value` line `erpops admin` printed."""
    match = re.search(rf"^{re.escape(name)}: (\S+)$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no {name!r} line in:\n{output}")
    return match.group(1)


def sign(secret: str, body: bytes) -> str:
    """The `X-ERPOps-Signature` value: `sha256=` + hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Receiver:
    """`erpops serve` with its own data directory under `work`."""

    def __init__(self, binary: str | Path, work: Path, extra_args: tuple[str, ...] = ()):
        self.binary = str(binary)
        self.work = Path(work)
        self.data = self.work / "data"
        self.log_path = self.work / "serve.log"
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.work.mkdir(parents=True, exist_ok=True)

    # --- the operator's CLI -------------------------------------------------

    def admin(self, *args: str) -> str:
        done = subprocess.run(
            [self.binary, "admin", "--data", str(self.data), *args],
            cwd=self.work,
            env=USER_ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"erpops admin {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def create_tenant(self, tenant: str, plan: str = "free") -> None:
        self.admin("tenants", "create", tenant, "--plan", plan)

    def create_connector(self, tenant: str, name: str) -> Connector:
        out = self.admin("connectors", "create", "--tenant", tenant, "--name", name)
        return Connector(_field(out, "connector_id"), _field(out, "secret"))

    def create_api_key(self, tenant: str, label: str) -> ApiKey:
        out = self.admin("api-keys", "create", "--tenant", tenant, "--label", label)
        return ApiKey(_field(out, "key_id"), _field(out, "api_key"))

    # --- serving ---------------------------------------------------------------

    def start(self) -> str:
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--data", str(self.data), "--listen", "127.0.0.1:0", *self.extra_args],
            cwd=self.work,
            env=USER_ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log())
            if match:
                self.url = f"http://{match.group(1)}"
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"erpops serve did not start:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit status (0 for a clean stop)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- HTTP -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def api(self, key: str, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {key}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        status, raw = self.request(method, path, data, headers)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw

    def send_event(self, connector: Connector, **fields: object) -> tuple[int, object]:
        """A signed event from `connector` (defaults: a failed payroll batch, severity error)."""
        event = {
            "connector_id": connector.id,
            "event_type": "integration.failed",
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "severity": "error",
            "source": "PSFT_PAYROLL_BATCH",
            "message": "payroll batch failed",
        }
        event.update(fields)
        body = json.dumps(event).encode()
        status, raw = self.request(
            "POST",
            RECEIVE_PATH,
            body,
            {
                "Content-Type": "application/json",
                "X-ERPOps-Connector-Id": connector.id,
                "X-ERPOps-Signature": sign(connector.secret, body),
            },
        )
        return status, json.loads(raw) if raw else None
