"""What the crash checks read: the database rows, and what the test knows from outside."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.filings.models import Filing, FilingEvent, SmsChallenge
from beian.notifications.models import InboxMessage, LocalSms, OutboxMessage
from beian.timers.models import Timer
from tests.crash.crash_receiver import Receipt


@dataclass
class Expected:
    """What the test knows from outside the database."""

    # Instants of every `beian tick --at` that ran to its end, in order: what was due by
    # then must have happened.
    ticks: list[datetime] = field(default_factory=list)
    # Instants of every tick started, killed ones too: a killed tick may have committed a
    # batch of timers before it died, so what was due by then may have happened.
    started: list[datetime] = field(default_factory=list)
    receipts: Sequence[Receipt] = ()
    # Webhook posts that may repeat: one per kill between the post and its bookkeeping.
    resends: int = 0
    # After a final clean tick: nothing may be left pending.
    drained: bool = False

    @property
    def settled_at(self) -> datetime | None:
        """The instant of the last completed tick."""
        return self.ticks[-1] if self.ticks else None

    @property
    def reached(self) -> datetime | None:
        """The instant of the last tick started."""
        return self.started[-1] if self.started else None

    def first_tick_from(self, instant: datetime) -> datetime | None:
        """The first completed tick at or after `instant`: by then it must have happened."""
        index = bisect_left(self.ticks, instant)
        return self.ticks[index] if index < len(self.ticks) else None

    def first_start_from(self, instant: datetime) -> datetime | None:
        """The first tick started at or after `instant`: it may have happened from then on."""
        index = bisect_left(self.started, instant)
        return self.started[index] if index < len(self.started) else None


class State:
    """Every row the checks look at, read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.filings = list(session.scalars(select(Filing).order_by(Filing.id)))
        self.history: dict[str, list[FilingEvent]] = defaultdict(list)
        for row in session.scalars(select(FilingEvent).order_by(FilingEvent.id)):
            self.history[row.filing_id].append(row)
        self.outbox = {row.dedup_key: row for row in session.scalars(select(OutboxMessage))}
        self.inbox = list(session.scalars(select(InboxMessage)))
        self.local_sms = {row.id: row for row in session.scalars(select(LocalSms))}
        self.timers = list(session.scalars(select(Timer)))
        self.challenges = list(session.scalars(select(SmsChallenge).order_by(SmsChallenge.id)))
