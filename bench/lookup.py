"""lookup: the public query by number and by name over a million filed records (PostgreSQL).

The records are generated (bench.corpus, every name and number distinct) and loaded with
COPY into the indexed table, then vacuumed and analysed. Queries are drawn from the loaded
data: service numbers, subject numbers (all services of a subject), full mini-program
names, 4-character name prefixes and organisation-name prefixes. Each query runs through
`beian.public.service.query_records` on its own `beian.public.reads.public_reads`, as the
public pages and API run it (on PostgreSQL a Core connection of the pool in autocommit,
the statement on its psycopg cursor: no BEGIN and ROLLBACK around the one SELECT); the
floor runs the same lookup as hand-written SQL through a bare psycopg connection in
autocommit (one round trip a query, no transaction held open across the run) and fetches
the same columns. Targets: p99 <= 10 ms and >= 0.5 of the floor's throughput.

At 10,000,000 rows: `python -m bench --size full --only lookup --lookup-rows 10000000`
(BEIAN_BENCH_POSTGRES_URL names the server). About 5 KB a row on disk (the two encrypted
copies of the document, in TOAST, are most of it): 48 GB at ten million, so it needs about
50 GB free. Run on 2026-11-30 (2 cores, 24 GB of memory, load 1.5–1.7): loading and
vacuuming took 1,715 s; by number p50 / p99 0.68 / 1.43 ms (floor 0.38 / 1.50), 0.84 of
the floor's throughput; by name p50 / p99 2.89 / 51.6 ms (floor 2.16 / 51.0), 0.94 of the
floor's throughput. The raw-SQL floor has the same tail, so it is the database's, most
likely its reads from disk (48 GB of table against 24 GB of memory, and the up to 50 rows
a name query fetches lie scattered over it); not verified with I/O counters. The queries'
own cost grows with the depth of the b-trees (log n), not with n: every arm is a range
scan of one index (index-only for the name arms), then at most 50 primary-key look-ups.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from beian.core.numbering import SERVICE_KIND_SUFFIXES
from beian.db import make_engine, make_sessionmaker
from beian.filings.models import Filing
from beian.public.reads import public_reads
from beian.public.service import MAX_RESULTS, PUBLIC_VALUES, query_records
from bench import corpus
from bench.common import Result, at_most, info, percentile, scratch_postgres, throughput
from bench.load import analyze, filing, load

NAME = "lookup"
ROWS = {"tiny": 2_000, "small": 50_000, "full": 1_000_000}
QUERIES = {"tiny": 60, "small": 600, "full": 3_000}
P99_TARGET_MS = 10.0
FILED_AT = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ABBREVIATIONS = ("京", "粤")  # corpus documents alternate Beijing and Shenzhen


def record_number(i: int) -> str:
    """The service number of generated record i (999,999 subjects per province and year)."""
    sequence = i // 2
    year, serial = 2000 + sequence // 999_999, sequence % 999_999 + 1
    return f"{ABBREVIATIONS[i % 2]}ICP备{year:04d}{serial:06d}号-1{SERVICE_KIND_SUFFIXES['applet']}"


def records(count: int) -> Iterator[Filing]:
    """Filed records, as bureau approval leaves them."""
    for i in range(count):
        filed = FILED_AT + timedelta(seconds=i)
        yield filing(i, status="filed", now=filed, record_number=record_number(i),
                     filed_at=filed)


def run(size: str, rows: int | None = None) -> list[Result]:
    """Load, then time both kinds of lookup through Beian and through bare psycopg."""
    count = rows or ROWS[size]
    with scratch_postgres("lookup") as url:
        engine = make_engine(url)
        start = time.perf_counter()
        load(engine, records(count))
        analyze(engine)
        load_seconds = time.perf_counter() - start
        sessions = make_sessionmaker(engine)
        rng = random.Random(20260302)
        workloads = {"number": number_queries(rng, count, QUERIES[size]),
                     "name": name_queries(rng, count, QUERIES[size])}
        results = [info("lookup.load", load_seconds, unit="s",
                        note=f"{count:,} filed records: COPY, indexes, ANALYZE")]
        # Autocommit: one statement per request, no transaction kept open across them.
        with psycopg.connect(_plain(url), autocommit=True) as bare:
            for kind, queries in workloads.items():
                ours, floor = _latencies(partial(_ours, sessions), partial(_bare, bare), queries)
                results += _rows(kind, count, ours, floor)
        engine.dispose()
    return results


def number_queries(rng: random.Random, count: int, wanted: int) -> list[str]:
    """Service numbers, and one in four a subject number (every service of the subject)."""
    picks = [record_number(rng.randrange(count)) for _ in range(wanted)]
    return [p.rsplit("-", 1)[0] if n % 4 == 3 else p for n, p in enumerate(picks)]


def name_queries(rng: random.Random, count: int, wanted: int) -> list[str]:
    """Full mini-program names, 4-character prefixes, organisation-name prefixes."""
    queries = []
    for n in range(wanted):
        i = rng.randrange(count)
        if n % 3 == 0:
            queries.append(corpus.applet_name(i))
        elif n % 3 == 1:
            queries.append(corpus.applet_name(i)[:4])
        else:
            # Organisations are the even documents (odd ones are individuals).
            queries.append(corpus.subject_name(i - i % 2)[:10])
    return queries


def _ours(sessions: Any, q: str) -> int:
    with public_reads(sessions) as reads:
        return len(query_records(reads, q))


# The same lookup by hand, arm for arm as the service builds it: one arm per condition,
# each taking its own first rows by number, then the first of all; the same columns.
_ARM = """(SELECT id FROM filings WHERE status = ANY(%(public)s) AND {condition}
   ORDER BY record_number LIMIT %(limit)s)"""
_EXACT = "record_number = %(q)s"
_SERVICES = "record_number LIKE %(services)s"
_PREFIXES = ("applet_name LIKE %(prefix)s", "subject_name LIKE %(prefix)s")


def _bare_sql(*conditions: str) -> str:
    arms = "\n  UNION\n  ".join(_ARM.format(condition=c) for c in conditions)
    return f"""
