"""The applicant's filing operations, and reading one filing for every role that may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.accounts.models import User
from beian.core.precheck import precheck
from beian.filings import rows, service
from beian.filings.models import Filing, FilingEvent
from beian.filings.registry import DatabaseRegistry
from beian.filings.views import filing_detail, filing_summary
from beian.web.api_common import (
    Applicant,
    ApplicantCaller,
    FilingId,
    Reader,
    check_plain_json,
    errors,
    now_of,
    unit_of_work,
    visible_filing,
)
from beian.web.api_schemas import (
    FilingDetail,
    FilingSummary,
    FilingWithFindings,
    PrecheckRequest,
    PrecheckResult,
)

router = APIRouter(prefix="/api/v1", tags=["filings"])
# createFiling and the actions (submitFiling...) are asynchronous endpoints that do their
# database work in one trip to the thread pool: FastAPI sends a synchronous endpoint there
# and then, for the response model, a second time; each trip is a hand-over between
# threads on every request.

Document = Annotated[
    dict[str, Any],
    Body(
        description=(
            "备案信息：与微信 apply_icp_filing 相同结构的 JSON 对象（icp_subject、icp_applets、"
            "icp_materials）。内容问题由预检以 findings 报告，不会拒绝保存草稿。"
        )
    ),
]
MAX_LISTED = 200


def detail(
    session: Session,
    filing: Filing,
    request: Request,
    *,
    masked: bool,
    history: list[FilingEvent] | None = None,
) -> FilingDetail:
    """The API shape of one filing (`history`: see views.filing_detail)."""
    shown = filing_detail(session, filing, now=now_of(request), masked=masked, history=history)
    return FilingDetail.model_validate({**shown, "masked": masked})


def _with_findings(
    session: Session,
    filing: Filing,
    request: Request,
    findings: list[dict[str, Any]],
    *,
    new: bool = False,
) -> FilingWithFindings:
    shown = filing_detail(session, filing, now=now_of(request), masked=False, new=new)
    return FilingWithFindings.model_validate({**shown, "masked": False, "findings": findings})


@router.post(
    "/filings",
    operation_id="createFiling",
    status_code=201,
    response_model=FilingWithFindings,
    responses=errors(400, 401, 403, 422),
)
async def create_filing(
    document: Document, caller: ApplicantCaller, request: Request
) -> FilingWithFindings:
    """Save a new draft filing and return it with its pre-check findings."""
    return await run_in_threadpool(_create_filing, document, caller, request)


def _create_filing(
    document: dict[str, Any], caller: Callable[..., User], request: Request
) -> FilingWithFindings:
    user = caller()
    check_plain_json(document)
    with unit_of_work(request) as session:
        filing, findings = service.create_filing(
            session, applicant=user.username, document=document, now=now_of(request)
        )
        return _with_findings(session, filing, request, findings, new=True)


@router.put(
    "/filings/{filing_id}",
    operation_id="updateFiling",
    response_model=FilingWithFindings,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def update_filing(
    filing_id: FilingId, document: Document, user: Applicant, request: Request
) -> FilingWithFindings:
    """Replace the document of an editable filing; after a rejection only the unlocked fields."""
    check_plain_json(document)
    with unit_of_work(request) as session:
        filing, findings = service.update_filing(
            session,
            filing_id=filing_id,
            applicant=user.username,
            document=document,
            now=now_of(request),
        )
        return _with_findings(session, filing, request, findings)


@router.get(
    "/filings/{filing_id}",
    operation_id="getFiling",
    response_model=FilingDetail,
    responses=errors(401, 403, 404, 422),
)
def get_filing(filing_id: FilingId, user: Reader, request: Request) -> FilingDetail:
    """One filing with its status, deadline, rejection reasons and history.

    Applicants read their own filings whole. Platform reviewers read every submitted
    filing, bureau reviewers those of their province; both get phones and ID numbers
    masked (see revealFiling).
    """
    with unit_of_work(request) as session:
        filing, masked = visible_filing(session, filing_id, user)
        return detail(session, filing, request, masked=masked)


@router.get(
    "/filings",
    operation_id="listMyFilings",
    response_model=list[FilingSummary],
    responses=errors(401, 403),
)
def list_my_filings(user: Applicant, request: Request) -> list[FilingSummary]:
    """The applicant's own filings, newest first."""
    query = (
        select(Filing)
        .where(Filing.applicant == user.username)
        .order_by(Filing.created_at.desc(), Filing.id)
        .limit(MAX_LISTED)
    )
    with unit_of_work(request) as session:
        return [
            FilingSummary.model_validate(filing_summary(filing, now=now_of(request)))
            for filing in session.scalars(query)
        ]


