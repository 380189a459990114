"""Type stubs for the native module ``erpops._native`` (checked by stubtest)."""

from collections.abc import Callable, Iterable
from collections.abc import Mapping
import uuid
from datetime import datetime, timedelta
from typing import Any, Final, TypeAlias, final

from erpops._errors import ValidationError
from erpops._types import Finding, Severity

_BytesLike: TypeAlias = bytes | bytearray | memoryview | str
_Now: TypeAlias = datetime | int | float | None
_Duration: TypeAlias = int | float | timedelta
_Plan: TypeAlias = str | Mapping[str, int | None]
_SecretLike: TypeAlias = Secret | bytes | bytearray | memoryview | str

__all__ = [
    "_panic_for_tests",
    "is_valid",
    "sign",
    "verify",
    "Secret",
    "Signer",
    "QuotaDecision",
    "QuotaLedger",
    "Event",
    "IncidentModel",
    "redact",
    "validate",
    "validate_batch",
    "EventBuilder",
    "check_request",
    "Engine",
    "ReceiveResponse",
    "__version__",
    "SIGNATURE_HEADER",
    "CONNECTOR_ID_HEADER",
    "RECEIVE_PATH",
    "JSON_MEDIA_TYPE",
    "SIGNATURE_LABEL",
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_LISTED_VIOLATIONS",
]

__version__: Final[str]
SIGNATURE_HEADER: Final[str]
CONNECTOR_ID_HEADER: Final[str]
RECEIVE_PATH: Final[str]
JSON_MEDIA_TYPE: Final[str]
SIGNATURE_LABEL: Final[str]
DEFAULT_MAX_BODY_BYTES: Final[int]
MAX_LISTED_VIOLATIONS: Final[int]

@final
class Secret:
    """A connector secret (HMAC key), absorbed once; its repr never shows the key."""

    def __new__(cls, key: _BytesLike) -> Secret: ...
    def __len__(self) -> int: ...

@final
class Signer:
    """Incremental signer: any split of the body gives the same header as ``sign``."""

    def __new__(cls, secret: _SecretLike) -> Signer: ...
    def update(self, data: _BytesLike) -> None: ...
    @property
    def bytes_fed(self) -> int: ...
    def finalize(self) -> str: ...
    def copy(self) -> Signer: ...

@final
class QuotaDecision:
    """The answer to a quota request, with everything an HTTP response needs."""

    @property
    def code(self) -> str: ...
    @property
    def permitted(self) -> bool: ...
    @property
    def limit(self) -> int | None: ...
    @property
    def remaining(self) -> int | None: ...
    @property
    def window_start(self) -> int: ...
    @property
    def window_end(self) -> int: ...
    @property
    def reset_after(self) -> int: ...
    @property
    def retry_after(self) -> int | None: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def reset_at(self) -> datetime: ...

@final
class QuotaLedger:
    """In-memory quota state (per tenant, metric and UTC window); thread-safe."""

    def __new__(cls) -> QuotaLedger: ...
    def consume(
        self,
        tenant: str,
        *,
        plan: _Plan,
        metric: str = "inbound_event",
        cost: int = 1,
        now: _Now = None,
        idempotency_key: str | None = None,
    ) -> QuotaDecision: ...
    def peek(
        self,
        tenant: str,
        *,
        plan: _Plan,
        metric: str = "inbound_event",
        cost: int = 1,
        now: _Now = None,
        idempotency_key: str | None = None,
    ) -> QuotaDecision: ...
    def used(self, tenant: str, metric: str = "inbound_event", now: _Now = None) -> int: ...
    def prune(self, now: _Now = None) -> int: ...
    def snapshot(self) -> str: ...
    @staticmethod
    def restore(snapshot: str) -> QuotaLedger: ...
    def __len__(self) -> int: ...

