"""Pydantic shapes of the filing API, so the OpenAPI document describes every response."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from beian.core.workflow import Status
from beian.web.api_common import PLAIN_TEXT
from beian.web.findings import Finding


class Deadline(BaseModel):
    """When the current step must be done (working days of the PRC calendar)."""

    at: datetime | None = Field(description="截止时间；没有时限的状态为 null")
    provisional: bool = Field(description="节假日表尚未覆盖该年份时为 true（按周末推算）")
    overdue: bool


class FilingSummary(BaseModel):
    """A row of a list or a review queue."""

    id: str
    kind: Literal["new", "change"] = Field(description="new 新备案；change 已备案记录的变更")
    replaces_id: str | None = Field(description="变更所针对的原备案编号")
    status: Status
    status_code: int = Field(description="与微信 get_icp_entrance_info 一致的状态码")
    status_label: str
    sms_verify_status: int | None = Field(description="1 待核验，2 已核验，3 超时或失败")
    is_canceling: bool = Field(description="已备案且注销待短信确认时为 true")
    applet_name: str | None
    subject_name: str | None
    province: str | None
    record_number: str | None = Field(description="备案号，备案成功后才有")
    deadline: Deadline
    claimed_by: str | None
    created_at: datetime
    updated_at: datetime


class AuditEntry(BaseModel):
    """One rejection reason, naming the field the applicant must change."""

    field: str
    key_name: str = Field(description="字段的中文名称")
    error: str
    suggest: str


class HistoryRow(BaseModel):
    """One step of the progress timeline: who, when, from, to, why."""

    model_config = ConfigDict(populate_by_name=True)

    at: datetime
    actor: str
    event: str
    event_label: str
    from_status: Status = Field(alias="from")
    to: Status
    to_label: str
    reason: str | None
    deadline_at: datetime | None


class VerificationCallOut(BaseModel):
    """A platform reviewer's phone call to a principal."""

    at: datetime
    reviewer: str
    principal: Literal["subject", "applet"]
    outcome: Literal["reached", "no_answer", "mismatch"]
    note: str


class FilingDetail(FilingSummary):
    """Everything about one filing; reviewers get the document masked."""

    document: dict[str, Any] = Field(description="备案信息（apply_icp_filing 的结构）")
    masked: bool = Field(description="为 true 时手机号和身份证件号码已打码")
    audit_data: list[AuditEntry]
    unlocked_fields: list[str] | None = Field(description="驳回后允许修改的字段；null 表示全部可改")
    allowed_events: list[str]
    history: list[HistoryRow]
    verification_calls: list[VerificationCallOut]


class FilingWithFindings(FilingDetail):
    """A saved filing together with what the pre-check found in it."""

    findings: list[Finding]


class PrecheckResult(BaseModel):
    """The pre-check's findings; `ok` is false when any of them is an error."""

    ok: bool
    findings: list[Finding]


class PrecheckRequest(BaseModel):
    """A document to check without storing it."""

    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any]


class AuditEntryIn(BaseModel):
    """A rejection reason as the reviewer writes it (key_name defaults to the field's label)."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, max_length=200, pattern=PLAIN_TEXT)
    error: str = Field(min_length=1, max_length=500, pattern=PLAIN_TEXT)
    suggest: str = Field(default="", max_length=500, pattern=PLAIN_TEXT)
    key_name: str | None = Field(default=None, max_length=100, pattern=PLAIN_TEXT)


class RejectionRequest(BaseModel):
    """The reasons of a rejection; the named fields become the only editable ones."""

    model_config = ConfigDict(extra="forbid")

    audit_data: list[AuditEntryIn] = Field(min_length=1, max_length=50)


class CallRequest(BaseModel):
    """A phone-verification call to record."""

    model_config = ConfigDict(extra="forbid")

    principal: Literal["subject", "applet"]
    outcome: Literal["reached", "no_answer", "mismatch"]
    note: str = Field(default="", max_length=2000, pattern=PLAIN_TEXT)


class RevealRequest(BaseModel):
    """Why the reviewer needs the unmasked personal data (kept in the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=200, pattern=PLAIN_TEXT)


class RevealedDocument(BaseModel):
    """The unmasked document; the reveal has been audited."""

    filing_id: str
    document: dict[str, Any]


class ReasonOut(BaseModel):
    """A common rejection reason from the library."""

    field: str
    key_name: str
    error: str
    suggest: str
