"""A move's history id, reserved by the read-ahead before a submission, holds only in the
transaction that read it and only for its filing (beian.filings.history_ids)."""

from __future__ import annotations

from beian.core.workflow import Event
from beian.filings import history_ids
from beian.filings.lifecycle import move
from beian.filings.models import Filing
from beian.filings.registry import DatabaseRegistry
from tests.journey import APPLICANT, submitted


def test_a_submission_takes_the_id_its_read_ahead_reserved(world, document, monkeypatch):
    filing, _ = world.save(document)
    taken: list[int | None] = []
    real_take = history_ids.take

    def take(session, filing_id):
        taken.append(real_take(session, filing_id))
        return taken[-1]

    monkeypatch.setattr(history_ids, "take", take)
    world.applicant_does("submit", filing.id)
    [event] = world.history(filing.id)
    assert taken == [event.id]
    assert world.outbox_count(dedup_key=f"event:{event.id}:inbox") == 1


def test_a_reservation_of_an_earlier_transaction_or_another_filing_is_not_used(
    world, document
):
    first = submitted(world, document)
    draft, _ = world.save(document)
    with world.sessions() as session:
        filing = session.get(Filing, draft.id)
        DatabaseRegistry(session, now=world.clock.now()).read_ahead(
            filing.document, filing_id=filing.id, calendar=True)()
        assert history_ids.take(session, "another filing") is None  # and it is spent
        DatabaseRegistry(session, now=world.clock.now()).read_ahead(
            filing.document, filing_id=filing.id, calendar=True)()
        session.commit()
        # Meanwhile another transaction moves a filing: on SQLite it takes the very id
        # read above, which a stale reservation would then collide with.
        world.applicant_does("withdraw", first)
        record = move(session, filing, Event.SUBMIT, actor=APPLICANT, now=world.clock.now())
        session.commit()
    withdrawn = world.history(first)[-1]
    assert record.id > withdrawn.id
    assert [e.id for e in world.history(draft.id)] == [record.id]
