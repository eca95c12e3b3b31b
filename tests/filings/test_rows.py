"""Filing rows written and read in Core (beian.filings.rows): the row stored and the object
kept in the session are those the ORM's flush and loading give."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import LargeBinary, Table, Text, cast, inspect, select, type_coerce, update
from sqlalchemy.orm import Session

from beian.crypto.types import EncryptedJSON
from beian.filings import rows
from beian.filings.models import Filing
from beian.filings.service import new_draft
from tests.statements import statements_run

_FILINGS: Table = Filing.__table__  # type: ignore[assignment]
_COLUMNS = tuple(column.key for column in _FILINGS.c)
_PLAIN = [c for c in _FILINGS.c if not isinstance(c.type, EncryptedJSON) and c.key != "id"]


def _stored(session: Session, filing_id: str) -> tuple[Any, ...]:
    """The row as the database holds it: which columns are SQL NULL (a JSON null is not),
    and every column that is not ciphertext, as text."""
    query = select(
        *(column.is_(None) for column in _FILINGS.c), *(cast(column, Text) for column in _PLAIN)
    ).where(_FILINGS.c.id == filing_id)
    return tuple(session.execute(query).one())


def _flushed(session: Session, **draft: Any) -> Filing:
    """The draft written the slow way: added and flushed by the unit of work."""
    filing = new_draft(**draft)
    session.add(filing)
    session.flush()
    return filing


def _inserted(session: Session, **draft: Any) -> Filing:
    filing = new_draft(**draft)
    rows.insert_new(session, filing)
    return filing


def _same_object(fast: Filing, slow: Filing, *, same_id: bool) -> None:
    """Every column loaded (none read again) and equal, and nothing to flush."""
    state = inspect(fast)
    assert not state.unloaded & set(_COLUMNS)
    assert state.persistent and not state.modified
    for key in _COLUMNS:
        if same_id or key != "id":
            assert getattr(fast, key) == getattr(slow, key), key


@pytest.mark.parametrize("complete", [True, False], ids=["example", "empty"])
def test_a_draft_is_stored_and_kept_as_a_flush_would(db, clock, document, complete):
    content = document if complete else {}
    original = _flushed(db, applicant="li.si", document=content, now=clock.now())
    for replaces in (None, original):
        draft = {"applicant": "zhang.san", "document": content, "now": clock.now(),
                 "replaces": replaces}
        slow, fast = _flushed(db, **draft), _inserted(db, **draft)
        _same_object(fast, slow, same_id=False)
        assert db.get(Filing, fast.id) is fast
        assert fast.version == 1  # lifecycle counts moves from the first version
        assert _stored(db, fast.id) == _stored(db, slow.id)


def test_the_inserted_document_is_encrypted_and_reads_back(db, sessions, clock, document):
    filing_id = _inserted(db, applicant="zhang.san", document=document, now=clock.now()).id
    db.commit()
    stored = db.scalar(
        select(type_coerce(_FILINGS.c.document, LargeBinary)).where(_FILINGS.c.id == filing_id)
    )
    db.commit()  # SQLite: the session below must be able to begin
    name = document["icp_subject"]["base_info"]["name"]
    assert name.encode() not in stored and b"icp_subject" not in stored
    with sessions() as fresh:
        assert fresh.get(Filing, filing_id).document == document


def test_a_loaded_filing_is_the_one_the_orm_loads(db, sessions, clock, document):
    filing_id = _inserted(db, applicant="zhang.san", document=document, now=clock.now()).id
    # Stored facts win over the document's: the load must not recompute them (an erased
    # filing keeps its public facts without the document they came from).
    db.execute(update(_FILINGS).where(_FILINGS.c.id == filing_id)
               .values(subject_type_id=None, audit_data=[{"key_name": "名称"}]))
    db.commit()
    with sessions() as orm:  # closed before the other begins (SQLite: one writer)
        slow = orm.get(Filing, filing_id)
        slow_unloaded = set(inspect(slow).unloaded)
    with sessions() as core:
        fast = rows.load(core, filing_id)
        assert fast.subject_type_id is None and fast.audit_data == [{"key_name": "名称"}]
        _same_object(fast, slow, same_id=True)
        assert inspect(fast).unloaded == slow_unloaded  # the history: read when asked
        assert fast.history == []
        with statements_run(core.get_bind()) as seen:
            assert rows.load(core, filing_id) is fast and core.get(Filing, filing_id) is fast
        assert seen == []
        fast.status = "withdrawn"
        core.flush()  # written as any loaded filing: with the optimistic version check
        assert fast.version == 2
        core.commit()
    assert db.scalar(select(_FILINGS.c.version).where(_FILINGS.c.id == filing_id)) == 2


def test_a_load_finds_a_pending_filing_and_nothing_for_an_unknown_id(db, clock):
    pending = new_draft(applicant="zhang.san", document={}, now=clock.now())
    db.add(pending)
    assert rows.load(db, pending.id) is pending  # flushed first, as the ORM's query does
    assert rows.load(db, "no-such-filing") is None
