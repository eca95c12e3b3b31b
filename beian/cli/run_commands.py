"""`beian run`: the whole system on one machine — demo accounts, the worker and the server.

This is what `make run` starts: a worker process beside the web server, both on the
database BEIAN_DATABASE_URL names, stopped together.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime

from beian.accounts.service import create_user, get_user_by_username
from beian.config import load_settings
from beian.db import make_engine, make_sessionmaker, transaction

# One account per role, for trying the system out. Never created unless asked for.
DEMO_ACCOUNTS = (
    ("applicant", "applicant", "demo-applicant", None, "示例申请人"),
    ("platform", "platform_reviewer", "demo-platform", None, "平台初审员"),
    ("bureau", "bureau_reviewer", "demo-bureau", "110000", "北京市通信管理局审核员"),
    ("operator", "operator", "demo-operator", None, "运营管理员"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="run the server and a worker together")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--demo-accounts", action="store_true", help="create one account per role if missing"
    )
    run.set_defaults(handler=_run)


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; returns (username, password, role)."""
    sessions = make_sessionmaker(make_engine(load_settings().database_url))
    now = datetime.now(UTC)
    with transaction(sessions) as db:
        for username, role, password, province, name in DEMO_ACCOUNTS:
            if get_user_by_username(db, username) is None:
                create_user(
                    db,
                    username=username,
                    password=password,
                    role=role,
                    now=now,
                    province=province,
                    display_name=name,
                )
    return [(username, password, role) for username, role, password, _, _ in DEMO_ACCOUNTS]


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from beian.web.app import create_app

    if args.demo_accounts:
        accounts = ensure_demo_accounts()
    worker = subprocess.Popen([sys.executable, "-m", "beian", "worker"])
    try:
        print(f"\nBeian is running at http://{args.host}:{args.port}/", flush=True)
        if args.demo_accounts:
            print("Demo accounts (username / password, role):")
            for username, password, role in accounts:
                print(f"  {username:<10} / {password:<15} {role}")
        print("The development SMS outbox: `beian sms outbox`; Ctrl-C stops everything.\n")
        uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    return 0
