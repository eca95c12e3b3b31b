"""The pages of the groundwork: log in, log out and the home page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from beian.accounts.service import authenticate
from beian.accounts.sessions import end_login_session, start_login_session
from beian.db import transaction
from beian.web.auth import MAX_TOKEN_LENGTH, SESSION_COOKIE, CurrentUser, OptionalUser
from beian.web.csrf import CSRF_COOKIE
from beian.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """A local path to return to after login; anything else (other sites) becomes '/'."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("/login"):
        return "/"
    return target


@router.get("/")
def home(request: Request, user: CurrentUser) -> Response:
    """Who is logged in, and where their role can go."""
    return render(request, "home.html", {"title": "首页"})


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    """The login form (or straight on, when already logged in)."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"title": "登录", "next": safe_next(next)})


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the credentials, open a login session and go on to `next`."""
    state = request.app.state
    if not username.strip() or not password:
        return _login_failed(request, username, next, "请输入用户名和密码")
    with transaction(state.sessions) as db:
        user = authenticate(db, username=username, password=password, hasher=state.password_hasher)
        issued = start_login_session(db, user=user, now=state.clock.now()) if user else None
    if issued is None:
        return _login_failed(request, username, next, "用户名或密码错误，请重试")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    # The session cookie now keys the CSRF token; the anonymous one is no longer needed.
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the login session and return to the login form."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and len(token) <= MAX_TOKEN_LENGTH:
        with transaction(request.app.state.sessions) as db:
            end_login_session(db, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


def _login_failed(request: Request, username: str, next: str, message: str) -> Response:
    context = {"title": "登录", "next": safe_next(next), "username": username, "error": message}
    return render(request, "login.html", context, status_code=401)
