"""The Python surface of signing: argument types, rotation, headers, threads, the GIL."""

from __future__ import annotations

import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor

import pytest

import erpops

SECRET = b"whsec-test-secret"
BODY = b'{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed"}'


def stdlib_header(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def test_header_constants_match_the_wire_protocol() -> None:
    assert erpops.SIGNATURE_HEADER == "X-ERPOps-Signature"
    assert erpops.CONNECTOR_ID_HEADER == "X-ERPOps-Connector-Id"
    assert erpops.RECEIVE_PATH == "/functions/v1/receive-event"
    assert erpops.JSON_MEDIA_TYPE == "application/json"
    assert erpops.SIGNATURE_LABEL == "sha256="


def test_version_is_the_workspace_version() -> None:
    from pathlib import Path

    cargo = (Path(__file__).resolve().parents[2] / "Cargo.toml").read_text()
    assert f'version = "{erpops.__version__}"' in cargo


def test_str_body_is_signed_as_utf8() -> None:
    text = '{"message":"Überweisung fehlgeschlagen – 5 €"}'
    assert erpops.sign(text, SECRET) == stdlib_header(text.encode("utf-8"), SECRET)


def test_str_secret_is_its_utf8_bytes() -> None:
    assert erpops.sign(BODY, "clé") == erpops.sign(BODY, "clé".encode())


def test_rotation_accepts_any_active_secret() -> None:
    old, new = b"old-secret", b"new-secret"
    header = erpops.sign(BODY, old)
    erpops.verify(BODY, header, [new, old])
    erpops.verify(BODY, header, (s for s in [new, old]))  # any iterable
    with pytest.raises(erpops.InvalidSignature) as info:
        erpops.verify(BODY, header, [new])
    assert info.value.code == "signature_mismatch"


def test_no_candidate_secrets_is_a_mismatch() -> None:
    with pytest.raises(erpops.InvalidSignature) as info:
        erpops.verify(BODY, erpops.sign(BODY, SECRET), [])
    assert info.value.code == "signature_mismatch"


def test_mismatch_message_explains_the_fix_and_hides_the_expected_value() -> None:
    with pytest.raises(erpops.InvalidSignature) as info:
        erpops.verify(BODY + b" ", erpops.sign(BODY, SECRET), SECRET)
    message = str(info.value)
    assert "exactly as sent" in message
    assert stdlib_header(BODY + b" ", SECRET)[7:] not in message
    assert SECRET.decode() not in message


def test_strict_header_syntax() -> None:
    digits = erpops.sign(BODY, SECRET)[len("sha256=") :]
    erpops.verify(BODY, f" SHA256={digits.upper()}\t", SECRET)
    for bad in (digits, f"sha256= {digits}", f"sha256={digits[:-1]}", f"sha512={digits}"):
        with pytest.raises(erpops.InvalidSignature) as info:
            erpops.verify(BODY, bad, SECRET)
        assert info.value.code == "signature_malformed", bad
    for missing in (None, "", "  \t"):
        with pytest.raises(erpops.InvalidSignature) as info:
            erpops.verify(BODY, missing, SECRET)
        assert info.value.code == "signature_missing"


def test_empty_secret_is_refused_everywhere() -> None:
    for call in (
        lambda: erpops.sign(BODY, b""),
        lambda: erpops.verify(BODY, "sha256=" + "0" * 64, [b"ok", b""]),
        lambda: erpops.Secret(""),
        lambda: erpops.Signer(bytearray()),
    ):
        with pytest.raises(erpops.InvalidSecret) as info:
            call()
        assert info.value.code == "secret_empty"


def test_wrong_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError, match="body must be bytes"):
        erpops.sign(123, SECRET)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="secret must be bytes"):
        erpops.sign(BODY, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="secrets must be"):
        erpops.verify(BODY, "sha256=", 42)  # type: ignore[arg-type]


def test_secret_never_shows_its_key() -> None:
    s = erpops.Secret(b"hunter2-very-secret")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s)
    assert len(s) == 19


def test_signer_finalize_does_not_end_it_and_copy_is_independent() -> None:
    s = erpops.Signer(SECRET)
    s.update(BODY[:10])
    fork = s.copy()
    assert s.finalize() == stdlib_header(BODY[:10], SECRET)
    s.update(BODY[10:])
    assert s.finalize() == erpops.sign(BODY, SECRET)
    assert fork.bytes_fed == 10
    fork.update(b"other")
    assert fork.finalize() == stdlib_header(BODY[:10] + b"other", SECRET)


def test_mutable_inputs_are_read_as_they_are_at_call_time() -> None:
    buf = bytearray(BODY)
    header = erpops.sign(buf, SECRET)
    buf[0:1] = b"["
    assert header == erpops.sign(BODY, SECRET)
    view = memoryview(bytearray(BODY))[5:20]
    assert erpops.sign(view, SECRET) == stdlib_header(BODY[5:20], SECRET)


def test_large_bodies_released_gil_path_gives_the_same_bytes() -> None:
    big = bytes(range(256)) * 4096  # 1 MiB, above the GIL-release threshold
    assert erpops.sign(big, SECRET) == stdlib_header(big, SECRET)
    erpops.verify(big, stdlib_header(big, SECRET), SECRET)
    s = erpops.Signer(SECRET)
    s.update(big)
    s.update(b"tail")
    assert s.finalize() == stdlib_header(big + b"tail", SECRET)


def test_threads_share_a_secret_and_a_signer() -> None:
    secret = erpops.Secret(SECRET)
    bodies = [bytes([i]) * (i * 997 + 70_000 * (i % 2)) for i in range(32)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda b: erpops.sign(b, secret), bodies))
    assert got == [stdlib_header(b, SECRET) for b in bodies]

    signer = erpops.Signer(secret)
    chunk = b"x" * 100_000
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: signer.update(chunk), range(16)))
    assert signer.bytes_fed == 16 * len(chunk)
    assert signer.finalize() == stdlib_header(chunk * 16, SECRET)
