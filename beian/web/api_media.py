"""Uploads and the face check: media for filing fields, face tasks and their photos."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from beian.documents.face import check_face_photo
from beian.documents.models import Media
from beian.documents.service import ocr_kind_for_field, schedule_ocr, store_upload
from beian.documents.storage import Storage
from beian.facecheck import service as facecheck
from beian.facecheck.models import FaceTask
from beian.filings.documents import section
from beian.filings.service import own_filing
from beian.web.api_common import PLAIN_TEXT, Applicant, TaskId, errors, now_of, unit_of_work
from beian.web.findings import FindingError

router = APIRouter(prefix="/api/v1", tags=["documents"])

FIELD_PATH = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){0,9}$"
# Where the face photo is kept: a field name the upload gate reads as a photo.
FACE_PHOTO_FIELD = "icp_applets.principal_info.face_photo"
PRINCIPAL_PARTS = ("icp_subject.principal_info.", "icp_applets.principal_info.")
LICENCE_FIELD = "icp_subject.organize_info.certificate_photo"


class MediaOut(BaseModel):
    """An accepted upload: put `id` into the filing field it was uploaded for."""

    id: str
    field: str
    kind: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    pages: int | None
    check_report: dict[str, Any] | None
    ocr_scheduled: bool = Field(description="已安排 OCR 与填写内容核对（结果供审核员参考）")


class FaceTaskRequest(BaseModel):
    """The applet principal who will take the face photo."""

    model_config = ConfigDict(extra="forbid")

    principal_name: str = Field(min_length=1, max_length=64, pattern=PLAIN_TEXT)


class FaceTaskOut(BaseModel):
    """A face-check task; its id is the filing's verify_task_id."""

    id: str
    status: Literal["pending", "review", "passed", "failed", "expired"]
    status_label: str
    principal_name: str
    created_at: datetime
    notify_expires_at: datetime = Field(description="照片链接的有效期（24小时）")
    expires_at: datetime = Field(description="任务有效期（3天）")
    photo_at: datetime | None
    decided_at: datetime | None
    reason: str | None


class PhotoComponent(BaseModel):
    """One measured property of the photo."""

    name: str
    value: float | int | str | None
    threshold: str
    result: Literal["pass", "fail", "review"]


class PhotoReport(BaseModel):
    """What the face check found: pass, fail, or review (a person decides)."""

    verdict: Literal["pass", "fail", "review"]
    components: list[PhotoComponent]
    hints: list[str]


class FacePhotoResult(BaseModel):
    """The task after the photo was judged, with the check's report."""

    task: FaceTaskOut
    report: PhotoReport


def task_out(task: FaceTask, now: datetime) -> FaceTaskOut:
    """The API shape of a face task, its status read at `now`."""
    status = facecheck.status_at(task, now)
    return FaceTaskOut(
        id=task.id,
        status=status.value,  # type: ignore[arg-type]
        status_label=facecheck.STATUS_LABELS[status],
        principal_name=task.principal_name,
        created_at=task.created_at,
        notify_expires_at=task.notify_expires_at,
        expires_at=task.expires_at,
        photo_at=task.photo_at,
        decided_at=task.decided_at,
        reason=task.reason,
    )


def _storage(request: Request) -> Storage:
    return request.app.state.storage  # type: ignore[no-any-return]


def _refuse(findings: list[Any], field: str | None = None) -> FindingError:
    shown = [item.to_dict() for item in findings]
    if field is not None:
        shown = [{**item, "err_field": field} for item in shown]
    return FindingError(422, shown)


@router.post(
    "/media",
    operation_id="uploadMedia",
    status_code=201,
    response_model=MediaOut,
    responses=errors(400, 401, 403, 404, 413, 422),
)
def upload_media(
    user: Applicant,
    request: Request,
    file: Annotated[UploadFile, File(description="JPG/PNG（信函可为 PDF），图片不超过 2 MB")],
    field: Annotated[str, Form(pattern=FIELD_PATH, description="该文件所属字段的点分路径")],
    filing_id: Annotated[
        str | None,
        Form(
            pattern=r"^[A-Za-z0-9_-]{1,32}$",
            description="可选：从该备案读取已填写的内容做 OCR 核对",
        ),
    ] = None,
) -> MediaOut:
    """Upload a document or photo for one filing field; a refusal is a finding on that field.

    With `filing_id`, ID-card and licence photos are also read by OCR and compared with the
    name, number and validity dates typed in that filing (a worker does it; warnings only).
    """
    data = file.file.read()
    storage = _storage(request)
    now = now_of(request)
    with unit_of_work(request) as session:
        document = own_filing(session, filing_id, user.username).document if filing_id else None
        stored = store_upload(
            session,
            storage,
            owner_key=user.username,
            field=field,
            filename=file.filename or "",
            data=data,
            now=now,
        )
        if not isinstance(stored, Media):
            raise _refuse(stored)
        try:
            scheduled = _schedule_ocr(session, stored, field, document, now)
        except BaseException:
            storage.delete(stored.storage_key)
            raise
        return MediaOut.model_validate({**_media_columns(stored), "ocr_scheduled": scheduled})


