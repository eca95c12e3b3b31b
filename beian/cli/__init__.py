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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="beian", description="ICP filing of mini-programs")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in FEATURE_COMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as error:
        print(f"beian: {error}", file=sys.stderr)
        return 2


class UsageError(Exception):
    """Bad input on the command line: printed without a traceback, exit status 2."""
