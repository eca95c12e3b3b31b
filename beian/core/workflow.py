"""The filing lifecycle, declared once: statuses, events, allowed moves and step deadlines.

Every status change in Beian goes through `transition()`; the service layer never sets a
status by hand. Status codes and `sms_verify_status` follow WeChat's
`get_icp_entrance_info`, so integrators recognise them (SPEC §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    PLATFORM_REVIEW = "platform_review"
    PLATFORM_REJECTED = "platform_rejected"
    SMS_VERIFICATION = "sms_verification"
    SMS_FAILED = "sms_failed"
    BUREAU_REVIEW = "bureau_review"
    BUREAU_REJECTED = "bureau_rejected"
    FILED = "filed"
    CANCEL_PENDING = "cancel_pending"
    CANCELLED = "cancelled"
    # A filed record whose approved change took its place (the number lives on in the change).
    SUPERSEDED = "superseded"


class Event(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    PLATFORM_APPROVE = "platform_approve"
    PLATFORM_REJECT = "platform_reject"
    SMS_VERIFIED = "sms_verified"
    SMS_FAILED = "sms_failed"
    RESUBMIT = "resubmit"
    RESUBMIT_UNCHANGED = "resubmit_unchanged"
    BUREAU_APPROVE = "bureau_approve"
    BUREAU_REJECT = "bureau_reject"
    REQUEST_CANCELLATION = "request_cancellation"
    CONFIRM_CANCELLATION = "confirm_cancellation"
    ABORT_CANCELLATION = "abort_cancellation"
    SUPERSEDE = "supersede"


S, E = Status, Event

# (event, from status) -> to status. The only place a move is allowed.
TRANSITIONS: dict[tuple[Event, Status], Status] = {
    (E.SUBMIT, S.DRAFT): S.PLATFORM_REVIEW,
    (E.WITHDRAW, S.PLATFORM_REVIEW): S.DRAFT,
    (E.PLATFORM_APPROVE, S.PLATFORM_REVIEW): S.SMS_VERIFICATION,
    (E.PLATFORM_REJECT, S.PLATFORM_REVIEW): S.PLATFORM_REJECTED,
    (E.SMS_VERIFIED, S.SMS_VERIFICATION): S.BUREAU_REVIEW,
    (E.SMS_FAILED, S.SMS_VERIFICATION): S.SMS_FAILED,
    (E.RESUBMIT, S.PLATFORM_REJECTED): S.PLATFORM_REVIEW,
    (E.RESUBMIT, S.BUREAU_REJECTED): S.PLATFORM_REVIEW,
    (E.RESUBMIT, S.SMS_FAILED): S.PLATFORM_REVIEW,
    # Unchanged data after an SMS failure skips the platform and gets a fresh code.
    (E.RESUBMIT_UNCHANGED, S.SMS_FAILED): S.SMS_VERIFICATION,
    (E.BUREAU_APPROVE, S.BUREAU_REVIEW): S.FILED,
    (E.BUREAU_REJECT, S.BUREAU_REVIEW): S.BUREAU_REJECTED,
    (E.REQUEST_CANCELLATION, S.FILED): S.CANCEL_PENDING,
    (E.CONFIRM_CANCELLATION, S.CANCEL_PENDING): S.CANCELLED,
    (E.ABORT_CANCELLATION, S.CANCEL_PENDING): S.FILED,
    (E.SUPERSEDE, S.FILED): S.SUPERSEDED,
}

# WeChat status code for each status (get_icp_entrance_info).
STATUS_CODES: dict[Status, int] = {
    S.DRAFT: 1024,
    S.PLATFORM_REVIEW: 2,
    S.PLATFORM_REJECTED: 3,
    S.SMS_VERIFICATION: 4,
    S.SMS_FAILED: 4,
    S.BUREAU_REVIEW: 4,
    S.BUREAU_REJECTED: 5,
    S.FILED: 6,
    S.CANCEL_PENDING: 6,
    S.CANCELLED: 1024,
    S.SUPERSEDED: 6,
}

# sms_verify_status while the filing is with the bureau: 1 waiting, 2 verified, 3 failed.
SMS_VERIFY_STATUS: dict[Status, int] = {
    S.SMS_VERIFICATION: 1,
    S.BUREAU_REVIEW: 2,
    S.SMS_FAILED: 3,
}

STATUS_LABELS: dict[Status, str] = {
    S.DRAFT: "未备案（草稿）",
    S.PLATFORM_REVIEW: "平台审核中",
    S.PLATFORM_REJECTED: "平台审核驳回",
    S.SMS_VERIFICATION: "管局审核中（待短信核验）",
    S.SMS_FAILED: "短信核验未通过，已退回",
    S.BUREAU_REVIEW: "管局审核中",
    S.BUREAU_REJECTED: "管局审核驳回",
    S.FILED: "已备案",
    S.CANCEL_PENDING: "已备案（注销待确认）",
    S.CANCELLED: "已注销",
    S.SUPERSEDED: "已被变更取代",
}

EVENT_LABELS: dict[Event, str] = {
    E.SUBMIT: "提交备案",
    E.WITHDRAW: "撤回",
    E.PLATFORM_APPROVE: "平台初审通过",
    E.PLATFORM_REJECT: "平台初审驳回",
    E.SMS_VERIFIED: "短信核验通过",
    E.SMS_FAILED: "短信核验失败，自动退回",
    E.RESUBMIT: "重新提交",
    E.RESUBMIT_UNCHANGED: "原样重新提交，重新短信核验",
    E.BUREAU_APPROVE: "管局审核通过",
    E.BUREAU_REJECT: "管局审核驳回",
    E.REQUEST_CANCELLATION: "申请注销",
    E.CONFIRM_CANCELLATION: "确认注销",
    E.ABORT_CANCELLATION: "注销未确认，已取消",
    E.SUPERSEDE: "变更生效，旧记录被取代",
}

# Statuses in which the applicant may edit the document.
EDITABLE: frozenset[Status] = frozenset(
    {S.DRAFT, S.PLATFORM_REJECTED, S.BUREAU_REJECTED, S.SMS_FAILED}
)
# Statuses counted as "live" for cross-filing rules (phones, subject limits).
LIVE: frozenset[Status] = frozenset(set(Status) - {S.DRAFT, S.CANCELLED, S.SUPERSEDED})
# Statuses in which the filing is with the bureau (SMS verification counts: SPEC §2 step 3).
AT_BUREAU: frozenset[Status] = frozenset({S.SMS_VERIFICATION, S.BUREAU_REVIEW})
# Statuses whose filing number is public.
PUBLIC: frozenset[Status] = frozenset({S.FILED, S.CANCEL_PENDING})


@dataclass(frozen=True)
class StepDeadline:
    """How long a status may last: working days or hours from entering it."""

    workdays: int = 0
    hours: int = 0


# Default deadlines [rule]; operators may configure others through beian.config.
DEADLINES: dict[Status, StepDeadline] = {
    S.PLATFORM_REVIEW: StepDeadline(workdays=2),
    S.SMS_VERIFICATION: StepDeadline(hours=24),
    S.BUREAU_REVIEW: StepDeadline(workdays=20),
    S.CANCEL_PENDING: StepDeadline(hours=24),
}


class IllegalTransition(Exception):
    """An event that the current status does not allow."""

    def __init__(self, event: Event, current: Status) -> None:
        self.event = Event(event)
        self.current = Status(current)
        allowed = "、".join(EVENT_LABELS[e] for e in allowed_events(current)) or "无"
        super().__init__(
            f"当前状态「{STATUS_LABELS[self.current]}」不能执行「{EVENT_LABELS[self.event]}」"
            f"（{self.event.value} not allowed in {self.current.value}）；当前可执行：{allowed}"
        )


def transition(current: Status | str, event: Event | str) -> Status:
    """Return the status after `event`, or raise IllegalTransition."""
    current, event = Status(current), Event(event)
    try:
        return TRANSITIONS[(event, current)]
    except KeyError:
        raise IllegalTransition(event, current) from None


def allowed_events(current: Status | str) -> list[Event]:
    """Events that may happen in `current`, in declaration order."""
    current = Status(current)
    return [event for (event, source) in TRANSITIONS if source == current]


def status_code(status: Status | str) -> int:
    """WeChat's numeric status code."""
    return STATUS_CODES[Status(status)]


def sms_verify_status(status: Status | str) -> int | None:
    """WeChat's sms_verify_status, or None outside SMS verification and bureau review."""
    return SMS_VERIFY_STATUS.get(Status(status))
