"""The applet principal's face check (人脸核身): start a task, upload the photo, read the report.

The photo is checked component by component; what a classical method cannot decide goes
to the platform reviewer. The stored photo's media id is kept in the task's report so the
reviewer can find it.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from beian.accounts.models import User
from beian.core.workflow import EDITABLE, Status
from beian.db import transaction
from beian.documents.face import check_face_photo
from beian.documents.service import store_upload
from beian.facecheck import service as facecheck
from beian.facecheck.models import FaceTask
from beian.facecheck.service import FaceTaskError
from beian.filings import face_change as for_change
from beian.filings import service
from beian.filings.errors import FilingError
from beian.filings.models import Filing
from beian.web.applicant_common import Applicant, back_to, china_time, flash, now
from beian.web.applicant_form import (
    APPLET_PRINCIPAL,
    SUBJECT_PRINCIPAL,
    VERIFY_TASK,
    is_editable,
    lookup,
    put,
    same_principal_now,
)
from beian.web.templating import render

router = APIRouter(include_in_schema=False)
FACE_PHOTO_FIELD = f"{APPLET_PRINCIPAL}.face_photo"

# Each component of the photo report in plain Chinese.
COMPONENT_LABELS = {
    "ImageReadable": "图片可以读取",
    "SingleFacePresent": "照片中只有一张人脸",
    "HeadSize": "人脸大小合适",
    "FaceWidthPixels": "人脸足够清楚（像素宽度）",
    "FaceCentring": "人脸居中",
    "MarginAboveOfTheFaceImage": "头顶上方留有空间",
    "MarginBelowOfTheFaceImage": "下巴下方留有空间（拍到上半身）",
    "BackgroundUniformity": "背景纯净无杂物",
    "BackgroundLuminance": "背景为白色或浅色",
    "LuminanceMean": "面部亮度适中",
    "Sharpness": "照片清晰",
    "NaturalColour": "彩色照片、肤色自然",
    "EyesOpen": "双眼睁开",
    "MouthOcclusionPrevention": "口鼻无遮挡（未戴口罩）",
    "FaceOcclusionPrevention": "面部无遮挡（墨镜、手、头发等）",
    "NoHeadCoverings": "未戴帽子或头饰",
    "NoEarphones": "未戴耳机",
    "UpperBodyClothed": "上身着装得体",
    "ExpressionNeutrality": "表情自然",
}
RESULT_LABELS = {"pass": "通过", "fail": "未通过", "review": "待人工确认"}
VERDICTS = {
    "pass": "照片通过检查，人脸核身已完成。",
    "fail": "照片未通过检查，请按下方提示重新拍摄，并重新发起人脸核身。",
    "review": "照片已提交。部分项目需由审核人员人工确认，不影响提交备案。",
}


@router.get("/filings/{filing_id}/face")
def face_page(request: Request, filing_id: str, user: Applicant) -> Response:
    """The applet principal's face check: task status, photo upload and the report."""
    return _page(request, filing_id, user, notice=flash(request))


@router.post("/filings/{filing_id}/face/task")
def start_task(
    request: Request,
    filing_id: str,
    user: Applicant,
    principal_name: Annotated[str | None, Form()] = None,
) -> Response:
    """Create a face-check task: named in an editable filing, or kept for a change of a
    record (of the principal the change will name: `principal_name`, else the record's)."""
    moment = now(request)
    try:
        with transaction(request.app.state.sessions) as db:
            filing = service.own_filing(db, filing_id, user.username)
            if filing.status == Status.FILED:
                # The record stays as filed: the change names the task when it is submitted.
                for_change.start_for_change(db, record_id=filing.id, applicant=user.username,
                                            now=moment, principal_name=principal_name)
            else:
                _name_new_task(db, filing, user, moment)
    except FilingError as error:
        if error.status == 404:
            raise
        return _page(request, filing_id, user, problems=error.findings, status_code=error.status)
    return back_to(f"/filings/{filing_id}/face", "face_started")


