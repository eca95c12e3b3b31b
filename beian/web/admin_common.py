"""What every operator page shares: the role check and how instants are shown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from beian.accounts.models import User
from beian.accounts.roles import Role
from beian.clock import CHINA_TZ
from beian.web.auth import require_role

# Anonymous visitors are sent to the login form; other roles get the 403 page.
Operator = Annotated[User, Depends(require_role(Role.OPERATOR))]


def china_time(instant: datetime | None) -> str:
    """An instant as people in China read it: 2026-03-02 09:00 (empty when None)."""
    if instant is None:
        return ""
    if instant.tzinfo is None:  # a stored value read back without its zone is UTC
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
