"""Schedule, cancel and run durable timers.

A timer is identified by (kind, key); scheduling the same pair again moves its due time
instead of adding a second row, so at most one live timer exists per pending deadline.
Handlers are registered per kind and must be idempotent: a worker that dies after the
handler's transaction committed never runs it twice, because firing and the handler's
effects commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.clock import Clock, as_utc
from beian.timers.models import Timer

Handler = Callable[[Session, Timer, Clock], None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs timers of `kind`."""

    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        return function

    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


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
    timer = session.scalars(select(Timer).where(Timer.kind == kind, Timer.key == key)).first()
    if timer is None:
        timer = Timer(kind=kind, key=key, created_at=now, attempts=0)
        session.add(timer)
    timer.due_at = as_utc(due_at)
    timer.payload = payload or {}
    timer.fired_at = None
    timer.cancelled_at = None
    timer.last_error = None
    session.flush()
    return timer


def cancel(session: Session, *, kind: str, key: str, now: datetime) -> None:
    """Disarm the (kind, key) timer if it is pending."""
    timer = session.scalars(select(Timer).where(Timer.kind == kind, Timer.key == key)).first()
    if timer is not None and timer.fired_at is None and timer.cancelled_at is None:
        timer.cancelled_at = now


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
