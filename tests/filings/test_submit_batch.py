"""A save and a submission send their statements together: on PostgreSQL in one pipeline
(one round trip).

A new draft's row goes with the pre-check's questions. A submission's people named, the
move (the filing's row and its history), the audit chain's lock and entry, the step's
timers and the notices do not depend on each other's answers; they are checked once all
are answered (beian.db.direct.batch). The notices' keys name the new history row, whose
id the pre-check's read-ahead reserved (beian.filings.history_ids).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from beian.filings import service
from tests.journey import APPLICANT


def _pipelined(connection: Any) -> bool:
    driver = connection.connection.driver_connection
    pgconn = getattr(driver, "pgconn", None)  # psycopg; SQLite has no pipeline
    return pgconn is not None and bool(pgconn.pipeline_status)


@contextmanager
def statements(world) -> Iterator[list[tuple[str, bool]]]:
    """The first words of each statement run in the block, and whether it was pipelined."""
    engine = world.sessions.kw["bind"]
    seen: list[tuple[str, bool]] = []

    def record(connection, _cursor, statement, _params, _context, _many) -> None:
        seen.append((" ".join(statement.split()[:3]), _pipelined(connection)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_new_draft_is_written_with_the_pre_checks_questions(world, document):
    with statements(world) as seen:
        filing, findings = world.save(document)
    together = [statement for statement, pipelined in seen if pipelined]
    if world.sessions.kw["bind"].dialect.name == "postgresql":
        assert together[0].startswith("INSERT INTO filings")
        assert together[1].startswith("SELECT")  # the read-ahead
    else:
        assert together == []
    assert findings == [] and world.filing(filing.id).document == document


def test_a_submission_writes_its_rows_in_one_round_trip(world, document):
    filing, _ = world.save(document)
    world.applicant_does("submit", filing.id)
    # Withdrawn, it is a draft again; the audit chain's head is now known to this process,
    # so its entry is chained to it without reading it (beian.audit.service._append).
    world.applicant_does("withdraw", filing.id)
    with statements(world) as seen:
        world.act(lambda session: service.submit(
            session, filing_id=filing.id, applicant=APPLICANT, now=world.clock.now()))
    together = [statement for statement, pipelined in seen if pipelined]
    tables = ("filing_people", "filings SET", "filing_events", "audit_log", "timers")
    if world.sessions.kw["bind"].dialect.name == "postgresql":
        assert [any(table in s for s in together) for table in tables] == [True] * 5
        assert any("pg_advisory_xact_lock" in s for s in together)
        assert any("outbox_messages" in s for s in together)
    else:
        assert together == []
    assert any("outbox_messages" in s for s, _ in seen)
    assert world.filing(filing.id).status == "platform_review"
    events = world.history(filing.id)
    assert [e.event for e in events] == ["submit", "withdraw", "submit"]
    assert world.outbox_count(dedup_key=f"event:{events[-1].id}:inbox") == 1
