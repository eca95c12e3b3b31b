"""Account operations of the JSON API under /api/v1: log in, log out, who am I, users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from beian.accounts.models import User
from beian.accounts.roles import Role, role_label
from beian.accounts.service import authenticate, list_users
from beian.accounts.sessions import issue_api_token, revoke_api_token
from beian.db import transaction
from beian.web.auth import CurrentUser, bearer_token, require_role
from beian.web.findings import BAD_CREDENTIALS, ErrorBody, FindingError, finding

# Declared on every operation so the OpenAPI document shows the real error body.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (401, "Not logged in, or the token is invalid or expired"),
        (403, "The user's role may not do this"),
        (422, "The request does not match the schema; one finding per field"),
    )
}

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=ERROR_RESPONSES)


class LoginRequest(BaseModel):
    """Credentials exchanged for a bearer token."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    """A bearer token for `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class UserOut(BaseModel):
    """A user as the API shows it (never the password hash)."""

    username: str
    display_name: str
    role: Role
    role_label: str
    province: str | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        """Describe a user."""
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=Role(user.role),
            role_label=role_label(user.role),
            province=user.province,
        )


@router.post(
    "/login",
    operation_id="login",
    response_model=TokenResponse,
    responses={400: {"model": ErrorBody, "description": "The body is not valid JSON"}},
)
def login(body: LoginRequest, request: Request, response: Response) -> TokenResponse:
    """Exchange username and password for a bearer token."""
    state = request.app.state
    # A token must not be kept by any cache on the way (RFC 6749, section 5.1).
    response.headers["Cache-Control"] = "no-store"
    with transaction(state.sessions) as db:
        user = authenticate(
            db, username=body.username, password=body.password, hasher=state.password_hasher
        )
        if user is None:
            raise FindingError(
                401,
                [finding(BAD_CREDENTIALS, "", "用户名或密码错误", "请检查用户名和密码后重试")],
            )
        issued = issue_api_token(db, user=user, now=state.clock.now())
    return TokenResponse(access_token=issued.token, expires_at=issued.expires_at)


@router.post("/logout", operation_id="logout", status_code=204)
def logout(user: CurrentUser, request: Request) -> Response:
    """Revoke the bearer token this request was made with."""
    token = bearer_token(request)
    assert token is not None  # current_user accepted it
    with transaction(request.app.state.sessions) as db:
        revoke_api_token(db, token=token)
    return Response(status_code=204)


@router.get("/me", operation_id="getCurrentUser", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    """The user the bearer token belongs to."""
    return UserOut.of(user)


@router.get("/users", operation_id="listUsers", response_model=list[UserOut])
def users(
    request: Request,
    _operator: Annotated[User, Depends(require_role(Role.OPERATOR))],
    role: Role | None = None,
) -> list[UserOut]:
    """All users, optionally of one role (operators only)."""
    with transaction(request.app.state.sessions) as db:
        return [UserOut.of(user) for user in list_users(db, role=role.value if role else None)]
