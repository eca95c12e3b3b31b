"""The reviewers' pages: queues, claims, the review view and its actions; /verify is mounted here.

Platform reviewers work on every filing in platform review; a bureau reviewer only on
their own province's filings (another province's reads as not found). Each action is one
transaction; a refusal from the review service is shown on the review view, with the
reviewer's typed rejection reasons kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from beian.accounts.models import User
from beian.accounts.roles import Role
from beian.audit import service as audit
from beian.db import transaction
from beian.documents.storage import Storage
from beian.filings import review
from beian.filings.errors import FilingError, NotFound
from beian.filings.reasons import FIELD_LABELS
from beian.filings.views import reveal_document
from beian.web.auth import require_role
from beian.web.review_document import layout, media_fields
from beian.web.review_evidence import face_photo_id, media_rows
from beian.web.review_verify import router as verify_router
from beian.web.review_view import (
    FACE_FIELD,
    STAGE_TITLES,
    open_filing,
    queue_rows,
    review_context,
    stage_of,
)
from beian.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(verify_router)

Reviewer = Annotated[User, Depends(require_role(Role.PLATFORM_REVIEWER, Role.BUREAU_REVIEWER))]
PlatformReviewer = Annotated[User, Depends(require_role(Role.PLATFORM_REVIEWER))]
BureauReviewer = Annotated[User, Depends(require_role(Role.BUREAU_REVIEWER))]
MAX_TEXT = 500


def _queue_page(request: Request, user: User) -> Response:
    state = request.app.state
    with transaction(state.sessions) as db:
        rows = queue_rows(db, user, now=state.clock.now())
    stage = stage_of(user)
    context = {
        "title": STAGE_TITLES[stage] + "队列",
        "stage": stage,
        "rows": rows,
        "overdue_count": sum(1 for row in rows if row["overdue"]),
    }
    return render(request, "review/queue.html", context)


@router.get("/review/platform")
def platform_queue(request: Request, user: PlatformReviewer) -> Response:
    """Filings in platform review, soonest deadline first."""
    return _queue_page(request, user)


@router.get("/review/bureau")
def bureau_queue(request: Request, user: BureauReviewer) -> Response:
    """The bureau reviewer's province's filings in bureau review, soonest deadline first."""
    return _queue_page(request, user)


def _view(
    request: Request,
    user: User,
    filing_id: str,
    *,
    status_code: int = 200,
    **options: Any,
) -> Response:
    """Render the review view in its own read transaction."""
    state = request.app.state
    with transaction(state.sessions) as db:
        filing = open_filing(db, user, filing_id)
        context = review_context(db, filing, user, now=state.clock.now(), **options)
    return render(request, "review/view.html", context, status_code=status_code)


@router.get("/review/{filing_id}")
def review_view(request: Request, user: Reviewer, filing_id: str, notice: str = "") -> Response:
    """The filing, its documents, pre-check warnings, history and the reviewer's forms."""
    return _view(request, user, filing_id, notice=notice)


def _act(request: Request, user: User, filing_id: str, step: Any, notice: str) -> Response:
    """Run one action in one transaction; show a refusal on the review view."""
    state = request.app.state
    try:
        with transaction(state.sessions) as db:
            open_filing(db, user, filing_id)
            step(db, state.clock.now())
    except NotFound:
        raise
    except FilingError as error:
        return _view(request, user, filing_id, status_code=error.status, problems=error.findings)
    return RedirectResponse(f"/review/{filing_id}?notice={notice}", status_code=303)


@router.post("/review/{filing_id}/claim")
def claim(request: Request, user: Reviewer, filing_id: str) -> Response:
    """Take the filing; refused while another reviewer holds it."""
    stage = stage_of(user)
    return _act(
        request,
        user,
        filing_id,
        lambda db, now: review.claim(
            db,
            filing_id=filing_id,
            reviewer=user.username,
            stage=stage,
            province=user.province,
            now=now,
        ),
        "claimed",
    )


