"""Browser login sessions and API bearer tokens.

Each is a random token from `secrets` handed to the client once; the database keeps only
its SHA-256 hash. A login session slides: using it pushes its expiry out by the idle
timeout, but never past the absolute limit from the moment of login.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Result, Table, bindparam, delete, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from beian.accounts.models import ApiToken, LoginSession, User
from beian.db import direct
from beian.db.direct import Direct

SESSION_IDLE_TIMEOUT = timedelta(hours=12)
SESSION_MAX_AGE = timedelta(days=7)
# Recording every request would turn each page view into a write; minutes are precise enough.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
API_TOKEN_LIFETIME = timedelta(hours=24)

# Every request resolves its session or token: one query for it and its user, built once.
_SESSION_AND_USER = (
    select(LoginSession, User)
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)
# Every API request reads its token and the token's user: a Core query of their columns
# (the ORM's execution and entity loading cost more than the statement does), the user
# built from its columns, and the token's use recorded by a plain UPDATE.
_TOKENS = cast(Table, ApiToken.__table__)
_USERS = cast(Table, User.__table__)
# Run on every API request: directly (beian.db.direct), its row read by position.
_TOKEN_AND_USER = Direct(
    select(
        _TOKENS.c.id.label("token_id"),
        _TOKENS.c.expires_at.label("token_expires_at"),
        _TOKENS.c.last_used_at.label("token_last_used_at"),
        *_USERS.c,
    )
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)
_USER_COLUMNS = tuple(column.key for column in _USERS.c)

_TOUCH_TOKEN = (
    update(ApiToken)
    .where(ApiToken.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed to its holder: the secret itself and when it stops working."""

    token: str
    expires_at: datetime


def new_token() -> str:
    """A fresh unguessable token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_login_session(session: Session, *, user: User, now: datetime) -> IssuedToken:
    """Open a browser session for `user`; always a new token, so a session cannot be fixed."""
    now = now.astimezone(UTC)
    token = new_token()
    expires_at = now + SESSION_IDLE_TIMEOUT
    session.add(
        LoginSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return IssuedToken(token, expires_at)


def resolve_login_session(session: Session, *, token: str, now: datetime) -> User | None:
    """The active user behind a session token, extending the session; None if not valid."""
    now = now.astimezone(UTC)
    found = session.execute(_SESSION_AND_USER, {"token_hash": hash_token(token)}).first()
    if found is None:
        return None
    row, user = found
    if row.expires_at <= now or not user.is_active:
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
        row.expires_at = min(now + SESSION_IDLE_TIMEOUT, row.created_at + SESSION_MAX_AGE)
        session.flush()
    return user


def end_login_session(session: Session, *, token: str) -> bool:
    """Delete the session with this token (logout); True if there was one."""
    result = session.execute(
        delete(LoginSession).where(LoginSession.token_hash == hash_token(token))
    )
    return _deleted(result) > 0


def issue_api_token(session: Session, *, user: User, now: datetime) -> IssuedToken:
    """Issue a bearer token for the API, valid for API_TOKEN_LIFETIME."""
    now = now.astimezone(UTC)
    token = new_token()
    expires_at = now + API_TOKEN_LIFETIME
    session.add(
        ApiToken(
            token_hash=hash_token(token), user_id=user.id, created_at=now, expires_at=expires_at
        )
    )
    session.flush()
    return IssuedToken(token, expires_at)


def resolve_api_token(session: Session, *, token: str, now: datetime) -> User | None:
    """The active user behind a bearer token, or None when unknown, expired or inactive."""
    return check_api_token(session, token=token, now=now).user


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of a bearer token check: its user, and whether its use was recorded."""

    user: User | None
    touched: bool = False


def check_api_token(
    session: Session, *, token: str, now: datetime, also: Callable[[], object] | None = None
) -> TokenCheck:
    """resolve_api_token, also saying whether the token's last use was written (flushed).

    `also` sends more statements (beian.db.direct) with the token's look-up, in one round
    trip on PostgreSQL: what the request will read once the caller is known."""
    now = now.astimezone(UTC)
    # A pipeline costs more than it saves for one statement: only with `also`.
    with direct.batch(session) if also is not None else contextlib.nullcontext():
        asked = _TOKEN_AND_USER.send(session, {"token_hash": hash_token(token)})
        if also is not None:
            also()
    found = asked.rows()
    row = found[0] if found else None
    if row is None:
        return TokenCheck(None)
    token_id, expires_at, last_used_at, *user_values = row
    values = dict(zip(_USER_COLUMNS, user_values, strict=True))
    if expires_at <= now or not values["is_active"]:
        return TokenCheck(None)
    user = _detached_user(values)
    if last_used_at is None or now - last_used_at >= SESSION_TOUCH_INTERVAL:
        session.execute(_TOUCH_TOKEN, {"token_id": token_id, "now": now})
        return TokenCheck(user, touched=True)
    return TokenCheck(user)


def _detached_user(values: dict[str, Any]) -> User:
    """The user read by `_TOKEN_AND_USER`, as a loaded User outside any session.

    Callers only read it, as they read the detached user a page request resolves; added
    to a session it would be taken as the stored row, never inserted again.
    """
    user = User(**values)
    make_transient_to_detached(user)
    return user


def revoke_api_token(session: Session, *, token: str) -> bool:
    """Delete a bearer token; True if there was one."""
    result = session.execute(delete(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    return _deleted(result) > 0


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete expired sessions and tokens (for a periodic job); returns how many."""
    now = now.astimezone(UTC)
    sessions = session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    tokens = session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
    return _deleted(sessions) + _deleted(tokens)


def _deleted(result: Result[Any]) -> int:
    # A bulk DELETE returns a CursorResult, whose rowcount the generic Result type hides.
    return int(getattr(result, "rowcount", 0) or 0)
