"""examples/python/flask_receiver.py, exercised through Flask's test client."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

import pytest

import erpops
from test_seed_example import CONNECTOR_ID, SECRET, run_seed_sender

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python" / "flask_receiver.py"
OLD_SECRET = b"whsec_previous"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flask_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def client():  # type: ignore[no-untyped-def]
    app = load_example().create_app(
        lambda cid: [SECRET.encode(), OLD_SECRET] if cid == CONNECTOR_ID else None
    )
    return app.test_client()


def post(client, body: bytes | str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(erpops.RECEIVE_PATH, data=body, headers=headers)


def test_the_seed_sender_is_accepted(client) -> None:  # type: ignore[no-untyped-def]
    sent = run_seed_sender()
    resp = post(client, sent["data"], sent["headers"])
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["event"]["source"] == "PSFT_PAYROLL_BATCH"
    assert resp.get_json()["event"]["connector_id"] == CONNECTOR_ID


def test_a_built_request_signed_with_the_rotated_out_secret_is_accepted(client) -> None:  # type: ignore[no-untyped-def]
    body, headers = erpops.signed_request(
        secret=OLD_SECRET,
        connector_id=CONNECTOR_ID,
        event_type="health.degraded",
        timestamp=datetime.now(timezone.utc),
        severity="warn",
    )
    assert post(client, body, headers).status_code == 202


def test_a_re_serialized_body_is_refused_with_the_core_code(client) -> None:  # type: ignore[no-untyped-def]
    sent = run_seed_sender()
    compact = json.dumps(json.loads(sent["data"]), separators=(",", ":"))
    resp = post(client, compact, sent["headers"])
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "signature_mismatch"
    assert "exactly as sent" in resp.get_json()["detail"]


def test_an_invalid_body_lists_every_violation(client) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"connector_id": CONNECTOR_ID, "event_type": "Bad", "severity": "fatal"})
    headers = {
        erpops.CONNECTOR_ID_HEADER: CONNECTOR_ID,
        erpops.SIGNATURE_HEADER: erpops.sign(body, SECRET),
        "Content-Type": "application/json",
    }
    resp = post(client, body, headers)
    assert resp.status_code == 422
    codes = {(v["pointer"], v["code"]) for v in resp.get_json()["errors"]}
    assert {("/event_type", "format"), ("/severity", "enum"), ("/timestamp", "missing")} <= codes


def test_unknown_connector_missing_signature_and_media_type(client) -> None:  # type: ignore[no-untyped-def]
    json_ct = {"Content-Type": "application/json"}
    unknown = "00000000-0000-0000-0000-000000000000"
    body = b"{}"
    resp = post(client, body, {**json_ct, erpops.CONNECTOR_ID_HEADER: unknown, erpops.SIGNATURE_HEADER: erpops.sign(body, SECRET)})
    assert (resp.status_code, resp.get_json()["code"]) == (403, "connector_not_found")
    resp = post(client, body, {**json_ct, erpops.CONNECTOR_ID_HEADER: CONNECTOR_ID})
    assert (resp.status_code, resp.get_json()["code"]) == (401, "signature_missing")
    resp = post(client, body, {erpops.CONNECTOR_ID_HEADER: CONNECTOR_ID})
    assert (resp.status_code, resp.get_json()["code"]) == (415, "unsupported_media_type")
