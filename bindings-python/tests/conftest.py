"""Shared helpers: where the language-neutral vectors live, and how to load them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load_vectors(name: str) -> dict[str, Any]:
    """The parsed `tests/vectors/<name>` file shared by every language's suite."""
    with (VECTORS / name).open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data
