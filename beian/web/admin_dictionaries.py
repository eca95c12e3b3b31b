"""Read-only views of the reference dictionaries, for operators to look things up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from beian.core import dictionaries
from beian.web.admin_common import Operator
from beian.web.findings import FindingError, finding, status_finding
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

BASE = "/admin/dictionaries"
TABS = (
    ("subjects", BASE, "主体与证件类型"),
    ("services", BASE + "/services", "服务内容类型"),
    ("nrlx", BASE + "/nrlx", "前置审批类型"),
    ("districts", BASE + "/districts", "行政区划"),
)
LEVEL_NAMES = {1: "省级", 2: "地级", 3: "县级"}


@router.get(BASE)
def subjects(request: Request, operator: Operator) -> Response:
    """Subject types, each with the certificate types a subject of that type may present."""
    rows = [
        {"subject": item, "certificates": dictionaries.certificate_types_for(item.type)}
        for item in dictionaries.subject_types()
    ]
    return _render(request, "subjects", {"subject_rows": rows})


@router.get(BASE + "/services")
def services(request: Request, operator: Operator) -> Response:
    """The two levels of service content types and the pre-approvals each one needs."""
    groups: list[dict[str, Any]] = []
    children: dict[int, list[dict[str, Any]]] = {}
    for item in dictionaries.service_types():
        if item.parent_type == 0:
            children[item.type] = []
            groups.append({"group": item, "items": children[item.type]})
            continue
        needs = [dictionaries.nrlx_type(code) for code in item.required_nrlx]
        entry = {"service": item, "needs": [n.name for n in needs if n is not None]}
        children.setdefault(item.parent_type, []).append(entry)
    return _render(request, "services", {"groups": groups})


@router.get(BASE + "/nrlx")
def nrlx(request: Request, operator: Operator) -> Response:
    """Pre-approval types, with the services that require each."""
    needed_by: dict[int, list[str]] = {}
    for item in dictionaries.service_types():
        for code in item.required_nrlx:
            needed_by.setdefault(code, []).append(item.name)
    rows = [
        {"nrlx": item, "needed_by": needed_by.get(item.type, []),
         "is_none": item.type == dictionaries.NRLX_NONE}
        for item in dictionaries.nrlx_types()
    ]
    return _render(request, "nrlx", {"nrlx_rows": rows})


@router.get(BASE + "/districts")
def districts(request: Request, operator: Operator, code: str = "") -> Response:
    """Provinces; or the cities of a province; or the districts of a city."""
    trail: list[dictionaries.District] = []
    if code:
        place = dictionaries.district(code) if len(code) == 6 else None
        if place is None:
            raise FindingError(
                404,
                [finding(status_finding(404)["errcode"], "code", f"没有行政区划代码 {code[:12]}",
                         "请从省份列表逐级选择")],
            )
        while place is not None:
            trail.insert(0, place)
            place = dictionaries.district(place.parent) if place.parent else None
        places = dictionaries.child_districts(code)
    else:
        places = tuple(item for item in dictionaries.districts() if item.level == 1)
    rows = [{"place": p, "has_children": bool(dictionaries.child_districts(p.code))}
            for p in places]
    context = {"trail": trail, "places": rows, "level_names": LEVEL_NAMES}
    return _render(request, "districts", context)


def _render(request: Request, tab: str, context: dict[str, Any]) -> Response:
    values = {"title": "数据字典", "tabs": TABS, "tab": tab, **context}
    return render(request, "admin/dictionaries.html", values)
