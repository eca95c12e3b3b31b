"""store_upload: accepted uploads get a row and a file; refusals leave nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beian.clock import FixedClock
from beian.core.findings import Finding
from beian.documents.models import Media
from beian.documents.service import ocr_kind_for_field, schedule_ocr, store_upload
from beian.documents.storage import LocalStorage
from beian.timers import service as timers
from tests.documents import face_photos as faces
from tests.documents import malicious
from tests.documents import paper_photos as papers
from tests.documents.conftest import stored_files

LICENCE_FIELD = "icp_subject.organize_info.certificate_photo"


def upload(
    db: Session,
    storage: LocalStorage,
    clock: FixedClock,
    field: str,
    data: bytes,
    filename: str = "upload.jpg",
) -> Media | list[Finding]:
    return store_upload(
        db,
        storage,
        owner_key="applicant-1",
        field=field,
        filename=filename,
        data=data,
        now=clock.now(),
    )


def media_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Media)) or 0


def test_accepted_certificate_is_stored_with_its_report(
    db: Session, storage: LocalStorage, clock: FixedClock
) -> None:
    media = upload(db, storage, clock, LICENCE_FIELD, faces.encode(papers.business_licence()))
    assert isinstance(media, Media)
    db.commit()
    row = db.get(Media, media.id)
    assert row is not None and row.content_type == "image/jpeg" and row.kind == "certificate"
    stored = storage.get(row.storage_key)
    assert row.sha256 == hashlib.sha256(stored).hexdigest() and row.size == len(stored)
    assert (row.width, row.height) == (1280, 1800)
    assert row.check_report["verdict"] == "pass"
    assert row.storage_key.startswith(row.id[:2] + "/") and "upload" not in row.storage_key


@pytest.mark.parametrize(
    ("data", "errcode"),
    [
        (malicious.pdf(), 6002),
        (b"<svg onload=alert(1)>", 6002),
        (malicious.png_bomb(), 6004),
    ],
)
def test_refused_upload_leaves_nothing_behind(
    db: Session, storage: LocalStorage, clock: FixedClock, data: bytes, errcode: int
) -> None:
    found = upload(db, storage, clock, LICENCE_FIELD, data)
    assert isinstance(found, list)
    assert [(f.errcode, f.err_field, f.severity) for f in found] == [
        (errcode, LICENCE_FIELD, "error")
    ]
    assert found[0].errmsg and found[0].suggest
    db.commit()
    assert media_count(db) == 0
    assert stored_files(storage.root) == []


def test_grey_photocopy_is_refused_with_the_reason(
    db: Session, storage: LocalStorage, clock: FixedClock
) -> None:
    grey = faces.encode(faces.grey(papers.business_licence()))
    found = upload(db, storage, clock, LICENCE_FIELD, grey)
    assert isinstance(found, list) and [f.errcode for f in found] == [6102]
    assert "彩色" in found[0].suggest
    assert stored_files(storage.root) == [] and media_count(db) == 0


def test_field_without_uploads_is_refused(
    db: Session, storage: LocalStorage, clock: FixedClock
) -> None:
    found = upload(db, storage, clock, "icp_subject.base_info.name", b"%PDF-")
    assert isinstance(found, list) and found[0].errcode == 6000


def test_file_is_removed_when_the_row_cannot_be_written(
    db: Session, storage: LocalStorage, clock: FixedClock, monkeypatch
) -> None:
    def broken_flush(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(db, "flush", broken_flush)
    with pytest.raises(RuntimeError):
        upload(db, storage, clock, "icp_materials.commitment_letter", malicious.pdf())
    assert stored_files(storage.root) == []


def test_schedule_ocr_arms_one_timer_with_the_typed_values(
    db: Session, storage: LocalStorage, clock: FixedClock
) -> None:
    media = upload(db, storage, clock, LICENCE_FIELD, faces.encode(papers.business_licence()))
    assert isinstance(media, Media)
    for name in ("旧名称", "北京星河科技有限公司"):
        schedule_ocr(
            db,
            media=media,
            kind="business_licence",
            expected={"name": name, "certificate_number": None},
            now=clock.now(),
        )
    db.commit()
    [timer] = timers.pending(db, kind="document_ocr")
    assert timer.key == media.id
    assert timer.payload == {"kind": "business_licence"}
    # The typed values wait on the row (encrypted there), not in the plain timer payload.
    assert db.get(Media, media.id).ocr_expected == {"name": "北京星河科技有限公司"}


def test_unknown_ocr_kind_is_an_error(db: Session) -> None:
    with pytest.raises(ValueError, match="unknown OCR kind"):
        schedule_ocr(
            db,
            media=Media(id="x"),
            kind="passport",
            expected={},
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )


@pytest.mark.parametrize(
    ("field", "certificate_type", "kind"),
    [
        ("icp_subject.principal_info.certificate_photo_front", 2, "id_card_front"),
        ("icp_applets.principal_info.certificate_photo_back", 2, "id_card_back"),
        ("icp_subject.principal_info.certificate_photo_front", 3, None),
        (LICENCE_FIELD, None, "business_licence"),
    ],
)
def test_ocr_kind_for_field(field: str, certificate_type: int | None, kind: str | None) -> None:
    assert ocr_kind_for_field(field, certificate_type) == kind
