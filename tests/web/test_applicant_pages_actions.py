"""A filing's page: timeline and deadline, withdraw, rejection and resubmission, cancel,
change, the face check, the inbox, and nobody else's filing."""

from __future__ import annotations

import re

import pytest

from beian.clock import CHINA_TZ
from beian.facecheck import service as facecheck
from beian.filings import review, service
from beian.notifications.models import InboxMessage
from tests.documents.face_photos import encode, portrait
from tests.journey import APPLICANT, PLATFORM, filed, submitted
from tests.web.applicant_helpers import (
    OTHER,
    applicant_app,
    as_data,
    browser_post,
    findings_beside,
    logged_in,
    replace,
    token,
)

ADDRESS = "icp_subject.base_info.address"


@pytest.fixture
def app(sessions, clock, tmp_path):
    return applicant_app(sessions, clock, tmp_path / "storage")


@pytest.fixture
def client(app):
    return logged_in(app)


def _post(client, url, data=None):
    page = url.rsplit("/", 1)[0] if not url.startswith("/inbox") else "/inbox"
    body = {"csrf_token": token(client, page), **(data or {})}
    return client.post(url, data=body, follow_redirects=False)


def _rejected(world, document) -> str:
    filing_id = submitted(world, document)
    world.act(lambda s: review.claim(
        s, filing_id=filing_id, reviewer=PLATFORM, stage="platform", now=world.clock.now()))
    world.act(lambda s: review.reject_platform(
        s, filing_id=filing_id, reviewer=PLATFORM, now=world.clock.now(),
        audit_data=[{"field": ADDRESS, "error": "通信地址不详细",
                     "suggest": "请填写到门牌号"}]))
    return filing_id


def test_my_filings_lists_only_my_own(app, client, world, document):
    filing_id = submitted(world, document)
    assert f'href="/filings/{filing_id}"' in client.get("/filings").text
    other = logged_in(app, OTHER)
    assert filing_id not in other.get("/filings").text
    assert "您还没有备案申请" in other.get("/filings").text


def test_the_detail_shows_the_timeline_and_the_current_deadline(client, world, document):
    filing_id = submitted(world, document)
    deadline = world.filing(filing_id).deadline_at
    assert deadline is not None
    shown = deadline.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    page = client.get(f"/filings/{filing_id}").text
    assert "平台审核中" in page
    assert f"截止时间：<strong>{shown}</strong>" in page
    assert "2 个工作日内" in page
    timeline = page[page.index('class="ap-timeline"'):]
    assert "提交备案" in timeline and f"本步骤截止：{shown}" in timeline
    assert 'aria-current="step"' in page and "平台初审" in page
    # In platform review, withdrawing is the action on offer.
    assert f'action="/filings/{filing_id}/withdraw"' in page
    assert f'action="/filings/{filing_id}/cancel"' not in page


def test_withdraw_returns_the_filing_to_draft_with_a_message(client, world, document):
    filing_id = submitted(world, document)
    response = _post(client, f"/filings/{filing_id}/withdraw")
    assert response.status_code == 303
    assert response.headers["location"] == f"/filings/{filing_id}?done=withdrawn"
    assert world.filing(filing_id).status == "draft"
    assert "已撤回" in client.get(response.headers["location"]).text


def test_an_action_the_status_does_not_allow_is_explained(client, world, document):
    filing_id = submitted(world, document)
    _post(client, f"/filings/{filing_id}/withdraw")
    response = _post(client, f"/filings/{filing_id}/withdraw")
    assert response.status_code == 409
    assert "不能执行「撤回」" in response.text
    assert world.filing(filing_id).status == "draft"


def test_actions_need_the_csrf_token(client, world, document):
    filing_id = submitted(world, document)
    response = client.post(f"/filings/{filing_id}/withdraw", follow_redirects=False)
    assert response.status_code == 403
    assert world.filing(filing_id).status == "platform_review"


