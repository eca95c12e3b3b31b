"""The audit trail, newest first, and a check that its hash chain is unbroken."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from beian.accounts.roles import BUREAU_PROVINCES
from beian.audit import service as audit
from beian.audit.models import AuditEntry
from beian.core.workflow import EVENT_LABELS, STATUS_LABELS, Event, Status
from beian.db import transaction
from beian.web.admin_common import Operator, china_time
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

AUDIT = "/admin/audit"
SHOWN = 200
ACTION_LABELS = {
    "filing.reveal_personal_data": "查看未遮挡的个人信息",
    "filing.view_personal_media": "查看证件照片",
    "user.create": "创建账号",
    "user.deactivate": "停用账号",
    "user.reactivate": "重新启用账号",
    "province.rules_set": "修改省份规则",
    "calendar.import": "导入节假日",
    "outbox.retry": "重试通知",
}
TARGET_LABELS = {"filing": "备案", "user": "账号", "province": "省份", "calendar": "日历",
                 "outbox": "通知"}
# verify() words its findings in English for the CLI; operators read them in Chinese.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"expected entry (\d+): missing rows"), r"应为第 \1 条：之前的记录缺失（被删除）"),
    (
        re.compile(r"does not follow the entry before it"),
        "与前一条记录的哈希不衔接：前面的记录被改动、删除或调换",
    ),
    (re.compile(r"content was changed after it was written"), "写入后内容被改动"),
)


def action_label(action: str) -> str:
    """The Chinese name of an audited action (the action itself when unknown)."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    kind, _, name = action.partition(".")
    if kind == "filing":
        try:
            return "备案：" + EVENT_LABELS[Event(name)]
        except ValueError:
            pass
    return action


def chinese_problem(what: str) -> str:
    """A chain problem in Chinese (unknown wordings are shown as they are)."""
    for pattern, replacement in _PROBLEMS:
        what = pattern.sub(replacement, what)
    return what


@router.get(AUDIT)
def audit_page(request: Request, operator: Operator, filing: str = "") -> Response:
    """The latest audit entries, of one filing or of everything."""
    return _audit_page(request, filing=filing)


@router.get(AUDIT + "/verify")
def verify_page(request: Request, operator: Operator, filing: str = "") -> Response:
    """Walk the whole chain and show whether any entry was changed, removed or reordered."""
    with transaction(request.app.state.sessions) as db:
        checked, problems = audit.verify(db)
    result = {
        "checked": checked,
        "problems": [{"seq": p.seq, "what": chinese_problem(p.what)} for p in problems],
    }
    return _audit_page(request, filing=filing, result=result)


def _audit_page(
    request: Request, *, filing: str, result: dict[str, Any] | None = None
) -> Response:
    wanted = filing.strip()[:64]
    with transaction(request.app.state.sessions) as db:
        entries = audit.trail(
            db, target_type="filing" if wanted else None, target_id=wanted or None, limit=SHOWN
        )
        rows = [_row(entry) for entry in entries]
    context = {
        "title": "审计日志",
        "rows": rows,
        "filing": wanted,
        "result": result,
        "shown": SHOWN,
    }
    return render(request, "admin/audit.html", context)


def _row(entry: AuditEntry) -> dict[str, Any]:
    target = entry.target_id
    if entry.target_type == "province":
        target = f"{BUREAU_PROVINCES.get(target, '')} {target}".strip()
    return {
        "seq": entry.seq,
        "at": china_time(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "action_label": action_label(entry.action),
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": TARGET_LABELS.get(entry.target_type, entry.target_type),
        "target": target,
        "move": _move(entry.detail),
        "detail": json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
        if entry.detail else "",
        "hash": entry.hash[:12],
    }


def _move(detail: dict[str, Any] | None) -> str:
    """A status change as 草稿 → 平台审核中; empty for any other detail (shown as JSON)."""
    if not detail or set(detail) != {"from", "to"}:
        return ""
    try:
        return " → ".join(STATUS_LABELS[Status(detail[key])] for key in ("from", "to"))
    except (ValueError, KeyError, TypeError):
        return ""
