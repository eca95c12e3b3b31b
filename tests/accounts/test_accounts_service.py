"""Users: creation rules, password checks and lookups, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

import beian.accounts.models  # noqa: F401  (registers the tables before the schema is built)
from beian.accounts import service
from beian.accounts.service import (
    DUPLICATE_USERNAME,
    INVALID_USERNAME,
    PROVINCE_NOT_ALLOWED,
    PROVINCE_REQUIRED,
    UNKNOWN_PROVINCE,
    UNKNOWN_ROLE,
    WEAK_PASSWORD,
    AccountError,
    authenticate,
    create_user,
    get_user,
    get_user_by_username,
    list_users,
)
from beian.clock import FixedClock

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class CountingHasher(PasswordHasher):
    """A cheap hasher that counts how often a password is verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        self.verifications += 1
        return super().verify(hash, password)


def _make(db: Session, clock: FixedClock, **overrides: object):
    values: dict[str, object] = {
        "username": "zhang.san",
        "password": "correct horse",
        "role": "applicant",
        "now": clock.now(),
        "hasher": FAST,
    }
    values.update(overrides)
    return create_user(db, **values)  # type: ignore[arg-type]


def _error(db: Session, clock: FixedClock, **overrides: object) -> AccountError:
    with pytest.raises(AccountError) as caught:
        _make(db, clock, **overrides)
    return caught.value


def test_create_user_stores_normalised_fields_and_an_argon2_hash(db, clock):
    user = _make(db, clock, username="  Zhang.San ", role="Platform-Reviewer", display_name="张三")
    db.commit()
    stored = get_user(db, user.id)
    assert stored is not None
    assert stored.username == "zhang.san"
    assert stored.role == "platform_reviewer"
    assert stored.display_name == "张三"
    assert stored.province is None
    assert stored.is_active is True
    assert stored.password_hash.startswith("$argon2id$")
    assert "correct horse" not in stored.password_hash
    assert stored.created_at.replace(tzinfo=None) == clock.now().replace(tzinfo=None)


def test_display_name_defaults_to_the_username(db, clock):
    assert _make(db, clock).display_name == "zhang.san"


def test_duplicate_username_is_refused_whatever_the_case(db, clock):
    _make(db, clock)
    error = _error(db, clock, username="ZHANG.SAN")
    assert (error.errcode, error.err_field) == (DUPLICATE_USERNAME, "username")
    assert "zhang.san" in error.errmsg


def test_a_concurrent_duplicate_caught_by_the_unique_constraint_is_the_same_error(
    db, clock, monkeypatch
):
    _make(db, clock)
    db.commit()
    # As if another transaction inserted the name after our check ran.
    monkeypatch.setattr(service, "get_user_by_username", lambda *_args: None)
    error = _error(db, clock)
    assert error.errcode == DUPLICATE_USERNAME


@pytest.mark.parametrize("password", ["", "1234567", "短密码"])
def test_passwords_under_eight_characters_are_refused(db, clock, password):
    error = _error(db, clock, password=password)
    assert (error.errcode, error.err_field) == (WEAK_PASSWORD, "password")
    assert "8" in error.errmsg


def test_an_eight_character_password_is_enough(db, clock):
    assert _make(db, clock, password="12345678").id is not None


@pytest.mark.parametrize("username", ["ab", "a b", "-lead", "张三", "x" * 65])
def test_bad_usernames_are_refused(db, clock, username):
    error = _error(db, clock, username=username)
    assert (error.errcode, error.err_field) == (INVALID_USERNAME, "username")


def test_unknown_role_is_refused_and_the_roles_are_listed(db, clock):
    error = _error(db, clock, role="admin")
    assert (error.errcode, error.err_field) == (UNKNOWN_ROLE, "role")
    assert "bureau_reviewer" in error.suggest


def test_bureau_reviewer_needs_a_province(db, clock):
    error = _error(db, clock, role="bureau_reviewer")
    assert (error.errcode, error.err_field) == (PROVINCE_REQUIRED, "province")


def test_bureau_reviewer_is_bound_to_a_mainland_province(db, clock):
    user = _make(db, clock, role="bureau_reviewer", province="440000")
    assert (user.role, user.province) == ("bureau_reviewer", "440000")


@pytest.mark.parametrize("province", ["110100", "11000", "990000", "810000"])
def test_bureau_province_must_be_a_province_level_code(db, clock, province):
    error = _error(db, clock, role="bureau_reviewer", province=province)
    assert (error.errcode, error.err_field) == (UNKNOWN_PROVINCE, "province")


@pytest.mark.parametrize("role", ["applicant", "platform_reviewer", "operator"])
def test_only_bureau_reviewers_have_a_province(db, clock, role):
    error = _error(db, clock, role=role, province="110000")
    assert (error.errcode, error.err_field) == (PROVINCE_NOT_ALLOWED, "province")


def test_authenticate_accepts_the_right_password_in_any_username_case(db, clock):
    user = _make(db, clock)
    db.commit()
    found = authenticate(db, username=" ZHANG.san", password="correct horse", hasher=FAST)
    assert found is not None and found.id == user.id


def test_authenticate_refuses_a_wrong_password_an_unknown_user_and_an_inactive_one(db, clock):
    user = _make(db, clock)
    assert authenticate(db, username="zhang.san", password="wrong horse", hasher=FAST) is None
    assert authenticate(db, username="li.si", password="correct horse", hasher=FAST) is None
    user.is_active = False
    db.flush()
    assert authenticate(db, username="zhang.san", password="correct horse", hasher=FAST) is None


def test_unknown_usernames_cost_a_password_verification_too(db, clock):
    _make(db, clock)
    hasher = CountingHasher()
    assert authenticate(db, username="nobody", password="whatever1", hasher=hasher) is None
    assert authenticate(db, username="zhang.san", password="whatever1", hasher=hasher) is None
    assert hasher.verifications == 2


def test_hash_is_upgraded_when_the_hasher_parameters_change(db, clock):
    user = _make(db, clock)
    db.commit()
    old_hash = user.password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    assert authenticate(db, username="zhang.san", password="correct horse", hasher=stronger)
    db.commit()
    new_hash = get_user_by_username(db, "zhang.san").password_hash
    assert new_hash != old_hash
    assert "m=16,t=2,p=1" in new_hash
    assert stronger.verify(new_hash, "correct horse")


def test_hash_is_kept_when_the_parameters_are_current(db, clock):
    user = _make(db, clock)
    old_hash = user.password_hash
    assert authenticate(db, username="zhang.san", password="correct horse", hasher=FAST)
    assert user.password_hash == old_hash


def test_lookups_and_listing_by_role(db, clock):
    _make(db, clock, username="b.applicant")
    _make(db, clock, username="a.applicant")
    _make(db, clock, username="boss", role="operator")
    db.commit()
    assert [u.username for u in list_users(db)] == ["a.applicant", "b.applicant", "boss"]
    assert [u.username for u in list_users(db, role="operator")] == ["boss"]
    assert get_user_by_username(db, "Boss").role == "operator"
    assert get_user_by_username(db, "nobody") is None
    assert get_user(db, 999_999) is None
