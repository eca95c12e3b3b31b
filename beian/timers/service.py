"""Schedule, cancel and run durable timers.

A timer is identified by (kind, key); scheduling the same pair again moves its due time
instead of adding a second row, so at most one live timer exists per pending deadline.
Handlers are registered per kind and must be idempotent: a worker that dies after the
handler's transaction committed never runs it twice, because firing and the handler's
effects commit together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from beian.clock import Clock, as_utc
from beian.db.multirow import direct_multi_row_insert, multi_row_values
from beian.timers.models import Timer

Handler = Callable[[Session, Timer, Clock], None]
# Runs many due timers of one kind together (set-based), for deadline surges; the worker
# falls back to the one-by-one handler if the batch fails, to isolate a bad timer.
BatchHandler = Callable[[Session, list[Timer], Clock], None]
_HANDLERS: dict[str, Handler] = {}
_TIMERS = cast(Table, Timer.__table__)
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
    schedule_many(session, [Arming(kind, key, due_at, payload or {})], now=now)
    return session.scalars(select(Timer).where(Timer.kind == kind, Timer.key == key)).one()


@dataclass(frozen=True)
class Arming:
    """One timer to (re-)arm: kind, key, due time and payload."""

    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]


def schedule_many(session: Session, armings: list[Arming], *, now: datetime) -> None:
    """Create or re-arm every (kind, key) timer named, in one statement (an upsert)."""
    if not armings:
        return
    # One row per (kind, key), the last arming winning as if armed one after another:
    # an upsert may not meet the same row twice.
    rows = list({
        (a.kind, a.key): {
            "kind": a.kind, "key": a.key, "due_at": as_utc(a.due_at), "payload": a.payload,
            "created_at": now, "attempts": 0, "fired_at": None, "cancelled_at": None,
            "last_error": None}
        for a in armings
    }.values())
    dialect = session.get_bind().dialect.name
    if len(rows) <= _FEW:  # a person's action arms one or two: one statement, in its batch
        direct_multi_row_insert(
            _TIMERS, _COLUMNS, len(rows), replace_on=("kind", "key"), replacing=_REARMED,
        ).send(session, multi_row_values(_COLUMNS, rows))
    else:
        session.execute(_upsert(dialect), rows)
    # Timers of these names already loaded in the session now show the old row: reload.
    armed = {(a.kind, a.key) for a in armings}
    for loaded in list(session.identity_map.values()):
        values = loaded.__dict__  # what is loaded, without loading what is not
        if isinstance(loaded, Timer) and (values.get("kind"), values.get("key")) in armed:
            session.expire(loaded)


# Up to this many timers are armed by one multi-row statement (beian.db.direct).
_FEW = 4
_COLUMNS = ("kind", "key", "due_at", "payload", "created_at", "fired_at", "cancelled_at",
            "attempts", "last_error")
# What re-arming a (kind, key) timer replaces; the upsert of many below says the same.
_REARMED = ("due_at", "payload", "fired_at", "cancelled_at", "last_error")


@functools.cache
def _upsert(dialect: str) -> Any:
    """schedule_many's statement, built once per dialect (building it, `excluded` columns
    and all, cost more than running it)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(_TIMERS)
    rearm = {name: statement.excluded[name] for name in _REARMED}
    return statement.on_conflict_do_update(index_elements=["kind", "key"], set_=rearm)


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


def mark_fired(session: Session, fired: list[Timer], *, now: datetime) -> None:
    """Record these claimed timers as fired, in one statement."""
    if not fired:
        return
    session.execute(
        update(_TIMERS).where(_TIMERS.c.id.in_([timer.id for timer in fired])).values(fired_at=now)
    )
    for timer in fired:  # the loaded rows say what the database now says
        set_committed_value(timer, "fired_at", now)
