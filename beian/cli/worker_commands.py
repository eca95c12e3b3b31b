"""`beian worker` (run forever) and `beian tick --at ISO8601` (run what is due, once)."""

from __future__ import annotations

import argparse
import contextlib
import json
from datetime import datetime

from beian.cli import UsageError
from beian.clock import FixedClock, SystemClock
from beian.config import load_settings
from beian.crypto import require_keys
from beian.db import make_engine, make_sessionmaker, transaction
from beian.maintenance import schedule_purge
from beian.notifications.channels import build_channels
from beian.worker import load_task_modules, run_forever, run_once


def register(subparsers: argparse._SubParsersAction) -> None:
    worker = subparsers.add_parser("worker", help="run due timers and deliver notifications")
    worker.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    worker.set_defaults(handler=_worker)
    tick = subparsers.add_parser("tick", help="run what is due up to a moment, once")
    tick.add_argument("--at", required=True, help="ISO 8601 instant, e.g. 2026-03-05T10:00+08:00")
    tick.set_defaults(handler=_tick)


def _sessions():  # type: ignore[no-untyped-def]
    return make_sessionmaker(make_engine(load_settings().database_url))


def _worker(args: argparse.Namespace) -> int:
    require_keys()
    load_task_modules()
    sessions = _sessions()
    with transaction(sessions) as session:
        # The hourly purge re-arms itself; arming it here makes sure one exists.
        schedule_purge(session, now=SystemClock().now())
    print("worker started; Ctrl-C stops it", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_forever(sessions, SystemClock(), build_channels(), interval=args.interval)
    return 0


def _tick(args: argparse.Namespace) -> int:
    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        raise UsageError(f"--at {args.at!r} is not an ISO 8601 instant") from None
    load_task_modules()
    stats = run_once(_sessions(), FixedClock(at), build_channels())
    print(json.dumps({"at": FixedClock(at).now().isoformat(), "timers_fired": stats.timers_fired,
                      "timers_failed": stats.timers_failed, "messages": stats.messages}))
    return 0