def _name_new_task(db: Session, filing: Filing, user: User, moment: datetime) -> None:
    problem = _cannot_change(db, filing)
    name = _principal_name(filing.document)
    if problem is None and not name:
        problem = _problem(f"{APPLET_PRINCIPAL}.name", "请先填写小程序负责人姓名",
                           "在表单的“小程序负责人”一步填写姓名并保存后再发起人脸核身")
    if problem is not None:
        raise problem
    task = facecheck.create_task(db, applicant_key=user.username,
                                 principal_name=name, now=moment)
    document = copy.deepcopy(filing.document)
    put(document, VERIFY_TASK, task.id)
    service.update_filing(db, filing_id=filing.id, applicant=user.username,
                          document=document, now=moment)


@router.post("/filings/{filing_id}/face/photo")
async def upload_photo(request: Request, filing_id: str, user: Applicant) -> Response:
    """Check the principal's photo and record the task's result."""
    async with request.form() as form:
        upload = form.get("photo")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
    return await run_in_threadpool(_check_photo, request, filing_id, user, data)


def _check_photo(request: Request, filing_id: str, user: User, data: bytes) -> Response:
    state, moment = request.app.state, now(request)
    if not data:
        problem = _problem("photo", "请选择要上传的照片", "JPG 或 PNG 格式，不超过 2 MB")
        return _page(request, filing_id, user, problems=problem.findings, status_code=422)
    refusals: list[dict[str, Any]] = []
    try:
        with transaction(state.sessions) as db:
            filing = service.own_filing(db, filing_id, user.username)
            task = _current_task(db, filing, user)
            if task is None:
                raise _problem(VERIFY_TASK, "还没有人脸核身任务", "请先点击“发起人脸核身”")
            stored = store_upload(db, state.storage,
                                  owner_key=user.username, field=FACE_PHOTO_FIELD,
                                  filename="photo", data=data, now=moment)
            if isinstance(stored, list):
                refusals = [item.to_dict() for item in stored]
            else:
                report = check_face_photo(data)
                facecheck.record_result(db, task_id=task.id, now=moment, verdict=report.verdict,
                                        report={**report.to_dict(), "media_id": stored.id})
    except FilingError as error:
        if error.status == 404:
            raise
        return _page(request, filing_id, user, problems=error.findings, status_code=error.status)
    except FaceTaskError as error:
        problem = _problem(VERIFY_TASK, str(error), "请重新发起人脸核身后再上传照片")
        return _page(request, filing_id, user, problems=problem.findings, status_code=409)
    if refusals:
        return _page(request, filing_id, user, problems=refusals, status_code=422)
    return _page(request, filing_id, user, notice="照片已检查，结果见下方。")


def _page(request: Request, filing_id: str, user: User, *, notice: str | None = None,
          problems: list[dict[str, Any]] | None = None, status_code: int = 200) -> Response:
    moment = now(request)
    with request.app.state.sessions() as db:
        filing = service.own_filing(db, filing_id, user.username)
        task = _current_task(db, filing, user)
        view = None
        if task is not None:
            status = facecheck.status_at(task, moment)
            view = {
                "label": facecheck.STATUS_LABELS[status],
                "status": status.value,
                "expires_at": china_time(task.expires_at),
                "link_open": status.value == "pending" and moment < task.notify_expires_at,
                "link_until": china_time(task.notify_expires_at),
                "reason": task.reason,
                "report": _report(task.result),
            }
        for_a_change = filing.status == Status.FILED
        # A record's own (old) task is shown but never replaced: only a change's task is.
        replaceable = _change_task(db, filing, user) if for_a_change else task
        blocked = _cannot_change(db, filing)
        can_change = blocked is None
        ready = (for_a_change and can_change and replaceable is not None
                 and facecheck.status_at(replaceable, moment).value in ("passed", "review"))
        context = {
            "title": "人脸核身",
            "filing_id": filing.id,
            "applet_name": filing.applet_name or "未命名的备案",
            "principal_name": _principal_name(filing.document),
            "for_a_change": for_a_change,
            "back_url": f"/filings/{filing.id}/{'change' if for_a_change else 'edit'}"
                        "#step-applet_principal",
            "can_change": can_change,
            "can_start": can_change and facecheck.may_start_again(replaceable, moment),
            # A change may name a new applet principal, whose own check may start at any
            # time; the name the form offers is the one the newest task checked.
            "start_name": replaceable.principal_name if for_a_change and replaceable
            else _principal_name(filing.document),
            # Why a filed record cannot have a face check for a change now (one under way).
            "blocked": blocked.findings[0] if for_a_change and blocked is not None else None,
            "change_ready": ready,
            "task": view,
            "notice": notice,
            "problems": problems or [],
        }
    return render(request, "applicant/face.html", context, status_code=status_code)


