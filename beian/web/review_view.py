"""What the reviewers' pages show: who may open a filing, the queue rows, the review view.

Everything here reads in the caller's transaction and returns plain values for the
templates; the routes in review_pages decide what to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from beian.accounts.models import User
from beian.accounts.roles import BUREAU_PROVINCES, Role
from beian.core.workflow import Status
from beian.filings import review
from beian.filings.errors import NotFound
from beian.filings.models import Filing
from beian.filings.reasons import FIELD_LABELS, REASON_LIBRARY
from beian.filings.service import check, get_filing
from beian.filings.views import filing_detail, history, history_row
from beian.web.review_document import attach_findings, layout, media_fields
from beian.web.review_evidence import (
    china_deadline,
    china_time,
    documents,
    face_check,
    mask_numbers,
)

STAGE_TITLES = {"platform": "平台初审", "bureau": "管局审核"}
CALL_PRINCIPALS = {"subject": "主体负责人", "applet": "小程序负责人"}
CALL_OUTCOMES = {"reached": "已接通，核实无误", "no_answer": "无人接听", "mismatch": "信息不符"}
NOTICES = {
    "claimed": "已认领，请开始审核。认领在 4 小时内有效。",
    "call": "已记录核验电话。",
    "approved": "已通过平台初审，系统已向负责人发送短信验证码（发送方 12381）。",
    "rejected": "已驳回，申请人将收到驳回原因，只能修改被驳回的字段。",
    "bureau_approved": "管局审核通过，备案号已分配。",
    "bureau_rejected": "已驳回，申请人将收到驳回原因。",
}
FACE_FIELD = review.FACE_FIELD
FACE_REASON = {
    "field": FACE_FIELD,
    "error": "人脸核身照片不符合要求",
    "suggest": "请在白色或浅色纯色背景前，着上衣、不戴帽子耳机口罩，表情自然、双眼睁开，重新拍摄",
}


def stage_of(user: User) -> str:
    """The review stage a reviewer works in."""
    return "bureau" if user.role == Role.BUREAU_REVIEWER else "platform"


def open_filing(session: Session, user: User, filing_id: str) -> Filing:
    """A filing this reviewer may look at: submitted at least once, in their province."""
    filing = get_filing(session, filing_id)
    if filing.submitted_document is None:
        raise NotFound()  # a draft never sent is the applicant's alone
    if stage_of(user) == "bureau" and filing.province != user.province:
        raise NotFound()
    return filing


def claim_holder(filing: Filing, now: datetime) -> str | None:
    """Who holds the filing now (a lapsed claim holds nothing)."""
    if filing.claimed_by and filing.claimed_at and now < filing.claimed_at + review.CLAIM_TTL:
        return filing.claimed_by
    return None


def _remaining(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return ""
    left = deadline - now
    late = left < timedelta(0)
    left = abs(left)
    days, hours = left.days, left.seconds // 3600
    minutes = (left.seconds % 3600) // 60
    span = f"{days} 天 {hours} 小时" if days else f"{hours} 小时 {minutes} 分"
    return f"已超时 {span}" if late else f"剩余 {span}"


def queue_rows(session: Session, user: User, *, now: datetime) -> list[dict[str, Any]]:
    """The reviewer's queue, soonest deadline first, overdue rows marked."""
    stage = stage_of(user)
    filings = review.queue(
        session, stage=stage, province=user.province if stage == "bureau" else None
    )
    rows = []
    for filing in filings:
        overdue = filing.overdue or bool(filing.deadline_at and now >= filing.deadline_at)
        rows.append(
            {
                "id": filing.id,
                "applet_name": filing.applet_name or "（未填写名称）",
                "subject_name": filing.subject_name or "",
                "province": BUREAU_PROVINCES.get(filing.province or "", filing.province or ""),
                "kind": "变更" if filing.kind == "change" else "新备案",
                "deadline": china_deadline(filing.deadline_at),
                "provisional": filing.deadline_provisional,
                "remaining": _remaining(filing.deadline_at, now),
                "overdue": overdue,
                "holder": claim_holder(filing, now),
                "mine": claim_holder(filing, now) == user.username,
            }
        )
    return rows


