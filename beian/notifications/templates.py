"""Every notification text in one place: a template name maps to a Chinese title and body.

Pure data and functions (no database). A template also says on which channels it may go
(`allowed`: codes are secrets of the principal, so they go by SMS only) and on which the
process sends it by default (`default_channels`, from SPEC §2: results of a review go by
in-site message and template message, the bureau's result also by SMS).
"""

from __future__ import annotations

import functools
import json
import string
from dataclasses import dataclass
from typing import Any

CHANNELS = ("inbox", "template", "sms")
# The MIIT verification authority's short number; its texts must read as sent by it.
VERIFICATION_SENDER = "12381"


class NotificationError(ValueError):
    """A notification cannot be accepted as asked (bad key, recipient, status...)."""


class TemplateError(NotificationError):
    """A notification cannot be built: unknown template, bad channel or missing params."""


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    body: str
    default_channels: tuple[str, ...] = ("inbox", "template")
    allowed: tuple[str, ...] = CHANNELS
    # SMS sender; None means the platform's own sender (BEIAN_SMS_SENDER).
    sender: str | None = None

    @functools.cached_property  # parsed once: every notice queued asks for it
    def params(self) -> frozenset[str]:
        """Names of the placeholders in title and body."""
        fields = string.Formatter().parse(self.title + self.body)
        return frozenset(name for _, name, _, _ in fields if name)


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    sender: str | None


_ALL = ("inbox", "template", "sms")

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "filing_submitted",
            "备案申请已提交",
            "您的小程序「{applet_name}」备案申请已提交，现进入平台初审，"
            "预计在{deadline}前给出初审结果。",
        ),
        Template(
            "filing_withdrawn",
            "备案申请已撤回",
            "您已撤回小程序「{applet_name}」的备案申请，申请已回到草稿状态，修改后可重新提交。",
        ),
        Template(
            "platform_approved",
            "备案申请已通过平台初审",
            "小程序「{applet_name}」的备案申请已通过平台初审。工信部备案系统（12381）将向负责人"
            "手机发送核验短信，请负责人在收到短信后24小时内完成短信核验，逾期申请将被退回。",
        ),
        Template(
            "platform_rejected",
            "备案申请未通过平台初审",
            "小程序「{applet_name}」的备案申请未通过平台初审。驳回原因：{reason}。"
            "请按修改建议调整后重新提交。",
        ),
        Template(
            "sms_code",
            "备案短信核验码",
            "【工信部ICP备案】您的短信核验码为{code}，用于小程序「{applet_name}」的ICP备案短信核验，"
            "24小时内有效。请打开 {verify_url} 输入本人手机号、证件号码和核验码完成核验。"
            "核验码仅限负责人本人使用，请勿告知任何人（包括备案服务人员）。",
            default_channels=("sms",),
            allowed=("sms",),
            sender=VERIFICATION_SENDER,
        ),
        Template(
            "sms_reminder",
            "短信核验即将截止",
            "小程序「{applet_name}」的备案短信核验将于{deadline}截止，目前尚未完成。"
            "请负责人尽快使用工信部（12381）短信中的核验码完成核验，逾期备案申请将被退回。",
            default_channels=("inbox", "sms"),
        ),
        Template(
            "sms_verified",
            "短信核验已完成",
            "小程序「{applet_name}」的备案已完成短信核验，现已提交通信管理局审核，"
            "审核时限为1至20个工作日。",
        ),
        Template(
            "sms_failed",
            "短信核验未通过，备案申请已退回",
            "小程序「{applet_name}」的备案短信核验未通过（{reason}），备案申请已被退回。"
            "请重新提交：信息未修改时将直接重新发送核验短信，修改后需重新进行平台初审。",
        ),
        Template(
            "bureau_approved",
            "备案成功",
            "小程序「{applet_name}」已通过通信管理局审核，备案号：{record_number}。"
            "备案号将自动展示在小程序的“更多资料”页面，现在可以发布小程序。",
            default_channels=_ALL,
        ),
        Template(
            "bureau_rejected",
            "备案申请未通过管局审核",
            "小程序「{applet_name}」的备案申请未通过通信管理局审核。驳回原因：{reason}。"
            "请按修改建议调整后重新提交。",
            default_channels=_ALL,
        ),
        Template(
            "cancel_code",
            "备案注销确认码",
            "【工信部ICP备案】您的注销确认码为{code}，用于注销小程序「{applet_name}」的ICP备案"
            "（备案号{record_number}）。确认注销请打开 {verify_url} 输入确认码；"
            "如非本人操作请忽略本短信，注销将不会进行。请勿将确认码告知任何人。",
            default_channels=("sms",),
            allowed=("sms",),
            sender=VERIFICATION_SENDER,
        ),
        Template(
            "cancel_confirmed",
            "备案已注销",
            "小程序「{applet_name}」的备案（备案号{record_number}）已注销。",
            default_channels=_ALL,
        ),
        Template(
            "cancel_aborted",
            "备案注销已终止",
            "小程序「{applet_name}」的注销申请未获负责人短信确认，已终止，"
            "备案号{record_number}继续有效。",
        ),
        Template(
            "change_submitted",
            "备案变更已提交",
            "小程序「{applet_name}」的备案变更申请已提交，现进入平台初审。审核期间原备案号保持有效。",
        ),
        Template(
            "face_task",
            "请完成人脸核身",
            "请小程序「{applet_name}」的负责人打开以下链接完成人脸核身：{url} 链接24小时内有效，"
            "仅限负责人本人操作。",
            default_channels=("sms",),
        ),
        Template(
            "review_overdue",
            "备案审核已超时",
            "小程序「{applet_name}」的备案申请（{status}）处理时限为{deadline}，现已超时，"
            "请尽快安排审核人员处理。",
        ),
    )
}


def get_template(name: str) -> Template:
    """The template called `name`, or a TemplateError listing the known ones."""
    try:
        return TEMPLATES[name]
    except KeyError:
        known = ", ".join(sorted(TEMPLATES))
        raise TemplateError(f"unknown notification template {name!r}; known: {known}") from None


def check_channel(name: str, channel: str) -> None:
    """Refuse an unknown channel, or one template `name` may not be sent by."""
    if channel not in CHANNELS:
        raise TemplateError(
            f"unknown notification channel {channel!r}; use one of {', '.join(CHANNELS)}"
        )
    allowed = get_template(name).allowed
    if channel not in allowed:
        raise TemplateError(
            f"template {name!r} may only be sent by {', '.join(allowed)}, not by {channel!r}"
        )


def render(name: str, params: dict[str, Any], *, channel: str | None = None) -> Rendered:
    """Fill template `name` with `params`; refuse a channel the template may not use."""
    template = get_template(name)
    if channel is not None:
        check_channel(name, channel)
    if not isinstance(params, dict):
        raise TemplateError(f"params of template {name!r} must be a dict")
    missing = sorted(template.params - params.keys())
    if missing:
        raise TemplateError(f"template {name!r} needs params {', '.join(missing)}")
    try:
        json.dumps(params, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise TemplateError(
            f"params of template {name!r} must be JSON values (str, number, list, dict): {error}"
        ) from None
    return Rendered(
        title=template.title.format(**params),
        body=template.body.format(**params),
        sender=template.sender,
    )