def test_another_applicant_sees_nothing_of_my_filing(app, world, document):
    filing_id = submitted(world, document)
    other = logged_in(app, OTHER)
    for path in ("", "/edit", "/face", "/change"):
        response = other.get(f"/filings/{filing_id}{path}")
        assert response.status_code == 404, path
        assert "不存在" in response.text
    assert _post(other, f"/filings/{filing_id}/withdraw").status_code == 404
    assert world.filing(filing_id).status == "platform_review"


def test_a_rejection_shows_reasons_and_unlocks_only_the_named_field(client, world, document):
    filing_id = _rejected(world, document)
    detail = client.get(f"/filings/{filing_id}").text
    rejection = detail[detail.index("驳回原因与修改方法"):]
    assert "通信地址不详细" in rejection and "请填写到门牌号" in rejection
    assert "可修改的字段：通信地址" in rejection
    form = client.get(f"/filings/{filing_id}/edit").text
    assert f'name="{ADDRESS}"' in form
    assert 'name="icp_subject.base_info.name"' not in form
    assert "北京启明星教育科技有限公司" in form and "已锁定" in form
    assert "重新提交" in form
    # The untouched form, as a browser posts it, with only the address changed.
    fields = replace(browser_post(form), ADDRESS, "知春路99号3层302室")
    response = client.post(f"/filings/{filing_id}/edit",
                           data=as_data([*fields, ("action", "submit")]),
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/filings/{filing_id}?done=resubmitted"
    filing = world.filing(filing_id)
    assert filing.status == "platform_review"
    expected = {**document["icp_subject"]["base_info"], "address": "知春路99号3层302室"}
    assert filing.document["icp_subject"]["base_info"] == expected
    assert filing.document["icp_applets"] == document["icp_applets"]


def test_a_locked_field_changed_anyway_is_refused_beside_it(client, world, document):
    filing_id = _rejected(world, document)
    form = client.get(f"/filings/{filing_id}/edit").text
    fields = [*browser_post(form), ("icp_subject.base_info.name", "另一家公司")]
    response = client.post(f"/filings/{filing_id}/edit", data=as_data(fields),
                           follow_redirects=False)
    assert response.status_code == 422
    assert "已锁定" in findings_beside(response.text, "icp_subject.base_info.name")
    stored = world.filing(filing_id).document["icp_subject"]["base_info"]["name"]
    assert stored == "北京启明星教育科技有限公司"


def test_resubmit_button_on_the_detail_page(client, world, document):
    filing_id = _rejected(world, document)
    response = _post(client, f"/filings/{filing_id}/resubmit")
    assert response.headers["location"] == f"/filings/{filing_id}?done=resubmitted"
    assert world.filing(filing_id).status == "platform_review"


def test_cancel_needs_a_tick_and_explains_the_sms(client, world, document):
    filing_id = filed(world, document)
    page = client.get(f"/filings/{filing_id}").text
    assert "24 小时内确认" in page
    refused = _post(client, f"/filings/{filing_id}/cancel")
    assert refused.status_code == 422 and "请先勾选确认注销" in refused.text
    assert world.filing(filing_id).status == "filed"
    response = _post(client, f"/filings/{filing_id}/cancel", {"confirm": "1"})
    assert response.headers["location"] == f"/filings/{filing_id}?done=cancel_requested"
    assert world.filing(filing_id).status == "cancel_pending"
    pending = client.get(response.headers["location"]).text
    assert "12381" in pending
    assert 'href="/verify/cancel"' in pending and 'href="/verify/cancel"' not in page


def test_a_change_opens_the_form_prefilled_and_submits_a_change(client, world, document):
    filing_id = filed(world, document)
    form = client.get(f"/filings/{filing_id}/change").text
    assert 'value="wx0a1b2c3d4e5f6a7b"' in form and "提交变更" in form
    comment = "面向海淀区3至15岁儿童家长的课程服务小程序：展示美术、书法和阅读课程，提供试听预约。"
    fields = replace(browser_post(form), "icp_applets.base_info.comment", comment)
    response = client.post(f"/filings/{filing_id}/change",
                           data=as_data([*fields, ("action", "submit")]),
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    change_id = re.fullmatch(r"/filings/(\w+)\?done=change_submitted",
                             response.headers["location"]).group(1)
    change = world.filing(change_id)
    assert change.kind == "change" and change.replaces_id == filing_id
    assert change.status == "platform_review"
    assert change.document["icp_applets"]["base_info"]["comment"] == comment
    assert world.filing(filing_id).status == "filed"


def test_the_face_check_page_starts_a_task_and_reports_the_photo(client, world, document):
    document["icp_applets"]["principal_info"].pop("verify_task_id")
    filing, _ = world.act(lambda s: service.create_filing(
        s, applicant=APPLICANT, document=document, now=world.clock.now()))
    page = client.get(f"/filings/{filing.id}/face").text
    assert "尚未发起人脸核身" in page and "李雨桐" in page
    started = _post(client, f"/filings/{filing.id}/face/task")
    assert started.headers["location"] == f"/filings/{filing.id}/face?done=face_started"
    task_id = world.filing(filing.id).document["icp_applets"]["principal_info"]["verify_task_id"]
    task = world.read(lambda s: facecheck.get_task(s, task_id))
    assert task.applicant_key == APPLICANT and task.principal_name == "李雨桐"
    photo = encode(portrait())
    response = client.post(
        f"/filings/{filing.id}/face/photo",
        data={"csrf_token": token(client, f"/filings/{filing.id}/face")},
        files={"photo": ("me.jpg", photo, "image/jpeg")},
    )
    assert response.status_code == 200
    task = world.read(lambda s: facecheck.get_task(s, task_id))
    assert task.status in ("passed", "review") and task.result["media_id"]
    report = response.text[response.text.index("照片检查结果"):]
    assert "照片中只有一张人脸" in report and "背景为白色或浅色" in report
    assert "≥ 0.20" in report and "&gt;=" not in report  # requirements in plain words
    assert ("通过" if task.status == "passed" else "人工确认") in report


def test_a_face_photo_that_is_not_an_image_is_refused(client, world, document):
    document["icp_applets"]["principal_info"].pop("verify_task_id")
    filing, _ = world.act(lambda s: service.create_filing(
        s, applicant=APPLICANT, document=document, now=world.clock.now()))
    _post(client, f"/filings/{filing.id}/face/task")
    response = client.post(
        f"/filings/{filing.id}/face/photo",
        data={"csrf_token": token(client, f"/filings/{filing.id}/face")},
        files={"photo": ("me.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 422 and "格式" in response.text
    task_id = world.filing(filing.id).document["icp_applets"]["principal_info"]["verify_task_id"]
    assert world.read(lambda s: facecheck.get_task(s, task_id)).status == "pending"


def test_the_inbox_lists_messages_newest_first_and_marks_them_read(app, client, world, document):
    filing_id = submitted(world, document)
    world.work()  # the worker delivers the outbox into the inbox
    messages = world.read(lambda s: s.query(InboxMessage).filter_by(user_key=APPLICANT).all())
    assert messages, "submitting notifies the applicant"
    page = client.get("/inbox").text
    assert "is-unread" in page and messages[-1].title in page
    assert f'href="/filings/{filing_id}"' in page
    message_id = messages[-1].id
    response = _post(client, f"/inbox/{message_id}/read")
    assert response.status_code == 303
    assert world.read(lambda s: s.get(InboxMessage, message_id)).read_at is not None
    other = logged_in(app, OTHER)
    assert _post(other, f"/inbox/{message_id}/read").status_code == 404
    assert messages[-1].title not in other.get("/inbox").text
