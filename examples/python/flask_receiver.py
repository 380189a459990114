"""A minimal ERPOps receiver in Flask, using the erpops package.

Run:  pip install flask ./bindings-python && ERPOPS_SECRET=... flask --app examples/python/flask_receiver run
Then POST signed events to http://127.0.0.1:5000/functions/v1/receive-event.

The order matters and is the product's: the signature is checked on the raw
body bytes *before* the body is parsed (nothing about the body is revealed
to a sender who cannot sign), then the body is validated against the
connector id of the header. Errors are RFC 9457 problem documents with the
core's machine codes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask, Response, jsonify, request

import erpops

# connector id -> its active secrets (the current one first; a rotated-out one
# stays until it expires). A real service reads these from its database.
SecretLookup = Callable[[str], Sequence[bytes] | None]


def problem(status: int, code: str, detail: str, **extra: Any) -> tuple[Response, int]:
    body = {
        "type": f"https://erpops.example/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    resp = jsonify(body)
    resp.mimetype = "application/problem+json"
    return resp, status


def create_app(secrets_for: SecretLookup) -> Flask:
    app = Flask(__name__)

    @app.post(erpops.RECEIVE_PATH)
    def receive_event() -> tuple[Response, int]:
        body = request.get_data(cache=False)  # the raw bytes, exactly as sent
        connector_id = request.headers.get(erpops.CONNECTOR_ID_HEADER, "")
        secrets = secrets_for(connector_id.strip().lower())
        if not secrets:
            return problem(403, "connector_not_found", "unknown connector id")
        try:
            erpops.verify(body, request.headers.get(erpops.SIGNATURE_HEADER), secrets)
            event = erpops.validate(body, connector_id=connector_id)
        except erpops.InvalidSignature as e:
            return problem(401, e.code, str(e))
        except erpops.ValidationError as e:
            return problem(422, "invalid_event", "the event body is invalid", errors=e.errors)
        # ... store the event, feed an erpops.IncidentModel, notify ...
        return jsonify({"status": "accepted", "event": event.to_dict()}), 202

    return app


def _from_env() -> Flask:
    connector = os.environ.get("ERPOPS_CONNECTOR_ID", "").lower()
    secret = os.environ.get("ERPOPS_SECRET", "").encode()
    table: Mapping[str, Sequence[bytes]] = {connector: [secret]} if connector and secret else {}
    return create_app(lambda cid: table.get(cid))


if __name__ == "__main__":
    _from_env().run(host="127.0.0.1", port=5000)
