"""Public pages, no login: a mini-program's profile with its number, and the filing query."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from beian.public.reads import public_reads
from beian.public.service import QueryError, applet_profile, query_records
from beian.web.auth import OptionalUser
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

# Only for showing the visitor's words back in the field; the query service sets the rules.
MAX_ECHO = 200


@router.get("/applets/{appid}")
def applet_page(request: Request, user: OptionalUser, appid: str) -> Response:
    """The mini-program's "more information" page: name, subject and filing number."""
    with public_reads(request.app.state.sessions) as reads:
        profile = applet_profile(reads, appid)
    if profile is None:
        context: dict[str, Any] = {"title": "小程序资料", "appid": appid[:64], "profile": None}
        return render(request, "public/applet.html", context, status_code=404)
    context = {
        "title": f"{profile['service_name']} · 更多资料",
        "appid": appid,
        "profile": profile,
        "query_link": "/query?q=" + quote(profile["service_number"] or "", safe=""),
    }
    return render(request, "public/applet.html", context)


@router.get("/query")
def query_page(request: Request, user: OptionalUser, q: str | None = None) -> Response:
    """Look up filed records by number, mini-program name or organisation name."""
    context: dict[str, Any] = {"title": "备案查询", "q": (q or "")[:MAX_ECHO], "searched": False}
    if q is None:  # the first visit: only the form
        return render(request, "public/query.html", context)
    try:
        with public_reads(request.app.state.sessions) as reads:
            records = query_records(reads, q)
    except QueryError as error:
        context.update(error=str(error), error_field=error.field)
        return render(request, "public/query.html", context, status_code=422)
    context.update(searched=True, records=records)
    return render(request, "public/query.html", context)
