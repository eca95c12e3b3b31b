"""The documents service: accept uploads through the gate, check them, schedule OCR."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from beian.core.findings import ERROR, Finding
from beian.documents import gate
from beian.documents.checks import check_certificate_photo
from beian.documents.errors import Refusal
from beian.documents.models import Media
from beian.documents.ocr import FIELDS as OCR_FIELDS
from beian.documents.storage import Storage, new_key, new_media_id
from beian.timers import service as timers

OCR_TIMER = "document_ocr"


def store_upload(
    session: Session,
    storage: Storage,
    *,
    owner_key: str,
    field: str,
    filename: str,
    data: bytes,
    now: datetime,
    limits: gate.Limits | None = None,
) -> Media | list[Finding]:
    """Accept an upload for `field` and return its media row, or the findings refusing it.

    The file name is not trusted or kept; only the bytes decide. A refusal leaves no file
    and no row; if the database step fails after the file was written, the file is removed.
    """
    del filename  # The content decides the type; the name may lie and may name a person.
    kind = gate.kind_for_field(field)
    if kind is None:
        return [Finding(6000, field, "该字段不接受上传文件", "请检查上传的目标字段", ERROR)]
    try:
        cleaned = gate.inspect(kind, data, limits)
    except Refusal as refusal:
        return [refusal.finding(field)]
    report = None
    if kind == "certificate":
        result = check_certificate_photo(cleaned.data)
        report = result.to_dict()
        failed = [c for c in result.components if c.result == "fail"]
        if failed:
            return [Finding(6100 + _DOCUMENT_CODES.get(c.name, 99), field,
                            f"证件照片未通过检查：{c.name} = {c.to_dict()['value']}"
                            f"（要求 {c.threshold}）", c.hint, ERROR) for c in failed]
    media_id = new_media_id()
    media = Media(
        id=media_id, owner_key=owner_key, field=field, kind=kind,
        content_type=cleaned.content_type, size=len(cleaned.data), width=cleaned.width,
        height=cleaned.height, pages=cleaned.pages,
        sha256=hashlib.sha256(cleaned.data).hexdigest(),
        storage_key=new_key(media_id, cleaned.extension), created_at=now, check_report=report,
    )
    storage.put(media.storage_key, cleaned.data)
    try:
        session.add(media)
        session.flush()
    except BaseException:
        storage.delete(media.storage_key)
        raise
    return media


_DOCUMENT_CODES = {"ImageReadable": 0, "Resolution": 1, "Colour": 2, "Sharpness": 3,
                   "ContentPresent": 4}


def schedule_ocr(
    session: Session,
    *,
    media: Media,
    kind: str,
    expected: dict[str, Any],
    now: datetime,
) -> None:
    """Ask the worker to read `media` as `kind` and compare it with the typed values.

    `expected` holds what the applicant typed: name, certificate_number,
    validity_date_start, validity_date_end (YYYYMMDD or 长期), any subset.
    """
    if kind not in OCR_FIELDS:
        raise ValueError(f"unknown OCR kind {kind!r}; expected one of {', '.join(OCR_FIELDS)}")
    typed = {key: str(value) for key, value in expected.items() if value not in (None, "")}
    media.ocr_findings = None
    media.ocr_checked_at = None
    # The typed values (an ID number among them) go on the row, encrypted; the timer's
    # payload is plain JSON and says only what to read.
    media.ocr_expected = typed
    timers.schedule(session, kind=OCR_TIMER, key=media.id, due_at=now, now=now,
                    payload={"kind": kind})


def ocr_kind_for_field(field: str, certificate_type: int | None = None) -> str | None:
    """Which OCR reading suits a field: ID card sides for resident ID cards, licences."""
    name = field.rsplit(".", 1)[-1]
    if name == "certificate_photo_front" and certificate_type in (None, 2):
        return "id_card_front"
    if name == "certificate_photo_back" and certificate_type in (None, 2):
        return "id_card_back"
    if field.endswith("organize_info.certificate_photo"):
        return "business_licence"
    return None
