"""The face-check task of a mini-program principal, referred to by a filing's verify_task_id."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from beian.db import Base
from beian.db.types import UtcDateTime


class FaceTaskStatus(StrEnum):
    PENDING = "pending"  # waiting for the principal's photo
    REVIEW = "review"  # photo taken; a human must judge what the checks could not
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"


class FaceTask(Base):
    """One face check: the link lives 24 h, the task (and a pass) 3 days."""

    __tablename__ = "face_tasks"
    __table_args__ = (Index("ix_face_tasks_status_expires_at", "status", "expires_at"),)

    # An unguessable token: it is the link the principal opens, so it must not be enumerable.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=FaceTaskStatus.PENDING.value)
    applicant_key: Mapped[str] = mapped_column(String(120), index=True)
    principal_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    notified_at: Mapped[datetime] = mapped_column(UtcDateTime())
    notify_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    photo_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    reviewer: Mapped[str | None] = mapped_column(String(120), default=None)
    # The filed record this check was started for, to go into a change of it (None for a
    # draft's check or one created through createFaceTask). Only a look-up key, not a
    # foreign key: facecheck sits below filings, and the record is never touched by it.
    record_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # When the retention period ended and the photo (result["media_id"]) was deleted.
    photo_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
