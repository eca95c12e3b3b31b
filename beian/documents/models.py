"""Database models of this feature: one row per accepted upload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beian.crypto.types import EncryptedJSON
from beian.db import Base
from beian.db.types import UtcDateTime


class Media(Base):
    """An accepted upload; the bytes live in storage under `storage_key`, never in the row.

    The bytes are encrypted by `EncryptedStorage` (beian.documents.storage.default_storage).

    The applicant's file name is not kept: it is chosen by the uploader, often carries a
    person's name, and nothing needs it once the content has been identified.
    """

    __tablename__ = "media"
    __table_args__ = (Index("ix_media_owner_field", "owner_key", "field"),)

    # Server-generated, unguessable (uuid4 hex); also what filing documents refer to.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_key: Mapped[str] = mapped_column(String(120))
    # Dotted path of the filing field it was uploaded for (the findings' err_field).
    field: Mapped[str] = mapped_column(String(200))
    # "photo", "certificate", "letter", "document" or "video" (see beian.documents.gate).
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    pages: Mapped[int | None] = mapped_column(Integer, default=None)
    # SHA-256 of the stored (cleaned) bytes, hex.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The document or photo check: {"verdict", "components", "hints"}.
    check_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # OCR cross-check written by the worker: {"kind", "read": {...}, "findings": [...]}.
    # Encrypted: what OCR reads off an ID card is the person's name and ID number.
    ocr_findings: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON(), default=None)
    # What the applicant typed, for the OCR worker to compare with (encrypted likewise;
    # kept here rather than in the timer's payload, which is stored in plain JSON).
    ocr_expected: Mapped[dict[str, str] | None] = mapped_column(EncryptedJSON(), default=None)
    ocr_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