def reason_rows(face_in_review: bool) -> list[dict[str, Any]]:
    """The rejection form's rows: the library, the face photo when a human must judge it,
    and one blank row for a reason of the reviewer's own."""
    library = [dict(item) for item in REASON_LIBRARY]
    if face_in_review:
        library.insert(0, dict(FACE_REASON))
    rows = [{**item, "picked": False} for item in library]
    rows.append({"field": "", "error": "", "suggest": "", "picked": False})
    return rows


def review_context(
    session: Session,
    filing: Filing,
    user: User,
    *,
    now: datetime,
    revealed: dict[str, Any] | None = None,
    problems: list[dict[str, Any]] | None = None,
    notice: str | None = None,
    reject_form: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the review view shows: the filing laid out, evidence, history, forms."""
    stage = stage_of(user)
    masked = revealed is None
    detail = filing_detail(session, filing, now=now, masked=True)
    document = revealed if revealed is not None else detail["document"]
    sections = layout(document)
    findings = check(session, filing, now=now)
    if masked:
        findings = [{**f, "errmsg": mask_numbers(str(f["errmsg"]))} for f in findings]
    all_findings = attach_findings(sections, findings)
    face = face_check(session, filing.id, filing.document, now=now, masked=masked)
    evidence = documents(session, filing.id, media_fields(sections), masked=masked)
    in_stage = filing.status == review.STAGES[stage]
    holder = claim_holder(filing, now)
    held = in_stage and holder == user.username
    principals = []
    for key, part in (("subject", "icp_subject"), ("applet", "icp_applets")):
        person = (document.get(part) or {}).get("principal_info") or {}
        phone = person.get("mobile") if isinstance(person.get("mobile"), str) else ""
        principals.append(
            {
                "key": key,
                "label": CALL_PRINCIPALS[key],
                "name": person.get("name") or "",
                "phone": phone,
            }
        )
    return {
        "title": f"审核：{filing.applet_name or filing.id}",
        "filing": detail,
        "filing_id": filing.id,
        "stage": stage,
        "stage_title": STAGE_TITLES[stage],
        "queue_href": f"/review/{stage}",
        "deadline": china_deadline(filing.deadline_at),
        "remaining": _remaining(filing.deadline_at, now) if in_stage else "",
        "province": BUREAU_PROVINCES.get(filing.province or "", filing.province or ""),
        "submitted": china_time(filing.created_at),
        "in_stage": in_stage,
        "holder": holder,
        "held": held,
        "can_claim": in_stage and holder in (None, user.username) and not held,
        "claim_until": china_time(filing.claimed_at + review.CLAIM_TTL)
        if held and filing.claimed_at
        else "",
        "masked": masked,
        "sections": sections,
        "all_findings": all_findings,
        "warning_count": len(findings),
        "documents": evidence,
        "missing_media": {entry["id"] for entry in evidence if not entry["found"]},
        "face": face,
        "history": [
            {**history_row(row), "at": china_time(row.at)} for row in history(session, filing.id)
        ],
        "calls": [
            {
                **call,
                "at": china_time(datetime.fromisoformat(call["at"])),
                "principal_label": CALL_PRINCIPALS.get(call["principal"], call["principal"]),
                "outcome_label": CALL_OUTCOMES.get(call["outcome"], call["outcome"]),
            }
            for call in detail["verification_calls"]
        ],
        "principals": principals,
        "call_outcomes": CALL_OUTCOMES,
        "reasons": reject_form or reason_rows(face.get("needs_review", False)),
        "reject_open": reject_form is not None,
        "field_labels": FIELD_LABELS,
        "problems": problems or [],
        "notice": NOTICES.get(notice or ""),
        "record_number": filing.record_number,
        "filed": filing.status in (Status.FILED, Status.CANCEL_PENDING),
    }
