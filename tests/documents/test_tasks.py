"""The document_ocr timer handler stores the cross-check on the media row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from beian.clock import FixedClock
from beian.documents import ocr, tasks
from beian.documents.models import Media
from beian.documents.service import schedule_ocr, store_upload
from beian.documents.storage import LocalStorage
from beian.timers import service as timers
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers

FIELD = "icp_subject.principal_info.certificate_photo_front"


@pytest.fixture
def worker_storage(storage: LocalStorage) -> Iterator[LocalStorage]:
    tasks.use_storage(storage)
    yield storage
    tasks.use_storage(None)


def test_handler_is_registered() -> None:
    assert timers.handler_for("document_ocr") is tasks.run_document_ocr


def test_handler_writes_findings_for_a_mismatch(
    db: Session, worker_storage: LocalStorage, clock: FixedClock, monkeypatch
) -> None:
    # The OCR engine itself is tested in test_ocr; here the lines it would read are given.
    monkeypatch.setattr(
        ocr, "read_lines", lambda image, threads=1: ["姓名张三丰", "公民身份号码11010519491231002X"]
    )
    media = store_upload(
        db,
        worker_storage,
        owner_key="a",
        field=FIELD,
        filename="x.png",
        data=faces.encode(papers.id_card_front(), "png"),
        now=clock.now(),
    )
    assert isinstance(media, Media)
    schedule_ocr(
        db,
        media=media,
        kind="id_card_front",
        now=clock.now(),
        expected={"name": "张三", "certificate_number": "11010519491231002X"},
    )
    db.commit()
    [timer] = timers.pending(db, kind="document_ocr")
    clock.advance(minutes=1)
    tasks.run_document_ocr(db, timer, clock)
    db.commit()
    row = db.get(Media, media.id)
    assert row is not None and row.ocr_checked_at == clock.now()
    assert row.ocr_findings["read"] == {
        "name": "张三丰",
        "certificate_number": "11010519491231002X",
    }
    [finding] = row.ocr_findings["findings"]
    assert finding["err_field"] == FIELD and finding["severity"] == "warning"
    assert "张三丰" in finding["errmsg"] and "张三" in finding["errmsg"]


def test_handler_ignores_deleted_media(db: Session, clock: FixedClock) -> None:
    timer = timers.schedule(
        db,
        kind="document_ocr",
        key="gone",
        due_at=clock.now(),
        now=clock.now(),
        payload={"kind": "id_card_front", "expected": {}},
    )
    tasks.run_document_ocr(db, timer, clock)  # no error, nothing to do
