"""A submission's statements are compiled once, and its shortcuts store what the ORM would.

SQLAlchemy compiles a statement again on every execution when it cannot key it for its
cache (several VALUES rows, for one): on the submit path that cost more than the database
took to run it. The single-filing move and the submitted copy skip the unit of work; they
must still check the version and store the document as the document.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import pytest
from sqlalchemy import LargeBinary, select, type_coerce, update
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.orm.exc import StaleDataError

from beian.core.workflow import Event, Status
from beian.filings import service
from beian.filings.lifecycle import move
from beian.filings.models import Filing
from beian.filings.views import filing_detail
from tests.journey import APPLICANT, submitted
from tests.statements import statements_run


def compiled_afresh(world) -> AbstractContextManager[list[str]]:
    """The statements run in the block that were compiled for it (not driver SQL such
    as SQLite's BEGIN IMMEDIATE, which is never compiled)."""
    return statements_run(
        world.sessions.kw["bind"],
        lambda _statement, context: (
            context.compiled is not None and context.cache_hit is not CacheStats.CACHE_HIT
        ),
    )


def _submit_and_show(world, filing_id: str) -> None:
    def act(session):
        filing = service.submit(session, filing_id=filing_id, applicant=APPLICANT,
                                now=world.clock.now())
        filing_detail(session, filing, now=world.clock.now(), masked=False)

    world.act(act)


def test_a_second_save_and_submission_compile_no_statement(world, document):
    first = submitted(world, document)
    for _ in range(2):  # every statement of the path seen once, the second time too
        world.applicant_does("withdraw", first)
        _submit_and_show(world, first)  # its people are replaced
    world.applicant_does("withdraw", first)
    with compiled_afresh(world) as afresh:
        world.save(document)  # another draft: findings, but saved
        _submit_and_show(world, first)
    assert afresh == []
    assert world.filing(first).status == Status.PLATFORM_REVIEW


def test_the_submitted_copy_is_the_document_under_its_own_nonce(world, document):
    filing_id = submitted(world, document)
    table = Filing.__table__
    stored, copy, as_text, copy_as_text, version = world.read(lambda s: s.execute(
        select(type_coerce(table.c.document, LargeBinary),
               type_coerce(table.c.submitted_document, LargeBinary),
               table.c.document, table.c.submitted_document, table.c.version)
        .where(table.c.id == filing_id)).one())
    assert copy_as_text == as_text
    assert copy != stored  # encrypted anew: equal documents do not show as equal bytes
    assert version == 2  # created, then moved (the copy is written with the move's check)


def test_a_filing_changed_meanwhile_is_not_moved(world, document):
    draft, _ = world.save(document)
    session = world.sessions()
    try:
        loaded = session.get(Filing, draft.id)
        session.commit()  # loaded; now someone else changes it
        world.act(lambda s: s.execute(
            update(Filing).where(Filing.id == draft.id).values(version=Filing.version + 1)))
        with pytest.raises(StaleDataError, match="changed meanwhile"):
            move(session, loaded, Event.SUBMIT, actor=APPLICANT, now=world.clock.now())
        session.rollback()
    finally:
        session.close()
    assert world.filing(draft.id).status == Status.DRAFT
    assert world.history(draft.id) == []
