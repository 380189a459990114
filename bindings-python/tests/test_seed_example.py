"""The API reference's Python sender, run verbatim, must be accepted by erpops.

The snippet below is copied character for character from the public API
reference (shared seed `api-reference.txt`, section "Code examples / Python").
Only the placeholders YOUR_ID and YOUR_SECRET are replaced before it runs, and
`requests` is replaced by a recorder, so the exact bytes and headers it would
send are checked: `json.dumps`'s `", "`/`": "` spacing and `isoformat()`'s
`+00:00` timestamp must verify (and, once the core's validator is wrapped,
validate).
"""

from __future__ import annotations

import sys
import types
from typing import Any

import erpops

SEED_PYTHON = '''\
import hmac, hashlib, json, requests
from datetime import datetime, timezone
body = json.dumps({"connector_id": "YOUR_ID", "event_type": "integration.failed",
"timestamp": datetime.now(timezone.utc).isoformat(), "severity": "error",
"source": "PSFT_PAYROLL_BATCH", "message": "Exit code 1 at record 18441"})
sig = "sha256=" + hmac.new(b"YOUR_SECRET", body.encode(), hashlib.sha256).hexdigest()
requests.post("https://api.erpops.ai/functions/v1/receive-event",
headers={"Content-Type": "application/json",
"X-ERPOps-Connector-Id": "YOUR_ID", "X-ERPOps-Signature": sig},
data=body)
'''

CONNECTOR_ID = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
SECRET = "whsec_seed_example_secret"


def run_seed_sender() -> dict[str, Any]:
    """Runs the snippet and returns what it passed to requests.post."""
    sent: dict[str, Any] = {}
    fake = types.ModuleType("requests")

    def post(url: str, headers: dict[str, str], data: str) -> None:
        sent.update(url=url, headers=headers, data=data)

    fake.post = post  # type: ignore[attr-defined]
    code = SEED_PYTHON.replace("YOUR_ID", CONNECTOR_ID).replace("YOUR_SECRET", SECRET)
    saved = sys.modules.get("requests")
    sys.modules["requests"] = fake
    try:
        exec(compile(code, "api-reference-python-example", "exec"), {})
    finally:
        if saved is None:
            del sys.modules["requests"]
        else:
            sys.modules["requests"] = saved
    return sent


def test_seed_sender_runs_and_uses_the_documented_wire_protocol() -> None:
    sent = run_seed_sender()
    assert sent["url"].endswith(erpops.RECEIVE_PATH)
    assert set(sent["headers"]) == {"Content-Type", erpops.CONNECTOR_ID_HEADER, erpops.SIGNATURE_HEADER}
    assert '", "' in sent["data"] and "+00:00" in sent["data"]


def test_seed_sender_signature_verifies_with_erpops() -> None:
    sent = run_seed_sender()
    header = sent["headers"][erpops.SIGNATURE_HEADER]
    erpops.verify(sent["data"], header, SECRET)  # str body, as the snippet sends it
    erpops.verify(sent["data"].encode(), header, SECRET.encode())  # the bytes on the wire
    assert erpops.sign(sent["data"], SECRET) == header


def test_seed_sender_body_validates_with_erpops() -> None:
    """json.dumps's spacing and isoformat()'s +00:00 offset are accepted as sent."""
    sent = run_seed_sender()
    event = erpops.validate(sent["data"], connector_id=sent["headers"][erpops.CONNECTOR_ID_HEADER])
    assert event.event_type == "integration.failed"
    assert event.severity == erpops.Severity.ERROR
    assert event.source == "PSFT_PAYROLL_BATCH"
    assert event.message == "Exit code 1 at record 18441"
    assert str(event.connector_id) == CONNECTOR_ID
