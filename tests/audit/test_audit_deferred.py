"""Entries appended last (the worker's batches): order, savepoints, concurrent writers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from beian.audit import service as audit
from beian.audit.models import AuditEntry
from beian.db import transaction


def _record(session, clock, target):
    audit.record(session, actor="system", action="filing.sms_failed", target_type="filing",
                 target_id=target, now=clock.now())


def _targets(sessions):
    with sessions() as session:
        return list(session.scalars(select(AuditEntry.target_id).order_by(AuditEntry.seq)))


def test_deferred_entries_are_written_only_when_the_block_ends_in_order(sessions, clock):
    with transaction(sessions) as session:
        with audit.appended_last(session):
            _record(session, clock, "a")
            _record(session, clock, "b")
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2
    assert _targets(sessions) == ["a", "b"]
    with sessions() as session:
        assert audit.verify(session) == (2, [])


def test_entries_of_a_rolled_back_savepoint_are_forgotten(sessions, clock):
    with transaction(sessions) as session, audit.appended_last(session):
        _record(session, clock, "kept-1")
        with pytest.raises(RuntimeError), audit.savepoint(session):
            _record(session, clock, "dropped")
            raise RuntimeError("the batch failed")
        with audit.savepoint(session):
            _record(session, clock, "kept-2")
    assert _targets(sessions) == ["kept-1", "kept-2"]
    with sessions() as session:
        assert audit.verify(session) == (2, [])


def test_a_block_that_fails_appends_nothing(sessions, clock):
    with (pytest.raises(RuntimeError), transaction(sessions) as session,
          audit.appended_last(session)):
        _record(session, clock, "never")
        raise RuntimeError("boom")
    assert _targets(sessions) == []


def test_a_nested_block_leaves_the_append_to_the_outer_one(sessions, clock):
    with transaction(sessions) as session, audit.appended_last(session):
        with audit.appended_last(session):
            _record(session, clock, "inner")
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        _record(session, clock, "outer")
    assert _targets(sessions) == ["inner", "outer"]


def test_concurrent_deferring_writers_never_fork_the_chain(sessions, clock):
    errors: list[BaseException] = []

    def writer(name):
        try:
            for batch in range(5):
                with transaction(sessions) as session, audit.appended_last(session):
                    for index in range(10):
                        _record(session, clock, f"{name}-{batch}-{index}")
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        assert audit.verify(session) == (100, [])
