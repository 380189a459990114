#!/usr/bin/env python3
"""Turn each benchmark program's raw output into one normalised JSON file.

`make bench` runs every suite, then this script once per suite; `report.py`
renders BENCHMARKS.md from the files it writes (benches/results/<suite>.json):

    {"suite": "...", "source": "how it was run", "rows": [
        {"group": "verify, 288 B event", "name": "erpops verify",
         "median_ns": 232.1, "anchor": false, "bytes": 288,      # optional
         "ratio": 0.41}                                           # optional
    ]}

A row's ratio is its time over the time of its group's anchor row, unless the
benchmark computed a better one itself (Node alternates anchor and subject
rounds and reports the median of the per-round ratios). Receiver rows carry
requests/s and latency percentiles instead of a time.

Subcommands (stdlib only, so it runs before any venv exists):
    env OUT                          machine, CPU model, SHA extensions, tool versions, load
    env-end OUT                      adds the load average at the end of the run
    criterion CRITERION_DIR SINCE OUT   every criterion result written after SINCE (epoch s)
    c OUT JSON...                    benches/c/bench_sign --json outputs (one per body)
    python OUT JSON                  benches/python/bench.py --json output
    node OUT LOG                     `BENCH_JSON=1 node benches/node/bench.mjs` stdout
    receiver OUT LOG [RSS]           benches/receiver/run.sh stdout (+ peak RSS per server)
    run-with-rss RSS LOG CMD...      runs CMD (run.sh), output to LOG, peak RSS of its servers to RSS
    phases TSV                       prints wall and CPU time per `make bench` phase (mk/bench.mk)
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def write(out: str, suite: str, source: str, rows: list[dict[str, Any]], **extra: Any) -> None:
    doc = {"suite": suite, "source": source, "rows": rows, **extra}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"collect: {len(rows)} rows -> {out}")


def tool_version(*cmd: str) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else None


def cpu_info() -> dict[str, Any]:
    """CPU model and the flags the SHA-256 implementations dispatch on.

    `sha2` (through `cpufeatures`) selects its SHA-NI backend when CPUID
    reports `sha`, `sse2`, `ssse3` and `sse4.1`; OpenSSL checks the same SHA
    bit (OPENSSL_ia32cap). /proc/cpuinfo shows what CPUID reports, so both
    use the extensions exactly when `sha_ni` and those flags are listed.
    """
    model, flags = platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == platform.machine():
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    sha = {"sha_ni", "ssse3", "sse4_1"} <= flags if flags else None
    return {"cpu_model": model, "sha_extensions": sha, "sha_ni_flag": "sha_ni" in flags}


def load() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def cmd_env(out: str) -> None:
    """The machine, written at the start of the run."""
    env = {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        **cpu_info(),
        "cores": os.cpu_count(),
        "load_average_start": load(),
        "kernel": platform.release(),
        "rustc": tool_version("rustc", "--version"),
        "openssl": tool_version("openssl", "version"),
        "node": tool_version("node", "--version"),
        "python": platform.python_version(),
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(env, indent=1) + "\n", encoding="utf-8")
    print(f"collect: environment -> {out}")


def cmd_env_end(out: str) -> None:
    """Adds the load average at the end of the run and the run's duration."""
    env = json.loads(Path(out).read_text(encoding="utf-8"))
    env["load_average_end"] = load()
    env["finished_utc"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    Path(out).write_text(json.dumps(env, indent=1) + "\n", encoding="utf-8")


# The core benches' group names, as the table shows them.
CRITERION_GROUPS = {
    "seed": "parse + validate, seed body (215 B)",
    "seed_metadata": "parse + validate, seed body with metadata (295 B)",
    "large_61k": "parse + validate, 61 KB of metadata strings",
    "receive": "receive decision, in memory",
}
# Table order: by operation, then by size (the first number in the group name).
ORDER = ["sign", "verify", "parse", "receive", "incident", "quota"]


def row_order(row: dict[str, Any]) -> tuple[int, float, str, int]:
    group = row["group"]
    first = next((i for i, p in enumerate(ORDER) if group.startswith(p)), len(ORDER))
    m = re.search(r"\d[\d,]*", group)
    size = float(m.group().replace(",", "")) * (1024 if "KiB" in group else 1) if m else 0.0
    return first, size, group, 0 if row["anchor"] else 1


def cmd_criterion(root: str, since: str, out: str) -> None:
    rows = []
    for bench in sorted(Path(root).glob("**/new/benchmark.json")):
        if bench.stat().st_mtime < float(since):
            continue  # an older run's result
        meta = json.loads(bench.read_text(encoding="utf-8"))
        est = json.loads((bench.parent / "estimates.json").read_text(encoding="utf-8"))
        row: dict[str, Any] = {
            "group": CRITERION_GROUPS.get(meta["group_id"], meta["group_id"]),
            "name": meta.get("function_id") or meta.get("value_str") or "",
            "median_ns": est["median"]["point_estimate"],
            # The core benches name their anchor "anchor_*", or (event_parse) by what it is.
            "anchor": "anchor" in (meta.get("function_id") or "") or meta.get("function_id") == "serde_json_plain_struct",
        }
        throughput = meta.get("throughput") or {}
        if "Bytes" in throughput:
            row["bytes"] = throughput["Bytes"]
        if "Elements" in throughput:
            row["elements"] = throughput["Elements"]
        rows.append(row)
    rows.sort(key=row_order)
    write(out, "rust", "criterion (median of samples)", rows)


def cmd_c(out: str, *files: str) -> None:
    rows = []
    for f in files:
        raw = json.loads(Path(f).read_text(encoding="utf-8"))
        size = raw["body_bytes"]
        group = f"C sign/verify, {'288 B event' if size < 1024 else f'{size // 1024} KiB'}"
        for r in raw["rows"]:
            rows.append({"group": group, "name": r["name"], "median_ns": r["median_ns"],
                         "anchor": r["anchor"], "bytes": size})
    write(out, "c", "benches/c/bench_sign.c (median of 7 rounds)", rows)


def cmd_python(out: str, file: str) -> None:
    raw = json.loads(Path(file).read_text(encoding="utf-8"))
    write(out, "python", "benches/python/bench.py (best of 5 repeats)", raw["rows"],
          versions={"erpops": raw.get("erpops"), "python": raw.get("python")})


def cmd_node(out: str, log: str) -> None:
    lines = [l for l in Path(log).read_text(encoding="utf-8").splitlines() if l.startswith("[")]
    if not lines:
        sys.exit(f"collect node: no JSON line (BENCH_JSON=1) in {log}")
    rows = []
    for r in json.loads(lines[-1]):
        rows.append({"group": r["name"], "name": f"{r['anchorName']} (anchor)", "median_ns": r["anchorNs"], "anchor": True})
        rows.append({"group": r["name"], "name": "erpops", "median_ns": r["subjectNs"], "anchor": False, "ratio": r["ratio"]})
    write(out, "node", "benches/node/bench.mjs (median of alternating rounds; ratio = median of per-round ratios)", rows)


# Server processes of benches/receiver/run.sh, by the name its result lines use; matched on
# the program and its arguments (not anywhere in the command line: cargo and rustc name
# `bare_hyper` too while run.sh builds it).
SERVERS = {
    "erpops": lambda argv: argv[0].endswith("/erpops") and argv[1:2] == ["serve"],
    "bare hyper": lambda argv: argv[0].endswith("/bare_hyper") and "--no-work" not in argv,
    "hyper 202 (no work)": lambda argv: argv[0].endswith("/bare_hyper") and "--no-work" in argv,
    "node http": lambda argv: Path(argv[0]).name == "node" and any(a.endswith("node_receiver.mjs") for a in argv[1:]),
}


def descendants(root: int) -> dict[int, list[str]]:
    """pid -> argv of every live descendant of `root` (from /proc)."""
    parent, cmd = {}, {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text(encoding="utf-8")
                parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                cmd[int(d.name)] = (d / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except (OSError, ValueError, IndexError):
                continue
    out = {}
    for pid in parent:
        p = pid
        while p in parent and p not in (root, 0, 1):
            p = parent[p]
        if p == root and pid != root:
            out[pid] = cmd.get(pid, [""])
    return out


def cmd_run_with_rss(rss_out: str, log: str, *command: str) -> None:
    """Runs `command` (output to LOG) and records each server's peak RSS.

    The peak is the kernel's high-water mark (VmHWM) of the server processes
    that `command` started, sampled until they exit; only descendants of the
    command are looked at, so servers of other runs on the machine are not.
    """
    import time

    peaks: dict[str, int] = {}
    with open(log, "w", encoding="utf-8") as sink:
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        while child.poll() is None:
            for pid, argv in descendants(child.pid).items():
                name = next((n for n, matches in SERVERS.items() if argv and matches(argv)), None)
                if name is None:
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
                except OSError:
                    continue
                m = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
                if m:
                    peaks[name] = max(peaks.get(name, 0), int(m.group(1)))
            time.sleep(0.25)
    Path(rss_out).write_text(json.dumps(peaks) + "\n", encoding="utf-8")
    print(Path(log).read_text(encoding="utf-8"), end="")
    if child.returncode:
        sys.exit(child.returncode)


def cmd_receiver(out: str, log: str, rss: str | None = None) -> None:
    peaks = json.loads(Path(rss).read_text(encoding="utf-8")) if rss and Path(rss).exists() else {}
    rows = []
    for line in Path(log).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z][\w ()+-]*?):\s+(\{.*\})\s*$", line)
        if m:
            r = json.loads(m.group(2))
            name = m.group(1).strip()
            rows.append({"group": "receiver", "name": name, "anchor": name == "bare hyper", **r})
            if name in peaks:
                rows[-1]["peak_rss_kib"] = peaks[name]
    if not rows:
        sys.exit(f"collect receiver: no result lines in {log}")
    write(out, "receiver", "benches/receiver/run.sh (50 connections, closed loop, loopback)", rows)


def cmd_phases(tsv: str) -> None:
    """Wall and CPU time (user + sys) per phase, from /usr/bin/time's lines "phase wall user sys".

    Printed, not stored: how long `make bench` takes is a property of the machine's state (warm
    or cold build cache, other builds running), not a result to compare across runs.
    """
    path = Path(tsv)
    if not path.exists():
        print("make bench: no phase timings (/usr/bin/time missing)")
        return
    print("make bench: time per phase (CPU = user + sys of every process the phase started)")
    print(f"  {'phase':<22}{'wall':>9}{'CPU':>9}{'user':>9}{'sys':>8}")
    total_wall = total_cpu = 0.0
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue  # e.g. "Command exited with non-zero status 2"
        name, wall, user, sys_ = parts[0], *map(float, parts[1:])
        total_wall += wall
        total_cpu += user + sys_
        print(f"  {name:<22}{wall:>8.0f}s{user + sys_:>8.0f}s{user:>8.0f}s{sys_:>7.0f}s")
    print(f"  {'total':<22}{total_wall:>8.0f}s{total_cpu:>8.0f}s")


def main() -> None:
    commands = {"env": cmd_env, "env-end": cmd_env_end, "criterion": cmd_criterion, "c": cmd_c, "python": cmd_python,
                "node": cmd_node, "receiver": cmd_receiver, "run-with-rss": cmd_run_with_rss, "phases": cmd_phases}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
