"""The notification outbox (with retry of given-up messages) and the development SMS outbox."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from beian.audit import service as audit
from beian.db import transaction
from beian.filings.views import mask_phone
from beian.notifications.models import DEAD, DELIVERED, PENDING, SKIPPED, OutboxMessage
from beian.notifications.service import list_local_sms, list_outbox, requeue
from beian.notifications.templates import NotificationError
from beian.web.admin_common import Operator, china_time
from beian.web.findings import FindingError, status_finding
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

OUTBOX = "/admin/outbox"
SHOWN = 100
STATUS_LABELS = {PENDING: "待发送", DELIVERED: "已送达", DEAD: "发送失败", SKIPPED: "已跳过"}
CHANNEL_LABELS = {"inbox": "站内信", "template": "模板消息", "sms": "短信"}
RETRYABLE = (DEAD, SKIPPED)
_PHONE = re.compile(r"\+?\d{5,20}")


@router.get(OUTBOX)
def outbox_page(
    request: Request, operator: Operator, status: str = "", retried: int = 0
) -> Response:
    """The latest outbox messages, of one status or all."""
    return _outbox_page(request, status=status, retried=retried)


@router.post(OUTBOX + "/{message_id}/retry")
def retry(request: Request, operator: Operator, message_id: int, status: str = "") -> Response:
    """Give a dead or skipped message a fresh set of attempts."""
    state = request.app.state
    now = state.clock.now()
    try:
        with transaction(state.sessions) as db:
            row = requeue(db, message_id=message_id, now=now)
            audit.record(
                db,
                actor=operator.username,
                action="outbox.retry",
                target_type="outbox",
                target_id=str(row.id),
                now=now,
                detail={"channel": row.channel, "template": row.template},
            )
    except NotificationError:
        problem = f"消息 {message_id} 不存在，或不是“发送失败”“已跳过”状态，无法重试"
        return _outbox_page(request, status=status, problem=problem, status_code=409)
    back = f"?status={status}&retried={message_id}" if status in STATUS_LABELS else (
        f"?retried={message_id}")
    return RedirectResponse(OUTBOX + back, status_code=303)


@router.get(OUTBOX + "/sms")
def local_sms_page(request: Request, operator: Operator) -> Response:
    """Texts the development SMS gateway 'sent' (only while the gateway is local)."""
    return _local_sms(request, "")


@router.post(OUTBOX + "/sms")
def local_sms_of_one_phone(
    request: Request, operator: Operator, phone: Annotated[str, Form(max_length=40)] = ""
) -> Response:
    """The texts to one phone: the number travels in the body, never in a URL (SPEC §10),
    so it stays out of browser histories and proxies' access logs."""
    return _local_sms(request, phone)


def _local_sms(request: Request, phone: str) -> Response:
    if request.app.state.settings.sms_gateway != "local":
        raise FindingError(404, [status_finding(404, "短信网关不是本地开发网关，没有本地短信箱")])
    wanted = phone.strip().replace(" ", "")
    problem = ""
    if wanted and not _PHONE.fullmatch(wanted):
        problem, wanted = "请输入完整的手机号码", ""
    with transaction(request.app.state.sessions) as db:
        texts = list_local_sms(db, phone=wanted or None)[-SHOWN:]
    rows = [
        {"id": t.id, "phone": mask_phone(t.phone), "sender": t.sender, "text": t.text,
         "at": china_time(t.created_at)}
        for t in reversed(texts)
    ]
    context = {"title": "本地短信箱", "rows": rows, "phone": phone[:20], "problem": problem,
               "shown": SHOWN}
    return render(request, "admin/sms.html", context, status_code=422 if problem else 200)


def _outbox_page(
    request: Request,
    *,
    status: str,
    retried: int = 0,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    chosen = status if status in STATUS_LABELS else ""
    with transaction(request.app.state.sessions) as db:
        messages = list_outbox(db, status=chosen or None, limit=SHOWN)
    rows = [_row(message) for message in reversed(messages)]  # newest first
    if status and not chosen:
        problem = problem or f"未知的状态「{status[:20]}」，已显示全部消息"
    context = {
        "title": "通知发件箱",
        "rows": rows,
        "status": chosen,
        "status_labels": STATUS_LABELS,
        "retried": retried,
        "problem": problem,
        "shown": SHOWN,
        "local_sms": request.app.state.settings.sms_gateway == "local",
    }
    return render(request, "admin/outbox.html", context, status_code=status_code)


def _row(message: OutboxMessage) -> dict[str, Any]:
    # Phones are personal data: the outbox shows who by the last digits only.
    recipient = mask_phone(message.recipient) if message.channel == "sms" else message.recipient
    return {
        "id": message.id,
        "channel": CHANNEL_LABELS.get(message.channel, message.channel),
        "recipient": recipient,
        "title": message.title,
        "template": message.template,
        "filing_id": message.filing_id,
        "status": message.status,
        "status_label": STATUS_LABELS.get(message.status, message.status),
        "attempts": message.attempts,
        "error": message.last_error or "",
        "created": china_time(message.created_at),
        "finished": china_time(message.finished_at),
        "retryable": message.status in RETRYABLE,
    }
