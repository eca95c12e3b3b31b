"""The applicant's pages: my filings, one filing's progress, and the actions allowed now.

The form, its JSON helpers, the face check and the inbox live in the applicant_* modules
next to this one; their routers are included here, the fixed paths before /filings/{id}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.accounts.models import User
from beian.core.workflow import DEADLINES, EVENT_LABELS, STATUS_LABELS, Event, Status
from beian.db import transaction
from beian.filings import service
from beian.filings.errors import FilingError
from beian.filings.models import Filing
from beian.filings.reasons import label
from beian.filings.views import filing_summary, history
from beian.web import applicant_edit, applicant_face, applicant_inbox, applicant_live
from beian.web.applicant_common import Applicant, back_to, china_time, flash, now
from beian.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(applicant_live.router)
router.include_router(applicant_edit.router)
router.include_router(applicant_face.router)
router.include_router(applicant_inbox.router)

# The five stages of SPEC §2 as the progress bar shows them, and where each status sits.
STAGES = ("填写", "平台初审", "短信核验", "管局审核", "备案成功")
STAGE_OF: dict[Status, tuple[int, str]] = {
    Status.DRAFT: (0, "current"),
    Status.PLATFORM_REVIEW: (1, "current"),
    Status.PLATFORM_REJECTED: (1, "failed"),
    Status.SMS_VERIFICATION: (2, "current"),
    Status.SMS_FAILED: (2, "failed"),
    Status.BUREAU_REVIEW: (3, "current"),
    Status.BUREAU_REJECTED: (3, "failed"),
    Status.FILED: (4, "done"),
    Status.CANCEL_PENDING: (4, "done"),
    Status.CANCELLED: (4, "failed"),
    Status.SUPERSEDED: (4, "done"),
}
# What happens in each step that has a deadline, in the applicant's words.
STEP_NOTES: dict[Status, str] = {
    Status.PLATFORM_REVIEW: "平台将在 {n} 个工作日内完成初审，审核人员可能致电负责人核实。",
    Status.SMS_VERIFICATION: (
        "负责人将收到 12381 发送的验证码短信，须在 24 小时内在短信核验页面输入；"
        "超时或输错 5 次，备案将自动退回。"
    ),
    Status.BUREAU_REVIEW: "通信管理局将在 {n} 个工作日内完成审核。",
    Status.CANCEL_PENDING: "小程序负责人须在 24 小时内按短信确认注销；未确认则注销自动取消。",
}
ACTOR_LABELS = {"system": "系统", "principal": "负责人"}


@router.get("/filings")
def my_filings(request: Request, user: Applicant) -> Response:
    """Every filing of this applicant, most recently changed first."""
    moment = now(request)
    with request.app.state.sessions() as db:
        rows = db.scalars(
            select(Filing).where(Filing.applicant == user.username)
            .order_by(Filing.updated_at.desc(), Filing.id)
        )
        filings = [_row(filing_summary(filing, now=moment)) for filing in rows]
    return render(request, "applicant/list.html", {"title": "我的备案", "filings": filings})


@router.get("/filings/{filing_id}")
def filing_page(request: Request, filing_id: str, user: Applicant) -> Response:
    """Status, progress timeline with deadlines, rejection reasons and the actions allowed."""
    return _detail(request, filing_id, user, notice=flash(request))


@router.post("/filings/{filing_id}/submit")
def submit(request: Request, filing_id: str, user: Applicant) -> Response:
    """Send a draft to platform review."""
    return _act(request, filing_id, user, service.submit, "submitted")


@router.post("/filings/{filing_id}/withdraw")
def withdraw(request: Request, filing_id: str, user: Applicant) -> Response:
    """Take a filing back from platform review."""
    return _act(request, filing_id, user, service.withdraw, "withdrawn")


@router.post("/filings/{filing_id}/resubmit")
def resubmit(request: Request, filing_id: str, user: Applicant) -> Response:
    """Resubmit after a rejection or an SMS failure."""
    return _act(request, filing_id, user, service.resubmit, "resubmitted")


@router.post("/filings/{filing_id}/cancel")
async def cancel(request: Request, filing_id: str, user: Applicant) -> Response:
    """Ask to cancel a filed record, once the applicant has ticked that they understand."""
    async with request.form() as form:
        confirmed = form.get("confirm") == "1"
    if not confirmed:
        refusal = {
            "errcode": 42200, "err_field": "confirm", "severity": "error",
            "errmsg": "请先勾选确认注销",
            "suggest": "注销后小程序将不能继续提供服务，请确认后再提交",
        }
        return _detail(request, filing_id, user, problems=[refusal], status_code=422)
    return _act(request, filing_id, user, service.request_cancellation, "cancel_requested")


def _act(request: Request, filing_id: str, user: User, action: Callable[..., Filing],
         done: str) -> Response:
    try:
        with transaction(request.app.state.sessions) as db:
            action(db, filing_id=filing_id, applicant=user.username, now=now(request))
    except FilingError as error:
        if error.status == 404:
            raise
        return _detail(request, filing_id, user, problems=error.findings,
                       status_code=error.status)
    return back_to(f"/filings/{filing_id}", done)


def _detail(request: Request, filing_id: str, user: User, *, notice: str | None = None,
            problems: list[dict[str, Any]] | None = None, status_code: int = 200) -> Response:
    moment = now(request)
    with request.app.state.sessions() as db:
        filing = service.own_filing(db, filing_id, user.username)
        summary = filing_summary(filing, now=moment)
        status = Status(filing.status)
        timeline = [_event(row, user.username) for row in history(db, filing.id)]
        changes = _changes(db, filing)
        document = filing.document
    stage, stage_state = STAGE_OF[status]
    rule = DEADLINES.get(status)
    note = STEP_NOTES.get(status, "")
    context = {
        "title": summary["applet_name"] or "未命名的备案",
        "filing": summary,
        "document": document,
        "status": status.value,
        "stages": STAGES,
        "stage": stage,
        "stage_state": stage_state,
        "deadline": {
            "at": china_time(filing.deadline_at),
            "provisional": filing.deadline_provisional,
            "overdue": summary["deadline"]["overdue"],
            "note": note.format(n=rule.workdays) if rule else note,
        },
        "timeline": list(reversed(timeline)),
        "rejection": [
            {**entry, "label": entry.get("key_name") or label(str(entry.get("field", "")))}
            for entry in filing.audit_data or []
        ],
        "unlocked": [label(path) for path in filing.unlocked_fields or []],
        "changes": changes,
        "notice": notice,
        "problems": problems or [],
        # Erased and not filled in again since (beian.filings.retention).
        "erased_at": (china_time(filing.erased_at)
                      if filing.erased_at and filing.erased_at > filing.updated_at else None),
        "china_time": china_time,
    }
    return render(request, "applicant/detail.html", context, status_code=status_code)


def _event(row: Any, applicant: str) -> dict[str, Any]:
    who = "您" if row.actor == applicant else ACTOR_LABELS.get(row.actor, "审核人员")
    return {
        "label": EVENT_LABELS[Event(row.event)],
        "to_label": STATUS_LABELS[Status(row.to_status)],
        "at": china_time(row.at),
        "who": who,
        "reason": row.reason,
        "deadline_at": china_time(row.deadline_at),
    }


def _changes(db: Session, filing: Filing) -> dict[str, Any]:
    """The record this change replaces, and changes opened from this record."""
    opened = db.scalars(
        select(Filing).where(Filing.replaces_id == filing.id).order_by(Filing.created_at)
    )
    return {
        "replaces": filing.replaces_id,
        "opened": [(item.id, STATUS_LABELS[Status(item.status)]) for item in opened],
    }


def _row(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        **summary,
        "deadline_text": china_time(summary["deadline"]["at"]),
        "updated_text": china_time(summary["updated_at"]),
    }
