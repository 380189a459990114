"""Small value types of the public API that are plain Python.

``Severity`` is a ``str`` enum, so it compares equal to the wire spelling
(``Severity.ERROR == "error"``) and serializes as such; ``Finding`` is a named
tuple. The native module builds them from the core's values.
``FlappingOptions`` and ``ScheduleEntry`` are typed dicts: the keyword form of
``AlertEngine``'s flap detection and the JSON form of a schedule entry.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import NamedTuple, TypedDict

__all__ = ["Severity", "Finding", "FlappingOptions", "ScheduleEntry"]


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


class FlappingOptions(TypedDict, total=False):
    """``AlertEngine(flapping=...)``: flap detection settings; omitted keys keep
    the defaults (4 transitions within 1 hour, quiet for 1 hour to stop)."""

    max_transitions: int
    window: int | float | timedelta
    quiet_period: int | float | timedelta


class ScheduleEntry(TypedDict):
    """One entry of a ``Schedule`` in its JSON form: a 5-field cron expression
    (or ``@daily`` and the like) read in an IANA time zone."""

    cron: str
    time_zone: str
