"""Files posted with the guided form: stored through the upload gate, shown only to their owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from beian.documents import service as documents
from beian.documents.models import Media
from beian.documents.storage import Storage
from beian.web.applicant_form import (
    MATERIAL_PATHS,
    MAX_NRLX_ROWS,
    NRLX,
    ORGANIZE,
    SCALAR_FIELDS,
    SUBJECT_BASE,
    FormValues,
    lookup,
)

UPLOAD_SUFFIX = ".upload"
# Every path that takes a file, and whether it holds a list of files.
SINGLE_MEDIA = frozenset(
    [item.path for item in SCALAR_FIELDS if item.widget == "media"]
    + [f"{NRLX}.{index}.media" for index in range(MAX_NRLX_ROWS)]
)
LIST_MEDIA = frozenset(MATERIAL_PATHS)


@dataclass(frozen=True)
class PostedFile:
    """A file chosen for one field, read into memory (the body size is capped upstream)."""

    path: str
    filename: str
    data: bytes


async def posted_files(form: FormValues) -> list[PostedFile]:
    """The non-empty files of a form post, for the fields that take files."""
    files = []
    for path in sorted(SINGLE_MEDIA | LIST_MEDIA):
        for item in form.getlist(path + UPLOAD_SUFFIX):
            if isinstance(item, UploadFile) and item.filename:
                data = await item.read()
                if data:
                    files.append(PostedFile(path, item.filename, data))
    return files


def store_files(
    session: Session,
    storage: Storage,
    files: list[PostedFile],
    *,
    owner: str,
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Store each file; returns {path: media id or [ids]} and the refusals as findings."""
    uploads: dict[str, Any] = {}
    refusals: list[dict[str, Any]] = []
    for posted in files:
        result = documents.store_upload(
            session, storage, owner_key=owner, field=posted.path,
            filename=posted.filename, data=posted.data, now=now,
        )
        if isinstance(result, list):
            refusals.extend({**item.to_dict(), "sticky": True} for item in result)
        elif posted.path in LIST_MEDIA:
            uploads.setdefault(posted.path, []).append(result.id)
        else:
            uploads[posted.path] = result.id
    return uploads, refusals


def schedule_ocr(session: Session, document: dict[str, Any], uploads: dict[str, Any],
                 *, now: datetime) -> None:
    """Ask the worker to read new certificate photos and compare them with the typed values."""
    for path, media_id in uploads.items():
        if not isinstance(media_id, str):
            continue
        block = path.rpartition(".")[0]
        certificate_type = lookup(document, f"{block}.certificate_type")
        kind = documents.ocr_kind_for_field(
            path, certificate_type if isinstance(certificate_type, int) else None
        )
        media = session.get(Media, media_id)
        if kind is None or media is None:
            continue
        if block == ORGANIZE:
            expected = {
                "name": lookup(document, f"{SUBJECT_BASE}.name"),
                "certificate_number": lookup(document, f"{ORGANIZE}.certificate_number"),
            }
        else:
            expected = {
                "name": lookup(document, f"{block}.name"),
                "certificate_number": lookup(document, f"{block}.certificate_number"),
                "validity_date_start": lookup(document, f"{block}.certificate_validity_date_start"),
                "validity_date_end": lookup(document, f"{block}.certificate_validity_date_end"),
            }
        documents.schedule_ocr(session, media=media, kind=kind, expected=expected, now=now)


def media_ids(document: dict[str, Any]) -> set[str]:
    """Every media id the document names."""
    found: set[str] = set()
    for path in SINGLE_MEDIA:
        value = lookup(document, path)
        if isinstance(value, str):
            found.add(value)
    for path in LIST_MEDIA:
        value = lookup(document, path)
        if isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return found


def media_info(session: Session, ids: set[str], *, owner: str) -> dict[str, dict[str, Any]]:
    """What the form shows of each stored upload the owner made: type and OCR warnings."""
    wanted = [item for item in ids if len(item) == 32]
    if not wanted:
        return {}
    rows = session.scalars(select(Media).where(Media.id.in_(wanted), Media.owner_key == owner))
    info = {}
    for media in rows:
        ocr = media.ocr_findings or {}
        info[media.id] = {
            "is_image": media.content_type.startswith("image/"),
            "content_type": media.content_type,
            "ocr_findings": [f for f in ocr.get("findings", []) if isinstance(f, dict)],
        }
    return info


def owned_media(session: Session, media_id: str, *, owner: str) -> Media | None:
    """The media row if this owner uploaded it."""
    media = session.get(Media, media_id) if len(media_id) <= 32 else None
    return media if media is not None and media.owner_key == owner else None
