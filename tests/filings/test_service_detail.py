"""A filing's detail reads its history and calls in one statement, and none when it is new."""

from __future__ import annotations

from beian.filings import service
from beian.filings.models import VerificationCall
from beian.filings.views import filing_detail, history, history_row
from tests.filings.test_submit_cost import statements
from tests.journey import submitted


def _detail(world, filing_id, *, new=False):
    def show(session):
        filing = service.get_filing(session, filing_id)
        with statements(world) as seen:
            shown = filing_detail(session, filing, now=world.clock.now(), masked=False, new=new)
        return shown, [s for s in seen if not s.startswith("BEGIN")]

    return world.read(show)


def test_history_and_calls_come_from_one_statement(world, document, clock):
    filing_id = submitted(world, document)
    world.applicant_does("withdraw", filing_id)
    world.applicant_does("submit", filing_id)
    world.act(lambda s: s.add_all([
        VerificationCall(filing_id=filing_id, reviewer="reviewer-1", at=clock.now(),
                         principal="subject", outcome="no_answer", note="未接通，稍后再打"),
        VerificationCall(filing_id=filing_id, reviewer="reviewer-2", at=clock.now(),
                         principal="applet", outcome="reached", note=""),
    ]))
    shown, seen = _detail(world, filing_id)
    assert len(seen) == 1
    expected = world.read(lambda s: [history_row(row) for row in history(s, filing_id)])
    assert shown["history"] == expected
    assert [row["event"] for row in shown["history"]] == ["submit", "withdraw", "submit"]
    assert shown["verification_calls"] == [
        {"at": clock.now().isoformat(), "reviewer": "reviewer-1", "principal": "subject",
         "outcome": "no_answer", "note": "未接通，稍后再打"},
        {"at": clock.now().isoformat(), "reviewer": "reviewer-2", "principal": "applet",
         "outcome": "reached", "note": ""},
    ]


def test_a_filing_created_in_this_transaction_reads_no_history(world, document):
    def create_and_show(session):
        filing, _ = service.create_filing(
            session, applicant="applicant-1", document=document, now=world.clock.now()
        )
        with statements(world) as seen:
            shown = filing_detail(session, filing, now=world.clock.now(), masked=False, new=True)
        return shown, seen

    shown, seen = world.act(create_and_show)
    assert seen == []
    assert shown["history"] == [] and shown["verification_calls"] == []
    # Read back later, the same filing's detail agrees.
    again, _ = _detail(world, shown["id"])
    assert again == shown
