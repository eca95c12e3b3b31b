"""SPEC §2 and §8: each lifecycle event notifies the applicant on the channels the process names.

Results of a review reach the applicant by in-site message and template message; the
bureau's result goes by SMS too. Each test drives the event through the services and
counts the outbox rows it queued for that filing, so a missing or extra channel fails.
"""

from __future__ import annotations

import copy

import pytest

from beian.core.workflow import Status
from beian.filings.errors import CodeRejected
from tests.journey import (
    A_GOOD_COMMENT,
    APPLICANT,
    COMMENT,
    bureau_rejected,
    filed,
    platform_approved,
    principal,
    submitted,
    verify_all,
)

REASON = {"field": COMMENT, "error": "未说明服务", "suggest": "写明课程内容"}


def channels(world, filing_id: str, template: str) -> dict[str, int]:
    """How many rows of `template` the filing queued, per channel."""
    return {
        channel: world.outbox_count(filing_id=filing_id, template=template, channel=channel)
        for channel in ("inbox", "template", "sms")
    }


def to_applicant(world, filing_id: str, template: str) -> int:
    """Rows of `template` addressed to the applicant's account (inbox and template)."""
    return world.outbox_count(filing_id=filing_id, template=template, recipient=APPLICANT)


def test_a_platform_approval_reaches_the_applicant_by_inbox_and_template(world, document):
    filing_id = platform_approved(world, document)
    assert channels(world, filing_id, "platform_approved") == {"inbox": 1, "template": 1, "sms": 0}
    assert to_applicant(world, filing_id, "platform_approved") == 2


def test_a_platform_rejection_reaches_the_applicant_by_inbox_and_template(world, document):
    filing_id = submitted(world, document)
    world.claim(filing_id)
    world.reject(filing_id, REASON)
    assert channels(world, filing_id, "platform_rejected") == {"inbox": 1, "template": 1, "sms": 0}
    assert to_applicant(world, filing_id, "platform_rejected") == 2


@pytest.mark.parametrize(("reach", "template"), [(filed, "bureau_approved"),
                                                 (bureau_rejected, "bureau_rejected")])
def test_the_bureau_result_goes_by_inbox_template_and_sms(world, document, reach, template):
    filing_id = reach(world, document)
    assert channels(world, filing_id, template) == {"inbox": 1, "template": 1, "sms": 1}
    mobile, _ = principal(document)
    assert world.outbox_count(filing_id=filing_id, template=template, recipient=mobile) == 1


def test_a_withdrawal_is_confirmed_to_the_applicant(world, document):
    filing_id = submitted(world, document)
    world.applicant_does("withdraw", filing_id)
    assert to_applicant(world, filing_id, "filing_withdrawn") == 2


def test_passing_the_sms_step_tells_the_applicant_it_is_with_the_bureau(world, document):
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    assert to_applicant(world, filing_id, "sms_verified") == 2


def test_a_timed_out_sms_step_tells_the_applicant_once(world, document):
    filing_id = platform_approved(world, document)
    world.clock.advance(hours=24)
    world.work()
    world.work()  # a second run of the worker must not notify again
    assert world.filing(filing_id).status == Status.SMS_FAILED
    assert to_applicant(world, filing_id, "sms_failed") == 2


def test_five_wrong_codes_tell_the_applicant_the_filing_was_returned(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    right = world.latest_code(mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(CodeRejected):
            world.enter_code(mobile, number, wrong)
    assert world.filing(filing_id).status == Status.SMS_FAILED
    assert to_applicant(world, filing_id, "sms_failed") == 2


def test_a_resubmission_is_acknowledged_like_a_submission(world, document):
    filing_id = submitted(world, document)
    world.claim(filing_id)
    world.reject(filing_id, REASON)
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] = A_GOOD_COMMENT
    world.update(filing_id, changed)
    world.applicant_does("resubmit", filing_id)
    assert to_applicant(world, filing_id, "filing_submitted") == 4  # submit + resubmit


def test_a_confirmed_cancellation_is_announced_to_the_applicant(world, document):
    filing_id = filed(world, document)
    world.applicant_does("request_cancellation", filing_id)
    mobile, number = principal(document)
    world.enter_code(mobile, number, world.latest_code(mobile), purpose="cancel")
    assert world.filing(filing_id).status == Status.CANCELLED
    assert to_applicant(world, filing_id, "cancel_confirmed") == 2


def test_an_ignored_cancellation_tells_the_applicant_it_was_aborted(world, document):
    filing_id = filed(world, document)
    world.applicant_does("request_cancellation", filing_id)
    world.clock.advance(hours=24)
    world.work()
    assert world.filing(filing_id).status == Status.FILED
    assert to_applicant(world, filing_id, "cancel_aborted") == 2


def test_a_change_request_is_acknowledged_as_a_change(world, document):
    filing_id = filed(world, document)
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] = A_GOOD_COMMENT
    change = world.change(filing_id, changed)
    assert to_applicant(world, change.id, "change_submitted") == 2
    assert to_applicant(world, change.id, "filing_submitted") == 0
