"""The applet principal's face check (errcodes 2600-2699)."""

from __future__ import annotations

from collections.abc import Iterable

from beian.core.document import FilingDocument
from beian.core.findings import WARNING, Finding
from beian.core.precheck.context import Context

OFFLINE = 2601
TASK_NOT_FOUND = 2602
TASK_UNFINISHED = 2603
TASK_FAILED = 2604
TASK_EXPIRED = 2605
TASK_IN_REVIEW = 2606
TASK_OTHER_PERSON = 2607

FIELD = "icp_applets.principal_info.verify_task_id"
RETRY = "请小程序负责人重新完成人脸核身，并填写新的任务 ID"


def face_check(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """The face task exists, has passed and has not expired."""
    principal = ctx.principals[1][1]
    task_id = principal.verify_task_id
    if not (task_id and task_id.strip()):  # filled(task_id), without a call
        return ()  # the required-fields rule reports it
    if ctx.registry is None:
        return (
            Finding(
                OFFLINE,
                FIELD,
                "离线校验无法核实人脸核身任务",
                "提交到系统后会自动核实；请确认小程序负责人已完成人脸核身",
                WARNING,
            ),
        )
    task = ctx.registry.face_task(task_id)
    if task is None:
        return (
            Finding(
                TASK_NOT_FOUND,
                FIELD,
                "人脸核身任务不存在",
                "请确认任务 ID 填写正确，或" + RETRY[1:],
            ),
        )
    if not _same_person(task.principal_name, principal.name):
        return (
            Finding(
                TASK_OTHER_PERSON,
                FIELD,
                "人脸核身任务核验的不是本次填写的小程序负责人",
                "负责人已更换：请为现在填写的小程序负责人重新发起人脸核身，并填写新的任务 ID",
            ),
        )
    if task.status == "expired" or task.expires_at <= ctx.now:
        return (Finding(TASK_EXPIRED, FIELD, "人脸核身任务已过期（有效期 3 天）", RETRY),)
    if task.status == "pending":
        return (
            Finding(
                TASK_UNFINISHED,
                FIELD,
                "人脸核身任务尚未完成",
                "请等待小程序负责人完成人脸核身后再提交",
            ),
        )
    if task.status == "review":
        # The machine could not decide every photo rule (mask, hat, expression…): the
        # platform reviewer judges the photo during platform review, so submission may go on.
        return (
            Finding(
                TASK_IN_REVIEW,
                FIELD,
                "人脸核身照片有项目需人工复核",
                "平台审核员将在初审时查看照片并作出判断",
                WARNING,
            ),
        )
    if task.status != "passed":
        return (Finding(TASK_FAILED, FIELD, "人脸核身未通过", RETRY),)
    return ()


# Spaces and the middle dots of minority and foreign names (·・•‧) are written many ways.
_NAME_NOISE = str.maketrans("", "", " \u3000\u00b7\u30fb\u2022\u2027\uff65")


def _same_person(task_name: str | None, principal_name: str | None) -> bool:
    """Whether the task was started for the principal named now; an unknown name on
    either side (an erased task, a name not filled in yet) is left to other rules."""
    if not task_name or not principal_name or not principal_name.strip():
        return True
    return task_name.translate(_NAME_NOISE) == principal_name.translate(_NAME_NOISE)
