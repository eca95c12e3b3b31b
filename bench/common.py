"""What every benchmark shares: result rows, timing, scratch databases and the size switch.

Every figure is reported next to its floor — the same work with nothing of Beian's around
it, measured in the same run — so the ratio still means something on a busy machine.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from beian.db import make_engine
from beian.db.models import metadata

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SIZES = ("tiny", "small", "full")


def postgres_url() -> str:
    """The server the PostgreSQL benchmarks create their scratch databases on."""
    return os.environ.get("BEIAN_BENCH_POSTGRES_URL") or os.environ.get(
        "BEIAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL
    )


@dataclass
class Result:
    """One row of the table and of bench/results/latest.json."""

    name: str
    value: float | None
    unit: str
    floor: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """The row as written to latest.json."""
        row = asdict(self)
        for key in ("value", "floor", "ratio"):
            if isinstance(row[key], float):
                row[key] = float(f"{row[key]:.6g}")  # six significant digits
        return row


def throughput(name: str, count: int, seconds: float, floor_seconds: float, *,
               unit: str, minimum_ratio: float, note: str = "") -> Result:
    """A rate against its floor's rate; ok when the ratio reaches `minimum_ratio`."""
    value = count / seconds if seconds > 0 else float("inf")
    floor = count / floor_seconds if floor_seconds > 0 else float("inf")
    ratio = value / floor if floor else None
    return Result(name, value, unit, floor, ratio, f"ratio >= {minimum_ratio:g}",
                  ratio is not None and ratio >= minimum_ratio, note)


def exact(name: str, value: int, *, unit: str = "count", want: int = 0,
          note: str = "") -> Result:
    """A correctness count that must be exactly `want` (duplicates, gaps, early fires)."""
    return Result(name, value, unit, None, None, f"== {want}", value == want, note)


def at_most(name: str, value: float, limit: float, *, unit: str,
            floor: float | None = None, note: str = "") -> Result:
    """A figure with an upper bound, optionally shown against its floor."""
    ratio = value / floor if floor else None
    return Result(name, value, unit, floor, ratio, f"<= {limit:g} {unit}", value <= limit, note)


def info(name: str, value: float, *, unit: str, floor: float | None = None,
         note: str = "") -> Result:
    """A figure reported without a target (a rate worth knowing, a size)."""
    ratio = value / floor if floor else None
    return Result(name, value, unit, floor, ratio, "", None, note)


def timed(action: Callable[[], object]) -> float:
    """Wall seconds one call takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def best_of(action: Callable[[], object], runs: int) -> float:
    """The fastest of `runs` wall times: the least disturbed by other work on the machine."""
    return min(timed(action) for _ in range(max(1, runs)))


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of the samples lie (nearest rank)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def median(samples: Sequence[float]) -> float:
    """The median, or NaN for no samples."""
    return statistics.median(samples) if samples else float("nan")


@contextmanager
def scratch_postgres(label: str, *, schema: bool = True) -> Iterator[str]:
    """A fresh PostgreSQL database with Beian's schema, dropped afterwards."""
    admin = make_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    name = f"beian_bench_{label}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)
    try:
        if schema:
            create_schema(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_sqlite(label: str) -> Iterator[str]:
    """A fresh SQLite file with Beian's schema in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix=f"beian-bench-{label}-") as folder:
        url = f"sqlite:///{Path(folder) / 'beian.db'}"
        create_schema(url)
        yield url


def create_schema(url: str) -> None:
    """Create every table and index, including the public-query indexes of the filings."""
    engine = make_engine(url)
    try:
        _with_filing_indexes()
        metadata.create_all(engine)
    finally:
        engine.dispose()


def _with_filing_indexes() -> None:
    # Until beian.db.models imports it, the benchmarks attach the indexes themselves.
    import beian.filings.indexes  # noqa: F401


def database_label(engine: Engine) -> str:
    """'sqlite' or 'postgresql'."""
    return engine.dialect.name


def load_average() -> float:
    """The one-minute load average (NaN where the system has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
