"""ERPOps SDK for Python.

Sign outgoing integration events and verify and validate incoming ones with
the same Rust core as the receiver and every other language: the same bytes,
the same rules, the same error codes.

>>> import erpops
>>> body = b'{"event_type":"integration.failed"}'
>>> header = erpops.sign(body, b"connector-secret")
>>> erpops.verify(body, header, b"connector-secret")  # raises InvalidSignature if wrong
"""

from __future__ import annotations

from erpops._errors import (
    AdminError,
    AlertError,
    BodyTooLarge,
    Error,
    IncidentError,
    InternalError,
    InvalidSecret,
    InvalidSignature,
    QuotaError,
    RequestRejected,
    ScheduleError,
    ValidationError,
)
from erpops._builder import build_event, signed_request
from erpops._types import Finding, FlappingOptions, ScheduleEntry, Severity
from erpops._native import (
    CONNECTOR_ID_HEADER,
    TZDB_VERSION,
    AlertEngine,
    DEFAULT_MAX_BODY_BYTES,
    MAX_LISTED_VIOLATIONS,
    Engine,
    Event,
    EventBuilder,
    IncidentModel,
    JSON_MEDIA_TYPE,
    RECEIVE_PATH,
    SIGNATURE_HEADER,
    SIGNATURE_LABEL,
    QuotaDecision,
    QuotaLedger,
    ReceiveResponse,
    Schedule,
    Secret,
    Signer,
    __version__,
    check_request,
    is_valid,
    redact,
    sign,
    validate,
    validate_batch,
    verify,
)

__all__ = [
    "AdminError",
    "AlertEngine",
    "AlertError",
    "BodyTooLarge",
    "CONNECTOR_ID_HEADER",
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_LISTED_VIOLATIONS",
    "JSON_MEDIA_TYPE",
    "RECEIVE_PATH",
    "SIGNATURE_HEADER",
    "SIGNATURE_LABEL",
    "TZDB_VERSION",
    "Engine",
    "Error",
    "Event",
    "EventBuilder",
    "Finding",
    "FlappingOptions",
    "IncidentError",
    "IncidentModel",
    "InternalError",
    "InvalidSecret",
    "InvalidSignature",
    "QuotaDecision",
    "QuotaError",
    "QuotaLedger",
    "ReceiveResponse",
    "RequestRejected",
    "Schedule",
    "ScheduleEntry",
    "ScheduleError",
    "Secret",
    "Severity",
    "Signer",
    "ValidationError",
    "__version__",
    "build_event",
    "check_request",
    "is_valid",
    "redact",
    "sign",
    "signed_request",
    "validate",
    "validate_batch",
    "verify",
]
