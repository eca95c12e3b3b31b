"""How a filing is shown: the API shape, masking of personal data, the audited reveal.

The applicant sees their own filing whole. Reviewers see ID numbers and phones masked
until they reveal them, and every reveal is written to the audit chain (SPEC §10).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.audit import service as audit
from beian.core.findings import mask_number
from beian.core.workflow import (
    EVENT_LABELS,
    STATUS_LABELS,
    Event,
    Status,
    allowed_events,
    sms_verify_status,
    status_code,
)
from beian.filings.models import Filing, FilingEvent, VerificationCall

PHONE_FIELDS = ("mobile", "emergency_contact")
ID_FIELDS = ("certificate_number",)
PERSON_PARTS = (
    ("icp_subject", "principal_info"),
    ("icp_applets", "principal_info"),
    ("icp_subject", "legal_person_info"),
)
INDIVIDUAL_SUBJECT_TYPE = 5


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise, not enough to call."""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) >= 7 else "****"


def masked_document(document: dict[str, Any]) -> dict[str, Any]:
    """A copy with every phone number and personal ID number masked."""
    masked = copy.deepcopy(document)
    for part, block in PERSON_PARTS:
        person = (masked.get(part) or {}).get(block)
        if not isinstance(person, dict):
            continue
        for name in PHONE_FIELDS:
            if isinstance(person.get(name), str):
                person[name] = mask_phone(person[name])
        for name in ID_FIELDS:
            if isinstance(person.get(name), str):
                person[name] = mask_number(person[name])
    subject = masked.get("icp_subject") or {}
    organize = subject.get("organize_info") if isinstance(subject, dict) else None
    base = subject.get("base_info") if isinstance(subject, dict) else None
    # An individual's "organisation" certificate is their resident ID.
    if (
        isinstance(organize, dict)
        and isinstance(base, dict)
        and base.get("type") == INDIVIDUAL_SUBJECT_TYPE
        and isinstance(organize.get("certificate_number"), str)
    ):
        organize["certificate_number"] = mask_number(organize["certificate_number"])
    return masked


def filing_summary(filing: Filing, *, now: datetime) -> dict[str, Any]:
    """The fields a list or queue row needs."""
    status = Status(filing.status)
    return {
        "id": filing.id,
        "kind": filing.kind,
        "replaces_id": filing.replaces_id,
        "status": status.value,
        "status_code": status_code(status),
        "status_label": STATUS_LABELS[status],
        "sms_verify_status": sms_verify_status(status),
        "is_canceling": status is Status.CANCEL_PENDING,
        "applet_name": filing.applet_name,
        "subject_name": filing.subject_name,
        "province": filing.province,
        "record_number": filing.record_number,
        "deadline": {
            "at": filing.deadline_at.isoformat() if filing.deadline_at else None,
            "provisional": filing.deadline_provisional,
            "overdue": filing.overdue or bool(filing.deadline_at and now >= filing.deadline_at),
        },
        "claimed_by": filing.claimed_by,
        "created_at": filing.created_at.isoformat(),
        "updated_at": filing.updated_at.isoformat(),
    }


def filing_detail(
    session: Session, filing: Filing, *, now: datetime, masked: bool
) -> dict[str, Any]:
    """Everything about one filing: summary, document, rejection, history, calls."""
    detail = filing_summary(filing, now=now)
    detail.update(
        {
            "document": masked_document(filing.document) if masked else filing.document,
            "audit_data": filing.audit_data or [],
            "unlocked_fields": filing.unlocked_fields,
            "allowed_events": [event.value for event in allowed_events(filing.status)],
            "history": [history_row(row) for row in history(session, filing.id)],
            "verification_calls": [
                {
                    "at": call.at.isoformat(),
                    "reviewer": call.reviewer,
                    "principal": call.principal,
                    "outcome": call.outcome,
                    "note": call.note,
                }
                for call in session.scalars(
                    select(VerificationCall)
                    .where(VerificationCall.filing_id == filing.id)
                    .order_by(VerificationCall.id)
                )
            ],
        }
    )
    return detail


def history(session: Session, filing_id: str) -> list[FilingEvent]:
    """The filing's moves, oldest first."""
    query = select(FilingEvent).where(FilingEvent.filing_id == filing_id)
    return list(session.scalars(query.order_by(FilingEvent.id)))


def history_row(row: FilingEvent) -> dict[str, Any]:
    """One step of the progress timeline."""
    return {
        "at": row.at.isoformat(),
        "actor": row.actor,
        "event": row.event,
        "event_label": EVENT_LABELS[Event(row.event)],
        "from": row.from_status,
        "to": row.to_status,
        "to_label": STATUS_LABELS[Status(row.to_status)],
        "reason": row.reason,
        "deadline_at": row.deadline_at.isoformat() if row.deadline_at else None,
    }


def reveal_document(
    session: Session, filing: Filing, *, viewer: str, reason: str, now: datetime
) -> dict[str, Any]:
    """The unmasked document for a reviewer; the reveal itself is audited."""
    audit.record(
        session,
        actor=viewer,
        action="filing.reveal_personal_data",
        target_type="filing",
        target_id=filing.id,
        now=now,
        detail={"reason": reason[:200]},
    )
    return filing.document
