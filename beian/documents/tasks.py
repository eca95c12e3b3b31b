"""Background work of this feature: the OCR cross-check, run by the worker."""

from __future__ import annotations

from sqlalchemy.orm import Session

from beian.clock import Clock
from beian.config import load_settings
from beian.documents.models import Media
from beian.documents.storage import Storage, default_storage
from beian.timers import service as timers
from beian.timers.models import Timer

_storage: Storage | None = None


def use_storage(storage: Storage | None) -> None:
    """Set the storage the worker reads documents from (None: the configured directory)."""
    global _storage
    _storage = storage


def storage() -> Storage:
    """The storage in use: the one set with `use_storage`, else the encrypted default."""
    return _storage if _storage is not None else default_storage(load_settings())


@timers.handler("document_ocr")
def run_document_ocr(session: Session, timer: Timer, clock: Clock) -> None:
    """Read the media named by the timer's key and store the cross-check on its row."""
    media = session.get(Media, timer.key)
    if media is None:
        return  # Deleted since it was scheduled: nothing left to read.
    payload = timer.payload or {}
    # Timers armed before the typed values moved onto the row still carry them.
    expected = media.ocr_expected if media.ocr_expected is not None else payload.get("expected")
    # Imported here: OpenCV and the OCR engine take a second to load, which every
    # `beian tick` and worker start would pay for nothing when no OCR is due.
    from beian.documents import ocr

    result = ocr.cross_check(storage().get(media.storage_key), payload["kind"],
                             expected or {}, media.field)
    media.ocr_findings = result.to_dict()
    media.ocr_checked_at = clock.now()
