"""Hypothesis round trips: erpops agrees with the stdlib and rejects every alteration."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import erpops

keys = st.binary(min_size=1, max_size=200)
bodies = st.binary(max_size=2048)


@given(body=bodies, key=keys)
def test_sign_equals_stdlib_hmac_and_verifies(body: bytes, key: bytes) -> None:
    header = erpops.sign(body, key)
    assert header == "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    erpops.verify(body, header, key)


@given(body=bodies.filter(bool), key=keys, data=st.data())
def test_any_bit_flip_in_the_body_fails(body: bytes, key: bytes, data: st.DataObject) -> None:
    header = erpops.sign(body, key)
    bit = data.draw(st.integers(0, len(body) * 8 - 1))
    flipped = bytearray(body)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(erpops.InvalidSignature) as info:
        erpops.verify(bytes(flipped), header, key)
    assert info.value.code == "signature_mismatch"


@given(body=bodies, key=keys, data=st.data())
def test_any_digit_change_in_the_header_fails(body: bytes, key: bytes, data: st.DataObject) -> None:
    header = erpops.sign(body, key)
    at = data.draw(st.integers(len("sha256="), len(header) - 1))
    digit = data.draw(st.sampled_from("0123456789abcdef").filter(lambda d: d != header[at]))
    assert not erpops.is_valid(body, header[:at] + digit + header[at + 1 :], key)


@given(body=bodies, key=keys, cuts=st.lists(st.integers(0, 2048), max_size=8))
def test_incremental_signing_in_any_split_equals_one_shot(body: bytes, key: bytes, cuts: list[int]) -> None:
    signer = erpops.Signer(key)
    at = 0
    for cut in sorted(c for c in cuts if c <= len(body)):
        signer.update(body[at:cut])
        at = cut
    signer.update(body[at:])
    assert signer.finalize() == erpops.sign(body, key)


@settings(max_examples=50)
@given(text=st.text(max_size=300), key=st.text(min_size=1, max_size=40))
def test_str_and_its_utf8_bytes_sign_alike(text: str, key: str) -> None:
    assert erpops.sign(text, key) == erpops.sign(text.encode("utf-8"), key.encode("utf-8"))
