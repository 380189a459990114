"""Replays tests/vectors/receive.json through erpops.Engine (the whole receive decision)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

import erpops
from conftest import VECTORS, load_vectors

if not (VECTORS / "receive.json").exists():  # lands with the core's receive decision
    pytest.skip("tests/vectors/receive.json is not in this tree yet", allow_module_level=True)

SCENARIOS = load_vectors("receive.json")["scenarios"]
CONFIG_ERRORS = load_vectors("receive.json")["config_errors"]


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def plan_of(plan: Any) -> Any:
    if isinstance(plan, str):
        return plan
    return {"inbound_event": plan["inbound_events"], "ai_query": None}


def strip_human_text(body: Any) -> Any:
    assert isinstance(body.get("detail"), str) and body["detail"]
    body = {k: v for k, v in body.items() if k != "detail"}
    if "errors" in body:
        for e in body["errors"]:
            assert isinstance(e.pop("message"), str)
    return body


@pytest.mark.parametrize("case", CONFIG_ERRORS)
def test_config_error(case: dict[str, Any]) -> None:
    c = case["config"]

    def build() -> erpops.Engine:
        return erpops.Engine(
            max_body_bytes=c["max_body_bytes"],
            future_skew=c["future_skew_secs"],
            max_age=c["max_age_secs"],
            replay_window=c["replay_window_secs"],  # None: left out, the core's default
        )

    if case["code"] is None:
        build()
    else:
        # The core's message, then its code in parentheses.
        with pytest.raises(ValueError, match=rf"replay window.*\({case['code']}\)$"):
            build()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any]) -> None:
    c = scenario["config"]
    engine = erpops.Engine(
        max_body_bytes=c["max_body_bytes"],
        future_skew=c["future_skew_secs"],
        max_age=c["max_age_secs"],
        replay_window=c["replay_window_secs"],
    )
    for t in scenario["tenants"]:
        engine.add_tenant(t["id"], plan=plan_of(t["plan"]), pii_policy=t["pii_policy"], suspended=t["suspended"])
    for k in scenario["connectors"]:
        engine.add_connector(
            k["id"],
            tenant=k["tenant"],
            secrets=[(bytes.fromhex(s["secret_hex"]), at(s["expires_at"])) for s in k["secrets"]],
            enabled=k["enabled"],
        )
    for step in scenario["steps"]:
        r = step["request"]
        headers = [
            (name, r[key])
            for name, key in (
                ("Content-Type", "content_type"),
                (erpops.SIGNATURE_HEADER, "signature"),
                (erpops.CONNECTOR_ID_HEADER, "connector_id"),
            )
            if r[key] is not None
        ]
        body = bytes.fromhex(r["body_hex"]) if "body_hex" in r else None
        resp = engine.receive(
            headers,
            body,
            method=r["method"],
            now=at(step["now"]),
            request_id=r["request_id"],
            body_length=r.get("body_too_large_length"),
        )
        want = step["response"]
        where = step["name"]
        assert resp.status == want["status"], (where, resp.json())
        assert [list(h) for h in resp.headers] == want["headers"], where
        got = json.loads(resp.body)
        if resp.status >= 400:
            got = strip_human_text(got)
        assert got == want["body"], where
