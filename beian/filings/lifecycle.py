"""Apply a workflow event to a filing: the one place a status changes.

`move()` checks the move against beian.core.workflow, sets the status and the deadline of
the new step, appends the history row, re-arms the step's timers and queues the event's
notifications, all in the caller's transaction, so either everything happens or nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from beian.audit import service as audit
from beian.calendar.service import load_calendar
from beian.core.workflow import (
    DEADLINES,
    EVENT_LABELS,
    STATUS_LABELS,
    Event,
    IllegalTransition,
    Status,
    transition,
)
from beian.filings.errors import IllegalMove
from beian.filings.models import Filing, FilingEvent
from beian.filings.notify import notify_event
from beian.testing import faults
from beian.timers import service as timers

# Timers that belong to a status: armed on entering it, cancelled on leaving it.
STEP_TIMERS: dict[Status, tuple[str, ...]] = {
    Status.PLATFORM_REVIEW: ("review_overdue",),
    Status.BUREAU_REVIEW: ("review_overdue",),
    Status.SMS_VERIFICATION: ("sms_window", "sms_reminder"),
    Status.CANCEL_PENDING: ("cancel_window",),
}
# How long before the SMS window closes the principal is reminded.
SMS_REMINDER_BEFORE = timedelta(hours=2)


def move(
    session: Session,
    filing: Filing,
    event: Event,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> FilingEvent:
    """Apply `event` to `filing` or raise IllegalMove; returns the history row."""
    try:
        target = transition(filing.status, event)
    except IllegalTransition as error:
        raise IllegalMove(error) from None
    source = Status(filing.status)
    _disarm(session, filing, source, now)
    filing.status = target.value
    filing.stage_started_at = now
    filing.updated_at = now
    filing.overdue = False
    filing.claimed_by = None
    filing.claimed_at = None
    _set_deadline(session, filing, target, now)
    record = FilingEvent(
        filing_id=filing.id,
        at=now,
        actor=actor,
        event=event.value,
        from_status=source.value,
        to_status=target.value,
        reason=reason,
        deadline_at=filing.deadline_at,
        detail=detail,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"filing.{event.value}",
        target_type="filing",
        target_id=filing.id,
        now=now,
        detail={"from": source.value, "to": target.value},
    )
    _arm(session, filing, target, now)
    faults.point("move_recorded")
    notify_event(session, filing, event, record, now=now)
    return record


def require_move(filing: Filing, event: Event) -> None:
    """Raise IllegalMove unless `event` is allowed now; changes nothing."""
    try:
        transition(filing.status, event)
    except IllegalTransition as error:
        raise IllegalMove(error) from None


def describe(record: FilingEvent) -> str:
    """A one-line Chinese description of a history row."""
    event = EVENT_LABELS.get(Event(record.event), record.event)
    target = STATUS_LABELS.get(Status(record.to_status), record.to_status)
    return f"{event} → {target}"


def _set_deadline(session: Session, filing: Filing, status: Status, now: datetime) -> None:
    step = DEADLINES.get(status)
    filing.deadline_provisional = False
    if step is None:
        filing.deadline_at = None
        return
    if step.hours:
        filing.deadline_at = now + timedelta(hours=step.hours)
        return
    deadline = load_calendar(session).deadline(now, step.workdays)
    filing.deadline_at = deadline.at
    filing.deadline_provisional = deadline.provisional


def _arm(session: Session, filing: Filing, status: Status, now: datetime) -> None:
    if filing.deadline_at is None:
        return
    for kind in STEP_TIMERS.get(status, ()):
        due = (
            filing.deadline_at - SMS_REMINDER_BEFORE
            if kind == "sms_reminder"
            else filing.deadline_at
        )
        timers.schedule(
            session,
            kind=kind,
            key=filing.id,
            due_at=due,
            now=now,
            payload={"status": status.value, "deadline_at": filing.deadline_at.isoformat()},
        )


def _disarm(session: Session, filing: Filing, status: Status, now: datetime) -> None:
    for kind in STEP_TIMERS.get(status, ()):
        timers.cancel(session, kind=kind, key=filing.id, now=now)
