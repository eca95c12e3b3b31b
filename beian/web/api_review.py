"""The reviewers' operations: queues, claims, calls, approvals, rejections, audited reveals."""

from __future__ import annotations

from fastapi import APIRouter, Request

from beian.filings import review
from beian.filings.reasons import REASON_LIBRARY, label
from beian.filings.views import filing_summary, reveal_document
from beian.web.api_common import (
    BureauReviewer,
    FilingId,
    PlatformReviewer,
    Reviewer,
    errors,
    now_of,
    review_stage,
    unit_of_work,
    visible_filing,
)
from beian.web.api_filings import detail
from beian.web.api_schemas import (
    CallRequest,
    FilingDetail,
    FilingSummary,
    ReasonOut,
    RejectionRequest,
    RevealedDocument,
    RevealRequest,
    VerificationCallOut,
)

router = APIRouter(prefix="/api/v1", tags=["review"])


@router.get(
    "/review/platform/queue",
    operation_id="listPlatformQueue",
    response_model=list[FilingSummary],
    responses=errors(401, 403),
)
def list_platform_queue(user: PlatformReviewer, request: Request) -> list[FilingSummary]:
    """Filings waiting for platform review, soonest deadline first."""
    with unit_of_work(request) as session:
        return [
            FilingSummary.model_validate(filing_summary(filing, now=now_of(request)))
            for filing in review.queue(session, stage="platform")
        ]


@router.get(
    "/review/bureau/queue",
    operation_id="listBureauQueue",
    response_model=list[FilingSummary],
    responses=errors(401, 403),
)
def list_bureau_queue(user: BureauReviewer, request: Request) -> list[FilingSummary]:
    """Filings of the reviewer's own province waiting for bureau review."""
    with unit_of_work(request) as session:
        return [
            FilingSummary.model_validate(filing_summary(filing, now=now_of(request)))
            for filing in review.queue(session, stage="bureau", province=user.province)
        ]


@router.get(
    "/review/reasons",
    operation_id="listRejectionReasons",
    response_model=list[ReasonOut],
    responses=errors(401, 403),
)
def list_rejection_reasons(user: Reviewer) -> list[ReasonOut]:
    """The library of common rejection reasons a reviewer picks from and edits."""
    return [ReasonOut(key_name=label(item["field"]), **item) for item in REASON_LIBRARY]


@router.post(
    "/filings/{filing_id}/claim",
    operation_id="claimFiling",
    response_model=FilingDetail,
    responses=errors(401, 403, 404, 409, 422),
)
def claim_filing(filing_id: FilingId, user: Reviewer, request: Request) -> FilingDetail:
    """Take a filing for review in the reviewer's own stage (bureau: own province only)."""
    with unit_of_work(request) as session:
        filing = review.claim(
            session,
            filing_id=filing_id,
            reviewer=user.username,
            stage=review_stage(user),
            province=user.province,
            now=now_of(request),
        )
        return detail(session, filing, request, masked=True)


@router.post(
    "/filings/{filing_id}/calls",
    operation_id="recordVerificationCall",
    status_code=201,
    response_model=VerificationCallOut,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def record_verification_call(
    filing_id: FilingId, body: CallRequest, user: PlatformReviewer, request: Request
) -> VerificationCallOut:
    """Record a phone call to a principal of a filing the reviewer holds."""
    with unit_of_work(request) as session:
        call = review.record_call(
            session,
            filing_id=filing_id,
            reviewer=user.username,
            principal=body.principal,
            outcome=body.outcome,
            note=body.note,
            now=now_of(request),
        )
        return VerificationCallOut.model_validate(call, from_attributes=True)


@router.post(
    "/filings/{filing_id}/platform-review/approve",
    operation_id="approvePlatformReview",
    response_model=FilingDetail,
    responses=errors(401, 403, 404, 409, 422),
)
def approve_platform_review(
    filing_id: FilingId, user: PlatformReviewer, request: Request
) -> FilingDetail:
    """Pass platform review (a face photo left to a person counts as approved too)."""
    with unit_of_work(request) as session:
        filing = review.approve_platform(
            session, filing_id=filing_id, reviewer=user.username, now=now_of(request)
        )
        return detail(session, filing, request, masked=True)


@router.post(
    "/filings/{filing_id}/platform-review/reject",
    operation_id="rejectPlatformReview",
    response_model=FilingDetail,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def reject_platform_review(
    filing_id: FilingId, body: RejectionRequest, user: PlatformReviewer, request: Request
) -> FilingDetail:
    """Reject with reasons; only the named fields stay editable for the applicant."""
    with unit_of_work(request) as session:
        filing = review.reject_platform(
            session,
            filing_id=filing_id,
            reviewer=user.username,
            audit_data=[entry.model_dump(exclude_none=True) for entry in body.audit_data],
            now=now_of(request),
        )
        return detail(session, filing, request, masked=True)


@router.post(
    "/filings/{filing_id}/bureau-review/approve",
    operation_id="approveBureauReview",
    response_model=FilingDetail,
    responses=errors(401, 403, 404, 409, 422),
)
def approve_bureau_review(
    filing_id: FilingId, user: BureauReviewer, request: Request
) -> FilingDetail:
    """Pass bureau review: the filing number is issued."""
    with unit_of_work(request) as session:
        filing = review.approve_bureau(
            session,
            filing_id=filing_id,
            reviewer=user.username,
            province=user.province or "",
            now=now_of(request),
        )
        return detail(session, filing, request, masked=True)


@router.post(
    "/filings/{filing_id}/bureau-review/reject",
    operation_id="rejectBureauReview",
    response_model=FilingDetail,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def reject_bureau_review(
    filing_id: FilingId, body: RejectionRequest, user: BureauReviewer, request: Request
) -> FilingDetail:
    """Reject in bureau review with reasons."""
    with unit_of_work(request) as session:
        filing = review.reject_bureau(
            session,
            filing_id=filing_id,
            reviewer=user.username,
            province=user.province or "",
            audit_data=[entry.model_dump(exclude_none=True) for entry in body.audit_data],
            now=now_of(request),
        )
        return detail(session, filing, request, masked=True)


@router.post(
    "/filings/{filing_id}/reveal",
    operation_id="revealFiling",
    response_model=RevealedDocument,
    responses=errors(400, 401, 403, 404, 422),
)
def reveal_filing(
    filing_id: FilingId, body: RevealRequest, user: Reviewer, request: Request
) -> RevealedDocument:
    """The unmasked document of a filing the reviewer may see; the reveal is audited."""
    with unit_of_work(request) as session:
        filing, _masked = visible_filing(session, filing_id, user)
        document = reveal_document(
            session, filing, viewer=user.username, reason=body.reason, now=now_of(request)
        )
        return RevealedDocument(filing_id=filing.id, document=document)