SELECT record_number, subject_name, applet_name, appid, filed_at, subject_type_id,
       public_approvals
FROM filings WHERE id IN (
  {arms})
ORDER BY record_number LIMIT %(limit)s
"""


_BARE_SQL = {
    "service": _bare_sql(_EXACT),
    "subject": _bare_sql(_EXACT, _SERVICES),
    "name": _bare_sql(_EXACT, *_PREFIXES),
}


def _bare(connection: psycopg.Connection, q: str) -> int:
    kind = ("service" if "-" in q else "subject") if "ICP备" in q else "name"
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params = {
        "q": q,
        "public": PUBLIC_VALUES,
        "limit": MAX_RESULTS,
        "services": f"{q}-%",
        "prefix": f"{escaped}%",
    }
    with connection.cursor() as cursor:
        cursor.execute(_BARE_SQL[kind], params)
        return len(cursor.fetchall())


def _latencies(
    ours: Callable[[str], int], floor: Callable[[str], int], queries: list[str]
) -> tuple[list[float], list[float]]:
    """Time each query both ways, taking turns at going first: whichever runs second finds
    the rows' pages cached, so neither side gets that advantage on every query."""
    for q in queries[: max(1, len(queries) // 20)]:  # warm the plans and connections
        ours(q)
        floor(q)
    samples: dict[int, list[float]] = {id(ours): [], id(floor): []}
    for n, q in enumerate(queries):
        for action in (ours, floor) if n % 2 == 0 else (floor, ours):
            start = time.perf_counter()
            found = action(q)
            samples[id(action)].append(time.perf_counter() - start)
            if found == 0:
                raise AssertionError(f"lookup of {q!r} found nothing: the benchmark data is wrong")
    return samples[id(ours)], samples[id(floor)]


def _rows(kind: str, count: int, ours: list[float], floor: list[float]) -> list[Result]:
    def ms(samples: list[float], fraction: float) -> float:
        return percentile(samples, fraction) * 1000

    note = f"{len(ours)} queries at {count:,} records"
    return [
        info(f"lookup.{kind}.p50", ms(ours, 0.5), unit="ms", floor=ms(floor, 0.5)),
        at_most(f"lookup.{kind}.p99", ms(ours, 0.99), P99_TARGET_MS, unit="ms",
                floor=ms(floor, 0.99), note=note),
        throughput(f"lookup.{kind}.throughput", len(ours), sum(ours), sum(floor),
                   unit="queries/s", minimum_ratio=0.5, note="one client, sequential"),
    ]


def _plain(url: str) -> str:
    """A libpq URL for psycopg from an SQLAlchemy one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
