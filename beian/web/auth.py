"""Who is asking: login sessions for pages, bearer tokens for the API, and role checks.

Pages authenticate with the session cookie only and the API with `Authorization: Bearer`
only, so a cookie can never authorise an API call (which has no CSRF check).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from beian.accounts.models import User
from beian.accounts.roles import ROLE_LABELS, Role
from beian.accounts.sessions import resolve_api_token, resolve_login_session
from beian.db import transaction
from beian.web.findings import FORBIDDEN, FindingError, finding, status_finding

SESSION_COOKIE = "beian_session"
API_PREFIX = "/api/"
# No token we issue is anywhere near this long; longer ones are not worth hashing.
MAX_TOKEN_LENGTH = 256


def is_api_request(request: Request) -> bool:
    """True for the JSON API (answered in JSON), False for pages."""
    return request.url.path.startswith(API_PREFIX)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if well formed."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def optional_user(request: Request) -> User | None:
    """The logged-in user, or None; resolved once per request and kept on request.state."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    now = request.app.state.clock.now()
    if is_api_request(request):
        token = bearer_token(request)
        if token:
            with transaction(request.app.state.sessions) as db:
                user = resolve_api_token(db, token=token, now=now)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if token and len(token) <= MAX_TOKEN_LENGTH:
            with transaction(request.app.state.sessions) as db:
                user = resolve_login_session(db, token=token, now=now)
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The logged-in user; 401 otherwise (pages turn that into a redirect to /login)."""
    return logged_in(user)


def logged_in(user: User | None) -> User:
    """`user`, or 401 when nobody is logged in."""
    if user is None:
        raise FindingError(
            401, [status_finding(401)], headers={"WWW-Authenticate": 'Bearer realm="beian"'}
        )
    return user


def role_check(*roles: Role | str) -> Callable[[User | None], User]:
    """A plain function admitting only users of these roles: 401 if anonymous, 403 if other.

    Plain, so the API can run it without a dependency of its own (each synchronous
    dependency is a trip to the thread pool and back)."""
    allowed = frozenset(Role(role) for role in roles)
    if not allowed:
        raise ValueError("require_role needs at least one role")
    names = "、".join(ROLE_LABELS[role] for role in Role if role in allowed)

    def check(user: User | None) -> User:
        user = logged_in(user)
        if user.role not in allowed:
            raise FindingError(
                403,
                [
                    finding(
                        FORBIDDEN,
                        "",
                        "没有权限执行此操作",
                        f"此操作仅限{names}，请使用相应账号登录",
                    )
                ],
            )
        return user

    check.__name__ = "require_" + "_or_".join(sorted(allowed))
    return check


def require_role(*roles: Role | str) -> Callable[..., User]:
    """A dependency admitting only users of these roles: 401 if anonymous, 403 if other."""
    check = role_check(*roles)

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        return check(user)

    dependency.__name__ = check.__name__
    return dependency


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
