"""The SMS verification page: no login, codes counted in the database, one resend."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import beian.provinces.models  # noqa: F401  (the app reads it; beian.db.models does not list it yet)
from beian.core.workflow import Status
from beian.filings.models import SmsChallenge
from tests.journey import APPLICANT, filed, platform_approved, principal
from tests.web.web_helpers import csrf_from, make_app


@pytest.fixture
def client(sessions, clock):
    return TestClient(make_app(sessions, clock))


def enter(client: TestClient, path: str = "/verify", **fields: str):
    """Fill the form as a principal would: the token from the page, the values by POST."""
    token = csrf_from(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


def challenge_of(sessions, filing_id: str, phone: str) -> SmsChallenge:
    with sessions() as db:
        rows = db.scalars(
            select(SmsChallenge)
            .where(SmsChallenge.filing_id == filing_id)
            .order_by(SmsChallenge.id)
        ).all()
    return next(row for row in rows if row.phone == phone)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_page_needs_no_login_and_posts_everything_in_the_body(client):
    response = client.get("/verify", follow_redirects=False)
    assert response.status_code == 200
    html = response.text
    assert '<h1 id="verify-heading">短信核验</h1>' in html
    assert '<form method="post" action="/verify"' in html
    for name in ("mobile", "certificate_number", "code"):
        assert f'name="{name}"' in html
    assert "beian_csrf=" in response.headers["set-cookie"]  # anonymous visitors get a CSRF key


def test_a_wrong_code_shows_the_attempts_left_and_the_count_is_kept(
    client, world, document, sessions
):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    code = world.latest_code(mobile)
    response = enter(client, mobile=mobile, certificate_number=number, code=wrong_code(code))
    assert response.status_code == 422
    assert "验证码不正确，还可再试 4 次" in response.text
    assert "可再输入</dt><dd>4 次" in response.text
    assert "24 小时 0 分钟" in response.text  # entered at the instant the codes were sent
    assert challenge_of(sessions, filing_id, mobile).wrong_attempts == 1
    # What the principal typed is kept in the page body, never in a URL.
    assert f'value="{mobile}"' in response.text and "?" not in response.headers.get("location", "")


def test_five_wrong_codes_return_the_filing(client, world, document, sessions):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    wrong = wrong_code(world.latest_code(mobile))
    for left in (4, 3, 2, 1):
        page = enter(client, mobile=mobile, certificate_number=number, code=wrong)
        assert f"还可再试 {left} 次" in page.text
    last = enter(client, mobile=mobile, certificate_number=number, code=wrong)
    assert last.status_code == 422
    assert "验证码错误次数过多，核验已结束" in last.text
    assert "请重新提交备案" in last.text
    assert world.filing(filing_id).status == Status.SMS_FAILED
    assert challenge_of(sessions, filing_id, mobile).status == "failed"


def test_one_resend_then_refused(client, world, document, sessions):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    world.clock.advance(minutes=1)  # the resend cool-down
    sent = enter(client, mobile=mobile, certificate_number=number, action="resend")
    assert sent.status_code == 200
    assert "新的验证码已发送" in sent.text and "可重发</dt><dd>0 次" in sent.text
    assert 'value="resend"' not in sent.text and "验证码已重发过" in sent.text
    assert challenge_of(sessions, filing_id, mobile).resends == 1
    assert len(world.texts_to(mobile)) == 2

    again = enter(client, mobile=mobile, certificate_number=number, action="resend")
    assert again.status_code == 409
    assert "验证码只能重发一次" in again.text
    assert len(world.texts_to(mobile)) == 2


def test_correct_codes_move_the_filing_to_bureau_review(client, world, document):
    filing_id = platform_approved(world, document)
    applet = principal(document, "icp_applets")
    subject = principal(document, "icp_subject")

    first = enter(
        client, mobile=applet[0], certificate_number=applet[1], code=world.latest_code(applet[0])
    )
    assert first.status_code == 200
    assert "还需另一位负责人" in first.text
    assert world.filing(filing_id).status == Status.SMS_VERIFICATION

    # Certificate numbers are accepted in lower case and with spaces around them.
    second = enter(
        client,
        mobile=subject[0],
        certificate_number=f" {subject[1].lower()} ",
        code=world.latest_code(subject[0]),
    )
    assert second.status_code == 200
    assert "全部负责人已完成短信核验" in second.text
    assert world.filing(filing_id).status == Status.BUREAU_REVIEW


def test_an_expired_window_returns_the_filing(client, world, document, clock):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    code = world.latest_code(mobile)
    clock.advance(hours=24)
    response = enter(client, mobile=mobile, certificate_number=number, code=code)
    assert response.status_code == 422
    assert "验证码已过期" in response.text
    assert world.filing(filing_id).status == Status.SMS_FAILED


def test_unknown_phone_and_missing_fields_are_explained(client, world, document):
    platform_approved(world, document)
    mobile, number = principal(document)
    unknown = enter(client, mobile="13012345678", certificate_number=number, code="123456")
    assert unknown.status_code == 422
    assert "手机号、证件号码或验证码不正确" in unknown.text
    missing = enter(client, mobile=mobile, certificate_number="", code="")
    assert missing.status_code == 422
    assert "请填写证件号码" in missing.text and "请填写验证码" in missing.text
    assert "请填写手机号码" not in missing.text


def test_the_form_needs_its_csrf_token(client, world, document, sessions):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    client.get("/verify")
    forged = client.post(
        "/verify", data={"mobile": mobile, "certificate_number": number, "code": "000000"}
    )
    assert forged.status_code == 403
    assert challenge_of(sessions, filing_id, mobile).wrong_attempts == 0


def test_a_cancellation_is_confirmed_on_its_own_page(client, world, document, clock):
    filing_id = filed(world, document)
    clock.advance(minutes=5)
    world.applicant_does("request_cancellation", filing_id, APPLICANT)
    mobile, number = principal(document)
    code = world.latest_code(mobile)
    page = client.get("/verify/cancel").text
    assert "确认注销" in page and 'action="/verify/cancel"' in page
    # A cancellation code does not verify a filing, and the reverse.
    other = enter(client, "/verify", mobile=mobile, certificate_number=number, code=code)
    assert other.status_code == 422
    done = enter(client, "/verify/cancel", mobile=mobile, certificate_number=number, code=code)
    assert done.status_code == 200 and "注销已确认" in done.text
    assert world.filing(filing_id).status == Status.CANCELLED
