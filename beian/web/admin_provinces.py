"""Per-province rules: which materials a bureau requires and how long certificates must last."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from beian.accounts.roles import BUREAU_PROVINCES
from beian.core.precheck import PrecheckConfig
from beian.db import transaction
from beian.provinces.service import (
    INVALID_MONTHS,
    MATERIAL_CHOICES,
    MAX_VALIDITY_MONTHS,
    ProvinceRulesError,
    get_province_rules,
    list_province_rules,
    material_label,
    set_province_rules,
)
from beian.web.admin_common import Operator, china_time
from beian.web.findings import FindingError, finding, status_finding
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

PROVINCES = "/admin/provinces"
NATIONAL_MONTHS = PrecheckConfig().min_validity_months


@router.get(PROVINCES)
def provinces_page(request: Request, operator: Operator, saved: str = "") -> Response:
    """Every province with its own rules or the national ones."""
    with transaction(request.app.state.sessions) as db:
        stored = {row.province: row for row in list_province_rules(db)}
    rows: list[dict[str, Any]] = []
    for code, name in BUREAU_PROVINCES.items():
        row = stored.get(code)
        rows.append({
            "code": code,
            "name": name,
            "materials": [material_label(m) for m in row.required_materials] if row else [],
            "months": row.min_validity_months if row else None,
            "updated": f"{china_time(row.updated_at)} {row.updated_by}" if row else "",
        })
    context = {
        "title": "省份规则",
        "rows": rows,
        "national_months": NATIONAL_MONTHS,
        "custom": len(stored),
        "saved": BUREAU_PROVINCES.get(saved, ""),
    }
    return render(request, "admin/provinces.html", context)


@router.get(PROVINCES + "/{code}")
def province_form(request: Request, operator: Operator, code: str) -> Response:
    """The rules of one province, as an editable form."""
    name = _province_name(code)
    with transaction(request.app.state.sessions) as db:
        row = get_province_rules(db, code)
    chosen = list(row.required_materials) if row else []
    months = "" if row is None or row.min_validity_months is None else str(row.min_validity_months)
    return _form(request, code, name, chosen, months)


@router.post(PROVINCES + "/{code}")
def province_save(
    request: Request,
    operator: Operator,
    code: str,
    required_materials: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
    min_validity_months: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Save one province's rules; a refusal shows the form again with the reason."""
    name = _province_name(code)
    state = request.app.state
    try:
        months = _parse_months(min_validity_months)
        with transaction(state.sessions) as db:
            set_province_rules(
                db,
                province=code,
                required_materials=required_materials,
                min_validity_months=months,
                now=state.clock.now(),
                actor=operator.username,
            )
    except ProvinceRulesError as error:
        return _form(request, code, name, required_materials, min_validity_months,
                     error=error, status_code=422)
    return RedirectResponse(f"{PROVINCES}?saved={code}", status_code=303)


def _parse_months(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ProvinceRulesError(
            INVALID_MONTHS,
            "min_validity_months",
            f"证件剩余有效期应为整数个月，不能是「{value[:20]}」",
            f"请填写 0 到 {MAX_VALIDITY_MONTHS} 之间的整数；留空表示沿用全国默认值",
        )
    return int(value)


def _province_name(code: str) -> str:
    name = BUREAU_PROVINCES.get(code)
    if name is None:
        raise FindingError(
            404,
            [finding(status_finding(404)["errcode"], "province", f"没有省份代码 {code[:12]}",
                     "请从省份规则列表中选择省份")],
        )
    return name


def _form(
    request: Request,
    code: str,
    name: str,
    chosen: list[str],
    months: str,
    *,
    error: ProvinceRulesError | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "title": f"{name}的备案规则",
        "code": code,
        "name": name,
        "choices": MATERIAL_CHOICES,
        "chosen": set(chosen),
        "months": months,
        "national_months": NATIONAL_MONTHS,
        "max_months": MAX_VALIDITY_MONTHS,
        "error": error,
    }
    return render(request, "admin/province_form.html", context, status_code=status_code)
