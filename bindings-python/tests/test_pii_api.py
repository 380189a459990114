"""redact's Python surface (the detection rules are the core's, tested by pii.json)."""

from __future__ import annotations

import pytest

import erpops


def test_text_without_personal_data_is_unchanged() -> None:
    text = "Exit code 1 at record 18441 of 40000 — Überweisung fehlgeschlagen"
    assert erpops.redact(text) == (text, [])


def test_redact_takes_str_only() -> None:
    with pytest.raises(TypeError):
        erpops.redact(b"bytes")  # type: ignore[arg-type]


def test_large_text_goes_through_the_released_gil_path() -> None:
    text = "record 18441 failed; " * 10_000
    assert erpops.redact(text) == (text, [])
