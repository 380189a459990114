"""Type stubs for the native module ``erpops._native`` (checked by stubtest)."""

from collections.abc import Iterable
from typing import Final, TypeAlias, final

_BytesLike: TypeAlias = bytes | bytearray | memoryview | str
_SecretLike: TypeAlias = Secret | bytes | bytearray | memoryview | str

__all__ = [
    "_panic_for_tests",
    "is_valid",
    "sign",
    "verify",
    "Secret",
    "Signer",
    "__version__",
    "SIGNATURE_HEADER",
    "CONNECTOR_ID_HEADER",
    "RECEIVE_PATH",
    "JSON_MEDIA_TYPE",
    "SIGNATURE_LABEL",
]

__version__: Final[str]
SIGNATURE_HEADER: Final[str]
CONNECTOR_ID_HEADER: Final[str]
RECEIVE_PATH: Final[str]
JSON_MEDIA_TYPE: Final[str]
SIGNATURE_LABEL: Final[str]

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
def _panic_for_tests() -> None: ...
