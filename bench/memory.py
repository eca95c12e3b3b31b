"""memory: resident memory of the server idle and after filing through it (PostgreSQL).

The server process of bench.server is started, asked once for its OpenAPI document (so
the routes are built) and measured idle; then N filings are created and submitted
through the API by four client threads, and its peak resident set (VmHWM) is read.
The floor is a bare FastAPI process serving only the raw-store routes on the same
database, after the same number of raw stores. Target: <= 250 MB after 10,000 filings.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.common import Result, at_most, info, scratch_postgres
from bench.http import file_one, login, raw_one, rss_mb, serving

NAME = "memory"
FILINGS = {"tiny": 20, "small": 500, "full": 10_000}
CLIENTS = 4
TARGET_MB = 250.0


def run(size: str) -> list[Result]:
    """Idle and peak memory of Beian's server and of the bare floor server."""
    count = FILINGS[size]
    with scratch_postgres("memory") as url:
        with serving(url) as server:
            idle = _idle(server.base_url, server.pid)
            _drive(server.base_url, count, lambda c, i: file_one(c, i, server.face_task_id),
                   authenticated=True)
            peak = rss_mb(server.pid)[1]
        with serving(url, "bench.server:bare_app") as bare:
            bare_idle = _idle(bare.base_url, bare.pid)
            _drive(bare.base_url, count, lambda c, i: raw_one(c, i, ""), authenticated=False)
            bare_peak = rss_mb(bare.pid)[1]
    note = f"peak RSS (VmHWM) after {count:,} filings by {CLIENTS} clients"
    return [
        info("memory.idle", idle, unit="MB", floor=bare_idle, note="after start-up"),
        at_most("memory.peak", peak, TARGET_MB, unit="MB", floor=bare_peak, note=note),
    ]


def _idle(base_url: str, pid: int) -> float:
    httpx.get(f"{base_url}/openapi.json", timeout=60)
    return rss_mb(pid)[0]


def _drive(base_url: str, count: int, action: Callable[[httpx.Client, int], None], *,
           authenticated: bool) -> None:
    def worker(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            if authenticated:
                login(client)
            for i in range(offset, count, CLIENTS):
                action(client, i)

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(worker, range(CLIENTS)))
