"""Finding a record's changes is a search by index, not a walk through every filing.

The applicant's page of a filing lists the changes opened from it, and a change or a
cancellation first asks whether a change is still open: both ask "which filings replace
this one", on every view and action. Without an index on the column that was a scan of
the whole table, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from beian.filings import service
from beian.filings.models import Filing
from beian.web.applicant_pages import _changes
from tests.statements import sqlite_plan, statements_run


def _plans(engine: Engine, ask) -> list[str]:
    """SQLite's plan of every statement `ask(session)` runs."""
    sessions = make_sessionmaker(engine)
    with sessions() as session, statements_run(
        engine, lambda statement, _context: statement.lstrip().startswith("SELECT")
    ) as seen:
        ask(session)
    return ["\n".join(sqlite_plan(engine, statement)) for statement in seen]


def test_changes_of_a_record_are_found_by_index(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/plans.db")
    metadata.create_all(engine)
    record = Filing(id="record-1", replaces_id=None)
    try:
        open_change = _plans(engine, lambda s: service.pending_change(s, record))
        listed = _plans(engine, lambda s: _changes(s, record))
    finally:
        engine.dispose()
    assert open_change and listed
    for plan in open_change + listed:
        assert "USING INDEX ix_filings_changes" in plan, plan
        assert "SCAN filings" not in plan, plan
