"""The purge deletes finished timers and outbox rows past the retention, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from beian.maintenance import PURGE_KIND, purge_finished, schedule_purge
from beian.notifications.channels import Channels
from beian.notifications.models import InboxMessage, OutboxMessage
from beian.notifications.service import deliver_due, enqueue
from beian.timers import service as timers
from beian.timers.models import Timer
from beian.worker import fire_due_timers

RETENTION = timedelta(days=30)


def _count(sessions, model, *where):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _timer(session, key, now, *, fired=False, cancelled=False):
    timer = timers.schedule(session, kind="bench_test", key=key, due_at=now, now=now)
    if fired:
        timer.fired_at = now
    if cancelled:
        timer.cancelled_at = now


def test_finished_timers_older_than_the_retention_go_and_live_ones_stay(sessions, clock):
    then = clock.now()
    with sessions.begin() as session:
        _timer(session, "fired-long-ago", then, fired=True)
        _timer(session, "cancelled-long-ago", then, cancelled=True)
        _timer(session, "pending-long-ago", then)
    clock.advance(RETENTION + timedelta(hours=1))
    with sessions.begin() as session:
        _timer(session, "fired-recently", clock.now(), fired=True)

    stats = purge_finished(sessions, now=clock.now(), retention=RETENTION, batch=1)

    assert stats.timers == 2
    with sessions() as session:
        left = set(session.scalars(select(Timer.key)))
    assert left == {"pending-long-ago", "fired-recently"}


def test_delivered_and_skipped_messages_go_pending_and_dead_stay_inbox_copies_stay(
    sessions, clock
):
    with sessions.begin() as session:
        for n, channel in enumerate(("inbox", "template", "inbox")):
            enqueue(session, channel=channel, recipient="applicant-1", template="sms_failed",
                    params={"filing_id": "f1", "applet_name": "小程序", "status": "已退回",
                            "reason": "", "record_number": "", "deadline": ""},
                    dedup_key=f"purge-test-{n}", now=clock.now(), filing_id="f1")
    # The first two are delivered (inbox) and skipped (no webhook); the third stays pending.
    deliver_due(sessions, clock=clock, channels=Channels(), limit=2)
    clock.advance(RETENTION + timedelta(minutes=1))

    stats = purge_finished(sessions, now=clock.now(), retention=RETENTION)

    assert stats.outbox == 2
    assert _count(sessions, OutboxMessage) == 1
    assert _count(sessions, OutboxMessage, OutboxMessage.status == "pending") == 1
    # The applicant's inbox message outlives the outbox row that delivered it.
    assert _count(sessions, InboxMessage) == 1


def test_nothing_within_the_retention_is_purged(sessions, clock):
    with sessions.begin() as session:
        _timer(session, "fired", clock.now(), fired=True)
    clock.advance(RETENTION - timedelta(minutes=1))
    assert purge_finished(sessions, now=clock.now(), retention=RETENTION).timers == 0


def test_bad_parameters_are_refused(sessions, clock):
    with pytest.raises(ValueError, match="retention"):
        purge_finished(sessions, now=clock.now(), retention=timedelta(days=-1))


def test_the_purge_timer_runs_in_the_worker_and_arms_the_next_hour(sessions, clock):
    with sessions.begin() as session:
        _timer(session, "old", clock.now(), fired=True)
        schedule_purge(session, now=clock.now())
        schedule_purge(session, now=clock.now())  # idempotent within the hour
    assert _count(sessions, Timer, Timer.kind == PURGE_KIND) == 1
    clock.advance(RETENTION + timedelta(hours=1))

    stats = fire_due_timers(sessions, clock)

    assert stats.timers_fired == 1 and stats.timers_failed == 0
    with sessions() as session:
        keys = set(session.scalars(select(Timer.key)))
        purges = list(session.scalars(select(Timer).where(Timer.kind == PURGE_KIND)))
    assert "old" not in keys
    assert len([t for t in purges if t.fired_at is None]) == 1  # the next run is armed
    assert all(t.due_at > clock.now() for t in purges if t.fired_at is None)


def test_the_hourly_run_gathers_sqlite_planner_statistics(sessions, clock):
    # Without statistics SQLite guesses which index is selective; PRAGMA optimize gathers
    # them for the tables queries used. PostgreSQL's autovacuum does its own: there the
    # run only has to go through without error.
    with sessions.begin() as session:
        for i in range(20):
            _timer(session, f"t{i}", clock.now(), fired=True)
        schedule_purge(session, now=clock.now())
    clock.advance(timedelta(hours=1))

    stats = fire_due_timers(sessions, clock)

    assert stats.timers_fired == 1 and stats.timers_failed == 0
    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            analysed = set(session.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
            assert "timers" in analysed
