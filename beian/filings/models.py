"""Filing records, their history, the people named in them, SMS challenges and review calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from beian.crypto.types import EncryptedJSON, EncryptedText, hashed
from beian.db import Base
from beian.db.types import UtcDateTime

# Statuses a filing may be left in for good (kept in step with retention.ERASABLE).
_ERASABLE_SQL = (
    "status IN ('cancelled', 'superseded', 'draft', 'platform_rejected',"
    " 'bureau_rejected', 'sms_failed')"
)


class Filing(Base):
    """One application for one mini-program, through its whole lifecycle."""

    __tablename__ = "filings"
    __table_args__ = (
        Index("ix_filings_status_deadline", "status", "deadline_at"),
        Index("ix_filings_province_status_deadline", "province", "status", "deadline_at"),
        Index("ix_filings_applicant", "applicant", "created_at"),
        Index("ix_filings_subject_key_status", "subject_key", "status"),
        # A record's changes (the applicant's page of a record, a change still open before
        # another change or a cancellation): only changes enter it, most filings are new.
        Index("ix_filings_changes", "replaces_id", "created_at",
              postgresql_where=text("replaces_id IS NOT NULL"),
              sqlite_where=text("replaces_id IS NOT NULL")),
        # The personal-data erasure's scan (beian.filings.retention): only statuses a
        # filing may be left in, so filings under way never enter this index.
        Index("ix_filings_erasable", "status", "updated_at",
              postgresql_where=text(_ERASABLE_SQL), sqlite_where=text(_ERASABLE_SQL)),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # "new" for a first filing, "change" for a change of a filed record (`replaces_id`).
    kind: Mapped[str] = mapped_column(String(10), default="new")
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("filings.id"), default=None)
    applicant: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))
    # Encrypted at rest: the document names people, their ID numbers and phones.
    document: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    # The document as last submitted: an unchanged resubmission after an SMS failure
    # skips the platform (SPEC §2), which needs the submitted copy to compare with.
    submitted_document: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON(), default=None
    )
    # Denormalised from the document for queues, rules and the public query.
    province: Mapped[str | None] = mapped_column(String(6), default=None)
    # Certificate type and the keyed hash of the certificate number (an individual's is
    # their ID number): beian.filings.documents.subject_key.
    subject_key: Mapped[str | None] = mapped_column(String(80), default=None)
    subject_name: Mapped[str | None] = mapped_column(String(200), default=None)
    applet_name: Mapped[str | None] = mapped_column(String(100), default=None)
    appid: Mapped[str | None] = mapped_column(String(64), default=None)
    # Public, non-personal facts of the document, kept in plain columns so that showing a
    # record never decrypts the document: the subject type id (unit nature) and the
    # pre-approval items [{"type": nrlx id, "code": approval number}]. Set with the
    # document, never on their own (`_copy_public_facts`).
    subject_type_id: Mapped[int | None] = mapped_column(Integer, default=None)
    public_approvals: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    # Latest rejection: list of {key_name, error, suggest, field}.
    audit_data: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    # Field paths the applicant may change after a rejection (None: everything).
    unlocked_fields: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    record_number: Mapped[str | None] = mapped_column(String(60), default=None, unique=True)
    stage_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # When beian.filings.retention erased the personal data (None: never, or kept).
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Optimistic lock: two reviewers acting at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    history: Mapped[list[FilingEvent]] = relationship(
        back_populates="filing", order_by="FilingEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("document")
    def _copy_public_facts(self, _key: str, document: dict[str, Any]) -> dict[str, Any]:
        """Refresh the public facts whenever a document is assigned (constructor included)."""
        self.subject_type_id, self.public_approvals = public_facts(document)
        return document


# The largest id an Integer column holds: a draft may carry any number, and saving it
# must not fail on the copy.
_MAX_ID = 2**31 - 1


def public_facts(document: Any) -> tuple[int | None, list[dict[str, Any]]]:
    """The subject type id and the pre-approval items of a (possibly incomplete) document."""
    subject = _object(_object(document).get("icp_subject")).get("base_info")
    type_id = _object(subject).get("type")
    applet = _object(_object(document).get("icp_applets")).get("base_info")
    items = _object(applet).get("nrlx_details")
    approvals = []
    for item in items if isinstance(items, list) else []:
        kind, code = _object(item).get("type"), _object(item).get("code")
        if _is_id(kind):
            approvals.append({"type": kind, "code": code if isinstance(code, str) else ""})
    return (type_id if _is_id(type_id) else None), approvals


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_ID


class FilingEvent(Base):
    """One recorded move: who, when, from, to, why. Append-only."""

    __tablename__ = "filing_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    filing: Mapped[Filing] = relationship(back_populates="history")


class FilingPerson(Base):
    """A principal named in a filing, kept for the one-phone-one-person rule across filings.

    Only keyed hashes are kept (beian.crypto.keyed_hash): the rule compares, never reads.
    """

    __tablename__ = "filing_people"
    __table_args__ = (Index("ix_filing_people_mobile_hash", "mobile_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # "subject" or "applet"
    certificate_hash: Mapped[str] = mapped_column(String(64), index=True)
    mobile_hash: Mapped[str] = mapped_column(String(64))


class SmsChallenge(Base):
    """A verification code texted to one phone for one filing (verification or cancellation)."""

    __tablename__ = "sms_challenges"
    __table_args__ = (
        Index("ix_sms_challenges_phone_hash_status", "phone_hash", "status"),
        Index("ix_sms_challenges_certificate_hash", "certificate_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # "verify" or "cancel"
    # Which principals this phone stands for: "subject", "applet" or "subject,applet".
    roles: Mapped[str] = mapped_column(String(20))
    # Encrypted (the code must still be texted to it) and hashed for the look-up by the
    # verification page; `phone` and `certificate_number` read and query as plain values.
    phone_encrypted: Mapped[str] = mapped_column(EncryptedText())
    phone_hash: Mapped[str] = mapped_column(String(64))
    certificate_encrypted: Mapped[str] = mapped_column(EncryptedText())
    certificate_hash: Mapped[str] = mapped_column(String(64))
    phone = hashed("phone_encrypted", "phone_hash", "phone")
    certificate_number = hashed("certificate_encrypted", "certificate_hash", "certificate")
    code_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # waiting, verified, failed, void
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    window_ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    resends: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class VerificationCall(Base):
    """A reviewer's phone call to a principal during platform review."""

    __tablename__ = "verification_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    principal: Mapped[str] = mapped_column(String(10))  # "subject" or "applet"
    outcome: Mapped[str] = mapped_column(String(20))  # reached, no_answer, mismatch
    # Encrypted: a reviewer's note about a call may quote a number or a name.
    note: Mapped[str] = mapped_column(EncryptedText(), default="")
