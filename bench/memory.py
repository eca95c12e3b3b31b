"""memory: resident memory of the server idle and after filing through it (PostgreSQL).

The server process of bench.server is started, asked once for its OpenAPI document (so
the routes are built) and measured idle. Four clients log in, one after another, and the
peak is read (a login verifies an argon2 hash, 64 MiB each with the default parameters);
then the peak is reset (/proc/PID/clear_refs) and N filings are created and submitted
through the API by the four clients at once, and the peak resident set (VmHWM) is read.
The floor is a bare FastAPI process serving only the raw-store routes on the same
database, after the same number of raw stores. Target: <= 250 MB after 10,000 filings.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
            clients = _clients(server.base_url, authenticated=True)
            login_peak = rss_mb(server.pid)[1]
            _reset_peak(server.pid)
            _drive(clients, count, lambda c, i: file_one(c, i, server.face_tasks))
            peak = rss_mb(server.pid)[1]
        with serving(url, "bench.server:bare_app") as bare:
            bare_idle = _idle(bare.base_url, bare.pid)
            clients = _clients(bare.base_url, authenticated=False)
            _reset_peak(bare.pid)
            _drive(clients, count, lambda c, i: raw_one(c, i, {}))
            bare_peak = rss_mb(bare.pid)[1]
    note = f"peak RSS (VmHWM) after {count:,} filings by {CLIENTS} clients"
    return [
        info("memory.idle", idle, unit="MB", floor=bare_idle, note="after start-up"),
        info("memory.logins", login_peak, unit="MB", floor=bare_idle,
             note=f"peak after {CLIENTS} logins one at a time"),
        at_most("memory.peak", peak, TARGET_MB, unit="MB", floor=bare_peak, note=note),
    ]


def _idle(base_url: str, pid: int) -> float:
    httpx.get(f"{base_url}/openapi.json", timeout=60)
    return rss_mb(pid)[0]


def _clients(base_url: str, *, authenticated: bool) -> list[httpx.Client]:
    clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(CLIENTS)]
    if authenticated:
        for client in clients:
            login(client)
    return clients


def _reset_peak(pid: int) -> None:
    # Writing 5 resets the process's peak resident set size (Linux, since 4.0).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _drive(clients: list[httpx.Client], count: int,
           action: Callable[[httpx.Client, int], None]) -> None:
    def worker(offset: int) -> None:
        client = clients[offset]
        try:
            for i in range(offset, count, CLIENTS):
                action(client, i)
        finally:
            client.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(worker, range(CLIENTS)))
