"""Every benchmark runs at a tiny size, as `python -m bench` runs it, and keeps its promises.

Timings are never asserted (the machine is shared); the structure of the results and the
correctness counts are: no duplicate number or timer firing, no gap, nothing early.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, table
from bench.common import Result, exact, percentile, throughput

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "value", "unit", "floor", "ratio", "target", "ok", "note"}
# Rows each benchmark must produce (by name suffix) and the ones that must be exactly 0.
EXPECTED = {
    "precheck": ["precheck.documents"],
    "submit": ["submit.sqlite", "submit.postgresql"],
    "lookup": ["lookup.load", "lookup.number.p99", "lookup.number.throughput",
               "lookup.name.p99", "lookup.name.throughput"],
    "timers": [f"timers.{db}.{what}" for db in ("postgresql", "sqlite")
               for what in ("seconds", "duplicates", "early", "missed")],
    "numbers": [f"numbers.{db}.{what}" for db in ("postgresql", "sqlite")
                for what in ("issuances", "duplicates", "gaps", "failed_approvals")],
    "memory": ["memory.idle", "memory.logins", "memory.peak"],
}
MUST_BE_ZERO = ("duplicates", "early", "missed", "gaps", "failed_approvals")


@pytest.mark.slow
@pytest.mark.parametrize("name", BENCHMARKS)
def test_each_benchmark_runs_tiny_and_keeps_its_correctness_promises(name, tmp_path):
    out = tmp_path / "latest.json"
    env = os.environ | {"BEIAN_BENCH_POSTGRES_URL": os.environ.get(
        "BEIAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")}
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--only", name, "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {row["name"] for row in rows} >= set(EXPECTED[name])
    for row in rows:
        assert set(row) == FIELDS, row
        assert row["name"].startswith(f"{name}.")
        assert isinstance(row["value"], (int, float)) and row["value"] >= 0, row
        if row["floor"] is not None:
            assert row["floor"] > 0
            assert row["ratio"] == pytest.approx(row["value"] / row["floor"], rel=1e-3)
        if row["name"].endswith(MUST_BE_ZERO):
            assert row["value"] == 0 and row["ok"] is True, row
    assert name in finished.stdout.split("\n", 2)[2]  # the printed table lists the rows


def test_a_correctness_row_fails_on_any_nonzero_count():
    assert exact("x.duplicates", 0).ok is True
    assert exact("x.duplicates", 1).ok is False


def test_a_throughput_row_compares_rates_with_the_floor():
    # 100 items in 4 s against a floor doing them in 1 s: a quarter of the floor's rate.
    row = throughput("x", 100, 4.0, 1.0, unit="items/s", minimum_ratio=0.5)
    assert (row.value, row.floor, row.ratio, row.ok) == (25.0, 100.0, 0.25, False)
    assert throughput("x", 100, 1.5, 1.0, unit="items/s", minimum_ratio=0.5).ok is True


def test_percentiles_are_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0


def test_the_table_marks_misses():
    printed = table([Result("a.p99", 12.0, "ms", 2.0, 6.0, "<= 10 ms", False),
                     Result("a.gaps", 0, "count", None, None, "== 0", True)])
    lines = printed.splitlines()
    assert lines[2].startswith("a.p99") and lines[2].endswith("MISS")
    assert lines[3].startswith("a.gaps") and lines[3].endswith("ok")
