"""Hypothesis: whatever the builder accepts, validate accepts and gives back unchanged."""

from __future__ import annotations

import string
import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

import erpops

NOW = datetime(2026, 4, 20, 3, 0, tzinfo=timezone.utc)
token = st.text(string.ascii_lowercase, min_size=1, max_size=6)
event_types = st.lists(token, min_size=2, max_size=4).map(".".join)
safe_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="@+"), min_size=1, max_size=60
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(string.ascii_letters + " _-", max_size=30),
)
metadata = st.dictionaries(st.text(string.ascii_letters + "_.-", min_size=1, max_size=20), scalars, max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    cid=st.uuids(),
    event_type=event_types,
    offset=st.integers(-86_000, 290),
    micros=st.integers(0, 999_999),
    severity=st.sampled_from(["info", "warn", "error", "critical"]),
    source=st.none() | safe_text,
    meta=metadata,
    secret=st.binary(min_size=1, max_size=64),
)
def test_built_signed_bodies_verify_and_validate_back(
    cid: uuid.UUID,
    event_type: str,
    offset: int,
    micros: int,
    severity: str,
    source: str | None,
    meta: dict[str, str | int | float | bool | None],
    secret: bytes,
) -> None:
    ts = NOW + timedelta(seconds=offset, microseconds=micros)
    body, headers = erpops.signed_request(
        secret=secret,
        connector_id=cid,
        event_type=event_type,
        timestamp=ts,
        severity=severity,
        source=source,
        metadata=meta,
    )
    erpops.verify(body, headers[erpops.SIGNATURE_HEADER], secret)
    e = erpops.validate(body, connector_id=headers[erpops.CONNECTOR_ID_HEADER], now=NOW, pii_policy="allow")
    assert (e.connector_id, e.event_type, e.timestamp, e.severity) == (cid, event_type, ts, severity)
    assert e.source == source
    assert e.metadata == meta
    assert erpops.build_event(**e.to_dict()) == body
