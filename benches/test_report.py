#!/usr/bin/env python3
"""Checks of benches/report.py (run by `make bench-smoke`, part of `make test`).

No timings: fixed result documents go in, and the rendered text and the
target verdicts are checked, along with the one promise the generator makes to
people editing BENCHMARKS.md — text outside the generated block survives.
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402

ROWS = {
    "rust": {"suite": "rust", "source": "test", "rows": [
        {"group": "verify, 288 B event", "name": "openssl EVP_MAC keyed once + CRYPTO_memcmp (anchor)", "median_ns": 200.0, "anchor": True, "bytes": 288},
        {"group": "verify, 288 B event", "name": "erpops verify", "median_ns": 100.0, "anchor": False, "bytes": 288},
        {"group": "verify, 64 KiB", "name": "openssl EVP_MAC keyed once + CRYPTO_memcmp (anchor)", "median_ns": 1000.0, "anchor": True, "bytes": 65536},
        {"group": "verify, 64 KiB", "name": "erpops verify", "median_ns": 1100.0, "anchor": False, "bytes": 65536},
    ]},
    "node": {"suite": "node", "source": "test", "rows": [
        {"group": "verify, 288 B event", "name": "createHmac (anchor)", "median_ns": 1000.0, "anchor": True},
        {"group": "verify, 288 B event", "name": "erpops", "median_ns": 300.0, "anchor": False, "ratio": 0.2},
    ]},
    "receiver": {"suite": "receiver", "source": "test", "rows": [
        {"group": "receiver", "name": "bare hyper", "anchor": True, "rps": 100000.0, "p50_ms": 0.4, "p99_ms": 4.0, "non_2xx": 0},
        {"group": "receiver", "name": "node http", "anchor": False, "rps": 40000.0, "p50_ms": 1.0, "p99_ms": 2.0, "non_2xx": 0},
        {"group": "receiver", "name": "erpops", "anchor": False, "rps": 60000.0, "p50_ms": 1.0, "p99_ms": 12.5, "non_2xx": 0},
    ]},
}


def verdict(label_start: str) -> tuple[str, str]:
    target = next(t for t in report.TARGETS if t[0].startswith(label_start))
    return report.check(target, ROWS)


class Targets(unittest.TestCase):
    def test_ratio_to_anchor(self) -> None:
        self.assertEqual(verdict("Rust verify, small body"), ("0.50×", "met"))

    def test_ratio_to_fastest(self) -> None:
        self.assertEqual(verdict("Rust verify, 64 KiB"), ("1.10×", "**missed**"))

    def test_ratio_reported_by_the_benchmark_wins(self) -> None:
        self.assertEqual(verdict("Node verify"), ("0.20×", "met"))

    def test_receiver_throughput_and_latency(self) -> None:
        self.assertEqual(verdict("Receiver ≥ 0.5×"), ("0.60×", "met"))
        self.assertEqual(verdict("Receiver ≥ 2×"), ("1.50×", "**missed**"))
        self.assertEqual(verdict("Receiver p99"), ("12.50 ms", "**missed**"))

    def test_scaling_compares_the_same_row_across_groups(self) -> None:
        rows = {"rust": {"suite": "rust", "source": "test", "rows": [
            {"group": "incident ingest, 10 open keys", "name": "erpops IncidentModel::ingest", "median_ns": 200.0, "anchor": False},
            {"group": "incident ingest, 1,000,000 open keys", "name": "erpops IncidentModel::ingest", "median_ns": 260.0, "anchor": False},
        ]}}
        target = next(t for t in report.TARGETS if t[0].startswith("Incident ingest flat"))
        self.assertEqual(report.check(target, rows), ("1.30×", "met"))

    def test_scaling_miss_names_the_floor_the_bare_maps_show(self) -> None:
        def group(keys: str, model: float, btree: float, hashed: float) -> list[dict[str, object]]:
            g = f"incident ingest, {keys} open keys"
            return [
                {"group": g, "name": "bare BTreeMap counter (anchor)", "median_ns": btree, "anchor": True},
                {"group": g, "name": "bare HashMap counter (anchor)", "median_ns": hashed, "anchor": True},
                {"group": g, "name": "erpops IncidentModel::ingest", "median_ns": model, "anchor": False},
            ]
        rows = {"rust": {"suite": "rust", "source": "test", "rows": group("10", 100.0, 100.0, 50.0) + group("1,000,000", 400.0, 1200.0, 150.0)}}
        target = next(t for t in report.TARGETS if t[0].startswith("Incident ingest flat"))
        self.assertEqual(report.check(target, rows), (
            "4.00× (bare BTreeMap counter 12.00×, bare HashMap counter 3.00×)",
            "**missed**; floor: bare HashMap counter grows 3.00× (memory latency), the model 1.33× that"))
        text = report.render({}, rows)
        self.assertIn("| incident ingest, 10 open keys | bare BTreeMap counter (anchor) | 100 ns | 10.00 M ops/s | 1.00 (anchor) |", text)
        self.assertIn("| incident ingest, 10 open keys | bare HashMap counter (anchor) | 50 ns | 20.00 M ops/s | 0.50× (anchor) |", text)

    def test_missing_suite_is_not_measured(self) -> None:
        self.assertEqual(verdict("Python verify"), ("not measured", "—"))


class Splice(unittest.TestCase):
    DOC = "# Benchmarks\n\nIntro kept.\n\n## Hand-written analysis\n\nWhy a target is missed.\n"

    def test_first_render_goes_before_the_first_section_and_keeps_prose(self) -> None:
        out = report.splice(self.DOC, report.render({}, ROWS))
        self.assertTrue(out.startswith("# Benchmarks\n\nIntro kept.\n\n" + report.BEGIN))
        self.assertTrue(out.endswith(report.END + "\n\n## Hand-written analysis\n\nWhy a target is missed.\n"))

    def test_rerender_replaces_only_the_block(self) -> None:
        once = report.splice(self.DOC, report.render({}, ROWS))
        twice = report.splice(once + "\nAdded by hand later.\n", report.render({}, {}))
        self.assertEqual(twice.count(report.BEGIN), 1)
        self.assertIn("Why a target is missed.", twice)
        self.assertIn("Added by hand later.", twice)
        self.assertNotIn("erpops verify", twice)
        self.assertIn("Not measured in this run.", twice)

    def test_tables_show_ratios(self) -> None:
        text = report.render({}, ROWS)
        self.assertIn("| verify, 288 B event | erpops verify | 100 ns | 2.68 GiB/s | 0.50× |", text)
        self.assertIn("| erpops | 60,000 | 0.60× | 1.00 ms | 12.50 ms | 0 |", text)


class Main(unittest.TestCase):
    """A mistyped argument never blanks the committed tables."""

    def setUp(self) -> None:
        import tempfile

        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.doc = self.dir / "BENCHMARKS.md"
        self.doc.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_an_option_prints_usage_and_writes_nothing(self) -> None:
        self.assertEqual(report.main(["--help", str(self.doc)]), 0)
        self.assertEqual(report.main(["--bogus"]), 2)
        self.assertEqual(self.doc.read_text(encoding="utf-8"), "# Benchmarks\n\nkept\n")

    def test_missing_or_empty_results_are_refused(self) -> None:
        self.assertEqual(report.main([str(self.dir / "nope"), str(self.doc)]), 2)
        empty = self.dir / "results"
        empty.mkdir()
        (empty / "env.json").write_text("{}", encoding="utf-8")
        self.assertEqual(report.main([str(empty), str(self.doc)]), 2)
        self.assertEqual(self.doc.read_text(encoding="utf-8"), "# Benchmarks\n\nkept\n")

    def test_results_regenerate_the_block(self) -> None:
        results = self.dir / "results"
        results.mkdir()
        (results / "rust.json").write_text(
            '{"suite": "rust", "source": "test", "rows": []}', encoding="utf-8"
        )
        self.assertEqual(report.main([str(results), str(self.doc)]), 0)
        text = self.doc.read_text(encoding="utf-8")
        self.assertIn(report.BEGIN, text)
        self.assertIn("kept", text)


if __name__ == "__main__":
    unittest.main(verbosity=1)
