"""A real server process for the HTTP benchmarks, and a client that files through it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from beian.accounts.service import create_user
from beian.db import make_engine, make_sessionmaker, transaction
from beian.facecheck import service as facecheck
from beian.testing.media import register_media
from bench import corpus

ROOT = Path(__file__).resolve().parents[1]
USERNAME = "bench-applicant"
PASSWORD = "bench-password-1234"


@dataclass
class Server:
    """A running server: where it listens and its process id (for its memory)."""

    base_url: str
    pid: int
    face_tasks: dict[str, str]  # applet principal's name -> a passed task of theirs


def prepare(url: str) -> dict[str, str]:
    """An applicant account, the uploads the corpus documents name (made by that account,
    or the pre-check refuses them) and a passed face check for each applet principal the
    corpus names (the pre-check refuses a task that checked someone else); name -> task id."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)  # the server runs on the system clock
    try:
        with transaction(sessions) as session:
            create_user(session, username=USERNAME, password=PASSWORD, role="applicant",
                        now=now, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
            for sample in _samples():
                register_media(session, sample, owner=USERNAME, now=now)
            tasks = {}
            for name in _principals():
                task = facecheck.create_task(session, applicant_key=USERNAME,
                                             principal_name=name, now=now)
                facecheck.record_result(session, task_id=task.id, now=now, verdict="pass",
                                        report={})
                tasks[name] = task.id
            return tasks
    finally:
        engine.dispose()


@contextmanager
def serving(url: str, factory: str = "bench.server:app") -> Iterator[Server]:
    """Run uvicorn with this app factory on a free loopback port until the block ends."""
    tasks = prepare(url) if factory.endswith(":app") else {}
    port = _free_port()
    env = os.environ | {"BEIAN_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield Server(base_url, process.pid, tasks)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def login(client: httpx.Client) -> None:
    """Log the client in as the benchmark applicant (bearer token)."""
    response = client.post("/api/v1/login", json={"username": USERNAME, "password": PASSWORD})
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


def file_one(client: httpx.Client, i: int, face_tasks: Mapping[str, str]) -> None:
    """Create and submit corpus document i through the filing API (createFiling, submitFiling),
    naming its applet principal's passed face task from `face_tasks` (Server.face_tasks)."""
    created = client.post("/api/v1/filings", json=_document(i, face_tasks))
    if created.status_code != 201:
        raise RuntimeError(f"createFiling answered {created.status_code}: {created.text[:500]}")
    filing_id = created.json()["id"]
    submitted = client.post(f"/api/v1/filings/{filing_id}/submit")
    if submitted.status_code != 200:
        raise RuntimeError(f"submitFiling answered {submitted.status_code}: "
                           f"{submitted.text[:500]}")


def raw_one(client: httpx.Client, i: int, face_tasks: Mapping[str, str]) -> None:
    """The floor: store the same document raw, then mark it submitted."""
    created = client.post("/api/bench/raw", json=_document(i, face_tasks))
    created.raise_for_status()
    client.post(f"/api/bench/raw/{created.json()['id']}/submit").raise_for_status()


def _document(i: int, face_tasks: Mapping[str, str]) -> dict[str, Any]:
    """Document `i` naming its applet principal's face task (none known: an empty id)."""
    return corpus.document(i, face_task_id=face_tasks.get(_principal(corpus.document(i)), ""))


def _principal(document: dict[str, Any]) -> str:
    return str(document["icp_applets"]["principal_info"]["name"])


def _samples() -> list[dict[str, Any]]:
    """One document of each kind the corpus alternates (enterprise, individual): together
    they name every principal and every media id of the corpus."""
    return [corpus.document(i) for i in range(2)]


def _principals() -> list[str]:
    """The applet principals of the corpus."""
    return sorted({_principal(document) for document in _samples()})


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        try:
            httpx.get(f"{base_url}/bench/ping-nothing", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start within 60 s")
