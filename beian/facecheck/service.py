"""Face-check tasks: create, notify again, record the photo's result, review, expire.

What "the face task lives 3 days; its notification 24 h" (SPEC §6) means here:

- The link sent to the applet principal is valid for 24 hours from the task's creation
  or from the last notification (`notify_again`); a photo result is accepted only while
  the link is valid. A later notification never reaches past the task's 3-day life.
- The task lives 3 days from its creation (`expires_at`). Until then a passed task can
  be named in a filing and a photo sent to a human can still be judged; from that instant
  on the task is expired (pending, in review or passed alike) and a new task is needed.
  A failed task stays failed: the principal starts a new task to try again.
- Every window is half-open: at exactly 24 h the link is closed, at exactly 3 days the
  task is expired. `facts` and every move read expiry from the clock, so the result does
  not depend on when the worker last ran `expire_due`.

Every function works in the caller's transaction and never commits.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from beian.clock import as_utc
from beian.facecheck.models import FaceTask, FaceTaskStatus
from beian.timers.service import schedule

NOTIFY_WINDOW = timedelta(hours=24)
TASK_LIFETIME = timedelta(days=3)
EXPIRY_TIMER = "face_task_expiry"
PHOTO_DELETION_TIMER = "face_photo_deletion"
# Face photos are the most sensitive personal data held (SPEC §10): kept only this long
# after the decision unless BEIAN_FACE_PHOTO_RETENTION_DAYS says otherwise [inf].
DEFAULT_PHOTO_RETENTION_DAYS = 30
VERDICTS = {
    "pass": FaceTaskStatus.PASSED,
    "fail": FaceTaskStatus.FAILED,
    "review": FaceTaskStatus.REVIEW,
}

P, R, OK = FaceTaskStatus.PENDING, FaceTaskStatus.REVIEW, FaceTaskStatus.PASSED
# Every move, declared once: the statuses it may start from. Expiry is checked first.
MOVES: dict[str, frozenset[FaceTaskStatus]] = {
    "notify_again": frozenset({P}),
    "record_result": frozenset({P}),
    "decide_review": frozenset({R}),
    "expire": frozenset({P, R, OK}),
}
MOVE_LABELS = {
    "notify_again": "重新发送核验通知",
    "record_result": "提交核验照片结果",
    "decide_review": "人工复核",
    "expire": "过期",
}
STATUS_LABELS = {
    FaceTaskStatus.PENDING: "待核验",
    FaceTaskStatus.REVIEW: "待人工复核",
    FaceTaskStatus.PASSED: "已通过",
    FaceTaskStatus.FAILED: "未通过",
    FaceTaskStatus.EXPIRED: "已过期",
}


class FaceTaskError(Exception):
    """Base of every face-check refusal; the message is for people."""


class FaceTaskNotFound(FaceTaskError, LookupError):
    """No task has this id."""

    def __init__(self, task_id: str) -> None:
        super().__init__("人脸核身任务不存在，请确认任务 ID，或重新发起人脸核身")
        self.task_id = task_id


class IllegalFaceTaskMove(FaceTaskError):
    """The move is not allowed in the task's current status."""

    def __init__(self, task: FaceTask, move: str, status: FaceTaskStatus, detail: str = "") -> None:
        label = f"「{STATUS_LABELS[status]}」（{status.value}）"
        message = f"人脸核身任务当前状态为{label}，不能{MOVE_LABELS[move]}"
        super().__init__(message + (f"：{detail}" if detail else ""))
        self.task_id = task.id
        self.move = move
        self.status = status


class InvalidFaceTaskInput(FaceTaskError, ValueError):
    """An argument is malformed; the message names the field."""


class FaceFacts(NamedTuple):
    """What the pre-check needs: the status at `now`, when the task expires and whose
    face it checks."""

    status: FaceTaskStatus
    expires_at: datetime
    principal_name: str


