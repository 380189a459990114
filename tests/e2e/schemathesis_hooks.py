"""Schemathesis hooks for tests/e2e/schemathesis_run.py (issue #24).

Two adaptations. First, for what a schema cannot say: an `Idempotency-Key` is valid when it is 1-255
printable ASCII characters *and* is not already used with another request of the tenant in the
last 24 hours (422 `idempotency_key_reused` otherwise, as docs/openapi.yaml says). The
generator draws the same few short values again and again, so a valid-looking key would meet
its earlier use and the positive check would call the 422 a rejection of valid data. Every
valid key the generator made is therefore replaced by a fresh one (a counter, so runs stay
reproducible); invalid ones are sent as drawn, so their refusal is still checked. Replays with
the same key are tested in receiver/tests/rest_writes.rs.

Second, the key the run authenticates with is never revoked (revoking the key in use is
allowed, and every later request would be 401): a revoke of it revokes a decoy key instead.
"""

from __future__ import annotations

import itertools
import os
import re

import schemathesis
from schemathesis.core.parameters import ParameterLocation

VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")
_fresh = itertools.count(1)


def _about_another_header(case) -> bool:
    """Whether the case tests a header other than Idempotency-Key (a missing Authorization)."""
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    return (
        getattr(data, "parameter_location", None) == ParameterLocation.HEADER
        and str(getattr(data, "parameter", "")).lower() != "idempotency-key"
    )


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """Every phase's cases, the coverage phase's fixed values too; those about another header
    are sent as drawn, so the checks that vary headers see exactly what they made."""
    headers = case.headers
    if not headers or _about_another_header(case):
        return
    for name in list(headers):
        value = headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.fullmatch(value):
            headers[name] = f"schemathesis-{next(_fresh)}"
    # The key schemathesis runs with is never revoked: a revoke that names it (the stateful
    # phase finds its id in GET /v1/api-keys) revokes the decoy key instead.
    own, decoy = os.environ.get("ERPOPS_E2E_KEY_ID"), os.environ.get("ERPOPS_E2E_DECOY_KEY_ID")
    path_parameters = case.path_parameters or {}
    if own and decoy and case.operation.path == "/v1/api-keys/{id}/revoke" and path_parameters.get("id") == own:
        path_parameters["id"] = decoy
