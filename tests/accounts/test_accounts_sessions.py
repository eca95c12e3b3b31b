"""Login sessions and API tokens: hashed at rest, sliding and absolute expiry, revocation."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, inspect, select

from beian.accounts.models import ApiToken, LoginSession, User
from beian.accounts.service import create_user
from beian.accounts.sessions import (
    check_api_token,
    end_login_session,
    issue_api_token,
    purge_expired,
    resolve_api_token,
    resolve_login_session,
    revoke_api_token,
    start_login_session,
)

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _user(db, clock, username="zhang.san"):
    user = create_user(
        db,
        username=username,
        password="correct horse",
        role="applicant",
        now=clock.now(),
        hasher=FAST,
    )
    db.commit()
    return user


def test_only_the_sha256_of_a_session_token_is_stored(db, clock):
    user = _user(db, clock)
    issued = start_login_session(db, user=user, now=clock.now())
    db.commit()
    row = db.scalars(select(LoginSession)).one()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in (row.token_hash, str(row.id))
    assert len(issued.token) >= 40


def test_every_login_gets_a_new_token(db, clock):
    user = _user(db, clock)
    first = start_login_session(db, user=user, now=clock.now())
    second = start_login_session(db, user=user, now=clock.now())
    assert first.token != second.token


def test_a_session_resolves_until_it_has_been_idle_for_twelve_hours(db, clock):
    user = _user(db, clock)
    token = start_login_session(db, user=user, now=clock.now()).token
    db.commit()
    clock.advance(hours=11, minutes=59)
    assert resolve_login_session(db, token=token, now=clock.now()).id == user.id
    db.commit()
    # That use moved the expiry: twelve more hours from now.
    clock.advance(hours=11, minutes=59)
    assert resolve_login_session(db, token=token, now=clock.now()) is not None
    db.commit()
    clock.advance(hours=12)
    assert resolve_login_session(db, token=token, now=clock.now()) is None


def test_a_session_in_constant_use_still_ends_seven_days_after_login(db, clock):
    user = _user(db, clock)
    token = start_login_session(db, user=user, now=clock.now()).token
    db.commit()
    for _ in range(15):  # 15 x 11 h = 6 days 21 hours
        clock.advance(hours=11)
        assert resolve_login_session(db, token=token, now=clock.now()) is not None
        db.commit()
    clock.advance(hours=4)  # 7 days and 1 hour after login
    assert resolve_login_session(db, token=token, now=clock.now()) is None


def test_logout_deletes_the_session(db, clock):
    user = _user(db, clock)
    token = start_login_session(db, user=user, now=clock.now()).token
    assert end_login_session(db, token=token) is True
    db.commit()
    assert resolve_login_session(db, token=token, now=clock.now()) is None
    assert end_login_session(db, token=token) is False


def test_unknown_tokens_and_deactivated_users_do_not_resolve(db, clock):
    user = _user(db, clock)
    session_token = start_login_session(db, user=user, now=clock.now()).token
    api_token = issue_api_token(db, user=user, now=clock.now()).token
    assert resolve_login_session(db, token="not-a-token", now=clock.now()) is None
    assert resolve_api_token(db, token="not-a-token", now=clock.now()) is None
    # The two kinds are not interchangeable.
    assert resolve_api_token(db, token=session_token, now=clock.now()) is None
    assert resolve_login_session(db, token=api_token, now=clock.now()) is None
    user.is_active = False
    db.commit()
    assert resolve_login_session(db, token=session_token, now=clock.now()) is None
    assert resolve_api_token(db, token=api_token, now=clock.now()) is None


def test_api_tokens_are_hashed_last_a_day_and_can_be_revoked(db, clock):
    user = _user(db, clock)
    issued = issue_api_token(db, user=user, now=clock.now())
    db.commit()
    row = db.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.expires_at == clock.now() + timedelta(hours=24)
    clock.advance(hours=23, minutes=59)
    assert resolve_api_token(db, token=issued.token, now=clock.now()).id == user.id
    db.commit()
    clock.advance(minutes=1)
    assert resolve_api_token(db, token=issued.token, now=clock.now()) is None
    other = issue_api_token(db, user=user, now=clock.now()).token
    assert revoke_api_token(db, token=other) is True
    assert resolve_api_token(db, token=other, now=clock.now()) is None


def test_purge_removes_only_expired_sessions_and_tokens(db, clock):
    user = _user(db, clock)
    start_login_session(db, user=user, now=clock.now())
    issue_api_token(db, user=user, now=clock.now())
    db.commit()
    clock.advance(hours=13)
    fresh_session = start_login_session(db, user=user, now=clock.now()).token
    fresh_token = issue_api_token(db, user=user, now=clock.now()).token
    db.commit()
    assert purge_expired(db, now=clock.now()) == 1  # the first session; the first token lives
    db.commit()
    clock.advance(hours=12)
    assert purge_expired(db, now=clock.now()) == 2  # the first token, then the fresh session
    db.commit()
    assert resolve_login_session(db, token=fresh_session, now=clock.now()) is None
    assert resolve_api_token(db, token=fresh_token, now=clock.now()) is not None


def test_a_token_gives_its_user_as_stored_and_outside_the_session(db, sessions, clock):
    """check_api_token builds the user from the columns it read: every attribute must be
    the one the ORM loads, and the object a detached copy that a session never inserts."""
    user = _user(db, clock)
    user.province = "440000"  # a column that is None by default, set: it must come through
    token = issue_api_token(db, user=user, now=clock.now()).token
    db.commit()
    checked = check_api_token(db, token=token, now=clock.now())
    db.commit()
    assert checked.touched and checked.user is not None and checked.user is not user
    resolved = checked.user
    assert inspect(resolved).detached and resolved not in db
    stored = db.get(User, user.id)
    for attribute in inspect(User).column_attrs:
        assert getattr(resolved, attribute.key) == getattr(stored, attribute.key), attribute.key
    db.commit()
    with sessions() as other:
        other.add(resolved)  # taken as the stored row: nothing to write
        assert not other.new and not other.dirty
        other.commit()
    assert db.scalar(select(func.count()).select_from(User)) == 1
