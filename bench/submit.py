"""submit: create + submit a filing through the HTTP server, against a bare endpoint.

A real uvicorn process serves Beian's application (bench.server); one client files
documents one after another: createFiling (parse, pre-check against the database,
store) then submitFiling (pre-check again, history, timers, outbox). The floor is the
same client posting the same documents to a bare route in the same server, which stores
the raw JSON in a table of the same database and then flips its status: two requests
per filing, like ours. Target: >= 0.5 of the floor's rate, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from bench.common import Result, scratch_postgres, scratch_sqlite, throughput
from bench.http import file_one, login, raw_one, serving

NAME = "submit"
FILINGS = {"tiny": 10, "small": 150, "full": 1_000}
WARM_UP = 5
BATCH = 5


def run(size: str) -> list[Result]:
    """Both databases, each with a server of its own."""
    results = []
    with scratch_sqlite("submit") as url:
        results.append(measure(url, FILINGS[size], "sqlite"))
    with scratch_postgres("submit") as url:
        results.append(measure(url, FILINGS[size], "postgresql"))
    return results


def measure(url: str, count: int, label: str) -> Result:
    """Time `count` filings through the API and `count` raw stores, taking turns in batches."""
    with serving(url) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        login(client)
        task = server.face_tasks  # each document names its principal's face task
        for i in range(WARM_UP):
            file_one(client, 10_000_000 + i, task)
            raw_one(client, 10_000_000 + i, task)
        # Batches in turn, so a burst of other work on the machine hits both alike.
        ours = floor = 0.0
        for start in range(0, count, BATCH):
            batch = range(start, min(start + BATCH, count))
            ours += _timed(lambda i: file_one(client, i, task), batch)
            floor += _timed(lambda i: raw_one(client, i, task), batch)
    return throughput(f"submit.{label}", count, ours, floor, unit="filings/s",
                      minimum_ratio=0.5,
                      note="one client; floor: bare route storing the raw JSON, same server")


def _timed(action: Callable[[int], None], indexes: range) -> float:
    start = time.perf_counter()
    for i in indexes:
        action(i)
    return time.perf_counter() - start
