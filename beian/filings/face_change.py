"""A new face check for a change of a filed record.

A filed record's face task expired long ago (it lives 3 days), and the record itself is
not editable, so a change needs a fresh check that lives beside the record: the task
carries the record's id (`FaceTask.record_id`), the record stays untouched, and the change
names the newest such task when it is submitted (`task_for_change`).

Only the record's applicant may start one, only while the record is filed with no change
already under way, and every start is written to the audit log. The task id is the
principal's photo link, so the log keeps a fingerprint of it, never the id itself.

A change may also replace the applet principal: the applicant then names the new
principal when starting the check, and the pre-check (errcode 2607) holds the changed
document to a task of the principal it names.

It lives in beian.filings because it reads the record and writes the audit log, which
beian.facecheck (below filings) may not; the face task itself is facecheck's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from beian.audit import service as audit
from beian.core.workflow import Status
from beian.facecheck.models import FaceTask
from beian.facecheck.service import (
    STATUS_LABELS,
    create_task,
    latest_for_record,
    may_start_again,
    status_at,
)
from beian.filings.documents import section
from beian.filings.errors import Conflict, FilingError
from beian.filings.models import Filing
from beian.filings.service import own_filing, pending_change

START_ACTION = "face_task.start_for_change"
APPLET_NAME = "icp_applets.principal_info.name"
VERIFY_TASK = "icp_applets.principal_info.verify_task_id"


def start_for_change(
    session: Session,
    *,
    record_id: str,
    applicant: str,
    now: datetime,
    principal_name: str | None = None,
) -> FaceTask:
    """Start a face check for a change of the record: of the record's applet principal,
    or of `principal_name` when the change replaces that principal."""
    record = own_filing(session, record_id, applicant)
    refuse_unless_changeable(session, record)
    name = (principal_name or "").strip() or record_principal_name(record.document)
    if len(name) > 64 or not name.isprintable():
        raise FilingError(
            "小程序负责人姓名不能超过 64 个字符，也不能含有控制字符",
            field=APPLET_NAME,
            suggest="请按证件上的写法填写新负责人的姓名",
        )
    if not name:
        raise FilingError(
            "备案记录中没有小程序负责人姓名，无法发起人脸核身",
            field=APPLET_NAME,
            suggest="请联系平台核对该备案记录的小程序负责人信息",
        )
    # A task of the same person is not replaced while it runs or after it passed; a
    # change that now names another principal needs that person's own check.
    current = latest_for_record(
        session, record_id=record.id, applicant_key=applicant, principal_name=name
    )
    if not may_start_again(current, now):
        assert current is not None
        raise Conflict(
            f"本次变更的人脸核身任务仍在进行（{_status_label(current, now)}），不能重新发起",
            suggest="请在人脸核身页上传照片，或等待任务结束后再重新发起",
            field=VERIFY_TASK,
        )
    task = create_task(
        session, applicant_key=applicant, principal_name=name, now=now, record_id=record.id
    )
    audit.record(
        session,
        actor=applicant,
        action=START_ACTION,
        target_type="filing",
        target_id=record.id,
        now=now,
        detail={
            "task_fingerprint": fingerprint(task.id),
            "expires_at": task.expires_at.isoformat(),
        },
    )
    return task


def refuse_unless_changeable(session: Session, record: Filing) -> None:
    """Raise unless a change of the record may be prepared: filed, no change under way."""
    if record.status != Status.FILED:
        raise Conflict(
            "只有已备案的记录可以为变更发起人脸核身",
            suggest="草稿或被驳回的备案请在填写页进行人脸核身；审核中的备案请等待审核结果",
            field="status",
        )
    if pending_change(session, record) is not None:
        raise Conflict(
            "该备案已有一项变更正在办理，不能再为变更发起人脸核身",
            suggest="请等待正在办理的变更审核结束，或在该变更的页面处理",
            field="status",
        )


def task_for_change(session: Session, *, record: Filing, applicant: str) -> FaceTask | None:
    """The task a change of the record names: the newest one started for it, or None."""
    return latest_for_record(session, record_id=record.id, applicant_key=applicant)


def record_principal_name(document: dict[str, Any]) -> str:
    """The applet principal's name in a filed document (an individual's is the subject's)."""
    for part in ("icp_applets", "icp_subject"):
        info = section(document, part, "principal_info")
        name = info.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return ""


def fingerprint(task_id: str) -> str:
    """A short digest naming a task in the audit log without giving away its link."""
    return hashlib.sha256(task_id.encode()).hexdigest()[:16]


def _status_label(task: FaceTask, now: datetime) -> str:
    return STATUS_LABELS[status_at(task, now)]

