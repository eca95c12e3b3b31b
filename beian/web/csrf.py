"""CSRF protection for every state-changing request to a page.

The token is an HMAC keyed by the session cookie, so it is per session and needs no
storage; before login a random `beian_csrf` cookie plays the session's part. Every POST,
PUT, PATCH and DELETE outside /api must carry it as the `csrf_token` form field (or the
`X-CSRF-Token` header), or it is refused with 403 before any route runs. The JSON API is
exempt: it authenticates with bearer tokens, which a browser never sends on its own.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from beian.accounts.sessions import new_token
from beian.web.auth import API_PREFIX, MAX_TOKEN_LENGTH, SESSION_COOKIE
from beian.web.findings import BAD_REQUEST, CSRF_FAILED, finding

CSRF_COOKIE = "beian_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

ErrorResponder = Callable[[Request, int, list[dict[str, Any]]], Response]


def csrf_token(request: Request) -> str:
    """The token a form rendered for this request must carry in its `csrf_token` field."""
    return _derive(_csrf_key(request, create=True))


def pending_csrf_cookie(request: Request) -> str | None:
    """A new anonymous CSRF cookie value to set on the response, if one was made."""
    return getattr(request.state, "new_csrf_cookie", None)


def _csrf_key(request: Request, *, create: bool) -> str | None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        value = request.cookies.get(name)
        if value and len(value) <= MAX_TOKEN_LENGTH:
            return value
    key = getattr(request.state, "new_csrf_cookie", None)
    if key is None and create:
        key = new_token()
        request.state.new_csrf_cookie = key
    return key


def _derive(key: str | None) -> str:
    if key is None:
        return ""
    return hmac.new(key.encode(), b"beian-csrf-v1", hashlib.sha256).hexdigest()


def token_is_valid(request: Request, submitted: str | None) -> bool:
    """True when `submitted` is this session's CSRF token (compared in constant time)."""
    key = _csrf_key(request, create=False)
    if key is None or not submitted:
        return False
    return hmac.compare_digest(_derive(key).encode(), submitted.encode("utf-8", "replace"))


class CsrfMiddleware:
    """Refuse unsafe requests to pages that lack the session's CSRF token."""

    def __init__(self, app: ASGIApp, *, respond: ErrorResponder) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or scope["path"].startswith(API_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request = Request(scope, _replay(body, receive))
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
            try:
                form = await request.form()
            except Exception:  # a malformed form body: say so instead of failing later
                bad = finding(BAD_REQUEST, "", "表单内容无法解析", "请刷新页面后重新提交")
                await self.respond(request, 400, [bad])(scope, receive, send)
                return
            submitted = _field(form)
            await form.close()
        if not token_is_valid(request, submitted):
            refused = finding(
                CSRF_FAILED,
                CSRF_FIELD,
                "表单已过期或来源无法确认，请求已被拒绝",
                "请返回上一页，刷新后重新提交；如果仍然失败，请重新登录",
            )
            await self.respond(request, 403, [refused])(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _field(form: FormData) -> str | None:
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def _read_body(receive: Receive) -> bytes:
    # The size limit is enforced by the error boundary's receive wrapper further out.
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
