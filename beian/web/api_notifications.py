"""In-site inboxes for every user, and the operators' view of outgoing messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from beian.accounts.models import User
from beian.accounts.roles import BUREAU_PROVINCES, Role
from beian.filings.views import mask_phone
from beian.notifications import service as notifications
from beian.notifications.models import InboxMessage, OutboxMessage
from beian.web.api_common import Operator, errors, now_of, unit_of_work
from beian.web.auth import CurrentUser
from beian.web.findings import FORBIDDEN, NOT_FOUND, FindingError, finding

router = APIRouter(prefix="/api/v1", tags=["notifications"])

PLATFORM_SUPERVISORS = "supervisors:platform"
MAX_SMS_LISTED = 200


class InboxMessageOut(BaseModel):
    """An in-site message (站内信)."""

    id: int
    box: str = Field(description="收件箱：用户名，或主管收件箱 supervisors:…")
    template: str
    title: str
    body: str
    filing_id: str | None
    created_at: datetime
    read_at: datetime | None


class InboxBox(BaseModel):
    """An inbox the user may read, with its unread count."""

    key: str
    unread: int


class Inbox(BaseModel):
    """The messages of one inbox and the list of inboxes the user may read."""

    box: str
    boxes: list[InboxBox]
    messages: list[InboxMessageOut]


class LocalSmsOut(BaseModel):
    """A text 'sent' by the development SMS gateway."""

    id: int
    phone: str
    sender: str
    text: str
    created_at: datetime


class OutboxMessageOut(BaseModel):
    """A queued notification; SMS recipients masked and SMS bodies withheld (codes)."""

    id: int
    channel: str
    recipient: str
    template: str
    title: str
    body: str | None
    filing_id: str | None
    status: str
    attempts: int
    due_at: datetime
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None


def readable_boxes(user: User) -> list[str]:
    """The inboxes a user may read: their own, and their stage's supervisors' inbox."""
    boxes = [user.username]
    if user.role in (Role.PLATFORM_REVIEWER, Role.OPERATOR):
        boxes.append(PLATFORM_SUPERVISORS)
    if user.role == Role.BUREAU_REVIEWER and user.province:
        boxes.append(f"supervisors:bureau:{user.province}")
    if user.role == Role.OPERATOR:
        boxes.extend(f"supervisors:bureau:{code}" for code in BUREAU_PROVINCES)
    return boxes


def _message(row: InboxMessage) -> InboxMessageOut:
    return InboxMessageOut(
        id=row.id,
        box=row.user_key,
        template=row.template,
        title=row.title,
        body=row.body,
        filing_id=row.filing_id,
        created_at=row.created_at,
        read_at=row.read_at,
    )


@router.get(
    "/inbox", operation_id="getInbox", response_model=Inbox, responses=errors(401, 403, 422)
)
def get_inbox(
    user: CurrentUser,
    request: Request,
    box: Annotated[str | None, Query(max_length=120, description="默认为自己的收件箱")] = None,
    unread_only: bool = False,
) -> Inbox:
    """The user's in-site messages, newest first (or a supervisors' inbox they may read)."""
    boxes = readable_boxes(user)
    chosen = box or user.username
    if chosen not in boxes:
        refusal = finding(
            FORBIDDEN, "box", "无权查看该收件箱", "只能查看自己的或本岗位主管的收件箱"
        )
        raise FindingError(403, [refusal])
    with unit_of_work(request) as session:
        rows = notifications.list_inbox(session, user_key=chosen, unread_only=unread_only)
        counts = [
            InboxBox(key=key, unread=notifications.unread_count(session, user_key=key))
            for key in boxes
        ]
        return Inbox(box=chosen, boxes=counts, messages=[_message(row) for row in rows])


@router.post(
    "/inbox/{message_id}/read",
    operation_id="markInboxRead",
    response_model=InboxMessageOut,
    responses=errors(401, 404, 422),
)
def mark_inbox_read(
    message_id: Annotated[int, Path(ge=1, le=2**31 - 1)], user: CurrentUser, request: Request
) -> InboxMessageOut:
    """Mark one message read; a message in an inbox the user may not read is not found."""
    with unit_of_work(request) as session:
        row = session.get(InboxMessage, message_id)
        if row is None or row.user_key not in readable_boxes(user):
            raise FindingError(
                404, [finding(NOT_FOUND, "message_id", "站内信不存在", "请刷新收件箱")]
            )
        marked = notifications.mark_read(
            session, user_key=row.user_key, message_id=message_id, now=now_of(request)
        )
        return _message(marked)


@router.get(
    "/sms-outbox",
    operation_id="listSmsOutbox",
    response_model=list[LocalSmsOut],
    responses=errors(401, 403, 404),
)
def list_sms_outbox(user: Operator, request: Request) -> list[LocalSmsOut]:
    """Texts of the development SMS gateway, newest last (404 with a real gateway)."""
    if request.app.state.settings.sms_gateway != "local":
        raise FindingError(
            404,
            [
                finding(
                    NOT_FOUND,
                    "",
                    "未使用开发用短信网关，没有本地短信可看",
                    "短信已通过正式网关发送；请在网关的管理后台查看",
                )
            ],
        )
    with unit_of_work(request) as session:
        rows = notifications.list_local_sms(session)[-MAX_SMS_LISTED:]
        return [LocalSmsOut.model_validate(row, from_attributes=True) for row in rows]


@router.get(
    "/outbox",
    operation_id="listOutbox",
    response_model=list[OutboxMessageOut],
    responses=errors(401, 403, 422),
)
def list_outbox(
    user: Operator,
    request: Request,
    status: Literal["pending", "delivered", "dead", "skipped"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[OutboxMessageOut]:
    """The latest notifications of every channel, oldest first, optionally of one status."""
    with unit_of_work(request) as session:
        rows = notifications.list_outbox(session, status=status, limit=limit)
        return [_outbox(row) for row in rows]


def _outbox(row: OutboxMessage) -> OutboxMessageOut:
    sms = row.channel == "sms"
    return OutboxMessageOut(
        id=row.id,
        channel=row.channel,
        recipient=mask_phone(row.recipient) if sms else row.recipient,
        template=row.template,
        title=row.title,
        body=None if sms else row.body,
        filing_id=row.filing_id,
        status=row.status,
        attempts=row.attempts,
        due_at=row.due_at,
        created_at=row.created_at,
        finished_at=row.finished_at,
        last_error=row.last_error,
    )
