"""Every error becomes findings: JSON under /api, a friendly Chinese page elsewhere.

No response ever carries a traceback or an exception message. Unexpected exceptions are
logged by type and code location only, because their messages may quote personal data
(an SQL error repeats the values it failed to write).
"""

from __future__ import annotations

import http
import logging
import traceback
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from beian.accounts.service import DUPLICATE_USERNAME, AccountError
from beian.facecheck.service import FaceTaskError, FaceTaskNotFound, InvalidFaceTaskInput
from beian.filings.errors import FilingError
from beian.web.auth import API_PREFIX, optional_user
from beian.web.findings import (
    BAD_REQUEST,
    CSRF_FAILED,
    INVALID_JSON,
    FindingError,
    finding,
    status_finding,
)
from beian.web.validation import validation_findings

logger = logging.getLogger("beian.web")

_PAGE_TITLES = {
    400: "请求有误",
    401: "需要登录",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的操作",
    413: "内容过大",
    422: "提交的内容有误",
    500: "系统出错了",
}


def error_response(
    request: Request,
    status_code: int,
    findings: list[dict[str, Any]],
    headers: dict[str, str] | None = None,
) -> Response:
    """Findings as JSON for the API, as a page (or a redirect to login) for browsers."""
    if request.url.path.startswith(API_PREFIX):
        return JSONResponse({"errors": findings}, status_code=status_code, headers=headers)
    if status_code == 401:
        target = "/login"
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target += "?next=" + quote(here, safe="")
        return RedirectResponse(target, status_code=303)
    return error_page(request, status_code, findings, headers)


def error_page(
    request: Request,
    status_code: int,
    findings: list[dict[str, Any]],
    headers: dict[str, str] | None = None,
) -> Response:
    """The friendly error page; a bare one if even the template cannot be rendered."""
    # Imported here: templating imports csrf, which is built on this module's responses.
    from beian.web.templating import render

    title = _PAGE_TITLES.get(status_code, "请求未能完成")
    if any(item.get("errcode") == CSRF_FAILED for item in findings):
        title = "请求已被拒绝"
    if status_code < 500 and not hasattr(request.state, "user"):
        # Show the logged-in layout where we can; an error page must not fail for it.
        try:
            optional_user(request)
        except Exception:
            request.state.user = None
    try:
        response = render(
            request,
            "error.html",
            {"status_code": status_code, "title": title, "findings": findings},
            status_code=status_code,
        )
    except Exception:
        logger.exception("error page could not be rendered")
        response = HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1>",
            status_code=status_code,
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# FastAPI's answer, in English, to a body its decoder gave up on (bytes that are not UTF-8,
# nesting too deep), and Starlette's to a form it could not split (no boundary).
_UNPARSEABLE_BODY = "There was an error parsing the body"
_UNREADABLE_JSON = finding(
    INVALID_JSON,
    "",
    "请求内容不是有效的 JSON，请检查后重新提交",
    "请以 UTF-8 编码发送一个 JSON 对象，并设置 Content-Type: application/json",
)
_UNREADABLE_FORM = finding(
    BAD_REQUEST,
    "",
    "请求内容不是有效的表单数据，请检查后重新提交",
    "上传文件请以 multipart/form-data 发送，并在 Content-Type 中带上 boundary",
)


def _unparseable_body(request: Request, error: HTTPException) -> dict[str, Any] | None:
    """The finding for a body that could not be parsed at all, or None for another 400."""
    if error.status_code != 400:
        return None
    if isinstance(error.__context__, MultiPartException):
        return dict(_UNREADABLE_FORM)
    if error.detail != _UNPARSEABLE_BODY or error.__cause__ is None:
        return None
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form = media_type in ("multipart/form-data", "application/x-www-form-urlencoded")
    return dict(_UNREADABLE_FORM if form else _UNREADABLE_JSON)


def _http_exception(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail
    if unparseable := _unparseable_body(request, error):
        findings = [unparseable]
    elif isinstance(detail, dict) and "errcode" in detail:
        findings = [detail]
    elif isinstance(detail, list) and all(isinstance(item, dict) for item in detail):
        findings = detail
    elif isinstance(detail, str) and detail != _phrase(error.status_code):
        findings = [status_finding(error.status_code, detail)]
    else:
        findings = [status_finding(error.status_code)]
    return error_response(request, error.status_code, findings, dict(error.headers or {}))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    # An operation that checks its caller's token with its work (api_common._role_in_trip)
    # has not checked it yet: a refused caller hears 401 or 403 first, as from any other.
    check = getattr(request.state, "check_before_invalid", None)
    refusal = await check() if check is not None else None
    if refusal is not None:
        return _finding_error(request, refusal)
    return error_response(request, 422, validation_findings(error.errors()))


def _finding_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FindingError)
    return error_response(request, error.status_code, error.findings, error.headers)


def _account_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AccountError)
    status_code = 409 if error.errcode == DUPLICATE_USERNAME else 422
    found = finding(error.errcode, error.err_field, error.errmsg, error.suggest)
    return error_response(request, status_code, [found])


def _filing_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FilingError)
    return error_response(request, error.status, error.findings)


def _face_task_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, FaceTaskError)
    status_code = 404 if isinstance(error, FaceTaskNotFound) else 409
    if isinstance(error, InvalidFaceTaskInput):
        status_code = 422
    field = "verify_task_id"
    return error_response(request, status_code, [finding(status_code * 100, field, str(error), "")])


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into findings."""
    app.add_exception_handler(FilingError, _filing_error)
    app.add_exception_handler(FaceTaskError, _face_task_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(FindingError, _finding_error)
    app.add_exception_handler(AccountError, _account_error)


def _phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return ""


class BodyTooLarge(Exception):
    """The request body passed the configured limit."""


class ErrorBoundaryMiddleware:
    """The outermost guard: caps request bodies and answers unexpected errors with a 500."""

    def __init__(self, app: ASGIApp, *, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        received = 0

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_size:
                raise BodyTooLarge
            return message

        request = Request(scope)
        try:
            declared = int(request.headers.get("content-length", "0"))
        except ValueError:
            declared = 0
        if declared > self.max_body_size:
            await error_response(request, 413, [status_finding(413)])(scope, receive, send)
            return
        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await error_response(request, 413, [status_finding(413)])(scope, receive, send)
        except Exception as error:
            _log_unexpected(error, scope)
            if not started:
                await error_response(request, 500, [status_finding(500)])(scope, receive, send)


def _log_unexpected(error: BaseException, scope: Scope) -> None:
    # Type and code locations only: messages may quote personal data.
    frames = traceback.extract_tb(error.__traceback__)[-8:]
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)
    )
    causes: list[str] = []
    cause = error.__cause__ or error.__context__
    while cause is not None and len(causes) < 5:
        causes.append(type(cause).__qualname__)
        cause = cause.__cause__ or cause.__context__
    logger.error(
        "unexpected %s during %s %s at %s%s",
        type(error).__qualname__,
        scope.get("method", "?"),
        scope.get("path", "?"),
        where,
        f" (caused by {', '.join(causes)})" if causes else "",
    )


class SecurityHeadersMiddleware:
    """Headers that keep pages out of frames and limit what they may load."""

    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
