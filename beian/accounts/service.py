"""Create users, check passwords and look users up.

Passwords are hashed with argon2id (argon2-cffi). A login for an unknown username still
verifies against a dummy hash, so response time does not reveal which usernames exist.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from beian.accounts.models import User
from beian.accounts.roles import BUREAU_PROVINCES, ROLE_LABELS, Role, parse_role

MIN_PASSWORD_LENGTH = 8
# Long enough for any passphrase, short enough that hashing cannot be used to exhaust memory.
MAX_PASSWORD_LENGTH = 256
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.@-]{2,63}$")

DEFAULT_HASHER = PasswordHasher()

# Error codes of account input errors (the `errcode` of a finding).
DUPLICATE_USERNAME = 40901
INVALID_USERNAME = 40010
WEAK_PASSWORD = 40011
UNKNOWN_ROLE = 40012
PROVINCE_REQUIRED = 40013
PROVINCE_NOT_ALLOWED = 40014
UNKNOWN_PROVINCE = 40015
INVALID_DISPLAY_NAME = 40016


class AccountError(ValueError):
    """Bad account input, naming the field and what to do about it."""

    def __init__(self, errcode: int, err_field: str, errmsg: str, suggest: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.err_field = err_field
        self.errmsg = errmsg
        self.suggest = suggest


def normalize_username(username: str) -> str:
    """The stored form of a username: trimmed and lowercase."""
    return username.strip().lower()


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    now: datetime,
    province: str | None = None,
    display_name: str | None = None,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User:
    """Add a user after checking every field; raises AccountError on bad input."""
    name = normalize_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError(
            INVALID_USERNAME,
            "username",
            "用户名须为 3–64 位字母、数字或 _ . @ -，并以字母或数字开头",
            "请换一个符合规则的用户名，例如 zhang.san",
        )
    _check_password(password)
    parsed_role = parse_role(role)
    if parsed_role is None:
        choices = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())
        raise AccountError(UNKNOWN_ROLE, "role", f"未知角色：{role}", f"角色须为 {choices} 之一")
    province = _check_province(parsed_role, province)
    shown = _check_display_name(display_name, default=name)
    if get_user_by_username(session, name) is not None:
        raise _duplicate(name)
    user = User(
        username=name,
        password_hash=hasher.hash(password),
        role=parsed_role.value,
        province=province,
        display_name=shown,
        is_active=True,
        created_at=now.astimezone(UTC),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        # Another transaction took the name between our check and our insert.
        raise _duplicate(name) from error
    return user


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User | None:
    """The active user with this username and password, or None; upgrades stale hashes."""
    user = get_user_by_username(session, username)
    if user is None:
        # Spend the same time as a real check, so unknown usernames cannot be told apart.
        dummy = _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        _verify(hasher, dummy, password)
        return None
    if not _verify(hasher, user.password_hash, password) or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    """The user with this username (any case), or None."""
    query = select(User).where(User.username == normalize_username(username))
    return session.scalars(query).first()


def list_users(session: Session, *, role: str | None = None) -> list[User]:
    """All users, optionally of one role, by username."""
    query = select(User).order_by(User.username)
    if role is not None:
        query = query.where(User.role == role)
    return list(session.scalars(query))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            WEAK_PASSWORD,
            "password",
            f"密码太短：至少需要 {MIN_PASSWORD_LENGTH} 个字符",
            "请使用更长的密码，建议混合字母、数字和符号",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            WEAK_PASSWORD,
            "password",
            f"密码太长：最多 {MAX_PASSWORD_LENGTH} 个字符",
            "请使用较短的密码",
        )


def _check_province(role: Role, province: str | None) -> str | None:
    province = (province or "").strip() or None
    if role is not Role.BUREAU_REVIEWER:
        if province is not None:
            raise AccountError(
                PROVINCE_NOT_ALLOWED,
                "province",
                f"只有管局审核员绑定省份，{ROLE_LABELS[role]}不能设置省份",
                "请去掉省份，或把角色设为 bureau_reviewer",
            )
        return None
    if province is None:
        raise AccountError(
            PROVINCE_REQUIRED,
            "province",
            "管局审核员必须绑定一个省份",
            "请用 6 位省级行政区划代码指定省份，例如 110000（北京市）",
        )
    if province not in BUREAU_PROVINCES:
        raise AccountError(
            UNKNOWN_PROVINCE,
            "province",
            f"不是有效的省级行政区划代码：{province}",
            "请填写 GB/T 2260 的 6 位省级代码，以 0000 结尾，例如 440000（广东省）",
        )
    return province


def _check_display_name(display_name: str | None, *, default: str) -> str:
    shown = (display_name or "").strip() or default
    if len(shown) > 64 or any(unicodedata.category(ch) == "Cc" for ch in shown):
        raise AccountError(
            INVALID_DISPLAY_NAME,
            "display_name",
            "显示名称最多 64 个字符，且不能含控制字符",
            "请缩短显示名称",
        )
    return shown


def _duplicate(username: str) -> AccountError:
    return AccountError(
        DUPLICATE_USERNAME,
        "username",
        f"用户名已被使用：{username}",
        "请换一个用户名",
    )


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    # Made with the caller's parameters so that checking it costs what a real check costs.
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash("not a password anyone has")