@router.post("/review/{filing_id}/reveal")
def reveal(
    request: Request,
    user: Reviewer,
    filing_id: str,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Show the personal data unmasked for this view; the reveal is written to the audit log."""
    state = request.app.state
    with transaction(state.sessions) as db:
        filing = open_filing(db, user, filing_id)
        now = state.clock.now()
        document = reveal_document(
            db, filing, viewer=user.username, reason=reason.strip() or "审核核对", now=now
        )
        context = review_context(db, filing, user, now=now, revealed=document)
    return render(request, "review/view.html", context)


@router.get("/review/{filing_id}/media/{media_id}")
def media(request: Request, user: Reviewer, filing_id: str, media_id: str) -> Response:
    """An uploaded file of this filing, for a reviewer who may open the filing."""
    state = request.app.state
    with transaction(state.sessions) as db:
        filing = open_filing(db, user, filing_id)
        refs = media_fields(layout(filing.document))
        row = refs.get(media_id)
        field, personal = (row.field, row.personal_media) if row else ("", False)
        if row is None and media_id == face_photo_id(db, filing.document):
            field, personal = FACE_FIELD, True  # a face image is personal data
        stored = media_rows(db, [media_id]).get(media_id) if field else None
        if stored is None:
            raise NotFound("文件", field="media_id")
        if personal:
            # A certificate image shows an ID number: every staff read is audited (SPEC §10).
            audit.record(
                db,
                actor=user.username,
                action="filing.view_personal_media",
                target_type="filing",
                target_id=filing.id,
                now=state.clock.now(),
                detail={"media_id": media_id, "field": field},
            )
        content_type, storage_key = stored.content_type, stored.storage_key
    try:
        data = _storage(request).get(storage_key)
    except FileNotFoundError:
        raise NotFound("文件", field="media_id") from None
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
    )


def _storage(request: Request) -> Storage:
    return request.app.state.storage  # type: ignore[no-any-return]


@router.post("/review/{filing_id}/call")
def record_call(
    request: Request,
    user: PlatformReviewer,
    filing_id: str,
    principal: Annotated[str, Form(max_length=10)] = "",
    outcome: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a phone-verification call to a principal."""
    return _act(
        request,
        user,
        filing_id,
        lambda db, now: review.record_call(
            db,
            filing_id=filing_id,
            reviewer=user.username,
            principal=principal,
            outcome=outcome,
            note=note.strip(),
            now=now,
        ),
        "call",
    )


@router.post("/review/{filing_id}/approve")
def approve(request: Request, user: Reviewer, filing_id: str) -> Response:
    """Platform: pass to SMS verification. Bureau: issue the filing number."""
    if stage_of(user) == "bureau":
        return _act(
            request,
            user,
            filing_id,
            lambda db, now: review.approve_bureau(
                db,
                filing_id=filing_id,
                reviewer=user.username,
                province=user.province or "",
                now=now,
            ),
            "bureau_approved",
        )
    return _act(
        request,
        user,
        filing_id,
        lambda db, now: review.approve_platform(
            db, filing_id=filing_id, reviewer=user.username, now=now
        ),
        "approved",
    )


@router.post("/review/{filing_id}/reject")
def reject(
    request: Request,
    user: Reviewer,
    filing_id: str,
    pick: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies form defaults)
    field: Annotated[list[str], Form()] = [],  # noqa: B006
    error: Annotated[list[str], Form()] = [],  # noqa: B006
    suggest: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Reject with the picked reasons, each as the reviewer edited it."""
    rows, problems = _reason_form(pick, field, error, suggest)
    if problems:
        return _view(request, user, filing_id, status_code=422, problems=problems, reject_form=rows)
    entries = [
        {"field": row["field"], "error": row["error"], "suggest": row["suggest"]}
        for row in rows
        if row["picked"]
    ]
    state = request.app.state
    try:
        with transaction(state.sessions) as db:
            open_filing(db, user, filing_id)
            now = state.clock.now()
            if stage_of(user) == "bureau":
                review.reject_bureau(
                    db,
                    filing_id=filing_id,
                    reviewer=user.username,
                    province=user.province or "",
                    audit_data=entries,
                    now=now,
                )
            else:
                review.reject_platform(
                    db, filing_id=filing_id, reviewer=user.username, audit_data=entries, now=now
                )
    except NotFound:
        raise
    except FilingError as refusal:
        return _view(
            request,
            user,
            filing_id,
            status_code=refusal.status,
            problems=refusal.findings,
            reject_form=rows,
        )
    notice = "bureau_rejected" if stage_of(user) == "bureau" else "rejected"
    return RedirectResponse(f"/review/{filing_id}?notice={notice}", status_code=303)


def _reason_form(
    pick: list[str], fields: list[str], errors: list[str], suggests: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rejection rows as submitted, and the problems with them (named by row)."""

    def refused(message: str, where: str, what: str) -> dict[str, Any]:
        return {
            "errcode": 42200,
            "err_field": where,
            "errmsg": message,
            "suggest": what,
            "severity": "error",
        }

    if not (len(fields) == len(errors) == len(suggests)) or len(fields) > 50:
        return [], [refused("驳回表单不完整", "audit_data", "请刷新页面后重新填写")]
    picked = {value for value in pick if value.isdigit()}
    rows = [
        {
            "field": fields[i].strip(),
            "error": errors[i].strip()[:MAX_TEXT],
            "suggest": suggests[i].strip()[:MAX_TEXT],
            "picked": str(i) in picked,
        }
        for i in range(len(fields))
    ]
    problems = []
    if not any(row["picked"] for row in rows):
        problems.append(
            refused(
                "驳回时至少选择一条原因",
                "audit_data",
                "勾选常见原因（可修改文字），或填写最后一行的其他原因并勾选",
            )
        )
    for number, row in enumerate(rows, start=1):
        if not row["picked"]:
            continue
        if row["field"] not in FIELD_LABELS:
            problems.append(
                refused(f"第 {number} 条原因没有选择字段", "field", "请选择需要修改的字段")
            )
        if not row["error"]:
            problems.append(refused(f"第 {number} 条原因没有填写问题", "error", "请写明问题所在"))
    return rows, problems
