"""Durable timers and the worker loop that fires them (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from beian import worker
from beian.audit import service as audit
from beian.audit.models import AuditEntry
from beian.db import transaction
from beian.notifications.channels import Channels
from beian.timers import service as timers
from beian.timers.models import Timer
from beian.worker import MAX_TIMER_ATTEMPTS, fire_due_timers, run_once

CALLS: list[tuple[str, str]] = []


@timers.handler("test_record")
def _record(session, timer, clock):
    CALLS.append((timer.key, clock.now().isoformat()))


@timers.handler("test_explode")
def _explode(session, timer, clock):
    session.add(Timer(kind="test_record", key="half-written", due_at=clock.now(),
                      created_at=clock.now(), payload={}))
    session.flush()
    raise RuntimeError("boom")


def schedule(sessions, clock, kind, key, due):
    with transaction(sessions) as session:
        timers.schedule(session, kind=kind, key=key, due_at=due, now=clock.now())


def test_a_timer_fires_once_when_due_and_never_early(sessions, clock):
    CALLS.clear()
    schedule(sessions, clock, "test_record", "a", clock.now() + timedelta(hours=1))
    clock.advance(minutes=59, seconds=59)
    assert fire_due_timers(sessions, clock).timers_fired == 0
    clock.advance(seconds=1)
    assert fire_due_timers(sessions, clock).timers_fired == 1
    assert fire_due_timers(sessions, clock).timers_fired == 0
    assert [key for key, _ in CALLS] == ["a"]


def test_scheduling_the_same_key_again_moves_the_one_timer(sessions, clock):
    schedule(sessions, clock, "test_record", "b", clock.now() + timedelta(hours=1))
    schedule(sessions, clock, "test_record", "b", clock.now() + timedelta(hours=3))
    with sessions() as session:
        [timer] = timers.pending(session, kind="test_record")
        assert timer.due_at == clock.now() + timedelta(hours=3)


def test_a_few_armings_rearm_fired_timers_and_the_last_of_a_key_wins(sessions, clock):
    # A person's action arms its few timers in one statement (an upsert of several rows);
    # a surge arms its many with another: both re-arm a fired timer of the same key.
    later = clock.now() + timedelta(hours=2)
    for count in (3, 7):
        keys = [f"few-{count}-{i}" for i in range(count)]
        for key in keys:
            schedule(sessions, clock, "test_record", key, clock.now())
        with transaction(sessions) as session:
            for timer in timers.pending(session, kind="test_record"):
                timer.fired_at = clock.now()
        armings = [timers.Arming("test_record", key, later, {"n": 1}) for key in keys]
        armings.append(timers.Arming("test_record", keys[0], later + timedelta(hours=1), {}))
        with transaction(sessions) as session:
            timers.schedule_many(session, armings, now=clock.now())
        with sessions() as session:
            pending = {t.key: t for t in timers.pending(session, kind="test_record")}
        assert set(pending) == set(keys)
        assert pending[keys[0]].due_at == later + timedelta(hours=1)
        assert pending[keys[0]].payload == {}
        assert [pending[key].due_at for key in keys[1:]] == [later] * (count - 1)
        assert all(pending[key].payload == {"n": 1} for key in keys[1:])
        with transaction(sessions) as session:
            for timer in timers.pending(session, kind="test_record"):
                timer.cancelled_at = clock.now()


def test_a_cancelled_timer_does_not_fire(sessions, clock):
    CALLS.clear()
    schedule(sessions, clock, "test_record", "c", clock.now())
    with transaction(sessions) as session:
        timers.cancel(session, kind="test_record", key="c", now=clock.now())
    assert fire_due_timers(sessions, clock).timers_fired == 0
    assert CALLS == []


def test_a_failing_handler_leaves_nothing_behind_and_backs_off(sessions, clock):
    schedule(sessions, clock, "test_explode", "d", clock.now())
    stats = fire_due_timers(sessions, clock)
    assert (stats.timers_fired, stats.timers_failed) == (0, 1)
    with sessions() as session:
        [timer] = timers.pending(session, kind="test_explode")
        assert timer.attempts == 1 and "boom" in timer.last_error
        assert timer.due_at == clock.now() + timedelta(minutes=2)
        assert timers.pending(session, kind="test_record") == []  # savepoint rolled back


def test_a_handler_that_keeps_failing_is_given_up_visibly(sessions, clock):
    schedule(sessions, clock, "test_explode", "e", clock.now())
    for _ in range(MAX_TIMER_ATTEMPTS):
        fire_due_timers(sessions, clock)
        clock.advance(days=1)
    with sessions() as session:
        timer = session.query(Timer).filter_by(kind="test_explode").one()
        assert timer.cancelled_at is not None and timer.fired_at is None
        assert timer.attempts == MAX_TIMER_ATTEMPTS


def test_an_unknown_kind_is_reported_not_dropped(sessions, clock):
    schedule(sessions, clock, "no_such_kind", "f", clock.now())
    assert fire_due_timers(sessions, clock).timers_failed == 1


def test_run_once_drains_more_than_one_batch(sessions, clock):
    CALLS.clear()
    for index in range(7):
        schedule(sessions, clock, "test_record", f"g{index}", clock.now())
    stats = run_once(sessions, clock, Channels(), batch=3)
    assert stats.timers_fired == 7
    assert sorted(key for key, _ in CALLS) == [f"g{index}" for index in range(7)]


BATCHES: list[list[str]] = []


@timers.handler("test_batched")
def _one_of_a_batch(session, timer, clock):
    if timer.key == "poison":
        raise RuntimeError("this one cannot be handled")
    CALLS.append((timer.key, "alone"))


@timers.batch_handler("test_batched")
def _batch(session, due, clock):
    BATCHES.append(sorted(timer.key for timer in due))
    if any(timer.key == "poison" for timer in due):
        session.add(Timer(kind="test_record", key="batch-half-written", due_at=clock.now(),
                          created_at=clock.now(), payload={}))
        session.flush()
        raise RuntimeError("one timer of the batch is bad")


def test_a_surge_of_one_kind_goes_through_its_batch_handler_once(sessions, clock):
    CALLS.clear()
    BATCHES.clear()
    for key in ("s1", "s2", "s3"):
        schedule(sessions, clock, "test_batched", key, clock.now())
    assert fire_due_timers(sessions, clock).timers_fired == 3
    assert BATCHES == [["s1", "s2", "s3"]] and CALLS == []
    assert fire_due_timers(sessions, clock).timers_fired == 0


def test_a_failed_batch_leaves_nothing_and_falls_back_to_one_by_one(sessions, clock):
    CALLS.clear()
    BATCHES.clear()
    for key in ("ok1", "poison", "ok2"):
        schedule(sessions, clock, "test_batched", key, clock.now())
    stats = fire_due_timers(sessions, clock)
    assert (stats.timers_fired, stats.timers_failed) == (2, 1)
    assert BATCHES == [["ok1", "ok2", "poison"]]  # tried together first
    assert sorted(CALLS) == [("ok1", "alone"), ("ok2", "alone")]  # then each on its own
    with sessions() as session:
        assert session.query(Timer).filter_by(key="batch-half-written").count() == 0
        [poison] = timers.pending(session, kind="test_batched")
        assert poison.key == "poison" and poison.attempts == 1


@timers.handler("test_audited")
def _audited_one(session, timer, clock):
    audit.record(session, actor="system", action="timer.test", target_type="timer",
                 target_id=timer.key, now=clock.now())


@timers.batch_handler("test_audited")
def _audited_batch(session, due, clock):
    for timer in due:
        _audited_one(session, timer, clock)


def test_a_batch_failing_at_its_last_step_keeps_no_audit_entry_and_fires_each_alone(
    sessions, clock, monkeypatch
):
    def mark_then_fail(session, fired, *, now):
        timers.mark_fired(session, fired, now=now)
        raise RuntimeError("the batch failed after its timers were marked fired")

    monkeypatch.setattr(worker, "mark_fired", mark_then_fail)
    for key in ("a1", "a2"):
        schedule(sessions, clock, "test_audited", key, clock.now())
    stats = fire_due_timers(sessions, clock)
    assert (stats.timers_fired, stats.timers_failed) == (2, 0)
    with sessions() as session:
        assert timers.pending(session, kind="test_audited") == []  # fired_at was written
        targets = list(session.scalars(select(AuditEntry.target_id).order_by(AuditEntry.seq)))
        assert targets == ["a1", "a2"]  # once each: the failed batch's entries were dropped
        assert audit.verify(session) == (2, [])
    assert fire_due_timers(sessions, clock).timers_fired == 0


def test_fired_and_cancelled_timers_leave_the_claim_index(sessions, clock):
    for key in ("live", "fired", "cancelled"):
        schedule(sessions, clock, "test_record", key, clock.now())
    with transaction(sessions) as session:
        timers.cancel(session, kind="test_record", key="cancelled", now=clock.now())
        [fired] = [t for t in timers.pending(session) if t.key == "fired"]
        timers.mark_fired(session, [fired], now=clock.now())
        assert fired.fired_at == clock.now()
    with transaction(sessions) as session:
        due = timers.claim_due(session, now=clock.now(), limit=10)
        assert [timer.key for timer in due] == ["live"]
