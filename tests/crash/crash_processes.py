"""The processes under test: `beian serve` and `beian tick --at`, started, killed, restarted.

Every process runs on the simulated clock: the server reads it from a file
(crash_serve.py), each tick gets its instant on the command line. Kills are SIGKILL,
either at a fault point (BEIAN_FAULT_POINT, beian/testing/faults.py) or at a moment the
test chooses; every kill is counted in `Kills`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from beian.clock import as_utc

ROOT = Path(__file__).resolve().parents[2]
SERVE = Path(__file__).with_name("crash_serve.py")
KILLED = -signal.SIGKILL


class Kills(Counter[str]):
    """How many SIGKILLs of which kind ("server:move_recorded", "worker:delivery_sent"...)."""

    def total(self) -> int:
        """All kills."""
        return sum(self.values())

    def of(self, process: str) -> int:
        """Kills of one process kind ("server" or "worker")."""
        return sum(n for kind, n in self.items() if kind.startswith(process + ":"))


class SimClock:
    """The simulated instant, shared with the server through a file."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self._now = as_utc(start)
        self.set(start)

    def set(self, instant: datetime) -> datetime:
        """Move to `instant` (never backwards: every check relies on time moving on)."""
        instant = as_utc(instant)
        assert instant >= self._now, "simulated time runs forward"
        self._now = instant
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(instant.isoformat(), encoding="ascii")
        os.replace(scratch, self.path)  # the server never reads half an instant
        return instant

    def advance(self, **delta: float) -> datetime:
        """Move forward by keyword units (minutes=15)."""
        return self.set(self._now + timedelta(**delta))

    def now(self) -> datetime:
        """The current simulated instant."""
        return self._now


def environment(database_url: str, webhook_url: str, secret: str, workdir: Path) -> dict[str, str]:
    """The environment of every Beian process of one run (no inherited BEIAN_* setting)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BEIAN_")}
    env.update(
        BEIAN_DATABASE_URL=database_url,
        BEIAN_WEBHOOK_URL=webhook_url,
        BEIAN_WEBHOOK_SECRET=secret,
        BEIAN_STORAGE_DIR=str(workdir / "storage"),
        PYTHONPATH=str(ROOT),
    )
    return env


def beian(env: dict[str, str], *args: str, fault: str | None = None) -> subprocess.Popen[str]:
    """Start `python -m beian <args>` (the installed command line), optionally armed."""
    if fault is not None:
        env = env | {"BEIAN_FAULT_POINT": fault}
    return subprocess.Popen(
        [sys.executable, "-m", "beian", *args],
        env=env,
        cwd=env["BEIAN_STORAGE_DIR"].rsplit("/", 1)[0],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], what: str, timeout: float = 300) -> bool:
    """Wait for a process: True when it ended well, False when SIGKILL ended it."""
    out, err = process.communicate(timeout=timeout)
    if process.returncode == KILLED:
        return False
    if process.returncode != 0:
        raise AssertionError(f"{what} exited with {process.returncode}: {err[-3000:]}{out[-500:]}")
    return True


class Server:
    """`beian serve` on a free loopback port, on the simulated clock."""

    def __init__(self, env: dict[str, str], clock: SimClock, log: Path) -> None:
        self.env = env
        self.clock = clock
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.fault: str | None = None

    @property
    def base_url(self) -> str:
        """The server's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, fault: str | None = None) -> None:
        """Start a fresh server process (returns at once; `wait_up` before using it)."""
        assert self.process is None, "one server at a time"
        self.port = _free_port()
        self.fault = fault
        env = self.env if fault is None else self.env | {"BEIAN_FAULT_POINT": fault}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVE), str(self.clock.path), "--port", str(self.port)],
                env=env,
                cwd=self.env["BEIAN_STORAGE_DIR"].rsplit("/", 1)[0],
                stdout=log,
                stderr=log,
            )

    def wait_up(self, timeout: float = 120) -> None:
        """Block until the server answers."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    tail = self.log.read_text(errors="replace")[-3000:]
                    raise AssertionError(f"the server exited {self.process.returncode}: {tail}")
                try:
                    client.get(f"{self.base_url}/api/v1/dictionaries/service-types")
                    return
                except httpx.TransportError:
                    time.sleep(0.05)
        raise AssertionError(f"the server did not answer within {timeout} s")

    def died(self) -> bool:
        """True when the process is gone by SIGKILL (a fault point fired); reaps it."""
        if self.process is None or self.process.poll() is None:
            return False
        assert self.process.returncode == KILLED, f"server exited {self.process.returncode}"
        self.process = None
        return True

    def kill(self) -> None:
        """SIGKILL the server now, whatever it is doing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """End the server at the end of the test (SIGTERM, then SIGKILL if it hangs)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
