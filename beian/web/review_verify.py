"""The page the verification SMS points to: mobile + certificate number + code, no login.

The principal proves themselves with what only they hold. Phones and ID numbers travel in
POST bodies only, never in URLs. A wrong code is counted in the database before the
refusal is shown (the service returns it so the count commits with the transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from beian.db import transaction
from beian.filings import verification
from beian.filings.errors import FilingError
from beian.web.review_evidence import china_time
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

PURPOSES: dict[str, dict[str, str]] = {
    "verify": {
        "path": "/verify",
        "title": "短信核验",
        "lead": "请输入负责人本人的手机号码、证件号码和短信（发送方 12381）中的 6 位验证码，"
        "在 24 小时内完成核验。",
        "done": "核验成功",
        "all_done": "全部负责人已完成短信核验，备案已提交通信管理局审核。",
        "partly_done": "您的短信核验已完成。还需另一位负责人用自己的手机号码和验证码完成核验。",
    },
    "cancel": {
        "path": "/verify/cancel",
        "title": "确认注销",
        "lead": "申请人已申请注销备案。如确需注销，请输入负责人本人的手机号码、证件号码和"
        "短信（发送方 12381）中的 6 位验证码；不确认则注销自动取消。",
        "done": "已确认注销",
        "all_done": "注销已确认，备案已注销。",
        "partly_done": "您已确认注销，还需另一位负责人确认。",
    },
}


def _describe(challenge: Any, now: datetime) -> dict[str, Any]:
    left = challenge.window_ends_at - now
    minutes = max(int(left.total_seconds() // 60), 0)
    return {
        "window_end": china_time(challenge.window_ends_at),
        "time_left": f"{minutes // 60} 小时 {minutes % 60} 分钟",
        "attempts_left": max(verification.MAX_WRONG - challenge.wrong_attempts, 0),
        "resends_left": max(verification.MAX_RESENDS - challenge.resends, 0),
    }


def _page(
    request: Request,
    purpose: str,
    *,
    mobile: str = "",
    certificate_number: str = "",
    status: dict[str, Any] | None = None,
    problems: list[dict[str, Any]] | None = None,
    message: str = "",
    success: str = "",
    status_code: int = 200,
) -> Response:
    text = PURPOSES[purpose]
    context = {
        "title": text["title"],
        "text": text,
        "action": text["path"],
        "mobile": mobile,
        "certificate_number": certificate_number,
        "status": status,
        "problems": problems or [],
        "message": message,
        "success": success,
    }
    return render(request, "verify/verify.html", context, status_code=status_code)


def _missing(mobile: str, certificate_number: str, code: str | None) -> list[dict[str, Any]]:
    problems = []
    for name, value, label in (
        ("mobile", mobile, "手机号码"),
        ("certificate_number", certificate_number, "证件号码"),
        ("code", code, "验证码"),
    ):
        if value is not None and not value:
            problems.append(
                {
                    "errcode": 42200,
                    "err_field": name,
                    "errmsg": f"请填写{label}",
                    "suggest": "",
                    "severity": "error",
                }
            )
    return problems


def _waiting(request: Request, purpose: str, mobile: str, number: str) -> dict[str, Any] | None:
    """The waiting code's status, read in its own transaction (None: nothing waits)."""
    state = request.app.state
    try:
        with transaction(state.sessions) as db:
            challenge = verification.status_of(
                db, purpose=purpose, mobile=mobile, certificate_number=number
            )
            return _describe(challenge, state.clock.now())
    except FilingError:
        return None


def _submit(
    request: Request, purpose: str, action: str, mobile: str, number: str, code: str
) -> Response:
    mobile, number, code = mobile.strip(), number.strip().upper(), code.strip()
    problems = _missing(mobile, number, code if action == "enter" else None)
    if problems:
        return _page(
            request,
            purpose,
            problems=problems,
            status_code=422,
            mobile=mobile,
            certificate_number=number,
        )
    state = request.app.state
    status: dict[str, Any] | None
    if action == "resend":
        try:
            with transaction(state.sessions) as db:
                challenge = verification.resend(
                    db,
                    purpose=purpose,
                    mobile=mobile,
                    certificate_number=number,
                    now=state.clock.now(),
                )
                status = _describe(challenge, state.clock.now())
        except FilingError as refusal:
            status = _waiting(request, purpose, mobile, number)
            return _page(
                request,
                purpose,
                problems=refusal.findings,
                status=status,
                status_code=refusal.status,
                mobile=mobile,
                certificate_number=number,
            )
        message = "新的验证码已发送（发送方 12381），之前的验证码已失效。验证码只能重发这一次。"
        return _page(
            request,
            purpose,
            status=status,
            message=message,
            mobile=mobile,
            certificate_number=number,
        )
    try:
        with transaction(state.sessions) as db:
            outcome = verification.enter_code(
                db,
                purpose=purpose,
                mobile=mobile,
                certificate_number=number,
                code=code,
                now=state.clock.now(),
            )
        # Committed: the wrong attempt is counted even though the entry is refused.
        outcome.raise_if_refused()
    except FilingError as refusal:
        status = _waiting(request, purpose, mobile, number)
        return _page(
            request,
            purpose,
            problems=refusal.findings,
            status=status,
            status_code=refusal.status,
            mobile=mobile,
            certificate_number=number,
        )
    text = PURPOSES[purpose]
    return _page(
        request, purpose, success=text["all_done"] if outcome.all_verified else text["partly_done"]
    )


@router.get("/verify")
def verify_form(request: Request) -> Response:
    """The verification page the SMS points to."""
    return _page(request, "verify")


@router.post("/verify")
def verify_submit(
    request: Request,
    mobile: Annotated[str, Form(max_length=20)] = "",
    certificate_number: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    action: Annotated[str, Form(max_length=10)] = "enter",
) -> Response:
    """Check a verification code, or send a new one (once)."""
    return _submit(request, "verify", action, mobile, certificate_number, code)


@router.get("/verify/cancel")
def cancel_form(request: Request) -> Response:
    """The page a cancellation confirmation SMS points to."""
    return _page(request, "cancel")


@router.post("/verify/cancel")
def cancel_submit(
    request: Request,
    mobile: Annotated[str, Form(max_length=20)] = "",
    certificate_number: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    action: Annotated[str, Form(max_length=10)] = "enter",
) -> Response:
    """Confirm a cancellation with the texted code, or send a new one (once)."""
    return _submit(request, "cancel", action, mobile, certificate_number, code)
