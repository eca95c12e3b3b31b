"""The audit chain detects edited, deleted and reordered rows (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from beian.audit import service as audit
from beian.audit.models import AuditEntry
from beian.db import make_engine, make_sessionmaker, transaction


@pytest.fixture
def chain(sessions, clock):
    with transaction(sessions) as session:
        for index in range(5):
            audit.record(session, actor=f"user-{index}", action="filing.submit",
                         target_type="filing", target_id=f"f{index}", now=clock.advance(minutes=1),
                         detail={"from": "draft", "to": "platform_review"})
    return sessions


def problems(sessions):
    with sessions() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(chain):
    checked, found = problems(chain)
    assert (checked, found) == (5, [])


def test_an_edited_row_is_detected(chain):
    with transaction(chain) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="mallory"))
    _, found = problems(chain)
    assert [p.seq for p in found] == [3]
    assert "changed" in found[0].what


def test_a_deleted_row_is_detected(chain):
    with transaction(chain) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    _, found = problems(chain)
    assert {p.seq for p in found} == {3}


def test_reordered_rows_are_detected(chain):
    with transaction(chain) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(seq=2))
        session.execute(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=4))
    _, found = problems(chain)
    assert {p.seq for p in found} >= {2, 4}


def test_a_rehashed_forgery_still_breaks_the_link_to_the_next_row(chain):
    with chain() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        entry.actor = "mallory"
        entry.hash = audit.entry_hash(entry)
        session.commit()
    _, found = problems(chain)
    assert [p.seq for p in found] == [3]


def test_the_trail_lists_a_targets_entries_newest_first(chain):
    with chain() as session:
        entries = audit.trail(session, target_type="filing", target_id="f1")
        assert [e.actor for e in entries] == ["user-1"]


def _record(sessions, clock, actor):
    with transaction(sessions) as session:
        audit.record(session, actor=actor, action="filing.submit", target_type="filing",
                     target_id="f", now=clock.advance(minutes=1), detail={})


def _chain_of(sessions):
    with sessions() as session:
        checked, found = audit.verify(session)
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    return checked, found, seqs


def test_an_append_after_a_rolled_back_one_chains_after_the_stored_head(sessions, clock):
    # The process remembers the head it appended last; a rollback makes that memory wrong.
    _record(sessions, clock, "first")
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        audit.record(session, actor="undone", action="filing.submit", target_type="filing",
                     target_id="f", now=clock.advance(minutes=1), detail={})
        raise RuntimeError("roll back")
    _record(sessions, clock, "second")
    assert _chain_of(sessions) == (2, [], [1, 2])


def test_appends_by_another_process_are_seen_before_chaining(engine, clock):
    # Two engines on one database stand for two processes, each remembering its own head.
    ours, theirs = make_sessionmaker(engine), make_sessionmaker(
        make_engine(engine.url.render_as_string(hide_password=False)))
    try:
        _record(ours, clock, "ours-1")
        _record(theirs, clock, "theirs-1")
        _record(theirs, clock, "theirs-2")
        _record(ours, clock, "ours-2")  # remembers seq 1; the head is 3
        _record(theirs, clock, "theirs-3")  # remembers seq 3; the head is 4
        assert _chain_of(ours) == (5, [], [1, 2, 3, 4, 5])
        with ours() as session:
            actors = list(session.scalars(select(AuditEntry.actor).order_by(AuditEntry.seq)))
        assert actors == ["ours-1", "theirs-1", "theirs-2", "ours-2", "theirs-3"]
    finally:
        theirs.kw["bind"].dispose()
