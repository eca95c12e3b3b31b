"""Register the media ids a document names as uploads of one owner, without real files.

A filing document may name only uploads of its applicant (rules.uploads). Tests, the
benchmarks and the demo file sample documents whose ids were written by hand; these
helpers record each such id as an accepted upload of the owner, of the kind its field
takes and a file type that kind accepts. Only the rows are made: where a page or the OCR
reads the bytes, store placeholder files (store_placeholder_files) or upload a real file
through beian.documents.service.
"""

from __future__ import annotations

import copy
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from beian.core.media import ACCEPTED, JPEG, MP4, PDF, PNG, kind_for_field
from beian.core.precheck.registry import InMemoryRegistry
from beian.core.precheck.rules.uploads import named_media
from beian.documents.models import Media
from beian.documents.storage import Storage


@dataclass(frozen=True, slots=True)
class NamedUpload:
    """A media id of a document, the field naming it, and what an upload there would be."""

    media_id: str
    field: str
    kind: str
    content_type: str


def named_uploads(document: dict[str, Any]) -> list[NamedUpload]:
    """Each distinct media id of the document, first field first."""
    found: dict[str, NamedUpload] = {}
    for field, media_id in named_media(document):
        kind = kind_for_field(field)
        if kind is not None and media_id not in found:
            found[media_id] = NamedUpload(media_id, field, kind, ACCEPTED[kind][0])
    return list(found.values())


def media_rows(
    documents: Iterable[dict[str, Any]], *, owner: str, now: datetime
) -> list[dict[str, Any]]:
    """Media rows (column values) for every media id of the documents, once each."""
    rows: dict[str, dict[str, Any]] = {}
    for document in documents:
        for upload in named_uploads(document):
            rows.setdefault(upload.media_id, _row(upload, owner=owner, now=now))
    return list(rows.values())


def register_media(
    session: Session, document: dict[str, Any], *, owner: str, now: datetime
) -> None:
    """Record the document's media ids as uploads of `owner`; ids already stored are kept
    as they are (someone else's stay theirs, so the pre-check still refuses them)."""
    rows = media_rows([document], owner=owner, now=now)
    if not rows:
        return
    known = set(session.scalars(select(Media.id).where(Media.id.in_([r["id"] for r in rows]))))
    new = [row for row in rows if row["id"] not in known]
    if new:
        session.execute(insert(Media), new)


def register_media_in(registry: InMemoryRegistry, document: dict[str, Any], *, owner: str) -> None:
    """Record the document's media ids as uploads of `owner` in an in-memory registry."""
    for upload in named_uploads(document):
        registry.add_upload(
            upload.media_id, owner=owner, content_type=upload.content_type, kind=upload.kind
        )


def store_placeholder_files(storage: Storage, document: dict[str, Any]) -> None:
    """Store a small file of the right type under the key of each media id the document
    names, for pages that show the files of registered uploads (a white square image,
    an empty PDF page, an MP4 header)."""
    for upload in named_uploads(document):
        key = _storage_key(upload)
        if not storage.exists(key):
            storage.put(key, _placeholder(upload.content_type))


def with_media_ids(document: dict[str, Any], rename: Callable[[str], str]) -> dict[str, Any]:
    """A copy of the document with every media id renamed: an id belongs to one owner, so
    the same sample filed by two applicants needs ids of its own for each."""
    renamed = copy.deepcopy(document)
    for path, media_id in named_media(renamed):
        *parents, last = path.split(".")
        target: Any = renamed
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = rename(media_id)
    return renamed


_EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf", MP4: "mp4"}


def _storage_key(upload: NamedUpload) -> str:
    """A key of the storage's own form, unique per id: until placeholder files are stored,
    a page asking for the bytes finds none (and answers 404) rather than a malformed key."""
    name = hashlib.sha256(upload.media_id.encode()).hexdigest()[:32]
    return f"{name[:2]}/{name}.{_EXTENSIONS[upload.content_type]}"


def _placeholder(content_type: str) -> bytes:
    if content_type in (JPEG, PNG):
        out = io.BytesIO()
        Image.new("RGB", (64, 64), (240, 240, 240)).save(
            out, "JPEG" if content_type == JPEG else "PNG"
        )
        return out.getvalue()
    if content_type == PDF:
        return (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
        )
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _row(upload: NamedUpload, *, owner: str, now: datetime) -> dict[str, Any]:
    return {
        "id": upload.media_id,
        "owner_key": owner,
        "field": upload.field,
        "kind": upload.kind,
        "content_type": upload.content_type,
        "size": 0,
        "sha256": hashlib.sha256(b"").hexdigest(),
        "storage_key": _storage_key(upload),
        "created_at": now,
    }
