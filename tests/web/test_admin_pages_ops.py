"""Operator pages that watch the system: the notification outbox, SMS box and audit trail."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from beian.audit.models import AuditEntry
from beian.config import Settings
from beian.db import transaction
from beian.notifications.models import DEAD, DELIVERED, PENDING, LocalSms, OutboxMessage
from beian.notifications.service import enqueue
from beian.web.app import create_app
from tests.journey import filed
from tests.web.web_helpers import FAST_HASHER, add_user, csrf_from, make_app, page_login

PHONE = "13812345678"


@pytest.fixture
def app(sessions, clock):
    add_user(sessions, clock, "boss", "operator")
    return make_app(sessions, clock)


@pytest.fixture
def operator(app):
    client = TestClient(app)
    page_login(client, "boss")
    return client


def _message(sessions, clock, key, *, channel="inbox", recipient="zhang.san", status=PENDING):
    params = {"applet_name": "启明星学堂", "deadline": "3月4日"}
    with transaction(sessions) as db:
        row = enqueue(db, channel=channel, recipient=recipient, template="filing_submitted",
                      params=params, dedup_key=key, now=clock.now(), filing_id="f-1")
        db.flush()
        if status != PENDING:
            row.status, row.attempts, row.last_error = status, 3, "HTTP 503 from webhook"
            row.finished_at = clock.now()
        return row.id


def _row(sessions, message_id) -> OutboxMessage:
    with sessions() as db:
        return db.get(OutboxMessage, message_id)


def _retry(client, message_id, query=""):
    token = csrf_from(client.get("/admin/outbox").text)
    return client.post(f"/admin/outbox/{message_id}/retry{query}", data={"csrf_token": token},
                       follow_redirects=False)


# The outbox


def test_the_outbox_filters_by_status(operator, sessions, clock):
    _message(sessions, clock, "k-pending")
    _message(sessions, clock, "k-dead", status=DEAD)
    everything = operator.get("/admin/outbox").text
    assert everything.count("备案申请已提交") == 2
    dead = operator.get("/admin/outbox?status=dead").text
    assert dead.count("备案申请已提交") == 1
    assert "发送失败" in dead and "HTTP 503 from webhook" in dead and "已尝试 3 次" in dead
    assert operator.get("/admin/outbox?status=skipped").text.count("备案申请已提交") == 0


def test_an_unknown_status_shows_everything_and_says_so(operator, sessions, clock):
    _message(sessions, clock, "k-1")
    html = operator.get("/admin/outbox?status=lost").text
    assert "未知的状态「lost」" in html and "备案申请已提交" in html


def test_a_dead_message_is_retried(operator, sessions, clock):
    message_id = _message(sessions, clock, "k-dead", status=DEAD)
    page = operator.get("/admin/outbox?status=dead").text
    assert f'action="/admin/outbox/{message_id}/retry?status=dead"' in page
    clock.advance(hours=1)
    response = _retry(operator, message_id, "?status=dead")
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/outbox?status=dead&retried={message_id}"
    row = _row(sessions, message_id)
    assert (row.status, row.attempts, row.finished_at) == (PENDING, 0, None)
    assert row.due_at == clock.now()
    assert f"消息 {message_id} 已重新排队" in operator.get(response.headers["location"]).text
    with sessions() as db:
        entry = db.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.target_id) == ("boss", "outbox.retry", str(message_id))


def test_only_dead_or_skipped_messages_offer_and_accept_a_retry(operator, sessions, clock):
    message_id = _message(sessions, clock, "k-done", status=DELIVERED)
    assert "/retry" not in operator.get("/admin/outbox").text
    response = _retry(operator, message_id)
    assert response.status_code == 409
    assert "无法重试" in response.text
    assert _row(sessions, message_id).status == DELIVERED
    assert _retry(operator, 9999).status_code == 409


def test_sms_recipients_are_masked(operator, sessions, clock):
    with transaction(sessions) as db:
        enqueue(db, channel="sms", recipient=PHONE, template="sms_code",
                params={"code": "123456", "applet_name": "启明星学堂", "verify_url": "https://beian.example.cn/verify"},
                dedup_key="k-sms",
                now=clock.now())
    html = operator.get("/admin/outbox").text
    assert "138****5678" in html
    assert PHONE not in html
    assert "123456" not in html  # the text of a verification SMS is not shown


# The development SMS box


def _text(sessions, clock, phone, text):
    with transaction(sessions) as db:
        db.add(LocalSms(phone=phone, sender="12381", text=text, created_at=clock.now()))


def test_the_local_sms_box_shows_texts_newest_first_with_masked_phones(operator, sessions, clock):
    _text(sessions, clock, PHONE, "核验码 111111")
    _text(sessions, clock, "13900001111", "核验码 222222")
    html = operator.get("/admin/outbox/sms").text
    assert html.index("222222") < html.index("111111")
    assert "138****5678" in html and PHONE not in html
    only = _sms_of(operator, PHONE).text
    assert "111111" in only and "222222" not in only
    assert operator.get(f"/admin/outbox/sms?phone={PHONE}").text.count("核验码") == 2
    assert "本地短信箱" in operator.get("/admin/outbox").text


def _sms_of(client, phone):
    """The operator looks one phone up: the number goes in the form's body."""
    token = csrf_from(client.get("/admin/outbox/sms").text)
    return client.post("/admin/outbox/sms", data={"csrf_token": token, "phone": phone})


