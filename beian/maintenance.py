"""Purge finished timer and outbox rows, so dead rows do not pile up in the hot tables.

Fired or cancelled timers and delivered or skipped outbox rows are kept for a retention
period (for `beian outbox list` and for looking into what happened) and then deleted in
small batches, each its own short transaction, so a purge never holds locks for long nor
bloats one transaction. Pending and dead rows are never touched: dead messages wait for an
operator (`beian outbox retry`). The filing history and the audit log keep the record of
every move; these rows are only the machinery that carried it out.

The same hourly run erases the personal data of filings left alone past their own
retention (beian.filings.retention), and on SQLite refreshes the query planner's
statistics (PostgreSQL's autovacuum keeps its own).

Wiring: `schedule_purge` arms a `maintenance_purge` timer; when it fires, the handler
purges one batch of each table and arms the next run, keyed by its hour, so however many
workers run, one purge happens per interval (a timer's (kind, key) is unique).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import Clock, as_utc
from beian.db import transaction
from beian.documents import tasks as documents
from beian.filings import retention
from beian.notifications.models import DELIVERED, SKIPPED, InboxMessage, OutboxMessage
from beian.timers import service as timers
from beian.timers.models import Timer

DEFAULT_RETENTION = timedelta(days=30)
PURGE_INTERVAL = timedelta(hours=1)
BATCH = 5_000
PURGE_KIND = "maintenance_purge"
# Rows ANALYZE samples per index: approximate statistics in milliseconds, whatever the
# size of the database (SQLite's own advice for a periodic `PRAGMA optimize`).
ANALYSIS_LIMIT = 1_000


@dataclass
class PurgeStats:
    """Rows deleted by one purge."""

    timers: int = 0
    outbox: int = 0


def purge_finished(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    retention: timedelta = DEFAULT_RETENTION,
    batch: int = BATCH,
) -> PurgeStats:
    """Delete timers finished and outbox rows delivered or skipped before now - retention."""
    if retention < timedelta(0) or batch < 1:
        raise ValueError("retention must not be negative and batch must be at least 1")
    cutoff = as_utc(now) - retention
    total = PurgeStats()
    while True:
        with transaction(sessions) as session:
            stats = purge_batch(session, cutoff=cutoff, batch=batch)
        total.timers += stats.timers
        total.outbox += stats.outbox
        if stats.timers < batch and stats.outbox < batch:
            return total


def purge_batch(session: Session, *, cutoff: datetime, batch: int = BATCH) -> PurgeStats:
    """Delete up to `batch` finished rows of each table in the caller's transaction."""
    finished_timers = or_(Timer.fired_at < cutoff, Timer.cancelled_at < cutoff)
    timer_ids = list(session.scalars(select(Timer.id).where(finished_timers).limit(batch)))
    if timer_ids:
        session.execute(delete(Timer).where(Timer.id.in_(timer_ids)))
    done = select(OutboxMessage.id).where(
        OutboxMessage.status.in_([DELIVERED, SKIPPED]), OutboxMessage.finished_at < cutoff
    )
    outbox_ids = list(session.scalars(done.limit(batch)))
    if outbox_ids:
        # The inbox message is the user's copy and stays; only its link to the row goes.
        session.execute(
            update(InboxMessage)
            .where(InboxMessage.outbox_id.in_(outbox_ids))
            .values(outbox_id=None)
        )
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids)))
    return PurgeStats(timers=len(timer_ids), outbox=len(outbox_ids))


def schedule_purge(session: Session, *, now: datetime) -> Timer:
    """Arm the purge for the start of the next hour (idempotent per hour)."""
    due = as_utc(now).replace(minute=0, second=0, microsecond=0) + PURGE_INTERVAL
    return timers.schedule(
        session, kind=PURGE_KIND, key=due.strftime("%Y-%m-%dT%H:00Z"), due_at=due, now=now
    )


@timers.handler(PURGE_KIND)
def run_purge(session: Session, timer: Timer, clock: Clock) -> None:
    """Timer handler: purge one batch of each table, erase the personal data of one batch
    of filings past their retention, then arm the next hour's run."""
    now = clock.now()
    purge_batch(session, cutoff=now - DEFAULT_RETENTION)
    kept_for = retention.personal_data_retention()
    if kept_for is not None:
        retention.erase_expired(session, now=now, retention=kept_for,
                                storage=documents.storage())
    refresh_planner_statistics(session)
    schedule_purge(session, now=now)


def refresh_planner_statistics(session: Session) -> None:
    """On SQLite, let `PRAGMA optimize` gather the statistics that tell the query planner
    a selective index from a poor one, for the tables that need it.

    Without them SQLite guesses, and can walk a whole index where a few rows would do
    (the pre-check's read-ahead once went through every live filing). The hot statements
    are written so that they do not depend on this; the rest of the queries gain from it.
    PostgreSQL gathers its own (autovacuum's ANALYZE).
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
    session.execute(text("PRAGMA optimize"))
