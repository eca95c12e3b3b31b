"""The worker: fires due timers and delivers the outbox, idempotently.

Any number of workers may run against PostgreSQL (rows are claimed with
FOR UPDATE SKIP LOCKED); on SQLite every transaction takes the write lock first. A batch
of timers is handled in one transaction. Timers of a kind with a batch handler (SMS
windows closing in a surge) run together in one savepoint; the others, and every timer
of a batch that failed, run each in its own savepoint, so a failing handler is retried
later with backoff while the others commit. A worker killed mid-batch leaves every row
of the batch to be claimed again.

The in-site messages (and local texts) a batch queues are delivered in the batch's own
transaction (`deliver_in_place`): no other worker can see those rows before the commit,
so they need no lease; the outbox delivers the rest, and these too if that step fails.

Audit entries of a batch are appended just before it commits (`audit.appended_last`):
the chain's lock is held from the append to the commit, so two workers firing a surge
queue on it only for that moment, not for the whole batch.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from beian.audit import service as audit
from beian.clock import Clock
from beian.crypto.redact import redact
from beian.db import transaction
from beian.notifications.channels import Channels
from beian.notifications.service import deliver_due, deliver_in_place, queued_here
from beian.testing import faults
from beian.timers.models import Timer
from beian.timers.service import batch_handler_for, claim_due, handler_for, mark_fired

log = logging.getLogger("beian.worker")

# Modules whose import registers timer handlers.
TASK_MODULES = (
    "beian.filings.tasks",
    "beian.facecheck.tasks",
    "beian.documents.tasks",
    "beian.maintenance",
)
MAX_TIMER_ATTEMPTS = 8
# Due rows taken per transaction: large enough that a surge is handled set-wise, small
# enough that a failed batch retried one by one stays cheap.
BATCH = 500


@dataclass
class WorkerStats:
    timers_fired: int = 0
    timers_failed: int = 0
    messages: dict[str, int] = field(default_factory=dict)

    def busy(self) -> bool:
        return bool(self.timers_fired or self.timers_failed or any(self.messages.values()))


def load_task_modules() -> None:
    """Import every module that registers timer handlers."""
    for name in TASK_MODULES:
        importlib.import_module(name)


def fire_due_timers(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    batch: int = BATCH,
    channels: Channels | None = None,
) -> WorkerStats:
    """Run one batch of due timers; with `channels`, the in-site messages they queue are
    delivered in the same transaction (`deliver_in_place`), the rest by the outbox."""
    stats = WorkerStats()
    now = clock.now()
    with (
        transaction(sessions) as session,
        audit.appended_last(session),
        queued_here(session) as queued,
    ):
        by_kind: dict[str, list[Timer]] = {}
        for timer in claim_due(session, now=now, limit=batch):
            by_kind.setdefault(timer.kind, []).append(timer)
        for kind, group in by_kind.items():
            if len(group) > 1 and _fire_together(session, kind, group, clock, now):
                stats.timers_fired += len(group)
                continue
            for timer in group:
                if _fire_one(session, timer, clock, now):
                    stats.timers_fired += 1
                else:
                    stats.timers_failed += 1
        if channels is not None and queued:
            in_place = deliver_in_place(session, channels=channels, queued=queued, now=now)
            stats.messages = {"delivered": in_place} if in_place else {}
    faults.point("timers_committed")
    return stats


def _fire_together(
    session: Session, kind: str, group: list[Timer], clock: Clock, now: datetime
) -> bool:
    """Run a kind's batch handler over the group; False (nothing kept) if it failed."""
    run_many = batch_handler_for(kind)
    if run_many is None:
        return False
    try:
        with audit.savepoint(session):
            run_many(session, group, clock)
            mark_fired(session, group, now=now)
    except Exception as error:  # retried one by one, which isolates the bad timer
        for timer in group:  # claimed unfired; the savepoint's UPDATE was rolled back
            set_committed_value(timer, "fired_at", None)
        log.info("timer batch of %s %s failed (%s); firing one by one",
                 len(group), kind, type(error).__name__)
        return False
    faults.point("timer_handled")
    return True


def _fire_one(session: Session, timer: Timer, clock: Clock, now: datetime) -> bool:
    run = handler_for(timer.kind)
    try:
        with audit.savepoint(session):
            if run is None:
                raise LookupError(f"no handler for timer kind {timer.kind!r}")
            run(session, timer, clock)
        timer.fired_at = now
        faults.point("timer_handled")
        return True
    except Exception as error:  # one bad timer must not stop the others
        timer.attempts += 1
        timer.last_error = redact(f"{type(error).__name__}: {error}")[:500]
        if timer.attempts >= MAX_TIMER_ATTEMPTS:
            timer.cancelled_at = now
        else:
            timer.due_at = now + timedelta(minutes=2**timer.attempts)
        log.warning("timer %s %s failed: %s", timer.kind, timer.id, type(error).__name__)
        return False


def run_once(
    sessions: sessionmaker[Session], clock: Clock, channels: Channels, *, batch: int = BATCH
) -> WorkerStats:
    """Fire due timers and deliver due messages until nothing more is due right now."""
    total = WorkerStats()
    while True:
        stats = fire_due_timers(sessions, clock, batch=batch, channels=channels)
        delivered = _as_counts(deliver_due(sessions, clock=clock, channels=channels,
                                           limit=batch))
        total.timers_fired += stats.timers_fired
        total.timers_failed += stats.timers_failed
        for counts in (stats.messages, delivered):
            for key, value in counts.items():
                total.messages[key] = total.messages.get(key, 0) + value
        if stats.timers_fired < batch and sum(delivered.values()) < batch:
            return total


def run_forever(
    sessions: sessionmaker[Session], clock: Clock, channels: Channels, *, interval: float
) -> None:
    """Poll for due work until interrupted."""
    while True:
        stats = run_once(sessions, clock, channels)
        if stats.busy():
            log.info("worker: %s", stats)
        time.sleep(interval)


def _as_counts(delivered: object) -> dict[str, int]:
    if isinstance(delivered, dict):
        return {str(k): int(v) for k, v in delivered.items()}
    if hasattr(delivered, "__dataclass_fields__"):
        return {name: int(getattr(delivered, name)) for name in delivered.__dataclass_fields__}
    return {"delivered": int(delivered)}  # type: ignore[call-overload]