@final
class Event:
    """A valid, normalized integration event (returned by ``validate``)."""

    @property
    def connector_id(self) -> uuid.UUID: ...
    @property
    def event_type(self) -> str: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def source(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def metadata(self) -> dict[str, str | int | float | bool | None]: ...
    @property
    def family(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def redactions(self) -> list[dict[str, Any]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class IncidentModel:
    """Groups events into incidents; operations return effect dicts. Thread-safe."""

    def __new__(
        cls,
        *,
        reopen_window: _Duration | None = None,
        ack_timeout: _Duration | None = None,
        retain_resolved: _Duration | None = None,
    ) -> IncidentModel: ...
    def ingest(
        self, event: Event | Mapping[str, Any], event_id: str, *, now: _Now = None
    ) -> list[dict[str, Any]]: ...
    def command(
        self,
        command: str,
        incident_id: str,
        *,
        actor: str,
        note: str | None = None,
        now: _Now = None,
    ) -> list[dict[str, Any]]: ...
    def tick(self, now: _Now = None) -> list[dict[str, Any]]: ...
    def next_wakeup(self) -> datetime | None: ...
    def get(self, incident_id: str) -> dict[str, Any] | None: ...
    def incidents(self) -> list[dict[str, Any]]: ...
    def active_count(self) -> int: ...
    def snapshot(self) -> str: ...
    def restore(self, snapshot: str) -> IncidentModel: ...
    def __len__(self) -> int: ...

@final
class EventBuilder:
    """Builds a valid body (compact JSON, fixed field order); setters chain."""

    def __new__(cls) -> EventBuilder: ...
    def connector_id(self, value: str | uuid.UUID) -> EventBuilder: ...
    def event_type(self, value: str) -> EventBuilder: ...
    def timestamp(self, value: datetime | str | int | float) -> EventBuilder: ...
    def severity(self, value: str) -> EventBuilder: ...
    def source(self, value: str) -> EventBuilder: ...
    def message(self, value: str) -> EventBuilder: ...
    def metadata(self, key: str, value: str | int | float | bool | None) -> EventBuilder: ...
    def run_id(self, value: str) -> EventBuilder: ...
    def records_processed(self, value: int) -> EventBuilder: ...
    def max_body_bytes(self, value: int) -> EventBuilder: ...
    def validate(self) -> None: ...
    def build(self) -> bytes: ...
    def build_signed(self, secret: _SecretLike) -> tuple[bytes, str]: ...
    def signed_request(self, secret: _SecretLike) -> tuple[bytes, dict[str, str]]: ...

def validate(
    body: _BytesLike,
    *,
    connector_id: str | uuid.UUID | None = None,
    now: _Now = None,
    future_skew: _Duration | None = None,
    max_age: _Duration | None = None,
    max_body_bytes: int | None = None,
    pii_policy: str | None = None,
) -> Event: ...
def validate_batch(
    bodies: Iterable[_BytesLike],
    *,
    connector_id: str | uuid.UUID | None = None,
    now: _Now = None,
    future_skew: _Duration | None = None,
    max_age: _Duration | None = None,
    max_body_bytes: int | None = None,
    pii_policy: str | None = None,
) -> list[Event | ValidationError]: ...
def check_request(
    headers: Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[str, str]],
    body: _BytesLike,
    *,
    secrets: _SecretLike
    | Iterable[_SecretLike]
    | Mapping[str, _SecretLike | Iterable[_SecretLike]]
    | Callable[[str], _SecretLike | Iterable[_SecretLike] | None],
    now: _Now = None,
    method: str = "POST",
    pii_policy: str | None = None,
    max_body_bytes: int | None = None,
    future_skew: _Duration | None = None,
    max_age: _Duration | None = None,
    request_id: str = "",
) -> Event: ...
@final
class ReceiveResponse:
    """What ``Engine.receive`` answers: status, headers, body."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def code(self) -> str | None: ...
    def json(self) -> Any: ...

@final
class Engine:
    """The whole receiver in memory (tenants, connectors, quota, replay, incidents)."""

    def __new__(
        cls,
        *,
        max_body_bytes: int | None = None,
        future_skew: _Duration | None = None,
        max_age: _Duration | None = None,
        replay_window: _Duration | None = None,
    ) -> Engine: ...
    def add_tenant(
        self, tenant_id: str, *, plan: _Plan | None = None, pii_policy: str = "redact", suspended: bool = False
    ) -> None: ...
    def add_connector(
        self,
        connector_id: str | uuid.UUID,
        *,
        tenant: str,
        secrets: _SecretLike | Iterable[_SecretLike | tuple[_SecretLike, _Now]],
        enabled: bool = True,
    ) -> None: ...
    def rotate_secret(
        self, connector_id: str | uuid.UUID, secret: _SecretLike, *, overlap: _Duration, now: _Now = None
    ) -> None: ...
    def set_connector_enabled(self, connector_id: str | uuid.UUID, enabled: bool) -> None: ...
    def set_tenant_suspended(self, tenant_id: str, suspended: bool) -> None: ...
    def set_plan(self, tenant_id: str, plan: _Plan) -> None: ...
    def set_pii_policy(self, tenant_id: str, policy: str) -> None: ...
    def receive(
        self,
        headers: Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[str, str]],
        body: _BytesLike | None,
        *,
        method: str = "POST",
        now: _Now = None,
        request_id: str = "",
        body_length: int | None = None,
    ) -> ReceiveResponse: ...
    def incidents(self) -> list[dict[str, Any]]: ...
    def used(self, tenant_id: str, now: _Now = None) -> int: ...

def sign(body: _BytesLike, secret: _SecretLike) -> str: ...
def verify(
    body: _BytesLike,
    signature: bytes | bytearray | memoryview | str | None,
    secrets: _SecretLike | Iterable[_SecretLike],
) -> None: ...
def is_valid(
    body: _BytesLike,
    signature: bytes | bytearray | memoryview | str | None,
    secrets: _SecretLike | Iterable[_SecretLike],
) -> bool: ...
def redact(text: str) -> tuple[str, list[Finding]]: ...
def _panic_for_tests() -> None: ...
