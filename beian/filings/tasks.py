"""Timer handlers of the filing lifecycle, run by the worker when due.

Each handler re-reads the filing and acts only if it is still in the step the timer was
armed for, so a late, repeated or stale timer changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from beian.clock import Clock
from beian.core.workflow import Status
from beian.filings import verification
from beian.filings.models import Filing
from beian.filings.notify import message_params
from beian.notifications.service import enqueue
from beian.timers.models import Timer
from beian.timers.service import batch_handler, handler


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


@batch_handler("sms_window")
@batch_handler("cancel_window")
def close_sms_windows(session: Session, due: list[Timer], clock: Clock) -> None:
    """`close_sms_window` for a batch of timers: one read of the filings, moved together."""
    armed_for = {timer.key: timer.payload.get("status") for timer in due}
    query = (
        select(Filing)
        .where(Filing.id.in_(armed_for))
        # Closing a window needs no document (do not decrypt one per filing) nor the
        # JSON lists of the public record and of the review.
        .options(defer(Filing.document), defer(Filing.submitted_document),
                 defer(Filing.public_approvals), defer(Filing.audit_data),
                 defer(Filing.unlocked_fields))
    )
    filings = [f for f in session.scalars(query) if f.status == armed_for[f.id]]
    verification.close_windows(session, filings, now=clock.now())


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
