"""Reading the in-site inbox (站内信) and the development SMS outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from beian.clock import as_utc
from beian.notifications.models import InboxMessage, LocalSms
from beian.notifications.templates import NotificationError


class InboxError(NotificationError):
    """An in-site message that does not exist in this user's inbox."""


def list_inbox(
    session: Session, *, user_key: str, unread_only: bool = False, limit: int = 100
) -> list[InboxMessage]:
    """A user's in-site messages, newest first."""
    query = select(InboxMessage).where(InboxMessage.user_key == user_key)
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    return list(session.scalars(query.order_by(InboxMessage.id.desc()).limit(limit)))


def unread_count(session: Session, *, user_key: str) -> int:
    """How many of a user's in-site messages are unread."""
    query = select(func.count(InboxMessage.id)).where(
        InboxMessage.user_key == user_key, InboxMessage.read_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def mark_read(session: Session, *, user_key: str, message_id: int, now: datetime) -> InboxMessage:
    """Mark one of the user's messages read (the first reading time is kept)."""
    message = session.get(InboxMessage, message_id)
    # Someone else's message gets the same answer as a missing one: no probing other inboxes.
    if message is None or message.user_key != user_key:
        raise InboxError(f"站内信 {message_id} 不存在")
    if message.read_at is None:
        message.read_at = as_utc(now)
    return message


def mark_all_read(session: Session, *, user_key: str, now: datetime) -> int:
    """Mark every unread message of the user read; return how many."""
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.user_key == user_key, InboxMessage.read_at.is_(None))
        .values(read_at=as_utc(now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_local_sms(session: Session, *, phone: str | None = None) -> list[LocalSms]:
    """Texts in the development SMS outbox, newest last."""
    query = select(LocalSms)
    if phone is not None:
        query = query.where(LocalSms.phone == phone)
    return list(session.scalars(query.order_by(LocalSms.id)))
