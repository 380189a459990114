"""Shared helpers: where the language-neutral vectors live, and how to load them.

When ERPOPS_VECTOR_LOG names a directory (`make test` sets it), the session
appends to `python.tsv` there one line `python <file> <section> <cases> <pid>`
per vector file loaded (section `-`) and per top-level array of it whose cases
were read by a running test (`cases`: how many distinct ones).
tests/vectors/check_matrix.py compares those lines with the table in
tests/vectors/README.md: a file this suite stops loading, or a section none of
whose cases a test reads (a test deleted or skipped), fails `make test`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator, ItemsView, Iterator, ValuesView
from pathlib import Path
from typing import Any

import pytest

# ERPOPS_VECTORS: set when the suite runs outside the checkout against an
# installed wheel (tests/dist/python.sh).
VECTORS = Path(os.environ.get("ERPOPS_VECTORS") or Path(__file__).resolve().parents[2] / "tests" / "vectors")

_LOADED: set[str] = set()
_REPLAYED: dict[tuple[str, str], set[int]] = {}
_IN_TEST = False


class _Case(dict):  # type: ignore[type-arg]
    """A case of a vector file's top-level array: a plain dict that notes when a running test reads it.

    Reads while modules are imported (parametrize ids, say) do not count."""

    def __init__(self, where: tuple[str, str, int], data: dict[str, Any]) -> None:
        super().__init__(data)
        self._where = where

    def _read(self) -> None:
        if _IN_TEST:
            file, section, index = self._where
            _REPLAYED.setdefault((file, section), set()).add(index)

    def __getitem__(self, key: Any) -> Any:
        self._read()
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._read()
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._read()
        return super().__contains__(key)

    def __iter__(self) -> Iterator[Any]:
        self._read()
        return super().__iter__()

    def items(self) -> ItemsView[Any, Any]:
        self._read()
        return super().items()

    def values(self) -> ValuesView[Any]:
        self._read()
        return super().values()


def load_vectors(name: str) -> dict[str, Any]:
    """The parsed `tests/vectors/<name>` file shared by every language's suite."""
    with (VECTORS / name).open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    _LOADED.add(name)
    for section, value in data.items():
        if isinstance(value, list):
            data[section] = [
                _Case((name, section, i), case) if isinstance(case, dict) else case for i, case in enumerate(value)
            ]
    return data


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    global _IN_TEST
    _IN_TEST = True
    try:
        return (yield)
    finally:
        _IN_TEST = False


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    log = os.environ.get("ERPOPS_VECTOR_LOG")
    if not log:
        return
    Path(log).mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    lines = [f"python\t{name}\t-\t0\t{pid}\n" for name in sorted(_LOADED)]
    lines += [f"python\t{f}\t{s}\t{len(seen)}\t{pid}\n" for (f, s), seen in sorted(_REPLAYED.items())]
    with open(Path(log) / "python.tsv", "a", encoding="utf-8") as out:
        out.write("".join(lines))
