"""submitFiling answers with the history it wrote, read again only when there was more.

A first submission's history is the move just made (nothing to read); a filing moved
before (withdrawn, then submitted again) has its history read. Either way the answer is
what getFiling says afterwards, instants in UTC whatever the clock's zone.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import pytest

from tests.journey import A_GOOD_COMMENT, COMMENT
from tests.statements import statements_run
from tests.web.api_support import APPLICANT, Api, edited


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def history_reads(sessions) -> AbstractContextManager[list[str]]:
    """The statements of the block that read filing_events' rows (not the pre-check's
    read-ahead, which asks only for the next history id: beian.filings.history_ids)."""
    return statements_run(
        sessions.kw["bind"],
        lambda statement, _context: (
            statement.lstrip().upper().startswith("SELECT") and "filing_events" in statement
            and " AS what" not in statement
        ),
    )


def test_a_first_submission_answers_its_one_move_without_reading_it(api, sessions, document):
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    with history_reads(sessions) as reads:
        submitted = api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)
    assert reads == []
    assert [row["event"] for row in submitted["history"]] == ["submit"]
    assert submitted["history"][0]["at"].endswith("Z")  # UTC, as read back
    assert submitted == api.ok("GET", f"/filings/{filing_id}", APPLICANT)


def test_a_submission_after_a_withdrawal_reads_the_whole_history(api, sessions, document):
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)
    api.ok("POST", f"/filings/{filing_id}/withdraw", APPLICANT)
    with history_reads(sessions) as reads:
        submitted = api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)
    assert len(reads) == 1
    assert [row["event"] for row in submitted["history"]] == ["submit", "withdraw", "submit"]
    assert submitted == api.ok("GET", f"/filings/{filing_id}", APPLICANT)


def test_an_edited_draft_is_not_taken_for_a_filing_never_moved(api, sessions, document):
    # An edit raises the version too: the history is read, and is still the one move.
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    api.ok("PUT", f"/filings/{filing_id}", APPLICANT,
           json=edited(document, COMMENT, A_GOOD_COMMENT))
    with history_reads(sessions) as reads:
        submitted = api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)
    assert len(reads) == 1
    assert [row["event"] for row in submitted["history"]] == ["submit"]
    assert submitted == api.ok("GET", f"/filings/{filing_id}", APPLICANT)
