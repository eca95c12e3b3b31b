"""Reviewers' pages: queues, claims, masking and the audited reveal, calls, decisions."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import beian.provinces.models  # noqa: F401  (the app reads it; beian.db.models does not list it yet)
from beian.audit.service import trail
from beian.clock import CHINA_TZ
from beian.core.workflow import Status
from beian.filings import service
from beian.filings.models import SmsChallenge, VerificationCall
from beian.filings.reasons import REASON_LIBRARY
from tests.journey import APPLICANT, platform_approved, submitted, verify_all
from tests.web.web_helpers import add_user, csrf_from, make_app, page_login

SUBJECT_PHONE = "13800138001"
APPLET_ID_NUMBER = "110105199207080022"


@pytest.fixture
def app(sessions, clock):
    add_user(sessions, clock, "reviewer", "platform_reviewer", display_name="李初审")
    add_user(sessions, clock, "reviewer2", "platform_reviewer", display_name="赵初审")
    add_user(sessions, clock, "bj.reviewer", "bureau_reviewer", province="110000")
    add_user(sessions, clock, "gd.reviewer", "bureau_reviewer", province="440000")
    add_user(sessions, clock, "zhang.san", "applicant")
    return make_app(sessions, clock)


def client_for(app, username: str) -> TestClient:
    """A browser-like client logged in as `username`."""
    client = TestClient(app)
    assert page_login(client, username).status_code == 303
    return client


def post(client: TestClient, url: str, page: str, data: dict | None = None, **kwargs):
    """Submit a form of `page` (a URL whose HTML carries this session's CSRF token)."""
    token = csrf_from(client.get(page).text)
    return client.post(
        url, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kwargs
    )


def named(document: dict, name: str, appid: str) -> dict:
    """A copy of the document for another mini-program of the same subject."""
    copied = copy.deepcopy(document)
    copied["icp_applets"]["base_info"]["name"] = name
    copied["icp_applets"]["base_info"]["appid"] = appid
    return copied


def claimed(app, world, document, username: str = "reviewer") -> tuple[TestClient, str]:
    """A filing in platform review claimed through the page by `username`."""
    filing_id = submitted(world, document)
    client = client_for(app, username)
    response = post(client, f"/review/{filing_id}/claim", f"/review/{filing_id}")
    assert response.status_code == 303
    return client, filing_id


def queue_order(html: str) -> list[str]:
    return re.findall(r'<a href="/review/([0-9a-f]+)">', html)


def test_the_platform_queue_is_ordered_by_deadline_and_marks_overdue_items(
    app, world, document, clock
):
    first = submitted(world, named(document, "启明星学堂", "wx0a1b2c3d4e5f6a71"))
    clock.advance(days=1)  # Tuesday
    second = submitted(world, named(document, "启明星课表", "wx0a1b2c3d4e5f6a72"))
    clock.advance(days=1)  # Wednesday: the first goes back and comes in again, due later
    world.act(lambda s: service.withdraw(s, filing_id=first, applicant=APPLICANT, now=clock.now()))
    world.act(lambda s: service.submit(s, filing_id=first, applicant=APPLICANT, now=clock.now()))

    client = client_for(app, "reviewer")
    html = client.get("/review/platform").text
    assert queue_order(html) == [second, first]
    assert "已超时" not in html

    # Friday 10:00: the two working days after Tuesday (to Thursday's end) are over; those
    # after Wednesday run to Friday's end.
    clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=CHINA_TZ))
    html = client_for(app, "reviewer").get("/review/platform").text  # a new login: days passed
    items = re.findall(r'<li class="queue-item( is-overdue)?">.*?/review/([0-9a-f]+)"', html, re.S)
    assert items == [(" is-overdue", second), ("", first)]
    assert "1 件已超时" in html


def test_claiming_from_the_queue_shows_who_holds_each_filing(app, world, document):
    filing_id = submitted(world, document)
    mine = client_for(app, "reviewer")
    response = post(mine, f"/review/{filing_id}/claim", "/review/platform")
    assert response.status_code == 303
    assert response.headers["location"] == f"/review/{filing_id}?notice=claimed"
    page = mine.get(response.headers["location"]).text
    assert "已认领，请开始审核" in page
    assert f'action="/review/{filing_id}/approve"' in page

    assert "由我认领" in mine.get("/review/platform").text
    other = client_for(app, "reviewer2")
    queue = other.get("/review/platform").text
    assert "已由 reviewer 认领" in queue
    assert f'action="/review/{filing_id}/claim"' not in queue


def test_a_filing_held_by_another_reviewer_cannot_be_claimed_or_decided(app, world, document):
    _, filing_id = claimed(app, world, document, "reviewer")
    other = client_for(app, "reviewer2")
    refused = post(other, f"/review/{filing_id}/claim", f"/review/{filing_id}")
    assert refused.status_code == 409
    assert "该备案已由 reviewer 认领" in refused.text
    assert f'action="/review/{filing_id}/approve"' not in refused.text

    approve = post(other, f"/review/{filing_id}/approve", f"/review/{filing_id}")
    assert approve.status_code == 403
    assert "请先认领该备案再审核" in approve.text
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW
    assert world.filing(filing_id).claimed_by == "reviewer"


