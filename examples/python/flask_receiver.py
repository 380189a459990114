"""A minimal ERPOps receiver in Flask, using the erpops package.

Run:  pip install flask ./bindings-python
      ERPOPS_CONNECTOR_ID=... ERPOPS_SECRET=... flask --app examples/python/flask_receiver:from_env run
Then POST signed events to http://127.0.0.1:5000/functions/v1/receive-event.

`erpops.check_request` runs the product's receive decision on the raw request:
method, size, media type, headers, the signature over the exact body bytes
*before* the body is parsed, then the event contract against the header's
connector id. A refusal arrives as `RequestRejected` carrying the status, the
RFC 9457 problem body and the headers to send, identical to what the ERPOps
receiver answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from flask import Flask, Response, jsonify, request

import erpops

# connector id (lowercase) -> its active secrets (the current one first; a
# rotated-out one stays until it expires), or None for an unknown connector.
SecretLookup = Callable[[str], Sequence[bytes] | None]


def create_app(secrets_for: SecretLookup) -> Flask:
    app = Flask(__name__)

    @app.post(erpops.RECEIVE_PATH)
    def receive_event() -> tuple[Response, int]:
        try:
            event = erpops.check_request(
                request.headers,
                request.get_data(cache=False),  # the raw bytes, exactly as sent
                secrets=secrets_for,
            )
        except erpops.RequestRejected as e:
            return Response(json.dumps(e.problem), headers=e.headers), e.status or 400
        # ... store the event, feed an erpops.IncidentModel, notify ...
        return jsonify({"status": "accepted", "event": event.to_dict()}), 202

    return app


def from_env() -> Flask:
    """The app for one connector given by ERPOPS_CONNECTOR_ID and ERPOPS_SECRET."""
    connector = os.environ.get("ERPOPS_CONNECTOR_ID", "").lower()
    secret = os.environ.get("ERPOPS_SECRET", "").encode()
    return create_app(lambda cid: [secret] if secret and cid == connector else None)


if __name__ == "__main__":
    from_env().run(host="127.0.0.1", port=5000)
