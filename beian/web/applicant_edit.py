"""The guided form: new filing, edit a draft or a rejected filing, change a filed record.

Saving runs the full pre-check and shows each finding beside its field. Files are stored
first, in their own transaction, so a refused save does not lose an accepted file; their
media ids then go into the document. Without JavaScript the save round trip does it all.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from beian.accounts.models import User
from beian.core.workflow import EDITABLE, STATUS_LABELS, Status
from beian.db import transaction
from beian.documents.gate import ACCEPTED, kind_for_field
from beian.facecheck import service as facecheck
from beian.filings import face_change as for_change
from beian.filings import service
from beian.filings.errors import FilingError
from beian.filings.models import Filing
from beian.filings.reasons import label
from beian.web.applicant_common import Applicant, back_to, china_time, flash, now
from beian.web.applicant_form import (
    MATERIAL_LABELS,
    MAX_NRLX_ROWS,
    NRLX,
    NRLX_SPARE_ROWS,
    SERVICE_TYPES,
    STEPS,
    VERIFY_TASK,
    FormValues,
    assemble,
    is_editable,
    lookup,
    place_findings,
    put,
    same_principal_now,
    step_of,
)
from beian.web.applicant_options import dictionary_data, options_for, service_type_groups
from beian.web.applicant_uploads import (
    media_ids,
    media_info,
    posted_files,
    schedule_ocr,
    store_files,
)
from beian.web.templating import render

router = APIRouter(include_in_schema=False)
STEP_KEYS = tuple(step.key for step in STEPS)
# Face-task statuses a submission may name (a photo left to a human is judged in review).
USABLE = ("passed", "review")


@router.get("/filings/new")
def new_form(request: Request, user: Applicant) -> Response:
    """An empty guided form."""
    return form_page(request, user, mode="new", filing=None, document={}, findings=[])


@router.post("/filings/new")
async def new_submit(request: Request, user: Applicant) -> Response:
    """Save the posted form as a new draft (and submit it when asked)."""
    async with request.form() as form:
        files = await posted_files(form)
        return await run_in_threadpool(_save, request, user, form, files, None, "new")


@router.get("/filings/{filing_id}/edit")
def edit_form(request: Request, filing_id: str, user: Applicant) -> Response:
    """The guided form of an editable filing, with every current finding beside its field."""
    with request.app.state.sessions() as db:
        filing = service.own_filing(db, filing_id, user.username)
        if Status(filing.status) not in EDITABLE:
            return back_to(f"/filings/{filing.id}", "not_editable")
        findings = service.check(db, filing, now=now(request))
        document = filing.document
    return form_page(request, user, mode="edit", filing=filing, document=document,
                     findings=findings, notice=flash(request))


@router.post("/filings/{filing_id}/edit")
async def edit_submit(request: Request, filing_id: str, user: Applicant) -> Response:
    """Save the posted form over the draft (and submit or resubmit it when asked)."""
    async with request.form() as form:
        files = await posted_files(form)
        return await run_in_threadpool(_save, request, user, form, files, filing_id, "edit")


@router.get("/filings/{filing_id}/change")
def change_form(request: Request, filing_id: str, user: Applicant) -> Response:
    """The guided form prefilled with a filed record, to submit a change."""
    with request.app.state.sessions() as db:
        filing = service.own_filing(db, filing_id, user.username)
        if filing.status != Status.FILED:
            return back_to(f"/filings/{filing.id}", "not_editable")
        document = _with_change_task(db, filing, user, filing.document)
    return form_page(request, user, mode="change", filing=filing, document=document,
                     findings=[])


@router.post("/filings/{filing_id}/change")
async def change_submit(request: Request, filing_id: str, user: Applicant) -> Response:
    """Submit the changed record for review (request_change)."""
    async with request.form() as form:
        files = await posted_files(form)
        return await run_in_threadpool(_save, request, user, form, files, filing_id, "change")


def _save(
    request: Request,
    user: User,
    form: FormValues,
    files: list[Any],
    filing_id: str | None,
    mode: str,
) -> Response:
    state, moment = request.app.state, now(request)
    with transaction(state.sessions) as db:
        filing = service.own_filing(db, filing_id, user.username) if filing_id else None
        if mode == "edit" and filing is not None and Status(filing.status) not in EDITABLE:
            return back_to(f"/filings/{filing.id}", "not_editable")
        if mode == "change" and filing is not None and filing.status != Status.FILED:
            return back_to(f"/filings/{filing.id}", "not_editable")
        base = filing.document if filing is not None else {}
        uploads, refusals = store_files(db, state.storage, files,
                                        owner=user.username, now=moment)
        document = assemble(form, base, uploads=uploads)
        if mode == "change" and filing is not None:
            document = _with_change_task(db, filing, user, document)
    step = form.get("step") if form.get("step") in STEP_KEYS else None
    again = {"request": request, "user": user, "mode": mode, "document": document, "step": step}
    try:
        with transaction(state.sessions) as db:
            if mode == "new":
                filing, findings = service.create_filing(
                    db, applicant=user.username, document=document, now=moment)
            elif mode == "edit":
                filing, findings = service.update_filing(
                    db, filing_id=filing_id or "", applicant=user.username, document=document,
                    now=moment)
            else:
                filing = service.request_change(
                    db, filing_id=filing_id or "", applicant=user.username, document=document,
                    now=moment)
                findings = []
            schedule_ocr(db, document, uploads, now=moment)
    except FilingError as error:
        if error.status == 404:
            raise
        return _refused(again, filing, error.findings + refusals)
    if mode == "change":
        return back_to(f"/filings/{filing.id}", "change_submitted")
    if refusals:
        return _refused({**again, "mode": "edit"}, filing, findings + refusals)
    if form.get("action") == "submit":
        return _submit(again, filing)
    if mode == "new":
        return back_to(f"/filings/{filing.id}/edit", "created")
    return form_page(request, user, mode="edit", filing=filing, document=document,
                     findings=findings, notice="已保存。", step=step)


def _submit(again: dict[str, Any], filing: Filing) -> Response:
    request, user = again["request"], again["user"]
    resubmit = filing.status != Status.DRAFT
    action = service.resubmit if resubmit else service.submit
    try:
        with transaction(request.app.state.sessions) as db:
            action(db, filing_id=filing.id, applicant=user.username, now=now(request))
    except FilingError as error:
        if error.status == 404:
            raise
        return _refused({**again, "mode": "edit", "step": None}, filing, error.findings)
    return back_to(f"/filings/{filing.id}", "resubmitted" if resubmit else "submitted")


def _refused(again: dict[str, Any], filing: Filing | None, findings: list[dict[str, Any]]
             ) -> Response:
    errors = [f for f in findings if f.get("severity") == "error"]
    notice = f"未能完成：有 {len(errors)} 处需要修改，请查看各字段旁的提示。" if errors else None
    return form_page(again["request"], again["user"], mode=again["mode"], filing=filing,
                     document=again["document"], findings=findings, alert=notice,
                     step=again["step"], status_code=422 if errors else 200)


def form_page(
    request: Request,
    user: User,
    *,
    mode: str,
    filing: Filing | None,
    document: dict[str, Any],
    findings: list[dict[str, Any]],
    notice: str | None = None,
    alert: str | None = None,
    step: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render the guided form for `document`, with findings placed beside their fields."""
    placed = place_findings(findings)
    errors_by_step: dict[str, int] = {}
    for item in findings:
        if item.get("severity") == "error":
            key = step_of(str(item.get("err_field") or ""))
            errors_by_step[key] = errors_by_step.get(key, 0) + 1
    if step is None and alert:
        step = next((key for key in STEP_KEYS if errors_by_step.get(key)), None)
    unlocked = filing.unlocked_fields if filing is not None and mode == "edit" else None
    if step is None and unlocked:
        step = step_of(unlocked[0]) or None  # open where the first field to fix is
    with request.app.state.sessions() as db:
        media = media_info(db, media_ids(document), owner=user.username)
        face = _face_task(db, document, user, request)
    context = {
        "title": _TITLES[mode] if filing is None or mode != "edit" else _edit_title(filing),
        "mode": mode,
        "filing": filing,
        "action_url": "/filings/new" if filing is None else f"/filings/{filing.id}/{mode}",
        "resubmit": filing is not None and mode == "edit" and filing.status != Status.DRAFT,
        "steps": STEPS,
        "current_step": step or STEP_KEYS[0],
        "errors_by_step": errors_by_step,
        "document": document,
        "value": lambda path: lookup(document, path),
        "placed": placed,
        "general_findings": placed.get("", []),
        "finding_count": len([f for f in findings if f.get("severity") == "error"]),
        "options_for": lambda kind: options_for(kind, document),
        "service_groups": service_type_groups(),
        "chosen_services": set(lookup(document, SERVICE_TYPES) or []),
        "nrlx_rows": _nrlx_rows(document),
        "materials": [(f"icp_materials.{name}", label, lookup(document, f"icp_materials.{name}")
                       or []) for name, label in MATERIAL_LABELS.items()],
        "media": media,
        "editable": lambda path: is_editable(path, unlocked),
        "locked": unlocked is not None,
        "unlocked_fields": unlocked or [],
        "same_principal": same_principal_now(document),
        "face": face,
        # A change cannot go through on the record's expired task: say so before any edit.
        "face_first": mode == "change" and (face is None or face["status"] not in USABLE),
        "verify_task_path": VERIFY_TASK,
        # Kept inert inside <script type="application/json">: no "<" may close it early.
        "dictionary_json": json.dumps(dictionary_data(), ensure_ascii=False).replace(
            "<", "\\u003c"
        ),
        "accept_for": _accept,
        "path_label": label,
        "notice": notice,
        "alert": alert,
    }
    return render(request, "applicant/form.html", context, status_code=status_code)


