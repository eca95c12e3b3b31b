"""Timer handlers of face-check tasks, run by the worker when due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from beian.clock import Clock
from beian.documents import tasks as documents
from beian.documents.models import Media
from beian.documents.storage import Storage
from beian.facecheck.service import EXPIRY_TIMER, PHOTO_DELETION_TIMER, expire_due, get_task
from beian.timers.models import Timer
from beian.timers.service import handler


@handler(EXPIRY_TIMER)
def expire_tasks(session: Session, timer: Timer, clock: Clock) -> None:
    """Mark tasks whose 3-day life is over expired (idempotent; a late timer is harmless)."""
    expire_due(session, now=clock.now())


@handler(PHOTO_DELETION_TIMER)
def delete_face_photo(session: Session, timer: Timer, clock: Clock) -> None:
    """Delete the photo of a decided task once its retention period is over."""
    delete_photo(session, timer.key, storage=documents.storage(), now=clock.now())


def delete_photo(session: Session, task_id: str, *, storage: Storage, now: datetime) -> bool:
    """Delete the task's photo file and media row; False when there was nothing to delete.

    The file goes first: if the transaction then rolls back, the row is left pointing at
    nothing and the retried timer finishes the job (deleting a missing file is a no-op).
    """
    task = get_task(session, task_id)
    if task is None or task.photo_deleted_at is not None:
        return False
    media_id = (task.result or {}).get("media_id")
    media = session.get(Media, media_id) if isinstance(media_id, str) else None
    if media is not None and media.kind != "photo":
        media = None  # only ever a face photo: never another upload named by mistake
    if media is not None:
        storage.delete(media.storage_key)
        session.delete(media)
    task.photo_deleted_at = now
    session.flush()
    return media is not None
