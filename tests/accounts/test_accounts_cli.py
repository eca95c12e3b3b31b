"""`beian users create` and `beian users list` against a migrated SQLite database."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import select

from beian.accounts import cli as accounts_cli
from beian.accounts.models import User
from beian.cli import UsageError
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="beian")
    accounts_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    engine = make_engine(url)
    metadata.create_all(engine)
    monkeypatch.setenv("BEIAN_DATABASE_URL", url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_create_adds_a_user_who_can_then_be_listed(database, capsys):
    assert (
        _run(
            "users",
            "create",
            "--role",
            "bureau_reviewer",
            "--username",
            "GD.Reviewer",
            "--password",
            "correct horse",
            "--province",
            "440000",
            "--display-name",
            "广东审核员",
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "created bureau_reviewer gd.reviewer (440000 广东省)"
    with database() as db:
        user = db.scalars(select(User)).one()
    assert (user.username, user.role, user.province, user.display_name) == (
        "gd.reviewer",
        "bureau_reviewer",
        "440000",
        "广东审核员",
    )
    assert user.password_hash.startswith("$argon2id$")
    assert _run("users", "list") == 0
    assert capsys.readouterr().out.split("\t")[:4] == [
        "gd.reviewer",
        "bureau_reviewer",
        "440000",
        "active",
    ]


def test_list_filters_by_role(database, capsys):
    _run("users", "create", "--role", "operator", "--username", "boss", "--password", "12345678")
    _run("users", "create", "--role", "applicant", "--username", "zhang", "--password", "12345678")
    capsys.readouterr()
    _run("users", "list", "--role", "applicant")
    assert capsys.readouterr().out.startswith("zhang\tapplicant\t-\tactive")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (
            ["--role", "bureau_reviewer", "--username", "gd.reviewer", "--password", "12345678"],
            "--province",
        ),
        (["--role", "operator", "--username", "ops", "--password", "1234"], "--password"),
        (["--role", "admin", "--username", "ops", "--password", "12345678"], "--role"),
        (["--role", "applicant", "--username", "a", "--password", "12345678"], "--username"),
    ],
)
def test_bad_input_is_a_usage_error_naming_the_option(database, argv, option):
    with pytest.raises(UsageError) as caught:
        _run("users", "create", *argv)
    assert str(caught.value).startswith(option + ":")
    with database() as db:
        assert db.scalars(select(User)).all() == []


def test_a_duplicate_username_is_a_usage_error(database):
    _run("users", "create", "--role", "operator", "--username", "ops", "--password", "12345678")
    with pytest.raises(UsageError, match="用户名已被使用"):
        _run("users", "create", "--role", "operator", "--username", "OPS", "--password", "12345678")


def test_an_unmigrated_database_says_to_upgrade_first(tmp_path, monkeypatch):
    monkeypatch.setenv("BEIAN_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(UsageError, match="beian db upgrade"):
        _run("users", "list")
    with pytest.raises(UsageError, match="beian db upgrade"):
        _run("users", "create", "--role", "operator", "--username", "ops", "--password", "12345678")


def test_list_refuses_an_unknown_role(database):
    with pytest.raises(UsageError, match="--role"):
        _run("users", "list", "--role", "admin")
