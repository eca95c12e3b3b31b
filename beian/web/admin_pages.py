"""The operator's pages: users and roles here; the other rooms in beian/web/admin_*.py."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from beian.accounts.models import ApiToken, LoginSession, User
from beian.accounts.roles import BUREAU_PROVINCES, ROLE_LABELS, Role, parse_role
from beian.accounts.service import (
    DUPLICATE_USERNAME,
    PROVINCE_REQUIRED,
    UNKNOWN_PROVINCE,
    UNKNOWN_ROLE,
    AccountError,
    create_user,
    list_users,
)
from beian.audit import service as audit
from beian.db import transaction
from beian.web import (
    admin_audit,
    admin_calendar,
    admin_dictionaries,
    admin_outbox,
    admin_provinces,
)
from beian.web.admin_common import Operator, china_time
from beian.web.templating import render

router = APIRouter(include_in_schema=False)
for _room in (admin_dictionaries, admin_calendar, admin_provinces, admin_outbox, admin_audit):
    router.include_router(_room.router)

USERS = "/admin/users"
# The service's advice speaks of codes and values (it also serves the CLI); the form has lists.
FORM_ADVICE = {
    PROVINCE_REQUIRED: "请在“省份”中选择该审核员负责的省份",
    UNKNOWN_PROVINCE: "请在“省份”列表中选择",
    UNKNOWN_ROLE: "请在“角色”列表中选择",
}


@router.get(USERS)
def users_page(request: Request, operator: Operator, role: str = "", created: str = "") -> Response:
    """Every account with its role and province, and the form that adds one."""
    return _users_page(request, operator, role_filter=role, created=created)


@router.post(USERS)
def create_user_submit(
    request: Request,
    operator: Operator,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    province: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Add an account; a refusal shows the form again with the message beside its field."""
    state = request.app.state
    now = state.clock.now()
    # A province only means something for a bureau reviewer; the select may still hold one.
    if parse_role(role) is not Role.BUREAU_REVIEWER:
        province = ""
    try:
        with transaction(state.sessions) as db:
            user = create_user(
                db,
                username=username,
                password=password,
                role=role,
                province=province or None,
                display_name=display_name or None,
                now=now,
                hasher=state.password_hasher,
            )
            audit.record(
                db,
                actor=operator.username,
                action="user.create",
                target_type="user",
                target_id=user.username,
                now=now,
                detail={"role": user.role, "province": user.province},
            )
            created = user.username
    except AccountError as error:
        form = {"username": username, "display_name": display_name, "role": role,
                "province": province}
        status = 409 if error.errcode == DUPLICATE_USERNAME else 422
        shown = {"err_field": error.err_field, "errmsg": error.errmsg,
                 "suggest": FORM_ADVICE.get(error.errcode, error.suggest)}
        return _users_page(request, operator, form=form, error=shown, status_code=status)
    return RedirectResponse(f"{USERS}?created={quote(created)}", status_code=303)


@router.post(USERS + "/{user_id}/deactivate")
def deactivate(request: Request, operator: Operator, user_id: int) -> Response:
    """Stop an account from logging in; its open sessions and tokens end at once."""
    return _set_active(request, operator, user_id, active=False)


@router.post(USERS + "/{user_id}/reactivate")
def reactivate(request: Request, operator: Operator, user_id: int) -> Response:
    """Let a stopped account log in again."""
    return _set_active(request, operator, user_id, active=True)


def _set_active(request: Request, operator: User, user_id: int, *, active: bool) -> Response:
    if user_id == operator.id and not active:
        # Otherwise the last operator could lock everyone out of these pages.
        notice = "不能停用自己正在使用的账号：请让另一位运营管理员操作"
        return _users_page(request, operator, problem=notice, status_code=409)
    state = request.app.state
    now = state.clock.now()
    with transaction(state.sessions) as db:
        user = db.get(User, user_id)
        if user is not None and user.is_active != active:
            user.is_active = active
            if not active:
                _end_sessions(db, user.id)
            audit.record(
                db,
                actor=operator.username,
                action="user.reactivate" if active else "user.deactivate",
                target_type="user",
                target_id=user.username,
                now=now,
            )
    if user is None:  # rendered after the transaction: one at a time on SQLite
        return _users_page(request, operator, problem="账号不存在", status_code=404)
    return RedirectResponse(USERS, status_code=303)


def _end_sessions(db: Session, user_id: int) -> None:
    db.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    db.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


def _users_page(
    request: Request,
    operator: User,
    *,
    role_filter: str = "",
    created: str = "",
    form: dict[str, str] | None = None,
    error: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    parsed = parse_role(role_filter) if role_filter else None
    with transaction(request.app.state.sessions) as db:
        users = list_users(db, role=parsed.value if parsed else None)
    context: dict[str, Any] = {
        "title": "用户与角色",
        "users": users,
        "me": operator,
        "roles": list(ROLE_LABELS.items()),
        "role_filter": parsed.value if parsed else "",
        "provinces": list(BUREAU_PROVINCES.items()),
        "created": created,
        "form": form or {"role": Role.APPLICANT.value},
        "error": error,
        "problem": problem,
        "china_time": china_time,
    }
    return render(request, "admin/users.html", context, status_code=status_code)
