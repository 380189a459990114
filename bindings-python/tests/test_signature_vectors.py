"""Replays tests/vectors/signatures.json: the same headers and error codes as Rust and C."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

import erpops
from conftest import load_vectors

VECTORS = load_vectors("signatures.json")
SIGN = VECTORS["sign"]
VERIFY = VECTORS["verify"]


def _forms(data: bytes) -> list[Any]:
    """Every accepted spelling of the same bytes (str only when they are UTF-8)."""
    forms: list[Any] = [data, bytearray(data), memoryview(data)]
    try:
        forms.append(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    return forms


def test_vector_file_is_not_empty() -> None:
    assert VECTORS["version"] == 1
    assert len(SIGN) >= 7 and len(VERIFY) >= 5


@pytest.mark.parametrize("case", SIGN, ids=[c["name"] for c in SIGN])
def test_sign(case: dict[str, Any]) -> None:
    secret = bytes.fromhex(case["secret_hex"])
    body = bytes.fromhex(case["body_hex"])
    for b in _forms(body):
        for s in [*_forms(secret), erpops.Secret(secret)]:
            assert erpops.sign(b, s) == case["header"]


@pytest.mark.parametrize("case", SIGN, ids=[c["name"] for c in SIGN])
def test_incremental_signer_in_pieces(case: dict[str, Any]) -> None:
    secret = bytes.fromhex(case["secret_hex"])
    body = bytes.fromhex(case["body_hex"])
    for piece in (1, 3, 64, max(1, len(body))):
        signer = erpops.Signer(secret)
        for at in range(0, len(body), piece):
            signer.update(body[at : at + piece])
        assert signer.bytes_fed == len(body)
        assert signer.finalize() == case["header"]


@pytest.mark.parametrize("case", VERIFY, ids=[c["name"] for c in VERIFY])
def test_verify(case: dict[str, Any]) -> None:
    secrets = [bytes.fromhex(s) for s in case["secrets_hex"]]
    body = bytes.fromhex(case["body_hex"])
    header = case["header"]
    headers: list[Any] = [header] if header is None else [header, header.encode("latin-1")]
    for h in headers:
        for b in _forms(body):
            if case["expect"] == "ok":
                erpops.verify(b, h, secrets)
                assert erpops.is_valid(b, h, secrets)
            else:
                with pytest.raises(erpops.InvalidSignature) as info:
                    erpops.verify(b, h, secrets)
                assert info.value.code == case["expect"]
                assert info.value.status == 401
                assert not erpops.is_valid(b, h, secrets)


def test_matched_secret_order_does_not_matter_for_the_verdict() -> None:
    for case in VERIFY:
        if case["expect"] != "ok":
            continue
        secrets = [bytes.fromhex(s) for s in case["secrets_hex"]]
        body = bytes.fromhex(case["body_hex"])
        erpops.verify(body, case["header"], list(reversed(secrets)))
        erpops.verify(body, case["header"], tuple(erpops.Secret(s) for s in secrets))


def test_digest_line() -> None:
    """One line every runner prints: SHA-256 over its outputs in vector order."""
    h = hashlib.sha256()
    for case in SIGN:
        h.update(erpops.sign(bytes.fromhex(case["body_hex"]), bytes.fromhex(case["secret_hex"])).encode())
    for case in VERIFY:
        secrets = [bytes.fromhex(s) for s in case["secrets_hex"]]
        try:
            erpops.verify(bytes.fromhex(case["body_hex"]), case["header"], secrets)
            h.update(b"ok")
        except erpops.InvalidSignature as e:
            h.update(e.code.encode())
    print(f"signatures.json digest: {h.hexdigest()}")
