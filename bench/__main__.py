"""Run the benchmarks, print the table and write bench/results/latest.json.

    python -m bench                          every benchmark at full size (make bench)
    python -m bench --size small             smaller sizes, a few minutes in all
    python -m bench --only lookup,timers     some of them
    python -m bench --only lookup --lookup-rows 10000000

PostgreSQL benchmarks create (and drop) scratch databases on the server named by
BEIAN_BENCH_POSTGRES_URL or BEIAN_TEST_POSTGRES_URL (default: local, user postgres).
bench/documents.py (face check and OCR) is run on its own: python -m bench.documents.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import SIZES, Result, load_average

BENCHMARKS = ("precheck", "submit", "lookup", "timers", "numbers", "memory")
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    """Run what was asked; exit status 1 when a correctness row (== 0) fails."""
    args = _parser().parse_args(argv)
    chosen = _chosen(args.only)
    results: list[Result] = []
    started = time.perf_counter()
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ({args.size})...", file=sys.stderr, flush=True)
        if name == "lookup" and args.lookup_rows:
            results += module.run(args.size, rows=args.lookup_rows)
        else:
            results += module.run(args.size)
    print(table(results))
    out = Path(args.out) if args.out else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2)
                   + "\n", encoding="utf-8")
    (out.parent / "latest-meta.json").write_text(json.dumps({
        "size": args.size, "benchmarks": chosen, "at": datetime.now(UTC).isoformat(),
        "seconds": round(time.perf_counter() - started, 1), "load_average": load_average(),
        "python": platform.python_version(), "machine": platform.machine(),
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}; one-minute load average {load_average():.2f}", file=sys.stderr)
    broken = [r for r in results if r.target.startswith("==") and not r.ok]
    return 1 if broken else 0


def table(results: list[Result]) -> str:
    """The results as an aligned text table."""
    def number(value: float | None) -> str:
        if value is None:
            return "-"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"

    header = f"{'benchmark':34} {'value':>10} {'unit':11} {'floor':>10} {'ratio':>7} " \
             f"{'target':>18} {'ok':>4}"
    lines = [header, "-" * len(header)]
    for r in results:
        verdict = "" if r.ok is None else ("ok" if r.ok else "MISS")
        lines.append(f"{r.name:34} {number(r.value):>10} {r.unit:11} {number(r.floor):>10} "
                     f"{number(r.ratio):>7} {r.target:>18} {verdict:>4}")
    return "\n".join(lines)


def _chosen(only: str | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; "
                         f"choose from {', '.join(BENCHMARKS)}")
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=SIZES, default="full",
                        help="tiny (the test suite), small, or full (the targets' sizes)")
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHMARKS))
    parser.add_argument("--lookup-rows", type=int, default=None,
                        help="filed records for the lookup benchmark (default by size)")
    parser.add_argument("--out", help="where to write the JSON (default bench/results/latest.json)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
