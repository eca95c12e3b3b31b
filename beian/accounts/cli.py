"""`beian users create` and `beian users list` on the database BEIAN_DATABASE_URL names."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import OperationalError, ProgrammingError

from beian.accounts.roles import BUREAU_PROVINCES, Role, parse_role, role_label
from beian.accounts.service import AccountError, create_user, list_users
from beian.cli import UsageError
from beian.clock import SystemClock
from beian.config import load_settings
from beian.db import make_engine, make_sessionmaker, transaction

_NOT_MIGRATED = "the database has no users table yet: run `beian db upgrade` first"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `users` command and its sub-commands."""
    users = subparsers.add_parser("users", help="user accounts and roles")
    users_sub = users.add_subparsers(dest="users_command", required=True)

    create = users_sub.add_parser("create", help="add a user")
    create.add_argument("--role", required=True, help=", ".join(r.value for r in Role))
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True, help="at least 8 characters")
    create.add_argument("--province", help="6-digit province code (bureau reviewers only)")
    create.add_argument("--display-name", help="name shown on pages (default: the username)")
    create.set_defaults(handler=_create)

    listing = users_sub.add_parser("list", help="list users")
    listing.add_argument("--role", help="only users of this role")
    listing.set_defaults(handler=_list)


def _create(args: argparse.Namespace) -> int:
    engine = make_engine(load_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            user = create_user(
                session,
                username=args.username,
                password=args.password,
                role=args.role,
                province=args.province,
                display_name=args.display_name,
                now=SystemClock().now(),
            )
            summary = f"created {user.role} {user.username}"
            if user.province:
                summary += f" ({user.province} {BUREAU_PROVINCES[user.province]})"
    except AccountError as error:
        option = "--" + error.err_field.replace("_", "-")
        raise UsageError(f"{option}: {error.errmsg}。{error.suggest}") from None
    except (OperationalError, ProgrammingError) as error:
        raise UsageError(_NOT_MIGRATED) from error
    finally:
        engine.dispose()
    print(summary)
    return 0


def _list(args: argparse.Namespace) -> int:
    role = None
    if args.role is not None:
        parsed = parse_role(args.role)
        if parsed is None:
            raise UsageError(
                f"--role: unknown role {args.role!r}; use one of "
                + ", ".join(r.value for r in Role)
            )
        role = parsed.value
    engine = make_engine(load_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            users = list_users(session, role=role)
            rows = [
                (
                    u.username,
                    u.role,
                    u.province or "-",
                    "active" if u.is_active else "inactive",
                    f"{u.display_name} / {role_label(u.role)}",
                )
                for u in users
            ]
    except (OperationalError, ProgrammingError) as error:
        raise UsageError(_NOT_MIGRATED) from error
    finally:
        engine.dispose()
    for row in rows:
        print("\t".join(row))
    if not rows:
        print("no users")
    return 0
