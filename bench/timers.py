"""timers: SMS windows expiring all at once, processed by two `beian tick` processes.

N filings sit in SMS verification with their 24-hour window closing at the same instant
T, as the lifecycle leaves them (filing row, waiting challenge, armed `sms_window` timer,
already fired `sms_reminder`); N/20 decoys close one minute later. Two real worker
processes (`beian tick --at T`) then fire what is due and deliver the resulting
notifications. Counted afterwards: filings failed twice (duplicates), decoys or rows
failed before their deadline (early) and expired filings left untouched (missed).

The floor is the same row changes as set-based SQL in one transaction (rolled back, on
the same data, before the workers start): what the database must do, with none of Beian.
Target: <= 60 s at 100,000 on PostgreSQL; 0 duplicates, 0 early, 0 missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine

from beian.audit.models import AuditEntry
from beian.db import make_engine
from beian.filings.models import Filing, FilingEvent, SmsChallenge
from beian.notifications.models import InboxMessage, OutboxMessage
from beian.timers.models import Timer
from bench import corpus
from bench.common import Result, at_most, exact, info, scratch_postgres, scratch_sqlite
from bench.load import analyze, filing, filing_id, insert_all, load

NAME = "timers"
WINDOWS = {"tiny": {"postgresql": 60, "sqlite": 30},
           "small": {"postgresql": 5_000, "sqlite": 2_000},
           "full": {"postgresql": 100_000, "sqlite": 10_000}}
WORKERS = 2
TARGET_SECONDS = 60.0
T = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in China, a Tuesday
BEIAN = Path(sys.executable).with_name("beian")


def run(size: str) -> list[Result]:
    """Both databases at this size."""
    results = []
    with scratch_postgres("timers") as url:
        results += measure(url, WINDOWS[size]["postgresql"], "postgresql",
                           target=TARGET_SECONDS if size == "full" else None)
    with scratch_sqlite("timers") as url:
        results += measure(url, WINDOWS[size]["sqlite"], "sqlite", target=None)
    return results


def measure(url: str, count: int, label: str, *, target: float | None) -> list[Result]:
    """Load `count` expiring windows, time the floor and two workers, count what they did."""
    engine = make_engine(url)
    try:
        decoys = max(1, count // 20)
        seed(engine, count, decoys)
        floor = floor_seconds(engine)
        seconds = run_workers(url)
        counts = audit(engine, count)
    finally:
        engine.dispose()
    name = f"timers.{label}"
    note = f"{count:,} windows + {decoys:,} decoys, {WORKERS} `beian tick` processes"
    rate = count / seconds
    results = [
        at_most(f"{name}.seconds", seconds, target, unit="s", floor=floor, note=note)
        if target is not None
        else info(f"{name}.seconds", seconds, unit="s", floor=floor, note=note),
        info(f"{name}.rate", rate, unit="windows/s", floor=count / floor),
        exact(f"{name}.duplicates", counts["duplicates"]),
        exact(f"{name}.early", counts["early"]),
        exact(f"{name}.missed", counts["missed"]),
    ]
    return results


def seed(engine: Engine, count: int, decoys: int) -> None:
    """Write the rows the lifecycle leaves for a filing waiting for its SMS codes."""
    load(engine, _filings(count, decoys))
    load(engine, _challenges(count, decoys))
    load(engine, _timers(count, decoys))
    analyze(engine)


def _deadline(i: int, count: int) -> datetime:
    return T if i < count else T + timedelta(minutes=1)


def _filings(count: int, decoys: int) -> Iterator[Filing]:
    started = T - timedelta(hours=24)
    for i in range(count + decoys):
        yield filing(i, status="sms_verification", now=started, deadline_at=_deadline(i, count))


def _challenges(count: int, decoys: int) -> Iterator[SmsChallenge]:
    started = T - timedelta(hours=24)
    for i in range(count + decoys):
        person = corpus.document(i)["icp_applets"]["principal_info"]
        yield SmsChallenge(id=i + 1, filing_id=filing_id(i), purpose="verify", roles="applet",
                           phone=person["mobile"],
                           certificate_number=person["certificate_number"],
                           code_hash="0" * 64, status="waiting", sent_at=started,
                           last_sent_at=started,
                           window_ends_at=_deadline(i, count), wrong_attempts=0, resends=0)


def _timers(count: int, decoys: int) -> Iterator[Timer]:
    started = T - timedelta(hours=24)
    for i in range(count + decoys):
        deadline = _deadline(i, count)
        payload = {"status": "sms_verification", "deadline_at": deadline.isoformat()}
        reminder = deadline - timedelta(hours=2)
        for offset, kind, due, fired in ((1, "sms_window", deadline, None),
                                         (2, "sms_reminder", reminder, reminder)):
            yield Timer(id=2 * i + offset, kind=kind, key=filing_id(i), due_at=due,
                        payload=payload, created_at=started, fired_at=fired, attempts=0)


def floor_seconds(engine: Engine) -> float:
    """The same row changes in bulk statements, in one transaction rolled back afterwards.

    Rows are built from the models (so encrypted and hashed columns are filled the way
    the services fill them) and written with executemany; updates are set-based.
    """
    due = (Filing.status == "sms_verification", Filing.deadline_at <= T)
    reason = "24小时内未完成短信核验"
    start = time.perf_counter()
    with engine.connect() as connection:
        transaction = connection.begin()
        filings = connection.execute(select(Filing.id, Filing.applicant).where(*due)).all()
        last_seq = connection.execute(select(func.max(AuditEntry.seq))).scalar() or 0
        events, entries, messages = [], [], []
        for n, (filing_id, applicant) in enumerate(filings, start=1):
            events.append(FilingEvent(filing_id=filing_id, at=T, actor="system",
                                      event="sms_failed", from_status="sms_verification",
                                      to_status="sms_failed", reason=reason))
            entries.append(AuditEntry(seq=last_seq + n, at=T, actor="system",
                                      action="filing.sms_failed", target_type="filing",
                                      target_id=filing_id, detail={}, prev_hash="", hash=""))
            for channel, final in (("inbox", "delivered"), ("template", "skipped")):
                messages.append(OutboxMessage(
                    dedup_key=f"floor-{filing_id}-{channel}", channel=channel,
                    recipient=applicant, template="sms_failed", params={},
                    title="短信核验未通过", body=reason, status=final, attempts=1,
                    due_at=T, created_at=T, finished_at=T, filing_id=filing_id))
        for rows in (events, entries, messages):
            insert_all(connection, rows)
        insert_all(connection, [
            InboxMessage(user_key=m.recipient, template=m.template, title=m.title,
                         body=m.body, filing_id=m.filing_id, created_at=T)
            for m in messages if m.channel == "inbox"
        ])
        connection.execute(update(SmsChallenge).where(
            SmsChallenge.status == "waiting", SmsChallenge.window_ends_at <= T
        ).values(status="failed"))
        connection.execute(update(Timer).where(
            Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= T
        ).values(fired_at=T))
        connection.execute(update(Filing).where(*due).values(
            status="sms_failed", deadline_at=None, stage_started_at=T, updated_at=T,
            version=Filing.version + 1))
        elapsed = time.perf_counter() - start
        transaction.rollback()
    return elapsed


def run_workers(url: str) -> float:
    """Start two `beian tick --at T` processes at once; seconds until both are done."""
    env = os.environ | {"BEIAN_DATABASE_URL": url}
    command = [str(BEIAN), "tick", "--at", T.isoformat()]
    start = time.perf_counter()
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(WORKERS)]
    for worker in workers:
        out, err = worker.communicate(timeout=3600)
        if worker.returncode != 0:
            raise RuntimeError(f"beian tick failed ({worker.returncode}): {err[-2000:]}")
    elapsed = time.perf_counter() - start
    # A worker may stop while the other still holds the last rows; finish what is left.
    leftover = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    if '"timers_fired": 0' not in leftover.stdout:
        elapsed = time.perf_counter() - start
    return elapsed


def audit(engine: Engine, count: int) -> dict[str, int]:
    """Duplicates, early fires and misses, from the history the workers wrote."""
    with engine.connect() as connection:
        def scalar(sql: str) -> int:
            return int(connection.execute(text(sql)).scalar() or 0)

        failed = "FROM filing_events WHERE event = 'sms_failed'"
        duplicates = scalar(f"SELECT count(*) - count(DISTINCT filing_id) {failed}")
        cutoff = f"'b{count:015d}'"  # filing ids at or past this are the decoys
        early = scalar(f"SELECT count(*) {failed} AND filing_id >= {cutoff}")
        early += scalar(
            "SELECT count(*) FROM filing_events e JOIN timers t ON t.key = e.filing_id"
            " AND t.kind = 'sms_window' WHERE e.event = 'sms_failed' AND e.at < t.due_at"
        )
        missed = count - scalar(f"SELECT count(DISTINCT filing_id) {failed}"
                                f" AND filing_id < {cutoff}")
    return {"duplicates": duplicates, "early": early, "missed": missed}
