"""`beian db upgrade`: migrate the database that BEIAN_DATABASE_URL names."""

from __future__ import annotations

import argparse

from beian.config import load_settings
from beian.db.migrate import upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply all migrations")
    up.set_defaults(handler=_upgrade)


def _upgrade(_args: argparse.Namespace) -> int:
    url = load_settings().database_url
    upgrade(url)
    print(f"database at {url} is up to date")
    return 0
