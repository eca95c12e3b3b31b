"""Timer handlers of face-check tasks, run by the worker when due."""

from __future__ import annotations

from sqlalchemy.orm import Session

from beian.clock import Clock
from beian.facecheck.service import EXPIRY_TIMER, expire_due
from beian.timers.models import Timer
from beian.timers.service import handler


@handler(EXPIRY_TIMER)
def expire_tasks(session: Session, timer: Timer, clock: Clock) -> None:
    """Mark tasks whose 3-day life is over expired (idempotent; a late timer is harmless)."""
    expire_due(session, now=clock.now())
