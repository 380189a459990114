"""Replays tests/vectors/pii.json through erpops.redact (offsets converted to code points)."""

from __future__ import annotations

from typing import Any

import pytest

import erpops
from conftest import VECTORS, load_vectors

if not (VECTORS / "pii.json").exists():  # lands with the core's PII detectors
    pytest.skip("tests/vectors/pii.json is not in this tree yet", allow_module_level=True)

CASES = load_vectors("pii.json")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    text: str = case["text"]
    redacted, findings = erpops.redact(text)
    assert redacted == case["redacted"]
    raw = text.encode("utf-8")
    assert len(findings) == len(case["findings"])
    for got, want in zip(findings, case["findings"]):
        assert isinstance(got, erpops.Finding)
        assert got.kind == want["kind"]
        # The vectors give UTF-8 byte offsets; erpops.redact gives str indices.
        assert text[got.start : got.end].encode("utf-8") == raw[want["start"] : want["end"]]
        assert len(text[: got.start].encode("utf-8")) == want["start"]
    again, more = erpops.redact(redacted)
    assert (again, more) == (redacted, [])
