"""check_request: the receive decision for existing receivers, and the seed sender against it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import erpops
from test_seed_example import CONNECTOR_ID, SECRET, run_seed_sender

NOW = datetime(2026, 4, 20, 3, 5, tzinfo=timezone.utc)


def signed(**fields: object) -> tuple[bytes, dict[str, str]]:
    base: dict[str, object] = dict(
        connector_id=CONNECTOR_ID, event_type="integration.failed", timestamp="2026-04-20T03:00:00Z"
    )
    base.update(fields)
    return erpops.signed_request(secret=SECRET, **base)  # type: ignore[arg-type]


def test_the_seed_sender_passes_check_request_verbatim() -> None:
    sent = run_seed_sender()
    event = erpops.check_request(sent["headers"], sent["data"], secrets=SECRET)
    assert event.message == "Exit code 1 at record 18441"
    assert str(event.connector_id) == CONNECTOR_ID


def test_secrets_as_mapping_callable_or_rotation_list() -> None:
    body, headers = signed()
    erpops.check_request(headers, body, secrets={CONNECTOR_ID: [b"new", SECRET]}, now=NOW)
    erpops.check_request(headers, body, secrets=lambda cid: SECRET if cid == CONNECTOR_ID else None, now=NOW)
    with pytest.raises(erpops.RequestRejected) as info:
        erpops.check_request(headers, body, secrets={}, now=NOW)
    assert (info.value.status, info.value.code) == (403, "connector_not_found")


def test_headers_are_matched_case_insensitively() -> None:
    body, headers = signed()
    lower = {k.lower(): v for k, v in headers.items()}
    erpops.check_request(lower, body, secrets=SECRET, now=NOW)
    erpops.check_request(list(lower.items()), body, secrets=SECRET, now=NOW)


def test_refusals_carry_status_code_problem_and_headers() -> None:
    body, headers = signed()
    cases = [
        ({**headers, erpops.SIGNATURE_HEADER: erpops.sign(body + b" ", SECRET)}, body, 401, "signature_mismatch"),
        ({k: v for k, v in headers.items() if k != erpops.SIGNATURE_HEADER}, body, 401, "signature_missing"),
        ({**headers, "Content-Type": "text/plain"}, body, 415, "unsupported_media_type"),
        ({**headers, erpops.CONNECTOR_ID_HEADER: "nope"}, body, 401, "connector_id_malformed"),
    ]
    for h, b, status, code in cases:
        with pytest.raises(erpops.RequestRejected) as info:
            erpops.check_request(h, b, secrets=SECRET, now=NOW)
        e = info.value
        assert (e.status, e.code) == (status, code)
        assert e.problem["status"] == status and e.problem["code"] == code
        assert e.problem["detail"] == str(e)
        assert isinstance(e, erpops.Error)


def test_invalid_event_is_422_with_every_violation() -> None:
    body = json.dumps({"connector_id": CONNECTOR_ID, "event_type": "Bad"}).encode()
    headers = {
        "Content-Type": "application/json",
        erpops.CONNECTOR_ID_HEADER: CONNECTOR_ID,
        erpops.SIGNATURE_HEADER: erpops.sign(body, SECRET),
    }
    with pytest.raises(erpops.RequestRejected) as info:
        erpops.check_request(headers, body, secrets=SECRET, now=NOW)
    e = info.value
    assert (e.status, e.code) == (422, "invalid_event")
    pointers = {v["pointer"] for v in e.problem["errors"]}
    assert {"/event_type", "/timestamp"} <= pointers


def test_pii_policy_and_windows() -> None:
    body, headers = signed(message="mail ops@example.com")
    e = erpops.check_request(headers, body, secrets=SECRET, now=NOW)
    assert e.message == "mail [REDACTED:email]"
    with pytest.raises(erpops.RequestRejected) as info:
        erpops.check_request(headers, body, secrets=SECRET, now=NOW, pii_policy="reject")
    assert info.value.status == 422
    with pytest.raises(erpops.RequestRejected):
        erpops.check_request(headers, body, secrets=SECRET, now=NOW + timedelta(days=2))
    erpops.check_request(headers, body, secrets=SECRET, now=NOW + timedelta(days=2), max_age=timedelta(days=3))


def test_engine_quota_duplicates_and_incidents() -> None:
    engine = erpops.Engine()
    engine.add_tenant("acme", plan={"inbound_event": 1, "ai_query": None})
    engine.add_connector(CONNECTOR_ID, tenant="acme", secrets=SECRET)
    with pytest.raises(erpops.AdminError) as info:
        engine.add_tenant("acme")
    assert info.value.code == "tenant_exists"
    body, headers = signed(severity="error")
    first = engine.receive(headers, body, now=NOW)
    assert first.status == 202 and first.json()["event_id"].startswith("evt_")
    again = engine.receive(headers, body, now=NOW)
    assert (again.status, again.json()["status"]) == (200, "duplicate")
    other, other_headers = signed(severity="critical", message="again")
    refused = engine.receive(other_headers, other, now=NOW)
    assert (refused.status, refused.code) == (429, "quota_exceeded")
    assert dict(refused.headers)["Retry-After"]
    assert engine.used("acme", now=NOW) == 1
    [incident] = engine.incidents()
    assert incident["status"] == "open"


def test_max_age_alone_is_accepted_and_the_replay_window_follows_it() -> None:
    # The same rule as Node's ReceiveEngine({maxAgeSecs}): the core's default.
    engine = erpops.Engine(max_age=timedelta(hours=48))
    engine.add_tenant("acme")
    engine.add_connector(CONNECTOR_ID, tenant="acme", secrets=SECRET)
    body, headers = signed(severity="error")
    assert engine.receive(headers, body, now=NOW).status == 202
    # Inside the 48 h age and past the fixed 24 h 5 min default window: only
    # a window that followed the age still knows these bytes.
    assert engine.receive(headers, body, now=NOW + timedelta(hours=46)).status == 200
    with pytest.raises(ValueError, match="replay_window_too_short"):
        erpops.Engine(max_age=timedelta(hours=48), replay_window=timedelta(hours=24, minutes=5))
