"""How a filing is shown: the API shape, masking of personal data, the audited reveal.

The applicant sees their own filing whole. Reviewers see ID numbers and phones masked
until they reveal them, and every reveal is written to the audit chain (SPEC §10).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    String,
    Table,
    Text,
    bindparam,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import cast as sql_cast
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
    session: Session,
    filing: Filing,
    *,
    now: datetime,
    masked: bool,
    new: bool = False,
    history: list[FilingEvent] | None = None,
) -> dict[str, Any]:
    """Everything about one filing: summary, document, rejection, history, calls.

    `new`: the filing was created in this transaction, so it has neither history nor
    calls yet, and nothing is read for them. `history`: the filing's every move, when the
    caller knows them and that there are no calls (service.submit_with_history).
    """
    detail = filing_summary(filing, now=now)
    events: list[dict[str, Any]]
    calls: list[dict[str, Any]]
    if new:
        events, calls = [], []
    elif history is not None:
        events, calls = [history_row(record) for record in history], []
    else:
        events, calls = _history_and_calls(session, filing.id)
    detail.update(
        {
            "document": masked_document(filing.document) if masked else filing.document,
            "audit_data": filing.audit_data or [],
            "unlocked_fields": filing.unlocked_fields,
            "allowed_events": [event.value for event in allowed_events(filing.status)],
            "history": events,
            "verification_calls": calls,
        }
    )
    return detail


# A filing's moves and its verification calls in one statement (one round trip), as rows
# of one shape named after FilingEvent's columns; a call's reviewer, principal and outcome
# travel in actor, event and from_status, its note in a column of its own.
_EVENTS = cast(Table, FilingEvent.__table__)
_CALLS = cast(Table, VerificationCall.__table__)


def _column(value: Any, kind: Any, name: str) -> Any:
    # Typed NULLs: PostgreSQL resolves a union's column types arm by arm.
    return type_coerce(sql_cast(null(), kind) if value is None else value, kind).label(name)


def _arm(source: str, table: Table, columns: tuple[Any, ...]) -> Any:
    kinds = (Integer(), _EVENTS.c.at.type, String(), String(), String(), String(), Text(),
             _EVENTS.c.deadline_at.type, _CALLS.c.note.type)
    names = ("id", "at", "actor", "event", "from_status", "to_status", "reason", "deadline_at",
             "note")
    return (
        select(literal(source, String).label("source"),
               *(_column(v, k, n) for v, k, n in zip(columns, kinds, names, strict=True)))
        .where(table.c.filing_id == bindparam("filing_id"))
    )


_HISTORY_AND_CALLS = union_all(
    _arm("event", _EVENTS, (_EVENTS.c.id, _EVENTS.c.at, _EVENTS.c.actor, _EVENTS.c.event,
                            _EVENTS.c.from_status, _EVENTS.c.to_status, _EVENTS.c.reason,
                            _EVENTS.c.deadline_at, None)),
    _arm("call", _CALLS, (_CALLS.c.id, _CALLS.c.at, _CALLS.c.reviewer, _CALLS.c.principal,
                          _CALLS.c.outcome, None, None, None, _CALLS.c.note)),
).order_by("source", "id")


def _history_and_calls(
    session: Session, filing_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The filing's history rows (oldest first) and its calls, shaped for the API."""
    events: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for row in session.execute(_HISTORY_AND_CALLS, {"filing_id": filing_id}):
        if row.source == "event":
            events.append(history_row(row))
        else:
            calls.append(
                {
                    "at": row.at.isoformat(),
                    "reviewer": row.actor,
                    "principal": row.event,
                    "outcome": row.from_status,
                    "note": row.note,
                }
            )
    return events, calls


def history(session: Session, filing_id: str) -> list[FilingEvent]:
    """The filing's moves, oldest first."""
    query = select(FilingEvent).where(FilingEvent.filing_id == filing_id)
    return list(session.scalars(query.order_by(FilingEvent.id)))


def history_row(row: Any) -> dict[str, Any]:
    """One step of the progress timeline (a FilingEvent, or an event row of the combined read)."""
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
