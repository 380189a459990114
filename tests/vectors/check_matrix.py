#!/usr/bin/env python3
"""Checks the table "Who replays what" of tests/vectors/README.md against what the runners did.

usage: check_matrix.py LOG_DIR [--runners rust,c,python,node]

Each language's vector runner, when ERPOPS_VECTOR_LOG names a directory (`make test`
exports it and empties the directory before the suites), appends tab-separated lines
`<runner> <file> <section> <cases> <pid>` to `<runner>.tsv` there: `<cases>` cases of the
top-level array `<section>` of tests/vectors/<file> were replayed by process `<pid>`
(section `-`: the file was loaded). This script fails when

- a runner the table names left no log at all (its suite did not run, or ran without the
  variable);
- the table says a runner replays a section, and no process of that runner replayed a case
  of it (the file is no longer loaded, its tests were deleted or skipped, the section is
  empty);
- a runner replayed a section the table says it does not (the table must stay true both
  ways);
- the table's rows are not exactly the vector files, or a row's sections are not exactly the
  top-level arrays of its file.

A cell is `all` (every section of the row), a list of sections in backticks (those only), or
`—` (none); a note marker such as `[2]` after it is ignored.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

VECTORS = Path(__file__).resolve().parent
README = VECTORS / "README.md"
HEADER = re.compile(r"^\|\s*File\s*\|\s*Sections\s*\|")
NONE = {"—", "-", ""}


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def names(cell: str) -> list[str]:
    return [n.strip().strip("`") for n in cell.split(",") if n.strip()]


def parse_table(text: str) -> tuple[list[str], dict[str, list[str]], dict[tuple[str, str], set[str]]]:
    """(runners, sections by file, claimed sections by (runner, file)) from the README."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    if start is None:
        raise SystemExit(f"{README}: no table starting '| File | Sections |'")
    runners = [c.lower() for c in cells(lines[start])[2:]]
    sections: dict[str, list[str]] = {}
    claims: dict[tuple[str, str], set[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        row = cells(line)
        if len(row) != len(runners) + 2:
            raise SystemExit(f"{README}: row has {len(row)} cells, want {len(runners) + 2}: {line}")
        file = row[0].strip("`")
        sections[file] = names(row[1])
        for runner, cell in zip(runners, row[2:]):
            cell = re.sub(r"\s*\[\d+\]", "", cell).strip()
            if cell == "all":
                claims[(runner, file)] = set(sections[file])
            elif cell in NONE:
                claims[(runner, file)] = set()
            else:
                claimed = set(names(cell))
                unknown = claimed - set(sections[file])
                if unknown:
                    raise SystemExit(f"{README}: {runner} / {file}: no section {sorted(unknown)} in that row")
                claims[(runner, file)] = claimed
    return runners, sections, claims


def read_logs(log_dir: Path) -> dict[str, list[tuple[str, str, int, str]]]:
    """Log lines by runner: (file, section, cases, pid)."""
    logs: dict[str, list[tuple[str, str, int, str]]] = defaultdict(list)
    for path in sorted(log_dir.glob("*.tsv")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            parts = line.split("\t")
            if len(parts) != 5 or not parts[3].isdigit():
                raise SystemExit(f"{path}:{n}: not `runner file section cases pid`: {line!r}")
            runner, file, section, cases, pid = parts
            logs[runner].append((file, section, int(cases), pid))
    return logs


def replayed(lines: list[tuple[str, str, int, str]]) -> dict[tuple[str, str], int]:
    """Cases replayed per (file, section): summed within a process, the most of any process
    (the C suite runs its binary five times, which replays the same cases five times)."""
    per_pid: dict[tuple[str, str, str], int] = defaultdict(int)
    for file, section, cases, pid in lines:
        if section != "-":
            per_pid[(file, section, pid)] += cases
    best: dict[tuple[str, str], int] = defaultdict(int)
    for (file, section, _), cases in per_pid.items():
        best[(file, section)] = max(best[(file, section)], cases)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log_dir", type=Path)
    ap.add_argument("--runners", help="check only these columns (comma-separated), e.g. rust,python")
    args = ap.parse_args()

    runners, sections, claims = parse_table(README.read_text(encoding="utf-8"))
    errors: list[str] = []

    on_disk = sorted(p.name for p in VECTORS.glob("*.json"))
    if sorted(sections) != on_disk:
        errors.append(f"the table's rows {sorted(sections)} are not the vector files {on_disk}")
    for file, listed in sections.items():
        if (VECTORS / file).exists():
            doc = json.loads((VECTORS / file).read_text(encoding="utf-8"))
            arrays = sorted(k for k, v in doc.items() if isinstance(v, list))
            if sorted(listed) != arrays:
                errors.append(f"{file}: the table lists sections {sorted(listed)}, the file has arrays {arrays}")

    if args.runners:
        wanted = [r.strip() for r in args.runners.split(",")]
        unknown = set(wanted) - set(runners)
        if unknown:
            raise SystemExit(f"--runners: no column {sorted(unknown)} in the table (columns: {runners})")
        runners = wanted

    logs = read_logs(args.log_dir) if args.log_dir.is_dir() else {}
    summary = []
    for runner in runners:
        lines = logs.get(runner, [])
        if not lines:
            errors.append(
                f"{runner}: no log in {args.log_dir} (did its suite run, with ERPOPS_VECTOR_LOG set?)"
            )
            continue
        loaded = {file for file, _, _, _ in lines}
        counts = replayed(lines)
        for file in sections:
            claimed = claims[(runner, file)]
            for section in sections[file]:
                n = counts.get((file, section), 0)
                if section in claimed and n == 0:
                    why = "loads it but replayed no case of" if file in loaded else "never loaded it, so replayed none of"
                    errors.append(
                        f"{runner}: the table says it replays {file} `{section}`; it {why} `{section}`"
                    )
                elif section not in claimed and n > 0:
                    errors.append(
                        f"{runner}: replayed {n} cases of {file} `{section}`, which the table says it does not"
                        " (update the table in tests/vectors/README.md)"
                    )
        for file, section in counts:
            if file not in sections:
                errors.append(f"{runner}: replayed {file} `{section}`, which has no row in the table")
        summary.append(
            f"  {runner:<6} "
            + ", ".join(f"{f} {s} {n}" for (f, s), n in sorted(counts.items()) if n > 0)
        )

    if errors:
        print("vector matrix: tests/vectors/README.md does not match what the runners replayed:", file=sys.stderr)
        for e in errors:
            print(f"  - {e}", file=sys.stderr)
        return 1
    cells_checked = sum(len(claims[(r, f)]) for r in runners for f in sections)
    print(f"vector matrix: the table holds ({cells_checked} runner x section cells replayed, cases per process):")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
