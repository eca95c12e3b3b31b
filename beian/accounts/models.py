"""Users, their browser login sessions and their API tokens.

Session and token secrets are never stored: only the SHA-256 hash of each random token,
so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beian.db import Base
from beian.db.types import UtcDateTime


class User(Base):
    """A person who logs in: an applicant, a reviewer or an operator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lowercase so that uniqueness ignores case.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # One of beian.accounts.roles.Role, as its lowercase value.
    role: Mapped[str] = mapped_column(String(32))
    # GB/T 2260 province code; set for bureau reviewers and for nobody else.
    province: Mapped[str | None] = mapped_column(String(6), default=None)
    display_name: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginSession(Base):
    """A browser login: the session cookie carries the token whose hash is stored here."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A bearer token for /api/v1, issued by the login operation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