def test_personal_data_is_masked_until_revealed_and_the_reveal_is_audited(
    app, world, document, sessions
):
    filing_id = submitted(world, document)
    client = client_for(app, "reviewer")
    page = client.get(f"/review/{filing_id}").text
    assert SUBJECT_PHONE not in page and APPLET_ID_NUMBER not in page
    assert "138****8001" in page and "110***********0022" in page
    with sessions() as db:
        assert [
            e
            for e in trail(db, target_type="filing", target_id=filing_id)
            if e.action == "filing.reveal_personal_data"
        ] == []

    assert 'name="reason" value="平台初审核对"' in page  # what the reveal button sends
    revealed = post(
        client, f"/review/{filing_id}/reveal", f"/review/{filing_id}", {"reason": "平台初审核对"}
    )
    assert revealed.status_code == 200
    assert SUBJECT_PHONE in revealed.text and APPLET_ID_NUMBER in revealed.text
    assert "本次查看已记入审计日志" in revealed.text
    with sessions() as db:
        reveals = [
            e
            for e in trail(db, target_type="filing", target_id=filing_id)
            if e.action == "filing.reveal_personal_data"
        ]
    assert [(e.actor, e.detail["reason"]) for e in reveals] == [("reviewer", "平台初审核对")]
    # The next ordinary visit is masked again.
    assert SUBJECT_PHONE not in client.get(f"/review/{filing_id}").text


