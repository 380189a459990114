"""The ``erpops`` exception hierarchy.

Every exception the package raises for bad input derives from :class:`Error`
and carries ``.code``, the core's stable machine code (the same string in C,
Node and the HTTP problem bodies), so callers branch on codes, not on message
text. Classes for bad values also derive from :class:`ValueError`, so code
written against the standard library keeps catching them.

The classes live in Python (not in the native module) because they carry
attributes and must pickle; the native module only instantiates them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Error",
    "InvalidSignature",
    "InvalidSecret",
    "ValidationError",
    "BodyTooLarge",
    "RequestRejected",
    "QuotaError",
    "IncidentError",
    "AlertError",
    "ScheduleError",
    "AdminError",
    "InternalError",
]


class Error(Exception):
    """Base class of every ``erpops`` exception.

    ``code`` is the core's machine code (``signature_mismatch``, ...);
    ``status`` the HTTP status the receive decision answers with, or ``None``
    where the error is not an HTTP answer. ``str(e)`` is the human message,
    written to tell the caller how to fix the input.
    """

    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: str = code if code is not None else self.default_code
        self.status: int | None = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidSignature(Error, ValueError):
    """The ``X-ERPOps-Signature`` value does not verify the body.

    ``code`` is ``signature_missing``, ``signature_malformed`` or
    ``signature_mismatch``; ``status`` is 401.
    """

    default_code = "signature_mismatch"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = 401) -> None:
        super().__init__(message, code=code, status=status)


class InvalidSecret(Error, ValueError):
    """Bytes that cannot be used as a connector secret (``secret_empty``)."""

    default_code = "secret_empty"


class ValidationError(Error, ValueError):
    """An event body breaks the event contract.

    ``errors`` lists the violations as
    ``{"pointer": "/metadata/x", "code": "...", "message": "..."}`` (an RFC
    6901 JSON pointer, a stable code, a human message): the same three names
    as the ``errors`` of the HTTP problem body and of the other languages.
    Every violation is listed up to ``MAX_LISTED_VIOLATIONS`` (100, the first
    found); ``error_count`` is how many there are in all (the problem body's
    ``error_count``), so ``error_count > len(errors)`` only for a body with
    more. For a body that is not JSON at all, ``syntax`` is ``{"line",
    "column", "offset"}`` of the error (1-based line and column, 0-based byte
    offset).
    """

    default_code = "invalid_event"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = 422,
        errors: list[dict[str, str]] | None = None,
        syntax: dict[str, int] | None = None,
        error_count: int | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.errors: list[dict[str, str]] = list(errors) if errors is not None else []
        self.syntax: dict[str, int] | None = syntax
        self.error_count: int = error_count if error_count is not None else len(self.errors)


class BodyTooLarge(ValidationError):
    """A builder refused an event whose body would be longer than the limit.

    The fields are valid, but a receiver would refuse the body with 413
    ``body_too_large``, so nothing was built or signed: shorten the message
    or the metadata values. ``code`` is ``body_too_large`` and ``status``
    413; ``size`` is the body's length in bytes and ``limit`` the builder's
    (65,536 unless ``max_body_bytes`` set another). ``errors`` holds the one
    ``too_long`` violation at ``""`` (the whole document) that ``validate``
    reports for such a body. A subclass of ``ValidationError``, so code that
    catches builder errors keeps catching it.
    """

    default_code = "body_too_large"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = 413,
        errors: list[dict[str, str]] | None = None,
        syntax: dict[str, int] | None = None,
        error_count: int | None = None,
        size: int = 0,
        limit: int = 0,
    ) -> None:
        super().__init__(
            message, code=code, status=status, errors=errors, syntax=syntax, error_count=error_count
        )
        self.size: int = size
        self.limit: int = limit


class RequestRejected(Error):
    """A receiver must refuse the request: answer ``status`` with ``problem``.

    ``problem`` is the RFC 9457 ``application/problem+json`` body as a dict and
    ``headers`` the response headers to send with it (``Retry-After``,
    ``RateLimit``, ...).
    """

    default_code = "rejected"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.problem: dict[str, Any] = dict(problem) if problem is not None else {}
        self.headers: dict[str, str] = dict(headers) if headers is not None else {}


class QuotaError(Error, ValueError):
    """Quota state that cannot be used: a snapshot this version cannot have
    written (``snapshot_syntax``, ``snapshot_version``, ``snapshot_unsorted``,
    ``snapshot_misaligned``).

    A quota *refusal* is not an exception: it is a ``QuotaDecision``.
    """

    default_code = "quota_error"


class IncidentError(Error, ValueError):
    """The incident model refuses a command or a snapshot; nothing changed.

    Command codes: ``incident_not_found``, ``already_acknowledged``,
    ``already_resolved``, ``not_resolved``, ``invalid_actor``,
    ``invalid_note``; snapshot codes come from the core's snapshot check.
    """

    default_code = "incident_error"


class AlertError(Error, ValueError):
    """The alert engine refuses a rule, silence, heartbeat, job, window or
    snapshot; nothing changed.

    Codes: ``invalid_name`` (a blank, too long or control-character id,
    name, channel or source), ``invalid_duration`` (a zero or fractional
    ``repeat_interval``, ``group_wait``, ``period``, ``grace``, runtime or
    window ``duration``), ``invalid_time_range`` (a silence that ends at or
    before it starts), ``unknown_heartbeat``, ``unknown_job``; for jobs a
    schedule's code (``invalid_cron``, ``cron_never_fires``,
    ``unknown_time_zone``, ``invalid_schedule``, ``invalid_period``),
    ``invalid_deadline``, ``invalid_runtime_range``,
    ``deadline_needs_schedule``, ``too_many_dependencies``,
    ``dependency_cycle``, ``watched_twice`` (a heartbeat and a job on one
    source); ``invalid_window`` (occurrences that overlap);
    ``invalid_argument`` (a dict that is not the record's form: a missing
    field, a wrong type); and for ``restore`` ``snapshot_syntax``,
    ``snapshot_version`` or the incident snapshot's codes. Operator commands
    raise :class:`IncidentError`, as on :class:`IncidentModel`.
    """

    default_code = "alert_error"


class ScheduleError(Error, ValueError):
    """A schedule that cannot be built.

    Codes: ``invalid_cron`` (not 5 fields or a known ``@nickname``, or a
    field out of range), ``cron_never_fires`` (matches no date, such as
    February 30), ``unknown_time_zone`` (not an IANA name in the compiled-in
    database, ``TZDB_VERSION``; abbreviations such as ``CDT`` are not zones),
    ``invalid_schedule`` (no entries, or more than 32).
    """

    default_code = "schedule_error"


class AdminError(Error, ValueError):
    """An ``Engine`` administration call refused (``tenant_exists``,
    ``tenant_not_found``, ``connector_exists``, ``connector_not_found``)."""

    default_code = "admin_error"


class InternalError(Error):
    """A bug in erpops was caught at the boundary (a Rust panic).

    Raised instead of pyo3's ``PanicException``, which derives from
    ``BaseException`` and would escape ``except Exception`` handlers.
    """

    default_code = "internal"
