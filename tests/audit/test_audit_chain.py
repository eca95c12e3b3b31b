"""The audit chain detects edited, deleted and reordered rows (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from beian.audit import service as audit
from beian.audit.models import AuditEntry
from beian.db import transaction


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
