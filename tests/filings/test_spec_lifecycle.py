"""SPEC §2 rules of the lifecycle not pinned elsewhere: deadlines, who is texted, history."""

from __future__ import annotations

import copy
from datetime import datetime

from beian.clock import CHINA_TZ
from beian.core.workflow import SMS_VERIFY_STATUS, Status
from tests.journey import (
    A_GOOD_COMMENT,
    COMMENT,
    PLATFORM,
    filed,
    platform_approved,
    principal,
    submitted,
    verify_all,
)


def test_bureau_review_is_due_after_20_working_days(world, document):
    # Verified on Monday 2026-03-02 (no holiday in March): the 20th working day after it
    # is Monday 03-30, so the bureau's deadline is the midnight ending that day.
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    filing = world.filing(filing_id)
    assert filing.status == Status.BUREAU_REVIEW
    assert filing.deadline_at == datetime(2026, 3, 31, 0, 0, tzinfo=CHINA_TZ)


def test_every_principal_texted_must_verify_before_the_bureau(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document, "icp_applets")
    world.enter_code(mobile, number, world.latest_code(mobile))
    filing = world.filing(filing_id)
    assert filing.status == Status.SMS_VERIFICATION  # the subject principal has not verified
    assert SMS_VERIFY_STATUS[Status(filing.status)] == 1
    mobile, number = principal(document, "icp_subject")
    world.enter_code(mobile, number, world.latest_code(mobile))
    assert world.filing(filing_id).status == Status.BUREAU_REVIEW


def test_a_subject_already_filed_has_only_its_applet_principal_texted(world, document):
    first = world.filing(filed(world, document)).record_number
    subject_phone, _ = principal(document, "icp_subject")
    applet_phone, _ = principal(document, "icp_applets")
    texts_before = len(world.texts_to(subject_phone)), len(world.texts_to(applet_phone))
    second = copy.deepcopy(document)
    second["icp_applets"]["base_info"]["appid"] = "wx1111222233334444"
    second["icp_applets"]["base_info"]["name"] = "启明星题库"
    second["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()
    filing_id = platform_approved(world, second)
    assert world.filing(filing_id).status == Status.SMS_VERIFICATION
    assert len(world.texts_to(subject_phone)) == texts_before[0]
    assert len(world.texts_to(applet_phone)) == texts_before[1] + 1
    verify_all(world, second, filing_id)
    assert world.filing(filing_id).status == Status.BUREAU_REVIEW
    # Its number keeps the subject's part and counts it as the subject's second service.
    world.claim(filing_id, "bureau")
    world.approve(filing_id, "bureau")
    assert world.filing(filing_id).record_number == first.replace("号-1X", "号-2X")


def test_a_rejection_is_recorded_with_who_when_from_to_and_why(world, document):
    filing_id = submitted(world, document)
    world.claim(filing_id)
    world.clock.advance(hours=3)
    world.reject(filing_id, {"field": COMMENT, "error": "未说明服务", "suggest": "写明课程内容"})
    event = world.history(filing_id)[-1]
    assert (event.actor, event.from_status, event.to_status) == (
        PLATFORM, "platform_review", "platform_rejected")
    assert event.at == world.clock.now()
    assert event.reason and "未说明服务" in event.reason


def test_a_resubmission_gets_a_fresh_two_working_day_platform_deadline(world, document):
    # Submitted on Thursday 03-05 (due at the end of Monday 03-09), with a fresh face check.
    world.clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=CHINA_TZ))
    document["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()
    filing_id = submitted(world, document)
    assert world.filing(filing_id).deadline_at == datetime(2026, 3, 10, 0, 0, tzinfo=CHINA_TZ)
    world.claim(filing_id)
    world.reject(filing_id, {"field": COMMENT, "error": "未说明服务"})
    # Resubmitted on Friday 03-06 10:00: due at the end of Tuesday 03-10.
    world.clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=CHINA_TZ))
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] = A_GOOD_COMMENT
    world.update(filing_id, changed)
    world.applicant_does("resubmit", filing_id)
    filing = world.filing(filing_id)
    assert filing.status == Status.PLATFORM_REVIEW
    assert filing.deadline_at == datetime(2026, 3, 11, 0, 0, tzinfo=CHINA_TZ)


def test_an_overdue_bureau_review_is_flagged_and_the_provinces_supervisors_told(world, document):
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)  # due at 2026-03-31 00:00 (see above)
    box = "supervisors:bureau:110000"
    world.clock.set(datetime(2026, 3, 30, 23, 59, tzinfo=CHINA_TZ))
    world.work()
    assert world.filing(filing_id).overdue is False
    world.clock.set(datetime(2026, 3, 31, 0, 0, tzinfo=CHINA_TZ))
    world.work()
    world.work()
    assert world.filing(filing_id).overdue is True
    assert world.outbox_count(recipient=box, template="review_overdue") == 1
    assert world.outbox_count(recipient="supervisors:platform", template="review_overdue") == 0


def test_a_cancelled_number_is_never_issued_again(world, document):
    filing_id = filed(world, document)
    first = world.filing(filing_id).record_number
    world.applicant_does("request_cancellation", filing_id)
    mobile, number = principal(document)
    world.enter_code(mobile, number, world.latest_code(mobile), purpose="cancel")
    assert world.filing(filing_id).status == Status.CANCELLED
    second = copy.deepcopy(document)
    second["icp_applets"]["base_info"]["appid"] = "wx1111222233334444"
    second["icp_applets"]["base_info"]["name"] = "启明星题库"
    second["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()
    next_id = filed(world, second)
    assert world.filing(next_id).record_number == first.replace("号-1X", "号-2X")
