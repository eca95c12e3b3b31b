"""A worker that keeps dying must not condemn the messages it never got to.

Found by the crash suite (a run killing the tick of eight rounds in a row ended with ten
inbox and SMS rows `dead`, "worker stopped during delivery"): `claim()` charges an
attempt to every row of the leased batch, and after `max_attempts` such charges the next
claim marks the row dead. A worker killed while delivering the first row of its batch
(a poison row, an OOM, a deploy loop) therefore kills every row leased beside it, though
none of them was ever handed to a channel.

The database state after each crash is what `beian tick` leaves when it is killed at the
`delivery_written` fault point on the first row: the claim committed, the first row's
delivery rolled back, nothing else done. It is built here without a process per crash.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.db import transaction
from beian.notifications.channels import Channels, RetryPolicy
from beian.notifications.models import OutboxMessage
from beian.notifications.service import claim, deliver_due, enqueue

POLICY = RetryPolicy()  # the defaults: 8 attempts, 300 s lease


def test_only_the_message_being_delivered_is_charged_for_a_crash(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        for n in range(3):
            enqueue(session, channel="inbox", recipient="u1", template="filing_withdrawn",
                    params={"applet_name": "图书角"}, dedup_key=f"loop:{n}", now=clock.now())
    for _ in range(POLICY.max_attempts):
        with transaction(sessions) as session:
            leased = claim(session, now=clock.now(), limit=50, policy=POLICY)
        # The worker dies delivering the first leased row; the others are never touched.
        assert [item.envelope.dedup_key for item in leased][:1] == ["loop:0"]
        clock.advance(POLICY.lease + timedelta(seconds=1))
    deliver_due(sessions, clock=clock, channels=Channels(policy=POLICY))
    with sessions() as session:
        rows = session.execute(select(OutboxMessage.dedup_key, OutboxMessage.status)).all()
        status = {key: value for key, value in rows}
    # loop:0 may be given up as the poison row; loop:1 and loop:2 were never attempted.
    assert status["loop:1"] == "delivered" and status["loop:2"] == "delivered", status
