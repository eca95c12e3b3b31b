"""The in-site inbox (站内信): every user's own messages, and supervisors' reminders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from beian.accounts.models import User
from beian.accounts.roles import BUREAU_PROVINCES, Role
from beian.db import transaction
from beian.notifications.service import InboxError, list_inbox, mark_all_read, mark_read
from beian.web.applicant_common import china_time, now
from beian.web.auth import CurrentUser
from beian.web.findings import NOT_FOUND, FindingError, finding
from beian.web.templating import render

router = APIRouter(include_in_schema=False)
PLATFORM_SUPERVISORS = "supervisors:platform"


def inbox_keys(user: User) -> list[tuple[str, str]]:
    """(user_key, heading) of every inbox this user reads, their own first."""
    keys = [(user.username, "我的站内信")]
    if user.role == Role.PLATFORM_REVIEWER:
        keys.append((PLATFORM_SUPERVISORS, "督办提醒：平台初审"))
    elif user.role == Role.BUREAU_REVIEWER and user.province:
        keys.append((f"supervisors:bureau:{user.province}", "督办提醒：本省管局审核"))
    elif user.role == Role.OPERATOR:
        keys.append((PLATFORM_SUPERVISORS, "督办提醒：平台初审"))
        keys.extend(
            (f"supervisors:bureau:{code}", f"督办提醒：{name}管局审核")
            for code, name in BUREAU_PROVINCES.items()
        )
    return keys


@router.get("/inbox")
def inbox(request: Request, user: CurrentUser) -> Response:
    """Messages, newest first, unread ones marked."""
    sections: list[dict[str, Any]] = []
    with request.app.state.sessions() as db:
        for index, (key, heading) in enumerate(inbox_keys(user)):
            messages = list_inbox(db, user_key=key)
            if index and not messages:
                continue  # supervisors' inboxes appear only when something is in them
            sections.append({"heading": heading, "messages": [
                {
                    "id": message.id,
                    "title": message.title,
                    "body": message.body,
                    "unread": message.read_at is None,
                    "at": china_time(message.created_at),
                    "filing_id": message.filing_id if user.role == Role.APPLICANT else None,
                }
                for message in messages
            ]})
    unread = sum(1 for s in sections for m in s["messages"] if m["unread"])
    return render(request, "applicant/inbox.html",
                  {"title": "站内信", "sections": sections, "unread": unread})


@router.post("/inbox/{message_id}/read")
def read_message(request: Request, message_id: int, user: CurrentUser) -> Response:
    """Mark one message read, in whichever of the user's inboxes it is."""
    with transaction(request.app.state.sessions) as db:
        for key, _ in inbox_keys(user):
            try:
                mark_read(db, user_key=key, message_id=message_id, now=now(request))
                break
            except InboxError:
                continue
        else:
            raise FindingError(404, [finding(NOT_FOUND, "message_id", "站内信不存在",
                                             "请刷新站内信列表")])
    return RedirectResponse(f"/inbox#message-{message_id}", status_code=303)


@router.post("/inbox/read-all")
def read_all(request: Request, user: CurrentUser) -> Response:
    """Mark every message of every inbox this user reads as read."""
    with transaction(request.app.state.sessions) as db:
        for key, _ in inbox_keys(user):
            mark_all_read(db, user_key=key, now=now(request))
    return RedirectResponse("/inbox", status_code=303)
