"""numbers: concurrent bureau approvals draw filing numbers with no duplicate and no gap.

64 filings wait in bureau review, each held by the bureau reviewer; their subjects share
one province (so every new subject number contends for one counter) and four filings
share each subject (so service ordinals contend per subject). 64 threads, each with its
own connection, approve at the same moment through `beian.filings.review.approve_bureau`.
Afterwards the numbers are read back: every one distinct, subject sequences 1..S and
ordinals 1..k per subject with none missing.

The floor is the bare core of numbering: the same 64 threads each bump the province
counter with one UPDATE ... RETURNING and insert the number into a ledger, raw SQL.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from beian.core.numbering import parse_number
from beian.db import make_engine, make_sessionmaker, transaction
from beian.filings import review
from bench.common import Result, exact, info, scratch_postgres, scratch_sqlite
from bench.load import filing, filing_id, load

NAME = "numbers"
APPROVALS = {"tiny": 8, "small": 64, "full": 64}
PER_SUBJECT = 4
REVIEWER = "bench-bureau"
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def run(size: str) -> list[Result]:
    """On PostgreSQL (row locks) and on SQLite (one writer at a time)."""
    results = []
    with scratch_postgres("numbers") as url:
        results += measure(url, APPROVALS[size], "postgresql")
    with scratch_sqlite("numbers") as url:
        results += measure(url, APPROVALS[size], "sqlite")
    return results


def measure(url: str, count: int, label: str) -> list[Result]:
    """Approve `count` filings at once; check the numbers; time the bare floor."""
    engine = make_engine(url, **({"pool_size": count, "max_overflow": 0}
                                 if url.startswith("postgresql") else {}))
    try:
        seed(engine, count)
        seconds, failures = approve_all(engine, count)
        duplicates, gaps = check_numbers(engine)
        floor = floor_seconds(engine, count)
    finally:
        engine.dispose()
    name = f"numbers.{label}"
    note = f"{count} simultaneous approvals, {PER_SUBJECT} per subject"
    return [
        info(f"{name}.issuances", count / seconds, unit="numbers/s", floor=count / floor,
             note=note),
        exact(f"{name}.duplicates", duplicates),
        exact(f"{name}.gaps", gaps),
        exact(f"{name}.failed_approvals", failures),
    ]


def seed(engine: Engine, count: int) -> None:
    """Filings in bureau review, claimed by the reviewer; four per subject, one province."""
    # Every even corpus document is a Beijing enterprise; group them four by four.
    load(engine, (
        filing(2 * i, status="bureau_review", now=NOW - timedelta(days=1),
               claimed_by=REVIEWER, claimed_at=NOW - timedelta(minutes=5),
               deadline_at=NOW + timedelta(days=10),
               subject_key=f"1:bench-subject-{i // PER_SUBJECT}")
        for i in range(count)
    ))


def approve_all(engine: Engine, count: int) -> tuple[float, int]:
    """All approvals released at once by a barrier; returns (seconds, failures)."""
    sessions = make_sessionmaker(engine)
    barrier = threading.Barrier(count)
    filing_ids = [filing_id(2 * i) for i in range(count)]

    def approve(filing_id: str) -> bool:
        barrier.wait()
        try:
            with transaction(sessions) as session:
                review.approve_bureau(session, filing_id=filing_id, reviewer=REVIEWER,
                                      province="110000", now=NOW)
        except Exception:
            return False
        return True

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        outcomes = list(pool.map(approve, filing_ids))
    return time.perf_counter() - start, outcomes.count(False)


def check_numbers(engine: Engine) -> tuple[int, int]:
    """(duplicate numbers, missing sequences or ordinals) among the filed records."""
    with engine.connect() as connection:
        numbers = list(connection.execute(
            text("SELECT record_number FROM filings WHERE record_number IS NOT NULL")
        ).scalars())
    duplicates = len(numbers) - len(set(numbers))
    ordinals: dict[str, list[int]] = defaultdict(list)
    sequences: set[int] = set()
    for number in numbers:
        parsed = parse_number(number)
        assert parsed is not None and parsed.sequence is not None and parsed.ordinal is not None
        ordinals[parsed.subject_number].append(parsed.ordinal)
        sequences.add(parsed.sequence)
    gaps = len(set(range(1, len(sequences) + 1)) - sequences)
    for found in ordinals.values():
        gaps += len(set(range(1, len(found) + 1)) - set(found))
    return duplicates, gaps


def floor_seconds(engine: Engine, count: int) -> float:
    """The same threads, each one counter bump and one ledger insert in raw SQL."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        connection.execute(text("CREATE TABLE bench_ledger (n INTEGER PRIMARY KEY)"))
        connection.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
    barrier = threading.Barrier(count)

    def issue(_: Any) -> None:
        barrier.wait()
        with engine.begin() as connection:
            n = connection.execute(
                text("UPDATE bench_counter SET n = n + 1 WHERE id = 1 RETURNING n")
            ).scalar_one()
            connection.execute(text("INSERT INTO bench_ledger VALUES (:n)"), {"n": n})

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(issue, range(count)))
    return time.perf_counter() - start
