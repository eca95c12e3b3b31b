"""The face check for a change of a filed record, in the API.

A change (requestChange) must name a face task that has passed and not expired, and the
record's own task lived 3 days only. This operation starts a new one for the record's applet
principal, or for the new principal a change names when it replaces that person (the
changed document is then held to a task of that name, errcode 2607); the client sends the
photo with submitFacePhoto and names the task's id in the changed document's
icp_applets.principal_info.verify_task_id. The record is not touched.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from beian.filings import face_change as change
from beian.web.api_common import PLAIN_TEXT, Applicant, FilingId, errors, now_of, unit_of_work
from beian.web.api_media import FaceTaskOut, task_out

router = APIRouter(prefix="/api/v1", tags=["documents"])


class ChangeFaceTaskRequest(BaseModel):
    """Whose face is checked: left out, the record's applet principal."""

    model_config = ConfigDict(extra="forbid")

    principal_name: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=PLAIN_TEXT,
        description="变更后的小程序负责人姓名（更换负责人时填写）",
    )


@router.post(
    "/filings/{filing_id}/change/face-task",
    operation_id="startChangeFaceCheck",
    status_code=201,
    response_model=FaceTaskOut,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def start_change_face_check(
    filing_id: FilingId,
    user: Applicant,
    request: Request,
    body: Annotated[ChangeFaceTaskRequest | None, Body()] = None,
) -> FaceTaskOut:
    """Start a face check for a change of your filed record; name its id in requestChange.

    Refused (409, err_field "status") unless the record is filed with no change under way,
    and (409, err_field "icp_applets.principal_info.verify_task_id") while the previous
    task for the change still waits for its photo or has passed. Every start is audited.
    """
    now = now_of(request)
    with unit_of_work(request) as session:
        task = change.start_for_change(
            session, record_id=filing_id, applicant=user.username, now=now,
            principal_name=body.principal_name if body is not None else None,
        )
        return task_out(task, now)
