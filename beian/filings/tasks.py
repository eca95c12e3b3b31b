"""Timer handlers of the filing lifecycle, run by the worker when due.

Each handler re-reads the filing and acts only if it is still in the step the timer was
armed for, so a late, repeated or stale timer changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from beian.clock import Clock
from beian.core.workflow import Status
from beian.filings import verification
from beian.filings.models import Filing
from beian.filings.notify import message_params
from beian.notifications.service import enqueue
from beian.timers.models import Timer
from beian.timers.service import handler


def _filing(session: Session, timer: Timer) -> Filing | None:
    filing = session.get(Filing, timer.key)
    if filing is None or filing.status != timer.payload.get("status"):
        return None
    return filing


@handler("sms_window")
@handler("cancel_window")
def close_sms_window(session: Session, timer: Timer, clock: Clock) -> None:
    """Return a filing whose 24-hour SMS window closed; abort an unconfirmed cancellation."""
    filing = _filing(session, timer)
    if filing is not None:
        verification.close_window(session, filing, now=clock.now())


@handler("sms_reminder")
def remind_sms(session: Session, timer: Timer, clock: Clock) -> None:
    """Remind principals who have not entered their code yet."""
    filing = _filing(session, timer)
    if filing is not None:
        verification.remind(session, filing, now=clock.now())


@handler("review_overdue")
def flag_overdue(session: Session, timer: Timer, clock: Clock) -> None:
    """Mark a review past its deadline and tell the stage's supervisors."""
    filing = _filing(session, timer)
    if filing is None or filing.overdue:
        return
    filing.overdue = True
    stage = "platform" if filing.status == Status.PLATFORM_REVIEW else f"bureau:{filing.province}"
    enqueue(
        session,
        channel="inbox",
        recipient=f"supervisors:{stage}",
        template="review_overdue",
        params=message_params(filing),
        dedup_key=f"overdue:{filing.id}:{timer.payload.get('deadline_at')}",
        now=clock.now(),
        filing_id=filing.id,
    )
