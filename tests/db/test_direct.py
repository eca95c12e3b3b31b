"""beian.db.direct: the same statement, parameters, results and errors as through the
session, without its per-execution work; batches answered at their end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, bindparam, exc, insert, select, text
from sqlalchemy.orm import Session

from beian.db import direct
from beian.db.direct import Direct
from beian.db.lists import one_of
from beian.timers.models import Timer
from tests.statements import statements_run

TIMERS: Table = Timer.__table__  # type: ignore[assignment]
INSERT = Direct(insert(TIMERS))
BY_KEYS = select(TIMERS.c.kind, TIMERS.c.key, TIMERS.c.due_at, TIMERS.c.payload,
                 TIMERS.c.fired_at, TIMERS.c.attempts).where(one_of(TIMERS.c.key, "keys"))
READ = Direct(BY_KEYS)
AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _row(key: str, **changes: object) -> dict[str, object]:
    return {"kind": "sms_window", "key": key, "due_at": AT + timedelta(hours=1),
            "payload": {"status": "sms_verification", "n": [1, 2]}, "created_at": AT,
            "fired_at": None, "cancelled_at": None, "attempts": 0, "last_error": None,
            **changes}


def test_rows_are_those_the_session_reads(db: Session) -> None:
    INSERT.send(db, _row("f1"))
    INSERT.send(db, _row("f2", fired_at=AT, attempts=3))
    params = {"keys": ["f1", "f2", "nobody"]}
    through_session = [tuple(row) for row in db.execute(BY_KEYS, params)]
    ours = READ.rows(db, params)
    assert sorted(ours) == sorted(through_session)
    assert len(ours) == 2
    # The types' result processors ran: instants in UTC, JSON as Python values.
    by_key = {row[1]: row for row in ours}
    assert by_key["f2"][4] == AT and by_key["f2"][4].tzinfo is not None
    assert by_key["f1"][3] == {"status": "sms_verification", "n": [1, 2]}
    assert READ.rows(db, {"keys": ["nobody"]}) == []


def test_a_refused_value_is_a_statement_error_and_a_refused_row_keeps_its_class(
    db: Session,
) -> None:
    with pytest.raises(exc.StatementError, match="a list of strings was expected"):
        READ.rows(db, {"keys": [1, 2]})
    assert INSERT.send(db, _row("dup")).rowcount == 1
    with pytest.raises(exc.IntegrityError):  # (kind, key) is unique
        INSERT.send(db, _row("dup"))


def test_statements_it_cannot_run_as_written_are_refused(db: Session) -> None:
    # payload's default is made by a Python function at each insert: only the session's
    # execution makes it.
    without_payload = {k: v for k, v in _row("x").items() if k != "payload"}
    with pytest.raises(ValueError, match="defaults"):
        Direct(insert(TIMERS)).send(db, without_payload)
    expanding = select(TIMERS.c.id).where(TIMERS.c.key.in_(bindparam("keys", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        Direct(expanding).rows(db, {"keys": ["a"]})


def test_the_engines_cursor_events_see_its_statements(db: Session) -> None:
    with statements_run(db.get_bind()) as seen:
        READ.rows(db, {"keys": ["a"]})
    assert [statement for statement in seen if "FROM timers" in statement]


def test_a_batch_answers_at_its_end_and_then_runs_its_steps_in_order(db: Session) -> None:
    steps: list[str] = []
    with direct.batch(db):
        first = INSERT.send(db, _row("b1"))
        with direct.batch(db):  # joins the open batch
            second = READ.send(db, {"keys": ["b1"]})
            direct.after(db, lambda: steps.append(f"read {len(second.rows())}"))
        direct.after(db, lambda: steps.append(f"wrote {first.rowcount}"))
        assert steps == []  # nothing runs before the end
        if db.get_bind().dialect.name == "postgresql":
            # Sent, not answered: the pipeline is read at the end.
            assert second.cursor.pgresult is None
    assert steps == ["read 1", "wrote 1"]
    direct.after(db, lambda: steps.append("at once"))  # no batch open
    assert steps[-1] == "at once"


def test_the_session_cannot_run_a_statement_inside_a_batch(db: Session) -> None:
    with pytest.raises(RuntimeError, match="inside beian.db.direct.batch"), direct.batch(db):
        db.execute(text("SELECT 1"))
    db.rollback()
    assert db.execute(text("SELECT 1")).scalar_one() == 1  # and again after it


def test_an_error_in_a_batch_is_raised_at_its_end_and_its_steps_do_not_run(
    db: Session,
) -> None:
    INSERT.send(db, _row("taken"))
    db.commit()
    steps: list[str] = []
    with pytest.raises(exc.IntegrityError), direct.batch(db):
        INSERT.send(db, _row("new"))
        INSERT.send(db, _row("taken"))
        direct.after(db, lambda: steps.append("ran"))
    assert steps == []
    db.rollback()  # nothing of the batch stays
    assert [row[1] for row in READ.rows(db, {"keys": ["new", "taken"]})] == ["taken"]
