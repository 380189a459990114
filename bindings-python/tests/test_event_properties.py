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


VALID = (
    b'{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed",'
    b'"timestamp":"2026-04-20T02:59:00Z","severity":"error","source":"PSFT","message":"Exit 1",'
    b'"metadata":{"records_total":40000,"ratio":0.5,"ok":true,"none":null,"who":"x"}}'
)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bytes_give_an_event_or_a_validation_error(data: bytes) -> None:
    try:
        erpops.validate(data, now=NOW)
    except erpops.ValidationError as e:
        assert e.errors and all(v["code"] and v["message"] for v in e.errors)


@settings(max_examples=300, deadline=None)
@given(at=st.integers(0, len(VALID) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_mutated_valid_bodies_give_an_event_or_a_validation_error(at: int, byte: int, cut: bool) -> None:
    mutated = VALID[:at] if cut else VALID[:at] + bytes([byte]) + VALID[at + 1 :]
    try:
        e = erpops.validate(mutated, now=NOW)
        assert e.event_type
    except erpops.ValidationError as err:
        assert {v["code"] for v in err.errors} <= {
            "missing", "type", "format", "enum", "too_long", "too_many", "unknown_field",
            "duplicate_key", "mismatch", "in_future", "too_old", "pii", "syntax",
        }