def test_a_verification_call_is_recorded_and_listed(app, world, document, sessions):
    client, filing_id = claimed(app, world, document)
    response = post(
        client,
        f"/review/{filing_id}/call",
        f"/review/{filing_id}",
        {"principal": "applet", "outcome": "no_answer", "note": "下午再拨"},
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "已记录核验电话" in page
    assert "小程序负责人" in page and "无人接听" in page and "下午再拨" in page
    with sessions() as db:
        call = db.scalars(select(VerificationCall)).one()
    assert (call.filing_id, call.reviewer, call.principal, call.outcome) == (
        filing_id,
        "reviewer",
        "applet",
        "no_answer",
    )


def test_a_call_with_an_unknown_outcome_is_refused_on_the_page(app, world, document, sessions):
    client, filing_id = claimed(app, world, document)
    response = post(
        client,
        f"/review/{filing_id}/call",
        f"/review/{filing_id}",
        {"principal": "applet", "outcome": "maybe"},
    )
    assert response.status_code == 422
    assert "通话结果只能是" in response.text
    with sessions() as db:
        assert db.scalars(select(VerificationCall)).all() == []


def library_form(picks: dict[int, dict[str, str]]) -> dict[str, list[str]]:
    """The rejection form as the page submits it: every row, the picked ones checked."""
    rows = [dict(item) for item in REASON_LIBRARY] + [{"field": "", "error": "", "suggest": ""}]
    for index, changes in picks.items():
        rows[index].update(changes)
    return {
        "pick": [str(i) for i in picks],
        "field": [r["field"] for r in rows],
        "error": [r["error"] for r in rows],
        "suggest": [r["suggest"] for r in rows],
    }


def test_rejecting_with_library_reasons_edited_by_the_reviewer(app, world, document):
    client, filing_id = claimed(app, world, document)
    page = client.get(f"/review/{filing_id}").text
    # The form offers every reason of the library, editable.
    for item in REASON_LIBRARY:
        assert f'value="{item["error"]}"' in page
    form = library_form({0: {"error": "营业执照照片反光，注册号看不清"}, 2: {}})
    response = post(client, f"/review/{filing_id}/reject", f"/review/{filing_id}", form)
    assert response.status_code == 303
    filing = world.filing(filing_id)
    assert filing.status == Status.PLATFORM_REJECTED
    assert [(e["field"], e["key_name"], e["error"]) for e in filing.audit_data] == [
        (
            "icp_subject.organize_info.certificate_photo",
            "主体证件照片",
            "营业执照照片反光，注册号看不清",
        ),
        ("icp_applets.base_info.comment", "小程序备注", REASON_LIBRARY[2]["error"]),
    ]
    assert filing.unlocked_fields == sorted(
        ["icp_subject.organize_info.certificate_photo", "icp_applets.base_info.comment"]
    )
    shown = client.get(response.headers["location"]).text
    assert "已驳回" in shown and "营业执照照片反光" in shown


def test_a_rejection_needs_a_reason_and_keeps_what_was_typed(app, world, document):
    client, filing_id = claimed(app, world, document)
    nothing = post(client, f"/review/{filing_id}/reject", f"/review/{filing_id}", library_form({}))
    assert nothing.status_code == 422
    assert "驳回时至少选择一条原因" in nothing.text

    custom = library_form({len(REASON_LIBRARY): {"error": "自定义问题说明"}})
    blank_field = post(client, f"/review/{filing_id}/reject", f"/review/{filing_id}", custom)
    assert blank_field.status_code == 422
    assert f"第 {len(REASON_LIBRARY) + 1} 条原因没有选择字段" in blank_field.text
    assert 'value="自定义问题说明"' in blank_field.text  # the typed text survives
    assert world.filing(filing_id).status == Status.PLATFORM_REVIEW


def test_approving_starts_the_sms_verification(app, world, document, sessions):
    client, filing_id = claimed(app, world, document)
    response = post(client, f"/review/{filing_id}/approve", f"/review/{filing_id}")
    assert response.status_code == 303
    assert world.filing(filing_id).status == Status.SMS_VERIFICATION
    with sessions() as db:
        challenges = db.scalars(
            select(SmsChallenge).where(SmsChallenge.filing_id == filing_id)
        ).all()
    assert challenges and {c.status for c in challenges} == {"waiting"}
    page = client.get(response.headers["location"]).text
    assert "已通过平台初审" in page
    # Now read-only for the platform reviewer: no decision forms.
    assert "仅可查看" in page and f'action="/review/{filing_id}/approve"' not in page


def at_bureau(world, document) -> str:
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    assert world.filing(filing_id).status == Status.BUREAU_REVIEW
    return filing_id


def test_a_bureau_reviewer_sees_only_their_province(app, world, document):
    filing_id = at_bureau(world, document)
    other = client_for(app, "gd.reviewer")
    queue = other.get("/review/bureau").text
    assert queue_order(queue) == [] and "队列是空的" in queue
    assert other.get(f"/review/{filing_id}").status_code == 404
    assert post(other, f"/review/{filing_id}/claim", "/review/bureau").status_code == 404
    assert world.filing(filing_id).claimed_by is None

    own = client_for(app, "bj.reviewer")
    assert queue_order(own.get("/review/bureau").text) == [filing_id]


def test_bureau_approval_shows_the_issued_number(app, world, document):
    filing_id = at_bureau(world, document)
    client = client_for(app, "bj.reviewer")
    assert post(client, f"/review/{filing_id}/claim", "/review/bureau").status_code == 303
    response = post(client, f"/review/{filing_id}/approve", f"/review/{filing_id}")
    assert response.status_code == 303
    filing = world.filing(filing_id)
    assert filing.status == Status.FILED and filing.record_number.startswith("京ICP备")
    page = client.get(response.headers["location"]).text
    assert f"备案号 <strong>{filing.record_number}</strong>" in page


def test_bureau_rejection_with_reasons(app, world, document):
    filing_id = at_bureau(world, document)
    client = client_for(app, "bj.reviewer")
    post(client, f"/review/{filing_id}/claim", "/review/bureau")
    response = post(
        client, f"/review/{filing_id}/reject", f"/review/{filing_id}", library_form({3: {}})
    )
    assert response.status_code == 303
    filing = world.filing(filing_id)
    assert filing.status == Status.BUREAU_REJECTED
    assert filing.audit_data[0]["key_name"] == "前置审批项"


def test_only_reviewers_open_the_review_pages_and_forms_need_the_csrf_token(app, world, document):
    filing_id = submitted(world, document)
    applicant = client_for(app, "zhang.san")
    assert applicant.get("/review/platform").status_code == 403
    assert applicant.get(f"/review/{filing_id}").status_code == 403
    assert client_for(app, "bj.reviewer").get("/review/platform").status_code == 403
    anonymous = TestClient(app)
    assert anonymous.get("/review/platform", follow_redirects=False).status_code == 303

    reviewer = client_for(app, "reviewer")
    forged = reviewer.post(f"/review/{filing_id}/claim", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and "请求已被拒绝" in forged.text
    assert world.filing(filing_id).claimed_by is None


def test_a_platform_reviewer_cannot_open_a_draft_nobody_submitted(app, world, document):
    draft, _ = world.act(
        lambda s: service.create_filing(
            s, applicant=APPLICANT, document=document, now=world.clock.now()
        )
    )
    assert client_for(app, "reviewer").get(f"/review/{draft.id}").status_code == 404


def test_a_lapsed_claim_can_be_taken_over(app, world, document, clock):
    _, filing_id = claimed(app, world, document, "reviewer")
    clock.advance(hours=4, minutes=1)
    other = client_for(app, "reviewer2")
    assert post(other, f"/review/{filing_id}/claim", f"/review/{filing_id}").status_code == 303
    assert world.filing(filing_id).claimed_by == "reviewer2"
    assert clock.now() - world.filing(filing_id).claimed_at < timedelta(seconds=1)
