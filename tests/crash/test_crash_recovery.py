"""Crash test: SIGKILL the server and the worker at random points, restart, check everything.

See crash_scenario.py for the stages and crash_checks.py for what must hold. The seed is
fixed, so every run plans the same kills; which request a timed kill cuts off depends on
the machine, and the checks hold either way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from beian.db import make_engine
from tests.crash.crash_driver import GROUPS
from tests.crash.crash_scenario import Budget, CrashRun, Outcome

# 24 filings: every role, the plain ones several times.
SQLITE = Budget(
    groups=("file",) * 8 + ("cancel_ok", "cancel_lapse", "reject", "lapse") * 2
    + ("reject", "lapse", "idle_platform", "idle_bureau", "draft") * 2,
    seed=20260302,
    armed_rate=1.0,
    jump_kills=3,
    server_fault_rate=0.25,
    random_kill_rate=0.5,
    min_kills=50,
)
# One filing per role, fewer kills: the same checks on the other database.
POSTGRES = Budget(groups=GROUPS, seed=8, armed_rate=0.6, jump_kills=1, server_fault_rate=0.3,
                  random_kill_rate=0.4, corpus_offset=600_000)
# Where each role ends: (status, an event its history must contain).
ENDS = {
    "file": ("filed", "bureau_approve"),
    "cancel_ok": ("cancelled", "confirm_cancellation"),
    "cancel_lapse": ("filed", "abort_cancellation"),
    "reject": ("filed", "platform_reject"),
    "lapse": ("filed", "sms_failed"),
    "idle_platform": ("platform_review", "submit"),
    "idle_bureau": ("bureau_review", "sms_verified"),
    "draft": ("draft", None),
}


def play(workdir: Path, url: str, budget: Budget) -> Outcome:
    run = CrashRun(workdir, url, budget)
    try:
        return run.play()
    finally:
        run.close()


def assert_survived(outcome: Outcome) -> None:
    """Every check held after every restart, and every filing ended where its role leads."""
    assert outcome.problems == []
    assert outcome.unexpected == []
    for group, ends in outcome.statuses.items():
        status, event = ENDS[group]
        for current, events in ends:
            assert current == status, (group, current, events)
            assert event is None or event in events, (group, events)


@pytest.mark.slow
def test_sqlite_survives_sigkill_of_server_and_worker(tmp_path: Path) -> None:
    outcome = play(tmp_path, f"sqlite:///{tmp_path}/crash.db", SQLITE)
    assert_survived(outcome)
    assert outcome.kills.total() >= 50, outcome.kills
    # How many armed ticks reach their fault point depends on the machine's timing: the
    # worker was killed 21 to 29 times in runs of this seed (server 21 to 29). The floors
    # make sure both sides were really killed many times, with room for that spread.
    assert outcome.kills.of("server") >= 10 and outcome.kills.of("worker") >= 15, outcome.kills
    assert outcome.kills_in_flight >= 4, outcome.kills


@pytest.fixture
def crash_postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database of its own (the shared one is emptied between tests)."""
    server = os.environ.get("BEIAN_TEST_POSTGRES_URL", "")
    if not server:
        pytest.fail("BEIAN_TEST_POSTGRES_URL is not set: run the tests with `make test`")
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    name = f"beian_crash_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_survives_sigkill_of_server_and_worker(
    tmp_path: Path, crash_postgres_url: str
) -> None:
    outcome = play(tmp_path, crash_postgres_url, POSTGRES)
    assert_survived(outcome)
    assert outcome.kills.total() >= 10, outcome.kills
