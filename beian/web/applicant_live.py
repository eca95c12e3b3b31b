"""Small JSON endpoints the form's script calls, and the owner-only view of uploaded files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from beian.core.precheck import precheck
from beian.core.precheck.rules.uploads import OFFLINE as UPLOADS_UNCHECKED_OFFLINE
from beian.filings import service
from beian.filings.errors import NotFound
from beian.web.applicant_common import Applicant, now
from beian.web.applicant_form import FormValues, anchor_for, assemble, step_of
from beian.web.applicant_options import district_choices
from beian.web.applicant_uploads import media_ids, owned_media

router = APIRouter(include_in_schema=False)


@router.get("/filings/-/districts")
def districts(user: Applicant, parent: str = "") -> JSONResponse:
    """Cities of a province or districts of a city, for the dependent selects."""
    items = district_choices(parent) if parent.isdigit() and len(parent) == 6 else []
    return JSONResponse(
        {"parent": parent, "items": [{"code": code, "name": name} for code, name in items]}
    )


@router.post("/filings/-/precheck")
async def live_precheck(request: Request, user: Applicant) -> JSONResponse:
    """Run the offline pre-check on the form as it is now; findings carry their anchor."""
    async with request.form() as form:
        return await run_in_threadpool(_live_precheck, request, user.username, form)


def _live_precheck(request: Request, username: str, form: FormValues) -> JSONResponse:
    base: dict[str, Any] = {}
    filing_id = form.get("filing_id")
    if isinstance(filing_id, str) and filing_id:
        with request.app.state.sessions() as db:
            try:
                base = service.own_filing(db, filing_id, username).document
            except NotFound as error:
                return JSONResponse({"errors": error.findings}, status_code=404)
    document = assemble(form, base)
    findings = []
    for item in precheck(document, now=now(request)):
        if item.errcode == UPLOADS_UNCHECKED_OFFLINE:
            # The form's files come from this system's own upload; saving checks they are
            # the applicant's. Warning that an offline check cannot tell would only alarm.
            continue
        found = item.to_dict()
        field = str(found["err_field"])
        findings.append({**found, "anchor": anchor_for(field), "step": step_of(field)})
    return JSONResponse({"findings": findings})


@router.get("/filings/{filing_id}/media/{media_id}")
def media_file(request: Request, filing_id: str, media_id: str, user: Applicant) -> Response:
    """An uploaded file of the applicant's own filing; nobody else gets it."""
    with request.app.state.sessions() as db:
        filing = service.own_filing(db, filing_id, user.username)
        media = owned_media(db, media_id, owner=user.username)
        if media is None or media_id not in media_ids(filing.document):
            raise NotFound("文件", field="media_id")
        storage_key, content_type = media.storage_key, media.content_type
    data = request.app.state.storage.get(storage_key)
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )
