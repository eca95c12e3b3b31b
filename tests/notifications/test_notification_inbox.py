"""Reading the in-site inbox: newest first, unread filter, read marks per user."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.db import transaction
from beian.notifications.channels import Channels
from beian.notifications.inbox import (
    InboxError,
    list_inbox,
    mark_all_read,
    mark_read,
    unread_count,
)
from beian.notifications.service import deliver_due, enqueue


def _deliver(sessions: sessionmaker[Session], clock: FixedClock, *users: str) -> None:
    for n, user in enumerate(users):
        with transaction(sessions) as session:
            enqueue(
                session,
                channel="inbox",
                recipient=user,
                template="sms_verified",
                params={"applet_name": f"小程序{n}"},
                dedup_key=f"m{n}",
                now=clock.now(),
            )
        deliver_due(sessions, clock=clock, channels=Channels())
        clock.advance(minutes=1)


def test_inbox_lists_a_users_messages_newest_first(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _deliver(sessions, clock, "alice", "bob", "alice")
    with sessions() as session:
        messages = list_inbox(session, user_key="alice")
    assert len(messages) == 2 and all(m.title == "短信核验已完成" for m in messages)
    assert "小程序2" in messages[0].body
    assert "小程序0" in messages[1].body


def test_reading_marks_one_message_and_keeps_the_first_time(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _deliver(sessions, clock, "alice", "alice")
    with transaction(sessions) as session:
        first, second = list_inbox(session, user_key="alice")
        read_at = clock.now()
        mark_read(session, user_key="alice", message_id=first.id, now=read_at)
    clock.advance(hours=1)
    with transaction(sessions) as session:
        again = mark_read(session, user_key="alice", message_id=first.id, now=clock.now())
        assert again.read_at == read_at
        assert [m.id for m in list_inbox(session, user_key="alice", unread_only=True)] == [
            second.id
        ]
        assert unread_count(session, user_key="alice") == 1


def test_another_users_message_cannot_be_marked(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _deliver(sessions, clock, "alice")
    with transaction(sessions) as session:
        (message,) = list_inbox(session, user_key="alice")
        with pytest.raises(InboxError, match=f"站内信 {message.id} 不存在"):
            mark_read(session, user_key="mallory", message_id=message.id, now=clock.now())
        assert unread_count(session, user_key="alice") == 1


def test_mark_all_read_touches_only_that_user(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _deliver(sessions, clock, "alice", "bob", "alice")
    with transaction(sessions) as session:
        assert mark_all_read(session, user_key="alice", now=clock.now()) == 2
    with sessions() as session:
        assert unread_count(session, user_key="alice") == 0
        assert unread_count(session, user_key="bob") == 1