def _accept(path: str) -> str:
    kind = kind_for_field(path)
    return ",".join(ACCEPTED[kind]) if kind else ""


_TITLES = {"new": "新建备案", "edit": "填写备案", "change": "申请变更"}


def _edit_title(filing: Filing) -> str:
    if filing.status == Status.DRAFT:
        return "填写备案"
    return f"修改备案（{STATUS_LABELS[Status(filing.status)]}）"


def _nrlx_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    rows = lookup(document, NRLX)
    rows = [row if isinstance(row, dict) else {} for row in rows] if isinstance(rows, list) else []
    spare = min(NRLX_SPARE_ROWS, MAX_NRLX_ROWS - len(rows))
    return rows + [{} for _ in range(max(spare, 0))]


def _with_change_task(db: Session, record: Filing, user: User, document: dict[str, Any]
                      ) -> dict[str, Any]:
    """The document naming the face task started for this change, when there is one.

    The task is found on the server, not read from the form, so a form opened before the
    face check was finished still submits the new task.
    """
    task = for_change.task_for_change(db, record=record, applicant=user.username)
    if task is None:
        return document
    document = copy.deepcopy(document)
    put(document, VERIFY_TASK, task.id)
    return document


def _face_task(db: Session, document: dict[str, Any], user: User, request: Request
               ) -> dict[str, Any] | None:
    task_id = lookup(document, VERIFY_TASK)
    task = facecheck.get_task(db, task_id) if isinstance(task_id, str) else None
    if task is None or task.applicant_key != user.username:
        return None
    status = facecheck.status_at(task, now(request))
    return {
        "status": status.value,
        "label": facecheck.STATUS_LABELS[status],
        "expires_at": china_time(task.expires_at),
    }
