"""Small value types of the public API that are plain Python.

``Severity`` is a ``str`` enum, so it compares equal to the wire spelling
(``Severity.ERROR == "error"``) and serializes as such; ``Finding`` is a named
tuple. The native module builds them from the core's values.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

__all__ = ["Severity", "Finding"]


class Severity(str, Enum):
    """How bad an event is; ordered ``info < warn < error < critical`` by ``rank``."""

    INFO = "info"
    WARN = "warn"
    ERROR = "error"
    CRITICAL = "critical"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """0 for ``info`` up to 3 for ``critical``, for comparisons."""
        return _RANK[self.value]


_RANK = {"info": 0, "warn": 1, "error": 2, "critical": 3}


class Finding(NamedTuple):
    """Personal data found by ``redact``: its kind and where it was in the text.

    ``start``/``end`` index the *input* ``str`` (code points, so
    ``text[f.start:f.end]`` is the finding); ``kind`` is ``email``, ``ssn``,
    ``card``, ``iban`` or ``phone``.
    """

    kind: str
    start: int
    end: int
