"""SPEC §2 step 3: the 24-hour window and the wrong-entry limit are not reset by a resend."""

from __future__ import annotations

import pytest

from beian.core.workflow import Status
from beian.filings.errors import CodeRejected
from tests.journey import filed, platform_approved, principal


def wrong_for(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_resend_does_not_move_the_24_hour_window(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    world.clock.advance(hours=23)
    world.resend(mobile, number)
    fresh = world.latest_code(mobile)
    world.clock.advance(hours=1)  # 24 hours after the first text, 1 after the resend
    with pytest.raises(CodeRejected):
        world.enter_code(mobile, number, fresh)
    world.work()
    assert world.filing(filing_id).status == Status.SMS_FAILED


def test_wrong_entries_before_a_resend_still_count_towards_five(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    old = world.latest_code(mobile)
    for _ in range(3):
        with pytest.raises(CodeRejected):
            world.enter_code(mobile, number, wrong_for(old))
    world.clock.advance(minutes=1)
    world.resend(mobile, number)
    fresh = world.latest_code(mobile)
    for _ in range(2):
        with pytest.raises(CodeRejected):
            world.enter_code(mobile, number, wrong_for(fresh))
    assert world.filing(filing_id).status == Status.SMS_FAILED


def test_five_wrong_cancellation_codes_abort_the_cancellation(world, document):
    filing_id = filed(world, document)
    number_before = world.filing(filing_id).record_number
    world.applicant_does("request_cancellation", filing_id)
    mobile, number = principal(document)
    right = world.latest_code(mobile)
    for _ in range(5):
        with pytest.raises(CodeRejected):
            world.enter_code(mobile, number, wrong_for(right), purpose="cancel")
    filing = world.filing(filing_id)
    assert filing.status == Status.FILED
    assert filing.record_number == number_before
    with pytest.raises(CodeRejected):
        world.enter_code(mobile, number, right, purpose="cancel")
    assert world.filing(filing_id).status == Status.FILED
