"""Apply a workflow event to a filing: the one place a status changes.

`move()` checks the move against beian.core.workflow, sets the status and the deadline of
the new step, appends the history row, re-arms the step's timers and queues the event's
notifications, all in the caller's transaction, so either everything happens or nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from beian.audit import service as audit
from beian.calendar.service import load_calendar
from beian.core.workdays import WorkCalendar
from beian.core.workflow import (
    DEADLINES,
    EVENT_LABELS,
    STATUS_LABELS,
    Event,
    IllegalTransition,
    Status,
    transition,
)
from beian.db import direct
from beian.db.direct import Direct
from beian.filings import history_ids
from beian.filings.errors import IllegalMove
from beian.filings.models import Filing, FilingEvent
from beian.filings.notify import notify_events
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
    storing: dict[str, Any] | None = None,
) -> FilingEvent:
    """Apply `event` to `filing` or raise IllegalMove; returns the history row.

    `storing`: more columns of the filing to write in the move's own UPDATE (the submitted
    copy), instead of a flush of their own before it.
    """
    return move_many(
        session, [filing], event, actor=actor, now=now, reason=reason, detail=detail,
        storing=storing,
    )[0]


def move_many(
    session: Session,
    filings: list[Filing],
    event: Event,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    storing: dict[str, Any] | None = None,
) -> list[FilingEvent]:
    """Apply `event` to every filing, or to none (IllegalMove); one history row each.

    The same steps as for one filing, done set-wise: a deadline surge (thousands of SMS
    windows closing at once) costs a few statements per batch instead of per filing.
    `storing` (see `move`) is for a move of one filing only.
    """
    if storing and len(filings) != 1:
        raise ValueError("columns can be stored with the move of one filing only")
    targets = [_target(filing, event) for filing in filings]
    sources = [Status(filing.status) for filing in filings]
    session.flush()  # earlier changes first: the move is then written set-wise
    _disarm(session, filings, sources, now)
    calendar = functools.cache(lambda: load_calendar(session))  # read once, if needed
    moved = [_moved_values(target, now, calendar) | (storing or {}) for target in targets]
    # A person's action moves one filing: its rows are sent in one round trip, and checked
    # once they are answered (direct.batch). A surge's set-wise statements run one by one.
    with direct.batch(session) if len(filings) == 1 else contextlib.nullcontext():
        _write_together(session, filings, moved)
        records = _history(session, [
            {"filing_id": filing.id, "at": now, "actor": actor, "event": event.value,
             "from_status": source.value, "to_status": target.value, "reason": reason,
             "deadline_at": values["deadline_at"], "detail": detail}
            for filing, source, target, values in zip(filings, sources, targets, moved,
                                                      strict=True)
        ])
        audit.record_many(session, [
            audit.Entry(actor=actor, action=f"filing.{event.value}", target_type="filing",
                        target_id=filing.id,
                        detail={"from": source.value, "to": target.value})
            for filing, source, target in zip(filings, sources, targets, strict=True)
        ], now=now)
        _arm(session, filings, targets, now)
        # The notices' keys name the history rows: queued once their ids are known (in
        # the batch when the id was reserved, beian.filings.history_ids).
        if all(record.id is not None for record in records):
            _announce(session, filings, event, records, now)
        else:
            direct.after(session, lambda: _announce(session, filings, event, records, now))
    return records


def _announce(session: Session, filings: list[Filing], event: Event,
              records: list[FilingEvent], now: datetime) -> None:
    faults.point("move_recorded")
    notify_events(session, filings, event, records, now=now)


def _history(session: Session, rows: list[dict[str, Any]]) -> list[FilingEvent]:
    """Insert the history rows, returning them as FilingEvent objects in the order given."""
    # A Core insert returning only the ids: the objects are made from the values written
    # (loading the returned rows as ORM objects built their row processor on every call).
    # Each filing moves once, so its id tells the rows apart in any order.
    if len(rows) == 1:  # a person's action: its id reserved, or known once answered
        row = rows[0]
        record = FilingEvent(**{**row, **_instants_as_read(row)})
        reserved = history_ids.take(session, row["filing_id"])
        if reserved is not None:
            record.id = reserved
            _INSERT_ONE_EVENT.send(session, {**row, "id": reserved})
        else:
            inserted = _INSERT_ONE_EVENT.send(session, row)
            direct.after(session, lambda: setattr(record, "id", inserted.rows()[0][1]))
        return [record]
    ids: dict[str, int] = {filing_id: event_id for filing_id, event_id
                           in session.execute(_INSERT_HISTORY, rows)}
    return [FilingEvent(**{**row, "id": ids[row["filing_id"]], **_instants_as_read(row)})
            for row in rows]


def _instants_as_read(row: dict[str, Any]) -> dict[str, datetime | None]:
    """The row's instants as a read gives them back (UtcDateTime: in UTC), whatever the
    time zone of the clock that made them."""
    return {name: row[name] and row[name].astimezone(UTC) for name in ("at", "deadline_at")}


_EVENTS = cast(Table, FilingEvent.__table__)
_INSERT_HISTORY = insert(_EVENTS).returning(_EVENTS.c.filing_id, _EVENTS.c.id)
_INSERT_ONE_EVENT = Direct(_INSERT_HISTORY)
# The filing columns a move sets.
_MOVED = ("status", "stage_started_at", "updated_at", "overdue", "claimed_by", "claimed_at",
          "deadline_at", "deadline_provisional")
_FILINGS = cast(Table, Filing.__table__)


def _write_together(
    session: Session, filings: list[Filing], moved: list[dict[str, Any]]
) -> None:
    """Write the moved columns of many filings with the same optimistic version check the
    ORM makes one row at a time: one UPDATE per set of identical new values (a surge of
    one event has one), matching rows by (id, version)."""
    if len(filings) == 1:
        _write_one(session, filings[0], moved[0])
        return
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, values in enumerate(moved):
        groups.setdefault(tuple(values[name] for name in _MOVED), []).append(index)
    for key, indexes in groups.items():
        matches = [(filings[i].id, int(filings[i].version)) for i in indexes]
        result = session.execute(
            update(_FILINGS)
            # The ids alone first: the primary key finds the rows. SQLite cannot search
            # an index by a list of pairs, and walked the whole table instead.
            .where(_FILINGS.c.id.in_([filing_id for filing_id, _ in matches]))
            .where(tuple_(_FILINGS.c.id, _FILINGS.c.version).in_(matches))
            .values(version=_FILINGS.c.version + 1, **dict(zip(_MOVED, key, strict=True)))
        )
        written = cast(CursorResult[Any], result).rowcount
        if written != len(matches):
            raise StaleDataError(
                f"{len(matches) - written} of {len(matches)} filings changed meanwhile"
            )
    for filing, values in zip(filings, moved, strict=True):
        for name, value in values.items():  # what the ORM would have flushed is now stored
            set_committed_value(filing, name, value)
        set_committed_value(filing, "version", filing.version + 1)


@functools.cache
def _write_one_statement(names: tuple[str, ...]) -> Direct:
    """A person's action moves one filing: a plain (id, version) test, built and compiled
    once per set of columns (the IN of pairs above is expanded on every execution)."""
    return Direct(
        update(_FILINGS)
        .where(_FILINGS.c.id == bindparam("filing_id"),
               _FILINGS.c.version == bindparam("expected_version"))
        .values(version=_FILINGS.c.version + 1,
                **{name: bindparam(f"new_{name}") for name in names})
    )


def _write_one(session: Session, filing: Filing, values: dict[str, Any]) -> None:
    """`_write_together` for one filing; `values` may name columns besides `_MOVED`."""
    written = _write_one_statement(tuple(values)).send(session, {
        "filing_id": filing.id, "expected_version": filing.version,
        **{f"new_{name}": value for name, value in values.items()},
    })

    def check() -> None:
        if written.rowcount != 1:
            raise StaleDataError("the filing changed meanwhile")

    direct.after(session, check)
    for name, value in values.items():
        set_committed_value(filing, name, value)
    set_committed_value(filing, "version", filing.version + 1)


def _target(filing: Filing, event: Event) -> Status:
    try:
        return transition(filing.status, event)
    except IllegalTransition as error:
        raise IllegalMove(error) from None


def require_move(filing: Filing, event: Event) -> None:
    """Raise IllegalMove unless `event` is allowed now; changes nothing."""
    _target(filing, event)


def describe(record: FilingEvent) -> str:
    """A one-line Chinese description of a history row."""
    event = EVENT_LABELS.get(Event(record.event), record.event)
    target = STATUS_LABELS.get(Status(record.to_status), record.to_status)
    return f"{event} → {target}"


def _moved_values(
    status: Status, now: datetime, calendar: Callable[[], WorkCalendar]
) -> dict[str, Any]:
    """The columns a move into `status` at `now` sets (those of `_MOVED`)."""
    deadline_at, provisional = _deadline(status, now, calendar)
    return {"status": status.value, "stage_started_at": now, "updated_at": now,
            "overdue": False, "claimed_by": None, "claimed_at": None,
            "deadline_at": deadline_at, "deadline_provisional": provisional}


def _deadline(
    status: Status, now: datetime, calendar: Callable[[], WorkCalendar]
) -> tuple[datetime | None, bool]:
    """When the step `status` must be done by, and whether that is provisional."""
    step = DEADLINES.get(status)
    if step is None:
        return None, False
    if step.hours:
        return now + timedelta(hours=step.hours), False
    deadline = calendar().deadline(now, step.workdays)
    return deadline.at, deadline.provisional


def _arm(session: Session, filings: list[Filing], targets: list[Status], now: datetime) -> None:
    armings = []
    for filing, status in zip(filings, targets, strict=True):
        if filing.deadline_at is None:
            continue
        payload = {"status": status.value, "deadline_at": filing.deadline_at.isoformat()}
        for kind in STEP_TIMERS.get(status, ()):
            due = (
                filing.deadline_at - SMS_REMINDER_BEFORE
                if kind == "sms_reminder"
                else filing.deadline_at
            )
            armings.append(timers.Arming(kind, filing.id, due, payload))
    timers.schedule_many(session, armings, now=now)


def _disarm(
    session: Session, filings: list[Filing], sources: list[Status], now: datetime
) -> None:
    # One statement per source status: a filing's live timers are those of its status.
    by_status: dict[Status, list[str]] = {}
    for filing, status in zip(filings, sources, strict=True):
        by_status.setdefault(status, []).append(filing.id)
    for status, keys in by_status.items():
        timers.cancel_many(session, kinds=STEP_TIMERS.get(status, ()), keys=keys, now=now)
