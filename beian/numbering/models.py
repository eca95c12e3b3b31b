"""Counters and the ledger of issued filing numbers.

Counter rows are the serialisation point: an issuance locks the subject's row and, when a
new subject number is needed, its province-and-year row, so two approvals never read the
same "last" value. The ledger's unique number column is the last line of defence.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beian.db import Base


class ProvinceCounter(Base):
    """The last subject-number sequence issued in a province in a year."""

    __tablename__ = "numbering_province_counters"

    province_prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class NumberedSubject(Base):
    """A subject's number (issued, imported or its licence) and its last service ordinal."""

    __tablename__ = "numbering_subjects"

    subject_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    # NULL only inside the transaction that creates the row and assigns the number.
    subject_number: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    province_prefix: Mapped[str | None] = mapped_column(String(2), default=None)
    last_ordinal: Mapped[int] = mapped_column(Integer, default=0)


class IssuedNumberRecord(Base):
    """One number ever handed out; rows are never deleted, so no number is reused."""

    __tablename__ = "numbering_issued"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    subject_key: Mapped[str] = mapped_column(String(120), index=True)
    # "subject" for a subject number, else the service kind: "website" | "app" | "applet".
    kind: Mapped[str] = mapped_column(String(16))
    province_prefix: Mapped[str] = mapped_column(String(2))
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    sequence: Mapped[int | None] = mapped_column(Integer, default=None)
    ordinal: Mapped[int | None] = mapped_column(Integer, default=None)
    # "issued" by Beian, or "imported" by an operator from an earlier system.
    origin: Mapped[str] = mapped_column(String(16), default="issued")
