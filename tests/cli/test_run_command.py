"""`beian run`: demo accounts, a worker process and the server, started and stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from sqlalchemy import func, select

from beian.accounts.models import User
from beian.cli.run_commands import DEMO_ACCOUNTS, ensure_demo_accounts
from beian.db import make_engine, make_sessionmaker
from beian.db.migrate import upgrade


def test_demo_accounts_are_created_once(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/run.db"
    upgrade(url)
    monkeypatch.setenv("BEIAN_DATABASE_URL", url)
    ensure_demo_accounts()
    ensure_demo_accounts()
    with make_sessionmaker(make_engine(url))() as db:
        roles = sorted(db.scalars(select(User.role)))
        assert db.scalar(select(func.count()).select_from(User)) == len(DEMO_ACCOUNTS)
    assert roles == sorted(role for _, role, _, _, _ in DEMO_ACCOUNTS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(tmp_path, *argv: str) -> tuple[subprocess.Popen, int]:
    """`python -m beian ARGV --port P` on a migrated SQLite database, in a session of its
    own (so what it starts can be found and must end with it); returns it and its port."""
    url = f"sqlite:///{tmp_path}/beian.db"
    upgrade(url)
    port = _free_port()
    env = os.environ | {"BEIAN_DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "beian", *argv, "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    return server, port


def _login_page_status(port: int) -> int | None:
    """The status of /login once the server answers; None if it never did within ~30 s."""
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as reply:
                return reply.status
        except OSError:
            time.sleep(0.2)
    return None


def test_run_serves_pages_beside_a_worker_and_stops_both(tmp_path):
    server, port = _start(tmp_path, "run", "--demo-accounts")
    try:
        assert _login_page_status(port) == 200
        workers = subprocess.run(["pgrep", "-f", "-s", str(server.pid), "beian worker"],
                                 capture_output=True, text=True).stdout.split()
        assert len(workers) == 1
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert "demo-applicant" in output and f"127.0.0.1:{port}" in output
    leftover = subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True, text=True)
    assert leftover.stdout.split() == []


def test_serve_with_two_workers_answers_from_two_processes(tmp_path):
    server, port = _start(tmp_path, "serve", "--workers", "2")
    try:
        assert _login_page_status(port) == 200
        # uvicorn's supervisor starts one process per worker (multiprocessing's spawn).
        servers = subprocess.run(["pgrep", "-P", str(server.pid), "-f", "spawn_main"],
                                 capture_output=True, text=True).stdout.split()
        assert len(servers) == 2
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    # multiprocessing's resource tracker leaves a moment after its parent; wait up to ~10 s.
    for _ in range(50):
        leftover = subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()
        if not leftover:
            break
        time.sleep(0.2)
    assert leftover == []
