"""Keyword-argument front ends of ``EventBuilder`` for senders.

They only forward fields to the native builder (which applies the core's
rules); a field left as ``None`` is not set and so not sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from erpops._native import EventBuilder, Secret, validate

__all__ = ["build_event", "signed_request"]

_Scalar = str | int | float | bool | None


def _builder(
    connector_id: str | uuid.UUID | None,
    event_type: str | None,
    timestamp: datetime | str | int | float | None,
    severity: str | None,
    source: str | None,
    message: str | None,
    metadata: Mapping[str, _Scalar] | None,
    max_body_bytes: int | None,
) -> EventBuilder:
    b = EventBuilder()
    if max_body_bytes is not None:
        b.max_body_bytes(max_body_bytes)
    if connector_id is not None:
        b.connector_id(connector_id)
    if event_type is not None:
        b.event_type(event_type)
    if timestamp is not None:
        b.timestamp(timestamp)
    if severity is not None:
        b.severity(severity)
    if source is not None:
        b.source(source)
    if message is not None:
        b.message(message)
    if metadata is not None:
        for key, value in metadata.items():
            b.metadata(key, value)
    return b


def build_event(
    *,
    connector_id: str | uuid.UUID | None = None,
    event_type: str | None = None,
    timestamp: datetime | str | int | float | None = None,
    severity: str | None = None,
    source: str | None = None,
    message: str | None = None,
    metadata: Mapping[str, _Scalar] | None = None,
    now: datetime | int | float | None = None,
    max_body_bytes: int | None = None,
) -> bytes:
    """The event body as compact JSON bytes, checked with the receiver's rules.

    Raises ``ValidationError`` listing every violation, or ``BodyTooLarge``
    (code ``body_too_large``) when the body would be longer than
    ``max_body_bytes`` (default 65,536, the receiver's default: pass the
    receiver's own limit when it is configured otherwise). The builder has no
    clock, so the time window is only checked when ``now`` is given.
    """
    b = _builder(connector_id, event_type, timestamp, severity, source, message, metadata, max_body_bytes)
    body = b.build()
    if now is not None:
        validate(body, now=now, pii_policy="allow", max_body_bytes=max_body_bytes)
    return body


def signed_request(
    *,
    secret: Secret | bytes | bytearray | memoryview | str,
    connector_id: str | uuid.UUID | None = None,
    event_type: str | None = None,
    timestamp: datetime | str | int | float | None = None,
    severity: str | None = None,
    source: str | None = None,
    message: str | None = None,
    metadata: Mapping[str, _Scalar] | None = None,
    now: datetime | int | float | None = None,
    max_body_bytes: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """``(body, headers)`` ready to POST: the built body and the
    ``Content-Type``, ``X-ERPOps-Connector-Id`` and ``X-ERPOps-Signature``
    headers, the signature computed over exactly these bytes.

    Raises as ``build_event`` does (``BodyTooLarge`` before anything is
    signed when the body would be longer than ``max_body_bytes``).

    >>> body, headers = signed_request(secret=..., connector_id=..., ...)  # doctest: +SKIP
    >>> requests.post(url, data=body, headers=headers)  # doctest: +SKIP
    """
    b = _builder(connector_id, event_type, timestamp, severity, source, message, metadata, max_body_bytes)
    body, headers = b.signed_request(secret)
    if now is not None:
        validate(body, now=now, pii_policy="allow", max_body_bytes=max_body_bytes)
    return body, headers
