"""The timers table: one row per pending deadline or background job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from beian.db import Base
from beian.db.types import UtcDateTime


class Timer(Base):
    """A thing to do at or after `due_at`; `key` makes scheduling idempotent per kind."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_timers_kind_key"),
        # Partial: only live timers. Fired and cancelled rows stay in the table for good,
        # and a full index made every claim step over all of them first.
        Index("ix_timers_pending_due", "due_at", "id",
              postgresql_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
              sqlite_where=text("fired_at IS NULL AND cancelled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