def create_task(
    session: Session,
    *,
    applicant_key: str,
    principal_name: str,
    now: datetime,
    record_id: str | None = None,
) -> FaceTask:
    """Start a face check for an applet principal; its link is valid for 24 hours.

    `record_id` names the filed record when the check is for a change of it.
    """
    applicant_key = _text("applicant_key", applicant_key, 120)
    record_id = _optional_text("record_id", record_id, 32)
    principal_name = _text("principal_name", principal_name, 64)
    now = as_utc(now)
    task = FaceTask(
        id=secrets.token_urlsafe(32),
        status=FaceTaskStatus.PENDING.value,
        applicant_key=applicant_key,
        principal_name=principal_name,
        created_at=now,
        notified_at=now,
        notify_expires_at=now + NOTIFY_WINDOW,
        expires_at=now + TASK_LIFETIME,
        record_id=record_id,
    )
    session.add(task)
    session.flush()
    schedule(session, kind=EXPIRY_TIMER, key=task.id, due_at=task.expires_at, now=now)
    return task


def get_task(session: Session, task_id: str) -> FaceTask | None:
    """The task with this id, or None."""
    if not isinstance(task_id, str) or not task_id or len(task_id) > 64:
        return None
    return session.get(FaceTask, task_id)


def latest_for_record(
    session: Session, *, record_id: str, applicant_key: str, principal_name: str | None = None
) -> FaceTask | None:
    """The newest task the applicant started for a change of the filed record (of that
    principal, when named), or None."""
    query = (
        select(FaceTask)
        .where(FaceTask.record_id == record_id, FaceTask.applicant_key == applicant_key)
        .order_by(FaceTask.created_at.desc(), FaceTask.id)
        .limit(1)
    )
    if principal_name is not None:
        query = query.where(FaceTask.principal_name == principal_name)
    return session.scalars(query).first()


def may_start_again(task: FaceTask | None, now: datetime) -> bool:
    """Whether a new task may replace `task`: none yet, failed, expired, or its link closed.

    A task still waiting for its photo through an open link, or one passed or left to a
    human, is not replaced: the principal finishes it instead.
    """
    if task is None:
        return True
    status = status_at(task, now)
    if status is FaceTaskStatus.PENDING:
        return as_utc(now) >= task.notify_expires_at
    return status in (FaceTaskStatus.FAILED, FaceTaskStatus.EXPIRED)


def status_at(task: FaceTask, now: datetime) -> FaceTaskStatus:
    """The task's status at `now`, counting expiry even before `expire_due` has run."""
    status = FaceTaskStatus(task.status)
    if status in MOVES["expire"] and as_utc(now) >= task.expires_at:
        return FaceTaskStatus.EXPIRED
    return status


def facts(session: Session, task_id: str, now: datetime) -> FaceFacts | None:
    """Status at `now` and expiry of a task, for the pre-check; None when unknown."""
    task = get_task(session, task_id)
    if task is None:
        return None
    return FaceFacts(status_at(task, now), task.expires_at, task.principal_name)


def notify_again(session: Session, *, task_id: str, now: datetime) -> FaceTask:
    """Record a new notification: the link is valid 24 h more, within the task's life."""
    task, now = _begin(session, task_id, "notify_again", now)
    task.notified_at = now
    task.notify_expires_at = min(now + NOTIFY_WINDOW, task.expires_at)
    session.flush()
    return task


def record_result(
    session: Session,
    *,
    task_id: str,
    now: datetime,
    verdict: str,
    report: dict[str, Any],
    reason: str | None = None,
) -> FaceTask:
    """Store the photo check's verdict: passed, failed, or sent to a human (review)."""
    if verdict not in VERDICTS:
        raise InvalidFaceTaskInput(f"verdict：'{verdict}' 无效，应为 pass、fail 或 review")
    report = _report(report)
    reason = _optional_text("reason", reason, 500)
    task, now = _begin(session, task_id, "record_result", now)
    if now >= task.notify_expires_at:
        raise IllegalFaceTaskMove(
            task,
            "record_result",
            FaceTaskStatus.PENDING,
            "核验链接已失效（24 小时内有效），请重新发送核验通知",
        )
    status = VERDICTS[verdict]
    task.status = status.value
    task.photo_at = now
    task.result = report
    if status is FaceTaskStatus.FAILED:
        task.reason = reason or "照片未通过人脸核身"
    else:
        task.reason = reason
    if status is not FaceTaskStatus.REVIEW:
        task.decided_at = now
    session.flush()
    schedule_photo_deletion(session, task, now=now)
    return task


