"""The reviewers' side: queues, claims, verification calls, approvals and rejections.

Platform reviewers see every filing in platform review; a bureau reviewer sees only the
filings of their own province. A reviewer acts only on a filing they hold: claims are
exclusive (the row's version column makes a simultaneous second claim fail) and lapse
after CLAIM_TTL so an abandoned filing returns to the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from beian.clock import china_date
from beian.core.workflow import Event, Status
from beian.facecheck import service as facecheck
from beian.filings import verification
from beian.filings.documents import section
from beian.filings.errors import BAD_INPUT, Conflict, FilingError, Forbidden, NotFound
from beian.filings.lifecycle import move
from beian.filings.models import Filing, VerificationCall
from beian.filings.reasons import label
from beian.filings.service import get_filing
from beian.numbering.service import assign_number

CLAIM_TTL = timedelta(hours=4)
STAGES: dict[str, Status] = {"platform": Status.PLATFORM_REVIEW, "bureau": Status.BUREAU_REVIEW}
CALL_OUTCOMES = ("reached", "no_answer", "mismatch")
FACE_FIELD = "icp_applets.principal_info.verify_task_id"


def queue(
    session: Session, *, stage: str, province: str | None = None, limit: int = 200
) -> list[Filing]:
    """Filings waiting in a stage, soonest deadline first."""
    query = select(Filing).where(Filing.status == STAGES[stage].value)
    if stage == "bureau":
        query = query.where(Filing.province == province)
    return list(session.scalars(query.order_by(Filing.deadline_at, Filing.id).limit(limit)))


def claim(
    session: Session,
    *,
    filing_id: str,
    reviewer: str,
    stage: str,
    now: datetime,
    province: str | None = None,
) -> Filing:
    """Take a filing for review; refused while another reviewer holds it."""
    filing = _in_stage(session, filing_id, stage, province)
    holder_active = filing.claimed_at is not None and now < filing.claimed_at + CLAIM_TTL
    if filing.claimed_by not in (None, reviewer) and holder_active:
        raise Conflict(f"该备案已由 {filing.claimed_by} 认领", suggest="请从队列中选择其他备案")
    filing.claimed_by = reviewer
    filing.claimed_at = now
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("该备案刚被其他审核员认领", suggest="请从队列中选择其他备案") from None
    return filing


def record_call(
    session: Session,
    *,
    filing_id: str,
    reviewer: str,
    principal: str,
    outcome: str,
    note: str,
    now: datetime,
) -> VerificationCall:
    """Record a phone-verification call to a principal during platform review."""
    filing = _held(session, filing_id, reviewer, "platform", None, now)
    if principal not in ("subject", "applet"):
        raise FilingError("负责人只能是 subject 或 applet", field="principal")
    if outcome not in CALL_OUTCOMES:
        raise FilingError(
            f"通话结果只能是 {'、'.join(CALL_OUTCOMES)}", field="outcome", errcode=BAD_INPUT
        )
    call = VerificationCall(
        filing_id=filing.id,
        reviewer=reviewer,
        at=now,
        principal=principal,
        outcome=outcome,
        note=note[:2000],
    )
    session.add(call)
    session.flush()
    return call


def approve_platform(session: Session, *, filing_id: str, reviewer: str, now: datetime) -> Filing:
    """Pass platform review: the principals are texted their verification codes."""
    filing = _held(session, filing_id, reviewer, "platform", None, now)
    _judge_face_photo(session, filing, reviewer, approve=True, now=now)
    move(session, filing, Event.PLATFORM_APPROVE, actor=reviewer, now=now)
    filing.audit_data = None
    verification.start(session, filing, purpose="verify", now=now)
    return filing


def reject_platform(
    session: Session,
    *,
    filing_id: str,
    reviewer: str,
    audit_data: Sequence[dict[str, Any]],
    now: datetime,
) -> Filing:
    """Reject in platform review; only the named fields stay editable."""
    filing = _held(session, filing_id, reviewer, "platform", None, now)
    entries = normalise_audit_data(audit_data)
    face_rejected = [e for e in entries if e["field"].startswith(FACE_FIELD)]
    if face_rejected:
        _judge_face_photo(
            session, filing, reviewer, approve=False, now=now, reason=face_rejected[0]["error"]
        )
    return _reject(session, filing, Event.PLATFORM_REJECT, reviewer, entries, now)


def approve_bureau(
    session: Session, *, filing_id: str, reviewer: str, province: str, now: datetime
) -> Filing:
    """Pass bureau review: the filing number is issued (a change keeps its record's number)."""
    filing = _held(session, filing_id, reviewer, "bureau", province, now)
    if filing.kind == "change" and filing.replaces_id:
        original = get_filing(session, filing.replaces_id)
        number = original.record_number
        move(session, original, Event.SUPERSEDE, actor=reviewer, now=now)
        original.record_number = None
        session.flush()
        filing.record_number = number
    else:
        issued = assign_number(
            session,
            subject_key=filing.subject_key or filing.id,
            province_code=filing.province or "",
            year=china_date(now).year,
        )
        filing.record_number = issued.service_number
    filing.filed_at = now
    filing.audit_data = None
    move(
        session,
        filing,
        Event.BUREAU_APPROVE,
        actor=reviewer,
        now=now,
        detail={"record_number": filing.record_number},
    )
    return filing


def reject_bureau(
    session: Session,
    *,
    filing_id: str,
    reviewer: str,
    province: str,
    audit_data: Sequence[dict[str, Any]],
    now: datetime,
) -> Filing:
    """Reject in bureau review with reasons."""
    filing = _held(session, filing_id, reviewer, "bureau", province, now)
    return _reject(session, filing, Event.BUREAU_REJECT, reviewer, audit_data, now)


def normalise_audit_data(entries: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Validate rejection entries and fill key_name from the field's label."""
    if not entries:
        raise FilingError(
            "驳回时至少填写一条原因",
            field="audit_data",
            suggest="从常见原因库中选择，或填写字段、问题和修改建议",
        )
    cleaned = []
    for index, entry in enumerate(entries):
        where = f"audit_data.{index}"
        field, error = entry.get("field"), entry.get("error")
        suggest = entry.get("suggest") or ""
        if not isinstance(field, str) or not field.strip():
            raise FilingError("请指明需要修改的字段", field=f"{where}.field")
        if not isinstance(error, str) or not error.strip():
            raise FilingError("请写明驳回原因", field=f"{where}.error")
        if not isinstance(suggest, str):
            raise FilingError("修改建议必须是文字", field=f"{where}.suggest")
        key_name = entry.get("key_name")
        cleaned.append(
            {
                "field": field.strip(),
                "key_name": key_name
                if isinstance(key_name, str) and key_name
                else label(field.strip()),
                "error": error.strip()[:500],
                "suggest": suggest.strip()[:500],
            }
        )
    return cleaned


def _reject(
    session: Session,
    filing: Filing,
    event: Event,
    reviewer: str,
    audit_data: Sequence[dict[str, Any]],
    now: datetime,
) -> Filing:
    entries = normalise_audit_data(audit_data)
    reason = "；".join(f"{e['key_name']}：{e['error']}" for e in entries)
    move(
        session,
        filing,
        event,
        actor=reviewer,
        now=now,
        reason=reason,
        detail={"audit_data": entries},
    )
    filing.audit_data = entries
    filing.unlocked_fields = sorted({e["field"] for e in entries})
    return filing


def _judge_face_photo(
    session: Session,
    filing: Filing,
    reviewer: str,
    *,
    approve: bool,
    now: datetime,
    reason: str = "",
) -> None:
    """Settle a face photo the machine left to a human: the platform reviewer judges it."""
    task_id = section(filing.document, "icp_applets", "principal_info").get("verify_task_id")
    task = facecheck.get_task(session, task_id) if isinstance(task_id, str) else None
    if task is not None and facecheck.status_at(task, now) == "review":
        facecheck.decide_review(
            session,
            task_id=task.id,
            now=now,
            approve=approve,
            reviewer=reviewer,
            reason=reason or "平台初审人工复核照片",
        )


def _in_stage(session: Session, filing_id: str, stage: str, province: str | None) -> Filing:
    if stage not in STAGES:
        raise FilingError("审核阶段只能是 platform 或 bureau", field="stage")
    filing = get_filing(session, filing_id)
    if stage == "bureau" and filing.province != province:
        raise NotFound()
    if filing.status != STAGES[stage]:
        raise Conflict(
            f"该备案不在{'平台初审' if stage == 'platform' else '管局审核'}阶段",
            suggest="请刷新队列",
            field="status",
        )
    return filing


def _held(
    session: Session,
    filing_id: str,
    reviewer: str,
    stage: str,
    province: str | None,
    now: datetime,
) -> Filing:
    filing = _in_stage(session, filing_id, stage, province)
    if filing.claimed_by != reviewer or (
        filing.claimed_at is not None and now >= filing.claimed_at + CLAIM_TTL
    ):
        raise Forbidden("请先认领该备案再审核", suggest="在审核队列中点击「认领」")
    return filing
