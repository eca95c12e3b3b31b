"""Erase the personal information of filings that ended or were left alone (SPEC §10).

A filing that was cancelled, superseded by an approved change, or left as a draft or a
rejected filing with no activity keeps the names, ID numbers, phones and uploads of its
principals only for the retention period (`BEIAN_PERSONAL_DATA_RETENTION_DAYS`, default
180 days after the last activity; `off` keeps them). Then its document is cut down to the
facts that name nobody (subject type, districts, an organisation's name, the
mini-program's name, service types, pre-approval numbers), its uploads and SMS
challenges are deleted, call notes are blanked, and one audit entry says so. The history
and the audit trail stay: they record what happened, not who the people were.

A filing edited after it was erased is new information and is erased again once it has
been left alone for the period (`erased_at` not after `updated_at`: erasing never
touches `updated_at`).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from beian.audit import service as audit
from beian.clock import as_utc
from beian.core.dictionaries import INDIVIDUAL_SUBJECT_TYPE
from beian.core.workflow import Status
from beian.documents.models import Media
from beian.documents.storage import Storage
from beian.facecheck.models import FaceTask
from beian.filings.documents import section
from beian.filings.models import Filing, FilingPerson, SmsChallenge, VerificationCall

DEFAULT_RETENTION_DAYS = 180
SETTING = "BEIAN_PERSONAL_DATA_RETENTION_DAYS"
# Ended for good, or waiting on the applicant who never came back.
ERASABLE = tuple(status.value for status in (
    Status.CANCELLED, Status.SUPERSEDED,
    Status.DRAFT, Status.PLATFORM_REJECTED, Status.BUREAU_REJECTED, Status.SMS_FAILED,
))
BATCH = 100
ERASED_ACTION = "filing.personal_data_erased"
# Upload and face-task ids are 32 hex characters or longer tokens; any string of the
# document may be one, so every string is a candidate and the tables decide.
_MIN_REFERENCE_LENGTH = 16


class RetentionSettingError(ValueError):
    """BEIAN_PERSONAL_DATA_RETENTION_DAYS holds something other than days or `off`."""


def personal_data_retention() -> timedelta | None:
    """The configured period, or None when erasure is switched off."""
    raw = os.environ.get(SETTING, "").strip().lower()
    if not raw:
        return timedelta(days=DEFAULT_RETENTION_DAYS)
    if raw == "off":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise RetentionSettingError(
            f"{SETTING} must be a whole number of days (at least 1) or 'off', got {raw!r}"
        )
    return timedelta(days=int(raw))


def erase_expired(
    session: Session, *, now: datetime, retention: timedelta, storage: Storage,
    batch: int = BATCH,
) -> int:
    """Erase up to `batch` filings left alone for longer than `retention`; returns how many.

    Runs in the caller's transaction. Files are deleted before the rows: should the
    transaction roll back, the next run finds the rows again and deleting a missing
    file is a no-op.
    """
    cutoff = as_utc(now) - retention
    due = (
        select(Filing)
        .where(Filing.status.in_(ERASABLE), Filing.updated_at < cutoff,
               or_(Filing.erased_at.is_(None), Filing.erased_at <= Filing.updated_at))
        .order_by(Filing.updated_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    filings = list(session.scalars(due))
    batch_ids = {filing.id for filing in filings}
    used_by: dict[str, set[str]] = {}
    for filing in filings:
        if filing.applicant not in used_by:
            used_by[filing.applicant] = _still_used(session, filing.applicant, batch_ids)
        erase(session, filing, now=now, storage=storage, keep=used_by[filing.applicant])
    return len(filings)


def erase(
    session: Session, filing: Filing, *, now: datetime, storage: Storage,
    keep: set[str] | None = None,
) -> None:
    """Cut one filing down to what names nobody, in the caller's transaction.

    `keep`: ids of uploads and face tasks other filings still name (by default, those
    of the applicant's other filings not erased)."""
    if keep is None:
        keep = _still_used(session, filing.applicant, {filing.id})
    references = _strings(filing.document) | _strings(filing.submitted_document)
    references -= keep
    uploads = list(session.scalars(
        select(Media).where(Media.id.in_(references), Media.owner_key == filing.applicant)
    )) if references else []
    for media in uploads:
        storage.delete(media.storage_key)
        session.delete(media)
    if references:
        session.execute(update(FaceTask).where(FaceTask.id.in_(references))
                        .values(principal_name=""))
    individual = _is_individual(filing.document)
    filing.document = without_personal_data(filing.document)
    filing.submitted_document = None
    if individual:
        filing.subject_name = None  # an individual subject's name is the person's
    if filing.record_number is None:
        filing.subject_key = None  # never numbered: nothing needs the subject's identity
    filing.erased_at = as_utc(now)
    for model in (FilingPerson, SmsChallenge):
        session.execute(delete(model).where(model.filing_id == filing.id))
    session.execute(update(VerificationCall).where(VerificationCall.filing_id == filing.id)
                    .values(note=""))
    audit.record(session, actor="system", action=ERASED_ACTION, target_type="filing",
                 target_id=filing.id, now=now,
                 detail={"status": filing.status, "uploads_deleted": len(uploads)})
    session.flush()


def without_personal_data(document: Any) -> dict[str, Any]:
    """The facts of a document that name nobody."""
    subject = section(document, "icp_subject", "base_info")
    kept_subject_keys = ["type", "province", "city", "district"]
    if not _is_individual(document):
        kept_subject_keys += ["name", "address"]
    applet = section(document, "icp_applets", "base_info")
    applet_keys = ("appid", "name", "service_content_types", "comment")
    kept_applet: dict[str, Any] = {key: applet[key] for key in applet_keys if key in applet}
    items = applet.get("nrlx_details")
    if isinstance(items, list):
        kept_applet["nrlx_details"] = [
            {key: item[key] for key in ("type", "code") if key in item}
            for item in items if isinstance(item, dict)
        ]
    return {
        "icp_subject": {"base_info": {key: subject[key] for key in kept_subject_keys
                                      if key in subject}},
        "icp_applets": {"base_info": kept_applet},
    }


def _is_individual(document: Any) -> bool:
    return section(document, "icp_subject", "base_info").get("type") == INDIVIDUAL_SUBJECT_TYPE


def _still_used(session: Session, applicant: str, leaving: set[str]) -> set[str]:
    """Strings named by the applicant's filings that are neither erased nor `leaving`:
    a change copies the uploads of the record it changes, and an applicant may name one
    upload in several filings; those uploads must outlive the filing being erased."""
    rows = session.execute(
        select(Filing.document, Filing.submitted_document)
        .where(Filing.applicant == applicant, Filing.id.not_in(leaving),
               or_(Filing.erased_at.is_(None), Filing.erased_at <= Filing.updated_at))
    )
    used: set[str] = set()
    for document, submitted in rows:
        used |= _strings(document) | _strings(submitted)
    return used


def _strings(value: Any) -> set[str]:
    """Every string long enough to be an upload or face-task id, anywhere in `value`."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) >= _MIN_REFERENCE_LENGTH:
                found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
