"""`beian audit verify`: check the audit chain for edited, deleted or reordered rows."""

from __future__ import annotations

import argparse

from beian.audit.service import verify
from beian.config import load_settings
from beian.db import make_engine, make_sessionmaker


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    check = audit_sub.add_parser("verify", help="verify the hash chain")
    check.set_defaults(handler=_verify)


def _verify(_args: argparse.Namespace) -> int:
    sessions = make_sessionmaker(make_engine(load_settings().database_url))
    with sessions() as session:
        checked, problems = verify(session)
    for problem in problems:
        print(f"entry {problem.seq}: {problem.what}")
    verdict = "intact" if not problems else f"{len(problems)} problem(s)"
    print(f"audit chain: {checked} entries checked, {verdict}")
    return 0 if not problems else 1
