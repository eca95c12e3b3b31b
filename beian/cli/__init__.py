"""The `beian` command line. Each feature registers its own sub-commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules exposing `register(subparsers)`; each adds its own sub-commands.
FEATURE_COMMANDS = (
    "beian.cli.db_commands",
    "beian.core.dictionaries.cli",
    "beian.core.precheck.cli",
    "beian.calendar.cli",
    "beian.notifications.cli",
    "beian.documents.cli",
    "beian.filings.cli",
    "beian.cli.worker_commands",
    "beian.audit.cli",
    "beian.accounts.cli",
    "beian.web.cli",
    "beian.cli.run_commands",
    "beian.crypto.cli",
    "beian.demo",
)


# Which module registers each command: `beian tick` then imports the worker's module
# only, not the web server, OpenCV and Alembic (seconds at every start of a cron tick).
# A command missing here still works (every module is imported); a test keeps it whole.
COMMAND_MODULES = {
    "db": "beian.cli.db_commands",
    "dict": "beian.core.dictionaries.cli",
    "check": "beian.core.precheck.cli",
    "workdays": "beian.calendar.cli",
    "sms": "beian.notifications.cli",
    "outbox": "beian.notifications.cli",
    "photo": "beian.documents.cli",
    "document": "beian.documents.cli",
    "worker": "beian.cli.worker_commands",
    "tick": "beian.cli.worker_commands",
    "audit": "beian.audit.cli",
    "users": "beian.accounts.cli",
    "serve": "beian.web.cli",
    "run": "beian.cli.run_commands",
    "keys": "beian.crypto.cli",
    "demo": "beian.demo",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the command `argv` names."""
    parser = argparse.ArgumentParser(prog="beian", description="ICP filing of mini-programs")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in _modules_for(argv):
        importlib.import_module(module_name).register(subparsers)
    return parser


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    first = next((arg for arg in argv or () if not arg.startswith("-")), None)
    owner = COMMAND_MODULES.get(first or "")
    return (owner,) if owner in FEATURE_COMMANDS else FEATURE_COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as error:
        print(f"beian: {error}", file=sys.stderr)
        return 2


class UsageError(Exception):
    """Bad input on the command line: printed without a traceback, exit status 2."""
