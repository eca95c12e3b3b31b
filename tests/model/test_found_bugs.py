"""Bugs the lifecycle machine found, each as the smallest journey that shows it.

Each failed when written and was fixed in commit 1666e71; they stay as regression tests.
Each docstring says what the machine saw.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime

from beian.clock import CHINA_TZ
from beian.core.workflow import Status
from beian.filings import verification
from beian.filings.errors import Conflict, PrecheckFailed
from beian.public.service import query_records
from tests.journey import filed, platform_approved, principal, submitted, verify_all

CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def test_the_public_approval_date_is_the_date_in_china(world, document):
    """Approved at 07:30 Beijing time on 3 March: the public query said 2 March.

    beian.public.service.public_record takes `filed_at.date()` of the stored UTC instant,
    so every approval between 00:00 and 08:00 China time shows the day before.
    """
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    world.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=CHINA_TZ))
    world.claim(filing_id, "bureau")
    number = world.approve(filing_id, "bureau").record_number
    [record] = world.read(lambda s: query_records(s, number))
    assert record["approved_on"] == "2026-03-03"


def test_a_principal_of_two_filings_can_verify_the_older_one(world, document):
    """A company files two mini-programs; the platform approves both minutes apart, so
    their principals get two codes each on the same phones. The code of the first filing
    is refused as wrong (and counted against the second filing), because the verification
    page only ever checks the newest waiting code of a phone and certificate number
    (beian.filings.verification._find). The machine met it with the subject principal of
    a new company, texted for both filings; here both principals are shared."""
    second = copy.deepcopy(document)
    second["icp_applets"]["base_info"]["appid"] = "wx0a1b2c3d4e5f6a7c"
    second["icp_applets"]["base_info"]["name"] = "启明星书房"
    second["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()
    # Both are submitted before either reaches the bureau (one subject, one at a time there).
    first_id, second_id = submitted(world, document), submitted(world, second)
    for filing_id in (first_id, second_id):
        world.claim(filing_id)
        world.approve(filing_id)
    mobile, number = principal(document)
    first_code = CODE.findall(world.texts_to(mobile)[0])[0]
    outcome = world.act(
        lambda s: verification.enter_code(
            s,
            purpose="verify",
            mobile=mobile,
            certificate_number=number,
            code=first_code,
            now=world.clock.now(),
        )
    )
    assert (outcome.accepted, outcome.filing_id) == (True, first_id)


def test_a_rejected_filing_can_come_back_after_its_face_check_expired(world, document):
    """The bureau rejects a filing for its comment, naming only that field; the applicant
    fixes it four days later. By then the face check (valid three days) has expired, so
    the resubmission fails the pre-check (2605), and renewing the face check is refused
    because the rejection locked every other field (LOCKED_FIELD): the filing can never
    come back. The machine saw resubmissions refused with [2605] again and again.
    """
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    world.claim(filing_id, "bureau")
    comment = "icp_applets.base_info.comment"
    world.reject(
        filing_id, {"field": comment, "error": "描述不清", "suggest": "写明服务"}, stage="bureau"
    )
    world.clock.advance(days=4)
    fixed = copy.deepcopy(document)
    fixed["icp_applets"]["base_info"]["comment"] = (
        "为本机构学员家长提供美术与书法课程的课表查询、请假调课和作品展示服务，不含学科类培训。"
    )
    world.update(filing_id, fixed)
    try:
        world.applicant_does("resubmit", filing_id)
    except PrecheckFailed:
        # Either fix will do: no renewed face check needed, or one allowed after a rejection.
        fixed["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()
        world.update(filing_id, fixed)
        world.applicant_does("resubmit", filing_id)
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW


def test_a_change_in_review_is_not_stranded_by_cancelling_its_record(world, document):
    """A filed record gets a change; while the change is in review the applicant cancels
    the record (allowed) and confirms by SMS. The change then sits in review for good: the
    bureau's approval is refused with IllegalMove (it would supersede a cancelled record),
    which the machine saw as bureau_approve refusals. Either the cancellation should wait
    for the change, or the change should end with the record.
    """
    original_id = filed(world, document)
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] = (
        "展示本机构的阅读课程介绍与师资信息，家长可预约试听、查询上课时间并接收课后反馈。"
    )
    change = world.change(original_id, changed)
    try:
        world.applicant_does("request_cancellation", original_id)
    except Conflict:
        return  # the cancellation waits for the change: fine
    mobile, number = principal(document)
    world.enter_code(mobile, number, world.latest_code(mobile), purpose="cancel")
    assert world.filing(original_id).status == Status.CANCELLED
    assert world.filing(change.id).status not in (
        Status.PLATFORM_REVIEW,
        Status.SMS_VERIFICATION,
        Status.BUREAU_REVIEW,
    )
