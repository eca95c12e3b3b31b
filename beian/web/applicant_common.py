"""What the applicant's pages share: the role check, the clock, flash messages, times."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from beian.accounts.models import User
from beian.accounts.roles import Role
from beian.clock import CHINA_TZ, as_utc
from beian.web.auth import require_role

Applicant = Annotated[User, Depends(require_role(Role.APPLICANT))]

# Flash messages travel as a key in the redirect's query string: no state, and nothing
# a link can inject (unknown keys show nothing).
FLASHES: dict[str, str] = {
    "created": "草稿已保存。可以继续填写，随时保存；填写完整后点击“提交备案”。",
    "submitted": "已提交平台初审，审核结果将通过站内信通知您。",
    "resubmitted": "已重新提交，请留意审核进度。",
    "withdrawn": "已撤回，备案恢复为草稿，可以修改后再次提交。",
    "cancel_requested": (
        "已申请注销。小程序负责人将收到 12381 发送的短信，须在 24 小时内确认；"
        "未确认则注销自动取消。"
    ),
    "change_submitted": "变更已提交平台初审；审核通过前，原备案号继续有效。",
    "not_editable": "当前状态下不能修改备案信息。审核中的备案请先撤回；已备案的记录请申请变更。",
    "face_started": "已发起人脸核身任务，请上传小程序负责人的核验照片。",
}


def now(request: Request) -> datetime:
    """The request's instant, from the injected clock."""
    return request.app.state.clock.now()


def flash(request: Request) -> str | None:
    """The flash message named by the `done` query parameter, if any."""
    return FLASHES.get(request.query_params.get("done", ""))


def back_to(path: str, done: str) -> RedirectResponse:
    """A redirect after a POST that shows a flash message on arrival."""
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def china_time(value: datetime | str | None) -> str:
    """An instant as Beijing time, "2026-03-04 09:00"."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")