def _report(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if not result or "components" not in result:
        return None
    rows = []
    for item in result.get("components", []):
        value = item.get("value")
        rows.append({
            "label": COMPONENT_LABELS.get(item.get("name", ""), item.get("name", "")),
            "value": "—" if value is None else (f"{value:.2f}" if isinstance(value, float)
                                                else str(value)),
            "threshold": threshold_text(str(item.get("threshold") or "")),
            "result": item.get("result"),
            "result_label": RESULT_LABELS.get(item.get("result", ""), ""),
        })
    verdict = result.get("verdict", "")
    return {"verdict": verdict, "verdict_text": VERDICTS.get(verdict, ""),
            "components": rows, "hints": result.get("hints", [])}


def threshold_text(threshold: str) -> str:
    """A component's requirement in plain words: "≥ 0.20", "15.0–25.0 人工确认，≥ 25.0 通过"."""
    banded = re.fullmatch(r"fail < ([\d.]+) <= review < ([\d.]+) <= pass", threshold)
    if banded:
        low, high = banded.groups()
        return f"≥ {high} 通过；{low}–{high} 人工确认"
    words = {"human": "人工确认", "readable JPEG/PNG": "JPG/PNG 图片",
             "visible background": "可见的背景"}
    if threshold in words:
        return words[threshold]
    text = threshold.replace(">=", "≥").replace("<=", "≤").replace("==", "=")
    return text.replace(" in both eyes", "（双眼）").replace("..", "–")


def _own_task(db: Session, document: dict[str, Any], user: User) -> FaceTask | None:
    task_id = lookup(document, VERIFY_TASK)
    task = facecheck.get_task(db, task_id) if isinstance(task_id, str) else None
    return task if task is not None and task.applicant_key == user.username else None


def _change_task(db: Session, filing: Filing, user: User) -> FaceTask | None:
    return for_change.task_for_change(db, record=filing, applicant=user.username)


def _current_task(db: Session, filing: Filing, user: User) -> FaceTask | None:
    """The task this page works on: a filed record's change task first, else the named one."""
    if filing.status == Status.FILED:
        return _change_task(db, filing, user) or _own_task(db, filing.document, user)
    return _own_task(db, filing.document, user)


def _principal_name(document: dict[str, Any]) -> str:
    source = SUBJECT_PRINCIPAL if same_principal_now(document) else APPLET_PRINCIPAL
    name = lookup(document, f"{source}.name") or lookup(document, f"{APPLET_PRINCIPAL}.name")
    return name.strip() if isinstance(name, str) else ""


def _cannot_change(db: Session, filing: Filing) -> FilingError | None:
    if filing.status == Status.FILED:
        try:
            for_change.refuse_unless_changeable(db, filing)
        except FilingError as error:
            return error
        return None
    if Status(filing.status) not in EDITABLE:
        return _problem("status", "当前状态下不能更换人脸核身任务",
                        "审核中的备案请先撤回；已备案的记录请申请变更")
    if not is_editable(VERIFY_TASK, filing.unlocked_fields):
        return _problem(VERIFY_TASK, "驳回原因未涉及人脸核身，不能更换人脸核身任务",
                        "请只修改驳回原因中列出的字段")
    return None


def _problem(field: str, message: str, suggest: str) -> FilingError:
    return FilingError(message, field=field, suggest=suggest)
