"""The principal's operations (no login): SMS verification and cancellation confirmation.

The principal proves who they are with mobile + certificate number + the texted code, all
sent in the body (never in a URL). Unknown phones, wrong certificate numbers and wrong
codes get the same message, so the API does not tell whether a phone has a filing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from beian.filings import verification
from beian.filings.models import SmsChallenge
from beian.web.api_common import errors, now_of, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["verification"])

Purpose = Literal["verify", "cancel"]
MOBILE = r"^1[3-9][0-9]{9}$"
CERTIFICATE = r"^[0-9A-Za-z()（）-]{5,40}$"


class Principal(BaseModel):
    """Who the principal says they are."""

    model_config = ConfigDict(extra="forbid")

    mobile: str = Field(pattern=MOBILE, description="收到验证码的手机号（11位）")
    certificate_number: str = Field(pattern=CERTIFICATE, description="负责人证件号码")


class CodeEntry(Principal):
    """A code typed on the verification page."""

    code: str = Field(pattern=r"^\s*[0-9]{6}\s*$", description="短信（发送方 12381）中的6位验证码")


class ChallengeRequest(Principal):
    """Which verification the request is about."""

    purpose: Purpose = Field(default="verify", description="verify 备案短信核验；cancel 注销确认")


class CodeAccepted(BaseModel):
    """The code was right."""

    accepted: Literal[True] = True
    all_verified: bool = Field(description="该备案的所有负责人都已完成核验时为 true")
    message: str


class ChallengeStatus(BaseModel):
    """How long the code stays valid and how many tries are left."""

    purpose: Purpose
    window_ends_at: datetime
    remaining_seconds: int
    wrong_attempts: int
    attempts_left: int
    resends_left: int


def _status(challenge: SmsChallenge, now: datetime) -> ChallengeStatus:
    remaining = max(int((challenge.window_ends_at - now).total_seconds()), 0)
    return ChallengeStatus(
        purpose=challenge.purpose,  # type: ignore[arg-type]
        window_ends_at=challenge.window_ends_at,
        remaining_seconds=remaining,
        wrong_attempts=challenge.wrong_attempts,
        attempts_left=max(verification.MAX_WRONG - challenge.wrong_attempts, 0),
        resends_left=max(verification.MAX_RESENDS - challenge.resends, 0),
    )


def _enter(request: Request, body: CodeEntry, purpose: Purpose) -> CodeAccepted:
    with unit_of_work(request) as session:
        outcome = verification.enter_code(
            session,
            purpose=purpose,
            mobile=body.mobile,
            certificate_number=body.certificate_number,
            code=body.code,
            now=now_of(request),
        )
    # Raised only now: the wrong attempt it counts has been committed.
    outcome.raise_if_refused()
    if purpose == "cancel":
        message = "注销已确认" if outcome.all_verified else "验证码正确，等待其他负责人确认"
    else:
        message = (
            "短信核验已完成，备案已提交管局审核"
            if outcome.all_verified
            else "验证码正确，等待其他负责人完成核验"
        )
    return CodeAccepted(all_verified=outcome.all_verified, message=message)


@router.post(
    "/sms-verification/verify",
    operation_id="verifySms",
    response_model=CodeAccepted,
    responses=errors(400, 409, 422),
)
def verify_sms(body: CodeEntry, request: Request) -> CodeAccepted:
    """Enter the verification code; 5 wrong entries or 24 hours return the filing."""
    return _enter(request, body, "verify")


@router.post(
    "/cancellation/confirm",
    operation_id="confirmCancellation",
    response_model=CodeAccepted,
    responses=errors(400, 409, 422),
)
def confirm_cancellation(body: CodeEntry, request: Request) -> CodeAccepted:
    """Confirm the cancellation of a filed record with the texted code."""
    return _enter(request, body, "cancel")


@router.post(
    "/sms-verification/resend",
    operation_id="resendSms",
    response_model=ChallengeStatus,
    responses=errors(400, 409, 422),
)
def resend_sms(body: ChallengeRequest, request: Request) -> ChallengeStatus:
    """Text a new code once; the earlier code stops working and the window stays."""
    with unit_of_work(request) as session:
        challenge = verification.resend(
            session,
            purpose=body.purpose,
            mobile=body.mobile,
            certificate_number=body.certificate_number,
            now=now_of(request),
        )
        return _status(challenge, now_of(request))


@router.post(
    "/sms-verification/status",
    operation_id="getSmsVerificationStatus",
    response_model=ChallengeStatus,
    responses=errors(400, 422),
)
def get_sms_verification_status(body: ChallengeRequest, request: Request) -> ChallengeStatus:
    """Remaining time, attempts and resends of the waiting code (POST: no phone in a URL)."""
    with unit_of_work(request) as session:
        challenge = verification.status_of(
            session,
            purpose=body.purpose,
            mobile=body.mobile,
            certificate_number=body.certificate_number,
        )
        return _status(challenge, now_of(request))
