"""Typed usage of the public API: `mypy --strict` checks it against the stubs.

Not a test module (pytest does not collect it); it must type-check, and it
also runs: `python tests/typing_usage.py`.
"""

from __future__ import annotations

import erpops


def sign_and_verify(body: bytes, secret: str) -> bool:
    header: str = erpops.sign(body, secret)
    erpops.verify(body, header, [secret, erpops.Secret(b"previous")])
    ok: bool = erpops.is_valid(memoryview(body), header.encode(), secret)
    return ok


def incremental(chunks: list[bytes], secret: erpops.Secret) -> str:
    signer = erpops.Signer(secret)
    for chunk in chunks:
        signer.update(chunk)
    fed: int = signer.bytes_fed
    assert fed == sum(map(len, chunks))
    return signer.finalize()


def handle(body: bytes, header: str | None) -> tuple[int, str]:
    try:
        erpops.verify(body, header, b"s3cret")
    except erpops.InvalidSignature as e:
        status: int | None = e.status
        code: str = e.code
        return (status or 401, code)
    return (202, "accepted")


if __name__ == "__main__":
    assert sign_and_verify(b"{}", "k")
    assert incremental([b"{", b"}"], erpops.Secret("k")) == erpops.sign(b"{}", "k")
    assert handle(b"{}", None) == (401, "signature_missing")
    print(erpops.SIGNATURE_HEADER, erpops.__version__)
