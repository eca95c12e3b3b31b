"""Render the server-side pages: Jinja templates with the layout's shared context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from beian.accounts.roles import BUREAU_PROVINCES, role_label
from beian.web.csrf import CSRF_COOKIE, CSRF_FIELD, csrf_token, pending_csrf_cookie
from beian.web.nav import nav_for

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
PRODUCT_NAME = "备案 Beian"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals.update(
    product_name=PRODUCT_NAME,
    role_label=role_label,
    province_name=BUREAU_PROVINCES.get,
    csrf_field=CSRF_FIELD,
)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """A page: `template` rendered in the layout, with user, navigation and CSRF token."""
    user = getattr(request.state, "user", None)
    nav = nav_for(user)
    path = request.url.path
    # The one link to mark current: the longest whose address starts this page's path.
    matching = [item.href for item in nav if path == item.href or path.startswith(item.href + "/")]
    values: dict[str, Any] = {
        "user": user,
        "nav": nav,
        "csrf_token": csrf_token(request),
        "current_path": path,
        "current_nav_href": max(matching, key=len, default=None),
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    set_csrf_cookie(request, response)
    # Pages show personal data: keep them out of shared caches and the back-forward cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Send the anonymous CSRF cookie if rendering this request had to create one."""
    value = pending_csrf_cookie(request)
    if value is not None:
        response.set_cookie(
            CSRF_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
