"""Shared helpers: where the language-neutral vectors live, and how to load them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# ERPOPS_VECTORS: set when the suite runs outside the checkout against an
# installed wheel (tests/dist/python.sh).
VECTORS = Path(os.environ.get("ERPOPS_VECTORS") or Path(__file__).resolve().parents[2] / "tests" / "vectors")


def load_vectors(name: str) -> dict[str, Any]:
    """The parsed `tests/vectors/<name>` file shared by every language's suite."""
    with (VECTORS / name).open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data
