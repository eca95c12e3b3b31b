"""The filing lifecycle of SPEC §2 through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from beian.clock import CHINA_TZ
from beian.core.workflow import Status
from beian.facecheck import service as facecheck
from beian.filings import review
from beian.filings.errors import (
    LOCKED_FIELD,
    CodeRejected,
    Conflict,
    FilingError,
    Forbidden,
    IllegalMove,
    NotFound,
    PrecheckFailed,
)
from beian.provinces.service import set_province_rules
from beian.timers import service as timers
from tests.journey import (
    A_GOOD_COMMENT,
    APPLICANT,
    COMMENT,
    PLATFORM,
    bureau_rejected,
    filed,
    on_a_friday,
    platform_approved,
    principal,
    submitted,
    verify_all,
)

FACE_TASK = "icp_applets.principal_info.verify_task_id"


def test_the_example_document_passes_the_precheck(world, document):
    filing, findings = world.save(document)
    assert [f for f in findings if f["severity"] == "error"] == []
    assert filing.status == Status.DRAFT


def test_submit_starts_platform_review_with_a_two_working_day_deadline(world, document):
    # Friday 10:00: two working days later is Tuesday 03-10, ending at its midnight.
    on_a_friday(world, document)
    filing_id = submitted(world, document)
    filing = world.filing(filing_id)
    assert filing.status == Status.PLATFORM_REVIEW
    assert filing.deadline_at == datetime(2026, 3, 11, 0, 0, tzinfo=CHINA_TZ)
    [event] = world.history(filing_id)
    assert (event.actor, event.from_status, event.to_status) == (
        APPLICANT, "draft", "platform_review")
    assert world.outbox_count(filing_id=filing_id, channel="inbox") == 1
    assert world.outbox_count(filing_id=filing_id, channel="template") == 1


def test_a_document_with_errors_is_not_submitted_and_nothing_is_written(world, document):
    document["icp_applets"]["base_info"]["comment"] = "太短"
    filing, findings = world.save(document)
    assert any(f["err_field"] == COMMENT for f in findings)
    with pytest.raises(PrecheckFailed) as refused:
        world.applicant_does("submit", filing.id)
    assert any(f["err_field"] == COMMENT for f in refused.value.findings)
    assert world.filing(filing.id).status == Status.DRAFT
    assert world.history(filing.id) == []
    assert world.outbox_count(filing_id=filing.id) == 0


def test_another_applicant_cannot_see_or_touch_the_filing(world, document):
    filing_id = submitted(world, document)
    with pytest.raises(NotFound):
        world.applicant_does("withdraw", filing_id, applicant="someone-else")


def test_withdraw_returns_to_draft_and_only_from_platform_review(world, document):
    filing_id = submitted(world, document)
    world.applicant_does("withdraw", filing_id)
    assert world.filing(filing_id).status == Status.DRAFT
    with pytest.raises(IllegalMove) as refused:
        world.applicant_does("withdraw", filing_id)
    assert "withdraw" in str(refused.value) and "draft" in str(refused.value)
    assert world.read(lambda s: timers.pending(s, kind="review_overdue")) == []


def test_rejection_locks_every_field_but_the_named_ones(world, document):
    filing_id = submitted(world, document)
    world.claim(filing_id)
    world.reject(filing_id, {"field": COMMENT, "error": "未说明服务", "suggest": "写明课程内容"})
    filing = world.filing(filing_id)
    assert filing.status == Status.PLATFORM_REJECTED
    assert filing.audit_data == [{"field": COMMENT, "key_name": "小程序备注",
                                  "error": "未说明服务", "suggest": "写明课程内容"}]
    locked = copy.deepcopy(document)
    locked["icp_subject"]["base_info"]["address"] = "另一个地址100号"
    with pytest.raises(FilingError) as refused:
        world.update(filing_id, locked)
    assert refused.value.findings[0]["errcode"] == LOCKED_FIELD
    assert refused.value.findings[0]["err_field"] == "icp_subject.base_info.address"
    allowed = copy.deepcopy(document)
    allowed["icp_applets"]["base_info"]["comment"] = A_GOOD_COMMENT
    world.update(filing_id, allowed)
    world.applicant_does("resubmit", filing_id)
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW


def test_rejection_needs_a_reason_naming_a_field(world, document):
    filing_id = submitted(world, document)
    world.claim(filing_id)
    with pytest.raises(FilingError) as refused:
        world.reject(filing_id, {"error": "x"})
    assert refused.value.findings[0]["err_field"] == "audit_data.0.field"
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW


def test_reviewers_must_claim_and_never_hold_the_same_filing(world, document):
    filing_id = submitted(world, document)
    with pytest.raises(Forbidden):
        world.approve(filing_id)
    world.claim(filing_id)
    with pytest.raises(Conflict):
        world.claim(filing_id, reviewer="other")
    world.clock.advance(review.CLAIM_TTL)
    world.claim(filing_id, reviewer="other")
    with pytest.raises(Forbidden):
        world.approve(filing_id)  # the lapsed claim no longer lets the first reviewer act


def test_platform_approval_texts_both_principals_of_a_new_subject(world, document, monkeypatch):
    monkeypatch.setenv("BEIAN_PUBLIC_URL", "https://beian.example.cn/")
    filing_id = platform_approved(world, document)
    filing = world.filing(filing_id)
    assert filing.status == Status.SMS_VERIFICATION
    assert filing.deadline_at == world.clock.now() + timedelta(hours=24)
    for part in ("icp_subject", "icp_applets"):
        phone = principal(document, part)[0]
        [text] = world.texts_to(phone)
        assert world.senders_to(phone) == ["12381"]
        assert "24小时" in text
        assert "https://beian.example.cn/verify " in text  # the page where the code goes


def test_one_text_when_both_principals_share_a_phone(world, document):
    subject_principal = document["icp_subject"]["principal_info"]
    task_id = world.passed_face_task(subject_principal["name"])  # the new applet principal's
    document["icp_applets"]["principal_info"] = copy.deepcopy(subject_principal) | {
        "verify_task_id": task_id}
    filing_id = platform_approved(world, document)
    assert len(world.texts_to(principal(document)[0])) == 1
    verify_all(world, document, filing_id)
    assert world.filing(filing_id).status == Status.BUREAU_REVIEW


def test_correct_codes_send_the_filing_to_the_bureau(world, document):
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    filing = world.filing(filing_id)
    assert filing.status == Status.BUREAU_REVIEW
    assert filing.deadline_at is not None
    assert world.history(filing_id)[-1].event == "sms_verified"


def test_five_wrong_codes_return_the_filing(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    right = world.latest_code(mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        with pytest.raises(CodeRejected) as refused:
            world.enter_code(mobile, number, wrong)
        if attempt < 5:
            assert f"还可再试 {5 - attempt} 次" in str(refused.value)
    assert world.filing(filing_id).status == Status.SMS_FAILED
    with pytest.raises(CodeRejected):
        world.enter_code(mobile, number, right)


def test_one_resend_invalidates_the_old_code(world, document):
    platform_approved(world, document)
    mobile, number = principal(document)
    old = world.latest_code(mobile)
    world.clock.advance(minutes=1)  # the resend cool-down
    world.resend(mobile, number)
    new = world.latest_code(mobile)
    with pytest.raises(Conflict):
        world.resend(mobile, number)
    if old != new:  # one chance in a million that the fresh code repeats the old one
        with pytest.raises(CodeRejected):
            world.enter_code(mobile, number, old)
    world.enter_code(mobile, number, new)


def test_the_sms_window_closes_after_24_hours_never_earlier(world, document):
    filing_id = platform_approved(world, document)
    world.clock.advance(hours=23, minutes=59)
    world.work()
    assert world.filing(filing_id).status == Status.SMS_VERIFICATION
    world.clock.advance(minutes=1)
    world.work()
    assert world.filing(filing_id).status == Status.SMS_FAILED
    assert world.history(filing_id)[-1].actor == "system"


def test_a_reminder_is_texted_before_the_window_closes(world, document):
    platform_approved(world, document)
    mobile, _ = principal(document)
    world.clock.advance(hours=21, minutes=59)
    assert len(world.texts_to(mobile)) == 1
    world.clock.advance(minutes=1)
    assert len(world.texts_to(mobile)) == 2


def test_unchanged_resubmission_after_sms_failure_gets_a_fresh_code(world, document):
    filing_id = platform_approved(world, document)
    world.clock.advance(hours=25)
    world.work()
    world.applicant_does("resubmit", filing_id)
    assert world.filing(filing_id).status == Status.SMS_VERIFICATION
    assert world.history(filing_id)[-1].event == "resubmit_unchanged"
    verify_all(world, document, filing_id)
    assert world.filing(filing_id).status == Status.BUREAU_REVIEW


def test_changed_resubmission_after_sms_failure_goes_back_to_platform_review(world, document):
    filing_id = platform_approved(world, document)
    world.clock.advance(hours=25)
    world.work()
    changed = copy.deepcopy(document)
    changed["icp_subject"]["base_info"]["address"] = "知春路88号2层"
    world.update(filing_id, changed)
    world.applicant_does("resubmit", filing_id)
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW


def test_bureau_approval_issues_a_mini_program_number(world, document):
    filing_id = filed(world, document)
    filing = world.filing(filing_id)
    assert filing.status == Status.FILED
    assert filing.record_number.startswith("京ICP备")
    assert filing.record_number.endswith("号-1X")
    assert world.history(filing_id)[-1].detail == {"record_number": filing.record_number}
    assert world.outbox_count(filing_id=filing_id, channel="sms", template="bureau_approved") == 1


def test_a_bureau_reviewer_sees_only_their_province(world, document):
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    with pytest.raises(NotFound):
        world.claim(filing_id, "bureau", reviewer="sh", province="310000")
    assert world.read(lambda s: review.queue(s, stage="bureau", province="310000")) == []
    queued = world.read(lambda s: review.queue(s, stage="bureau", province="110000"))
    assert [f.id for f in queued] == [filing_id]


def test_bureau_rejection_and_resubmission_go_through_the_platform_again(world, document):
    filing_id = bureau_rejected(world, document)
    assert world.filing(filing_id).status == Status.BUREAU_REJECTED
    world.applicant_does("resubmit", filing_id)
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW


def test_cancellation_needs_the_principals_code(world, document):
    filing_id = filed(world, document)
    world.applicant_does("request_cancellation", filing_id)
    assert world.filing(filing_id).status == Status.CANCEL_PENDING
    mobile, number = principal(document)
    assert "/verify/cancel " in world.texts_to(mobile)[-1]  # the confirmation page
    world.enter_code(mobile, number, world.latest_code(mobile), purpose="cancel")
    assert world.filing(filing_id).status == Status.CANCELLED


def test_an_ignored_cancellation_is_aborted_after_24_hours(world, document):
    filing_id = filed(world, document)
    world.applicant_does("request_cancellation", filing_id)
    world.clock.advance(hours=24)
    world.work()
    filing = world.filing(filing_id)
    assert filing.status == Status.FILED
    assert filing.record_number is not None


def test_a_change_keeps_the_number_and_replaces_the_record(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] = A_GOOD_COMMENT
    change = world.change(filing_id, changed)
    assert change.status == Status.PLATFORM_REVIEW
    with pytest.raises(Conflict):
        world.change(filing_id, changed)
    world.claim(change.id)
    world.approve(change.id)
    verify_all(world, changed, change.id)
    world.claim(change.id, "bureau")
    world.approve(change.id, "bureau")
    assert world.filing(change.id).record_number == number
    assert world.filing(change.id).status == Status.FILED
    assert world.filing(filing_id).status == Status.SUPERSEDED
    assert world.filing(filing_id).record_number is None


def test_overdue_reviews_are_flagged_and_supervisors_told(world, document):
    on_a_friday(world, document)
    filing_id = submitted(world, document)
    world.clock.set(datetime(2026, 3, 10, 23, 59, tzinfo=CHINA_TZ))
    world.work()
    assert world.filing(filing_id).overdue is False
    world.clock.set(datetime(2026, 3, 11, 0, 0, tzinfo=CHINA_TZ))
    world.work()
    assert world.filing(filing_id).overdue is True
    assert world.outbox_count(recipient="supervisors:platform", template="review_overdue") == 1
    world.work()
    assert world.outbox_count(recipient="supervisors:platform", template="review_overdue") == 1


def test_one_phone_cannot_belong_to_two_people_across_filings(world, document):
    submitted(world, document)
    other = copy.deepcopy(document)
    stolen_phone = document["icp_applets"]["principal_info"]["mobile"]
    subject_id = document["icp_subject"]["principal_info"]["certificate_number"]
    other["icp_subject"]["principal_info"]["mobile"] = stolen_phone
    other["icp_applets"]["principal_info"]["mobile"] = stolen_phone
    other["icp_applets"]["principal_info"]["certificate_number"] = subject_id
    _, findings = world.save(other, applicant="applicant-2")
    assert any(f["err_field"].endswith("principal_info.mobile") and f["severity"] == "error"
               for f in findings)


def test_a_face_photo_left_to_a_human_is_judged_by_the_platform_reviewer(world, document):
    task_id = world.face_task("review")
    document["icp_applets"]["principal_info"]["verify_task_id"] = task_id
    filing, findings = world.save(document)
    assert [f["errcode"] for f in findings if f["err_field"] == FACE_TASK] == [2606]
    world.applicant_does("submit", filing.id)
    world.claim(filing.id)
    world.approve(filing.id)
    task = world.read(lambda s: facecheck.get_task(s, task_id))
    assert (task.status, task.reviewer) == ("passed", PLATFORM)


def test_rejecting_the_face_photo_fails_its_task(world, document):
    task_id = world.face_task("review")
    document["icp_applets"]["principal_info"]["verify_task_id"] = task_id
    filing_id = submitted(world, document)
    world.claim(filing_id)
    world.reject(filing_id, {"field": FACE_TASK, "error": "照片佩戴帽子",
                             "suggest": "请摘下帽子重新拍摄"})
    assert world.read(lambda s: facecheck.get_task(s, task_id)).status == "failed"
    assert world.filing(filing_id).unlocked_fields == [FACE_TASK]


def test_a_provinces_required_materials_apply_to_its_filings(world, document):
    world.act(lambda s: set_province_rules(s, province="110000", required_materials=[
        "promise_video"], min_validity_months=None, now=world.clock.now()))
    filing, findings = world.save(document)
    assert [(f["errcode"], f["err_field"]) for f in findings if f["severity"] == "error"] == [
        (2701, "icp_materials.promise_video")]
    with pytest.raises(PrecheckFailed):
        world.applicant_does("submit", filing.id)
