"""In-site messages queued by fired timers go out in the timers' own transaction.

A deadline surge queues one in-site message per filing; the worker delivers those in the
transaction that fired the timers (nothing to lease: no other worker sees the rows before
the commit), and leaves them to the outbox when that step fails.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from beian.clock import FixedClock
from beian.notifications.channels import Channels, InboxChannel
from beian.notifications.models import InboxMessage, OutboxMessage
from beian.worker import fire_due_timers
from tests.journey import World, platform_approved


def _window_closing(world: World, document: dict) -> str:
    """A filing in SMS verification whose reminder went out; its window closes now."""
    filing_id = platform_approved(world, document)
    world.clock.advance(timedelta(hours=22))
    world.work()  # the reminder, two hours before the window closes
    world.clock.advance(timedelta(hours=2))
    return filing_id


def _failure_notices(world: World, filing_id: str) -> dict[str, str]:
    rows = world.read(lambda s: s.scalars(select(OutboxMessage).where(
        OutboxMessage.filing_id == filing_id, OutboxMessage.template == "sms_failed")).all())
    return {row.channel: row.status for row in rows}


def _inbox(world: World, filing_id: str) -> list[InboxMessage]:
    return world.read(lambda s: s.scalars(select(InboxMessage).where(
        InboxMessage.filing_id == filing_id, InboxMessage.template == "sms_failed")).all())


def test_the_in_site_message_of_a_closed_window_commits_with_it(world, document):
    filing_id = _window_closing(world, document)
    stats = fire_due_timers(world.sessions, world.clock, channels=world.channels)
    assert stats.timers_fired == 1 and stats.messages == {"delivered": 1}
    assert world.filing(filing_id).status == "sms_failed"
    # The template message (webhooks are off here) is left to the outbox, as before.
    assert _failure_notices(world, filing_id) == {"inbox": "delivered", "template": "pending"}
    [message] = _inbox(world, filing_id)
    assert message.user_key == world.filing(filing_id).applicant
    world.work()
    assert len(_inbox(world, filing_id)) == 1  # the outbox does not deliver it again


def test_a_failed_delivery_in_place_leaves_the_message_to_the_outbox(world, document):
    class BrokenInbox(InboxChannel):
        def deliver_many(self, envelopes, *, session, now):  # type: ignore[no-untyped-def]
            super().deliver_many(envelopes, session=session, now=now)
            raise RuntimeError("disk full")

    filing_id = _window_closing(world, document)
    stats = fire_due_timers(world.sessions, world.clock, channels=Channels(inbox=BrokenInbox()))
    assert stats.timers_fired == 1 and stats.messages == {}
    assert world.filing(filing_id).status == "sms_failed"  # the event itself committed
    assert _failure_notices(world, filing_id)["inbox"] == "pending"
    assert _inbox(world, filing_id) == []  # the half-written row went with its savepoint
    world.work()
    assert _failure_notices(world, filing_id)["inbox"] == "delivered"
    assert len(_inbox(world, filing_id)) == 1


def test_without_channels_the_worker_leaves_every_message_to_the_outbox(world, document):
    filing_id = _window_closing(world, document)
    assert fire_due_timers(world.sessions, world.clock).timers_fired == 1
    assert _failure_notices(world, filing_id) == {"inbox": "pending", "template": "pending"}


class TickingClock(FixedClock):
    """A clock a millisecond later at every reading, as a running system's is."""

    def now(self):  # type: ignore[no-untyped-def]
        return self.advance(milliseconds=1)


def test_a_running_clock_still_delivers_in_place(world, document):
    filing_id = _window_closing(world, document)
    ticking = TickingClock(world.clock.now())
    stats = fire_due_timers(world.sessions, ticking, channels=world.channels)
    assert stats.timers_fired == 1 and stats.messages == {"delivered": 1}
    assert _failure_notices(world, filing_id)["inbox"] == "delivered"
    assert len(_inbox(world, filing_id)) == 1
