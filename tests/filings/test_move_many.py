"""Moving many filings at once (a surge of SMS windows closing): all or none, same checks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from beian.core.workflow import Event, Status
from beian.db import transaction
from beian.filings.lifecycle import move_many
from beian.filings.models import Filing, FilingEvent
from beian.notifications.models import OutboxMessage
from tests.statements import sqlite_plan, statements_run


def _waiting(sessions, clock, count):
    now = clock.now()
    with transaction(sessions) as session:
        for i in range(count):
            session.add(Filing(id=f"surge{i}", applicant="applicant-1", status="sms_verification",
                               document={}, created_at=now, updated_at=now,
                               stage_started_at=now, deadline_at=now))


def test_many_filings_move_with_one_history_row_audit_entry_and_notices_each(sessions, clock):
    _waiting(sessions, clock, 3)
    with transaction(sessions) as session:
        filings = list(session.scalars(select(Filing).order_by(Filing.id)))
        records = move_many(session, filings, Event.SMS_FAILED, actor="system",
                            now=clock.now(), reason="24小时内未完成短信核验")
        assert [r.filing_id for r in records] == ["surge0", "surge1", "surge2"]
    with sessions() as session:
        rows = session.execute(select(Filing.status, Filing.version, Filing.deadline_at)).all()
        assert rows == [(Status.SMS_FAILED.value, 2, None)] * 3
        assert session.scalar(select(func.count()).select_from(FilingEvent)) == 3
        keys = set(session.scalars(select(OutboxMessage.dedup_key)))
        assert keys == {f"event:{r.id}:{c}" for r in records for c in ("inbox", "template")}


def test_a_filing_changed_meanwhile_stops_the_whole_batch(sessions, clock):
    _waiting(sessions, clock, 2)
    session = sessions()
    try:
        filings = list(session.scalars(select(Filing).order_by(Filing.id)))
        session.commit()  # loaded; now someone else changes one of them
        with transaction(sessions) as other:
            other.execute(update(Filing).where(Filing.id == "surge1")
                          .values(version=Filing.version + 1))
        with pytest.raises(StaleDataError, match="1 of 2 filings changed meanwhile"):
            move_many(session, filings, Event.SMS_FAILED, actor="system", now=clock.now())
        session.rollback()
    finally:
        session.close()
    with sessions() as check:
        assert set(check.scalars(select(Filing.status))) == {Status.SMS_VERIFICATION.value}
        assert check.scalar(select(func.count()).select_from(FilingEvent)) == 0


def test_the_batch_update_finds_its_rows_by_the_primary_key(sessions, clock):
    # A surge moves hundreds of filings in one UPDATE: it must find them by key. SQLite
    # cannot search an index by a list of (id, version) pairs, and scanned every filing.
    _waiting(sessions, clock, 3)
    engine = sessions.kw["bind"]
    with transaction(sessions) as session:
        filings = list(session.scalars(select(Filing).order_by(Filing.id)))
        with statements_run(engine, lambda statement, _: statement.startswith("UPDATE filings")
                            ) as seen:
            move_many(session, filings, Event.SMS_FAILED, actor="system", now=clock.now())
    assert len(seen) == 1
    if engine.dialect.name == "sqlite":
        plan = sqlite_plan(engine, seen[0])
        assert any(step.startswith("SEARCH filings USING INDEX") for step in plan), plan
        assert "SCAN filings" not in plan, plan
