"""Which notifications each lifecycle event sends, and to whom (SPEC §2, §8).

Written to the outbox in the same transaction as the move; the dedup key names the
history row, so a retried transaction or a re-run timer can never notify twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from beian.clock import CHINA_TZ
from beian.core.workflow import STATUS_LABELS, Event, Status
from beian.filings.models import Filing, FilingEvent
from beian.notifications.service import Notice, enqueue_many

APPLICANT_CHANNELS = ("inbox", "template")

# event -> (template, send an SMS to the applet principal too)
EVENT_TEMPLATES: dict[Event, tuple[str, bool]] = {
    Event.SUBMIT: ("filing_submitted", False),
    Event.WITHDRAW: ("filing_withdrawn", False),
    Event.PLATFORM_APPROVE: ("platform_approved", False),
    Event.PLATFORM_REJECT: ("platform_rejected", False),
    Event.SMS_VERIFIED: ("sms_verified", False),
    Event.SMS_FAILED: ("sms_failed", False),
    Event.RESUBMIT: ("filing_submitted", False),
    Event.RESUBMIT_UNCHANGED: ("filing_submitted", False),
    Event.BUREAU_APPROVE: ("bureau_approved", True),
    Event.BUREAU_REJECT: ("bureau_rejected", True),
    Event.CONFIRM_CANCELLATION: ("cancel_confirmed", False),
    Event.ABORT_CANCELLATION: ("cancel_aborted", False),
}


def notify_events(
    session: Session,
    filings: list[Filing],
    event: Event,
    records: list[FilingEvent],
    *,
    now: datetime,
) -> None:
    """Queue the notifications of these history rows (one per filing), in one batch."""
    notices = []
    for filing, record in zip(filings, records, strict=True):
        notices += event_notices(filing, event, record)
    enqueue_many(session, notices, now=now)


def event_notices(filing: Filing, event: Event, record: FilingEvent) -> list[Notice]:
    """Who hears of this history row, by which channels, with which template."""
    if event is Event.SUBMIT and filing.kind == "change":
        template, with_sms = "change_submitted", False
    elif event in EVENT_TEMPLATES:
        template, with_sms = EVENT_TEMPLATES[event]
    else:
        return []
    params = message_params(filing, record)
    notices = [
        Notice(channel, filing.applicant, template, params, f"event:{record.id}:{channel}",
               filing.id)
        for channel in APPLICANT_CHANNELS
    ]
    phone = applet_principal_phone(filing) if with_sms else None
    if phone:
        notices.append(Notice("sms", phone, template, params, f"event:{record.id}:sms", filing.id))
    return notices


def message_params(filing: Filing, record: FilingEvent | None = None) -> dict[str, Any]:
    """Values the message templates may use; never an ID number or a phone."""
    deadline = (
        filing.deadline_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        if (filing.deadline_at)
        else ""
    )
    return {
        "filing_id": filing.id,
        "applet_name": filing.applet_name or "（未命名小程序）",
        "status": STATUS_LABELS[Status(filing.status)],
        "reason": (record.reason if record else None) or "",
        "record_number": filing.record_number or "",
        "deadline": deadline,
    }


def applet_principal_phone(filing: Filing) -> str | None:
    """The mini-program principal's mobile as written in the document."""
    applets = filing.document.get("icp_applets") or {}
    principal = applets.get("principal_info") or {} if isinstance(applets, dict) else {}
    mobile = principal.get("mobile") if isinstance(principal, dict) else None
    return mobile if isinstance(mobile, str) and mobile else None