@router.post(
    "/filings/{filing_id}/precheck",
    operation_id="precheckFiling",
    response_model=PrecheckResult,
    responses=errors(400, 401, 403, 404, 422),
)
def precheck_filing(
    filing_id: FilingId,
    user: Applicant,
    request: Request,
    body: Annotated[PrecheckRequest | None, Body()] = None,
) -> PrecheckResult:
    """Run the full pre-check (cross-filing rules included) on a stored filing.

    Without a body the stored document is checked. With `{"document": {...}}` that document
    is checked as if it replaced the stored one; nothing is saved either way.
    """
    with unit_of_work(request) as session:
        filing = service.own_filing(session, filing_id, user.username)
        if body is None:
            return _result(service.check(session, filing, now=now_of(request)))
        check_plain_json(body.document, "document")
        ignore = {filing.id, filing.replaces_id or ""}
        return _result(
            _check(session, body.document, request, ignore, filing.id, user.username)
        )


@router.post(
    "/precheck",
    operation_id="precheckDocument",
    response_model=PrecheckResult,
    responses=errors(400, 401, 403, 422),
)
def precheck_document(body: PrecheckRequest, user: Applicant, request: Request) -> PrecheckResult:
    """Run the full pre-check on a document that is not stored (before createFiling)."""
    check_plain_json(body.document, "document")
    with unit_of_work(request) as session:
        return _result(_check(session, body.document, request, set(), None, user.username))


def _check(
    session: Session,
    document: dict[str, Any],
    request: Request,
    ignore: set[str],
    filing_id: str | None,
    applicant: str,
) -> list[dict[str, Any]]:
    now = now_of(request)
    registry = DatabaseRegistry(session, now=now, ignore=ignore)
    # The province's stored rules too, as at save and submit: a clean answer here must
    # not turn into a refusal there.
    config = registry.read_ahead(document, filing_id=filing_id, applicant=applicant)()
    found = precheck(document, now=now, registry=registry, config=config,
                     filing_id=filing_id, applicant=applicant)
    return [item.to_dict() for item in found]


def _result(findings: list[dict[str, Any]]) -> PrecheckResult:
    ok = not any(item["severity"] == "error" for item in findings)
    return PrecheckResult.model_validate({"ok": ok, "findings": findings})


def _lifecycle(name: str, operation_id: str, summary: str, path: str) -> None:
    """Declare an applicant action that takes no body and returns the filing."""
    # Submitting may know the whole history already (a first submission): not read again.
    action = _ACTIONS_WITH_HISTORY.get(name) or _without_history(getattr(service, name))

    def act(filing_id: str, caller: Callable[..., User], request: Request) -> FilingDetail:
        # The filing is asked for with the token's look-up: one round trip fewer.
        user = caller(lambda session: rows.ask(session, filing_id))
        with unit_of_work(request) as session:
            filing, history = action(
                session, filing_id=filing_id, applicant=user.username, now=now_of(request)
            )
            return detail(session, filing, request, masked=False, history=history)

    async def endpoint(
        filing_id: FilingId, caller: ApplicantCaller, request: Request
    ) -> FilingDetail:
        return await run_in_threadpool(act, filing_id, caller, request)

    endpoint.__doc__ = summary
    endpoint.__name__ = name
    router.post(
        f"/filings/{{filing_id}}/{path}",
        operation_id=operation_id,
        response_model=FilingDetail,
        responses=errors(401, 403, 404, 409, 422),
        summary=summary,
    )(endpoint)


_Acted = tuple[Filing, list[FilingEvent] | None]
_ACTIONS_WITH_HISTORY: dict[str, Callable[..., _Acted]] = {
    "submit": service.submit_with_history,
}


def _without_history(action: Callable[..., Filing]) -> Callable[..., _Acted]:
    def acted(session: Session, **arguments: Any) -> _Acted:
        return action(session, **arguments), None

    return acted


_lifecycle(
    "submit", "submitFiling", "Submit a draft to platform review (pre-check must pass).", "submit"
)
_lifecycle("withdraw", "withdrawFiling", "Take a filing back from platform review.", "withdraw")
_lifecycle(
    "resubmit",
    "resubmitFiling",
    "Resubmit after a rejection or an SMS failure (unchanged data skips the platform).",
    "resubmit",
)
_lifecycle(
    "request_cancellation",
    "requestCancellation",
    "Ask to cancel a filed record; the applet principal confirms by SMS within 24 h.",
    "cancellation",
)


@router.post(
    "/filings/{filing_id}/change",
    operation_id="requestChange",
    status_code=201,
    response_model=FilingDetail,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def request_change(
    filing_id: FilingId, document: Document, user: Applicant, request: Request
) -> FilingDetail:
    """Submit a change of a filed record: a new filing (kind "change") goes to review."""
    check_plain_json(document)
    with unit_of_work(request) as session:
        change = service.request_change(
            session,
            filing_id=filing_id,
            applicant=user.username,
            document=document,
            now=now_of(request),
        )
        return detail(session, change, request, masked=False)