def _media_columns(media: Media) -> dict[str, Any]:
    names = ("id", "field", "kind", "content_type", "size", "width", "height", "pages")
    return {name: getattr(media, name) for name in names} | {"check_report": media.check_report}


def _schedule_ocr(
    session: Session, media: Media, field: str, document: dict[str, Any] | None, now: datetime
) -> bool:
    """Compare an ID card or licence photo with what the applicant typed, when known."""
    if document is None:
        return False
    expected: dict[str, Any] = {}
    if field.startswith(PRINCIPAL_PARTS):
        part = field.split(".", 1)[0]
        person = section(document, part, "principal_info")
        certificate_type = person.get("certificate_type")
        kind = ocr_kind_for_field(
            field, certificate_type if isinstance(certificate_type, int) else None
        )
        if kind == "id_card_front":
            expected = {
                "name": person.get("name"),
                "certificate_number": person.get("certificate_number"),
            }
        elif kind == "id_card_back":
            expected = {
                "validity_date_start": person.get("certificate_validity_date_start"),
                "validity_date_end": person.get("certificate_validity_date_end"),
            }
    elif field == LICENCE_FIELD:
        kind = "business_licence"
        expected = {
            "name": section(document, "icp_subject", "base_info").get("name"),
            "certificate_number": section(document, "icp_subject", "organize_info").get(
                "certificate_number"
            ),
        }
    else:
        return False
    typed = {key: value for key, value in expected.items() if isinstance(value, str) and value}
    if kind is None or not typed:
        return False
    schedule_ocr(session, media=media, kind=kind, expected=typed, now=now)
    return True


@router.post(
    "/face-tasks",
    operation_id="createFaceTask",
    status_code=201,
    response_model=FaceTaskOut,
    responses=errors(400, 401, 403, 422),
)
def create_face_task(
    body: Annotated[FaceTaskRequest, Body()], user: Applicant, request: Request
) -> FaceTaskOut:
    """Start a face check for the applet principal; put its id in verify_task_id."""
    now = now_of(request)
    with unit_of_work(request) as session:
        task = facecheck.create_task(
            session, applicant_key=user.username, principal_name=body.principal_name, now=now
        )
        return task_out(task, now)


@router.get(
    "/face-tasks/{task_id}",
    operation_id="getFaceTask",
    response_model=FaceTaskOut,
    responses=errors(401, 403, 404, 422),
)
def get_face_task(task_id: TaskId, user: Applicant, request: Request) -> FaceTaskOut:
    """A face task the applicant created (another applicant's reads as not found)."""
    with unit_of_work(request) as session:
        task = facecheck.get_task(session, task_id)
        if task is None or task.applicant_key != user.username:
            raise facecheck.FaceTaskNotFound(task_id)
        return task_out(task, now_of(request))


@router.post(
    "/face-tasks/photo",
    operation_id="submitFacePhoto",
    response_model=FacePhotoResult,
    responses=errors(400, 404, 409, 413, 422),
)
def submit_face_photo(
    request: Request,
    task_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="人脸核身任务编号")],
    photo: Annotated[UploadFile, File(description="白色或浅色纯色背景的上半身正面照，JPG/PNG")],
) -> FacePhotoResult:
    """The applet principal's photo for a pending task (no login: the task id is the key).

    The photo is checked at once: pass, fail, or review (a platform reviewer decides what
    a classical check cannot, such as a mask or earphones). The task id travels in the
    form body so that it never appears in a URL or an access log.
    """
    data = photo.file.read()
    storage = _storage(request)
    now = now_of(request)
    with unit_of_work(request) as session:
        task = facecheck.get_task(session, task_id)
        if task is None:
            raise facecheck.FaceTaskNotFound(task_id)
        stored = store_upload(
            session,
            storage,
            owner_key=task.applicant_key,
            field=FACE_PHOTO_FIELD,
            filename=photo.filename or "",
            data=data,
            now=now,
        )
        if not isinstance(stored, Media):
            raise _refuse(stored, "photo")
        try:
            report = check_face_photo(storage.get(stored.storage_key))
            verdict = report.verdict
            task = facecheck.record_result(
                session,
                task_id=task.id,
                now=now,
                verdict=verdict,
                report=report.to_dict() | {"media_id": stored.id},
                reason="；".join(report.hints)[:500] if verdict == "fail" else None,
            )
        except BaseException:
            storage.delete(stored.storage_key)
            raise
        return FacePhotoResult(
            task=task_out(task, now), report=PhotoReport.model_validate(report.to_dict())
        )