def decide_review(
    session: Session, *, task_id: str, now: datetime, approve: bool, reviewer: str, reason: str
) -> FaceTask:
    """A human's verdict on a photo the checks could not decide."""
    reviewer = _text("reviewer", reviewer, 120)
    # A rejection must say why; an approval may.
    check = _optional_text if approve else _text
    reason_text = check("reason", reason, 500)
    task, now = _begin(session, task_id, "decide_review", now)
    task.status = (FaceTaskStatus.PASSED if approve else FaceTaskStatus.FAILED).value
    task.decided_at = now
    task.reviewer = reviewer
    task.reason = reason_text
    session.flush()
    schedule_photo_deletion(session, task, now=now)
    return task


def schedule_photo_deletion(session: Session, task: FaceTask, *, now: datetime) -> None:
    """Arm the deletion of the task's photo, `photo_retention()` after the decision.

    A photo left to a human that is never judged is deleted counting from the task's
    expiry, the latest moment a decision could have been made.
    """
    decided = task.decided_at or task.expires_at
    due = decided + photo_retention()
    schedule(session, kind=PHOTO_DELETION_TIMER, key=task.id, due_at=due, now=now)


def photo_retention() -> timedelta:
    """How long a face photo is kept after the decision: BEIAN_FACE_PHOTO_RETENTION_DAYS."""
    raw = os.environ.get("BEIAN_FACE_PHOTO_RETENTION_DAYS", "").strip()
    if not raw:
        return timedelta(days=DEFAULT_PHOTO_RETENTION_DAYS)
    if not raw.isdigit():
        raise InvalidFaceTaskInput(
            f"BEIAN_FACE_PHOTO_RETENTION_DAYS must be a whole number of days, got {raw!r}"
        )
    return timedelta(days=int(raw))


def expire_due(session: Session, *, now: datetime) -> int:
    """Mark every live task past its 3-day life expired; returns how many changed."""
    result = session.execute(
        update(FaceTask)
        .where(
            FaceTask.status.in_([status.value for status in MOVES["expire"]]),
            FaceTask.expires_at <= as_utc(now),
        )
        .values(status=FaceTaskStatus.EXPIRED.value)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- helpers ---------------------------------------------------------------------------


def _begin(session: Session, task_id: str, move: str, now: datetime) -> tuple[FaceTask, datetime]:
    """Load the task and check that `move` is allowed from its status at `now`."""
    now = as_utc(now)
    task = get_task(session, task_id)
    if task is None:
        raise FaceTaskNotFound(task_id)
    if now < task.created_at:
        raise InvalidFaceTaskInput("now：早于任务创建时间，请检查服务器时钟")
    status = status_at(task, now)
    if status not in MOVES[move]:
        detail = (
            "任务有效期 3 天已过，请重新发起人脸核身" if status is FaceTaskStatus.EXPIRED else ""
        )
        raise IllegalFaceTaskMove(task, move, status, detail)
    return task, now


def _text(field: str, value: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidFaceTaskInput(f"{field}：不能为空")
    if len(text) > limit:
        raise InvalidFaceTaskInput(f"{field}：不能超过 {limit} 个字符")
    return text


def _optional_text(field: str, value: str | None, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(field, value, limit)


def _report(report: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(report, dict):
        raise InvalidFaceTaskInput("report：应为对象（照片各项检查结果）")
    try:
        # Round-trip through JSON so what is stored is exactly what will be read back.
        return dict(json.loads(json.dumps(report, ensure_ascii=False, allow_nan=False)))
    except (TypeError, ValueError) as error:
        raise InvalidFaceTaskInput(f"report：无法保存为 JSON（{error}）") from error
