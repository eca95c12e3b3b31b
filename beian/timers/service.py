"""Schedule, cancel and run durable timers.

A timer is identified by (kind, key); scheduling the same pair again moves its due time
instead of adding a second row, so at most one live timer exists per pending deadline.
Handlers are registered per kind and must be idempotent: a worker that dies after the
handler's transaction committed never runs it twice, because firing and the handler's
effects commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beian.clock import Clock, as_utc
from beian.timers.models import Timer

Handler = Callable[[Session, Timer, Clock], None]
# Runs many due timers of one kind together (set-based), for deadline surges; the worker
# falls back to the one-by-one handler if the batch fails, to isolate a bad timer.
BatchHandler = Callable[[Session, list[Timer], Clock], None]
_HANDLERS: dict[str, Handler] = {}
_BATCH_HANDLERS: dict[str, BatchHandler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs timers of `kind`."""

    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        return function

    return register


def batch_handler(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register the function that runs a batch of due `kind` timers at once."""

    def register(function: BatchHandler) -> BatchHandler:
        _BATCH_HANDLERS[kind] = function
        return function

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def batch_handler_for(kind: str) -> BatchHandler | None:
    return _BATCH_HANDLERS.get(kind)


def schedule(
    session: Session,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Create the (kind, key) timer, or re-arm it with a new due time."""
    return schedule_many(session, [Arming(kind, key, due_at, payload or {})], now=now)[0]


@dataclass(frozen=True)
class Arming:
    """One timer to (re-)arm: kind, key, due time and payload."""

    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]


def schedule_many(session: Session, armings: list[Arming], *, now: datetime) -> list[Timer]:
    """Create or re-arm every (kind, key) timer named, with one read of those that exist."""
    if not armings:
        return []
    existing = {
        (timer.kind, timer.key): timer
        for timer in session.scalars(
            select(Timer).where(
                Timer.kind.in_({a.kind for a in armings}),
                Timer.key.in_({a.key for a in armings}),
            )
        )
    }
    armed = []
    for arming in armings:
        timer = existing.get((arming.kind, arming.key))
        if timer is None:
            timer = Timer(kind=arming.kind, key=arming.key, created_at=now, attempts=0)
            existing[(arming.kind, arming.key)] = timer
            session.add(timer)
        timer.due_at = as_utc(arming.due_at)
        timer.payload = arming.payload
        timer.fired_at = None
        timer.cancelled_at = None
        timer.last_error = None
        armed.append(timer)
    session.flush()
    return armed


def cancel(session: Session, *, kind: str, key: str, now: datetime) -> None:
    """Disarm the (kind, key) timer if it is pending."""
    cancel_many(session, kinds=(kind,), keys=[key], now=now)


def cancel_many(
    session: Session, *, kinds: Iterable[str], keys: Iterable[str], now: datetime
) -> None:
    """Disarm every pending timer of these kinds for these keys, in one statement."""
    kinds, keys = list(kinds), list(keys)
    if not kinds or not keys:
        return
    session.execute(
        update(Timer)
        .where(
            Timer.kind.in_(kinds),
            Timer.key.in_(keys),
            Timer.fired_at.is_(None),
            Timer.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session="fetch")
    )


def pending(session: Session, *, kind: str | None = None) -> list[Timer]:
    """Live timers, soonest first."""
    query = select(Timer).where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
    if kind is not None:
        query = query.where(Timer.kind == kind)
    return list(session.scalars(query.order_by(Timer.due_at, Timer.id)))


def claim_due(session: Session, *, now: datetime, limit: int) -> list[Timer]:
    """Lock up to `limit` due timers for this transaction (others skip them on PostgreSQL)."""
    query = (
        select(Timer)
        .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