def test_a_malformed_phone_filter_is_refused_beside_the_field(operator):
    response = _sms_of(operator, "abc")
    assert response.status_code == 422
    assert 'id="phone-error"' in response.text


def test_there_is_no_sms_box_when_a_real_gateway_sends(sessions, clock):
    add_user(sessions, clock, "boss", "operator")
    app = create_app(Settings(sms_gateway="aliyun"), sessions=sessions, clock=clock,
                     password_hasher=FAST_HASHER)
    client = TestClient(app)
    page_login(client, "boss")
    assert client.get("/admin/outbox/sms").status_code == 404
    assert "/admin/outbox/sms" not in client.get("/admin/outbox").text


# The audit trail


def _seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-label="序号"><code>(\d+)</code>', html)]


def test_the_trail_of_a_filing_is_shown_newest_first(operator, world, document):
    filing_id = filed(world, document)
    html = operator.get(f"/admin/audit?filing={filing_id}").text
    seqs = _seqs(html)
    assert len(seqs) >= 4 and seqs == sorted(seqs, reverse=True)
    assert "备案：提交备案" in html and "备案：平台初审通过" in html
    assert "platform-reviewer" in html
    # Another filing's entries are not listed.
    assert _seqs(operator.get("/admin/audit?filing=no-such-filing").text) == []
    assert "没有审计记录" in operator.get("/admin/audit?filing=no-such-filing").text


def test_verifying_an_intact_chain(operator, world, document):
    filed(world, document)
    html = operator.get("/admin/audit/verify").text
    assert "审计链完整" in html
    assert re.search(r"审计链完整：\d+ 条记录", html)
    assert "未通过" not in html


def test_verifying_after_a_row_was_tampered_with_names_it(operator, sessions, world, document):
    filed(world, document)
    with transaction(sessions) as db:
        db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    html = operator.get("/admin/audit/verify").text
    assert "审计链校验未通过" in html
    assert "第 2 条：写入后内容被改动" in html
    assert "审计链完整" not in html


def test_verifying_after_a_row_was_deleted_names_the_gap(operator, sessions, world, document):
    filed(world, document)
    with transaction(sessions) as db:
        db.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 3))
    html = operator.get("/admin/audit/verify").text
    assert "第 4 条：应为第 3 条：之前的记录缺失" in html
    assert "与前一条记录的哈希不衔接" in html
