"""`beian sms outbox` and `beian outbox ...`: read the local SMS outbox, inspect and deliver."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from beian.cli import UsageError
from beian.clock import CHINA_TZ, SystemClock
from beian.config import load_settings
from beian.db import make_engine, make_sessionmaker, transaction
from beian.notifications import service
from beian.notifications.channels import build_channels
from beian.notifications.models import STATUSES
from beian.notifications.settings import SettingsError
from beian.notifications.templates import NotificationError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this feature's sub-commands."""
    sms = subparsers.add_parser("sms", help="the development SMS gateway")
    sms_sub = sms.add_subparsers(dest="sms_command", required=True)
    outbox = sms_sub.add_parser("outbox", help="print the texts the local gateway 'sent'")
    outbox.add_argument("--phone", help="only texts to this mobile number")
    outbox.add_argument("--json", action="store_true", help="print JSON instead of text")
    outbox.set_defaults(handler=_sms_outbox)

    box = subparsers.add_parser("outbox", help="the notification outbox")
    box_sub = box.add_subparsers(dest="outbox_command", required=True)
    listing = box_sub.add_parser("list", help="latest outbox rows, oldest first")
    listing.add_argument("--status", choices=STATUSES, help="only rows with this status")
    listing.add_argument("--limit", type=int, default=50, help="how many rows (default 50)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.set_defaults(handler=_outbox_list)
    deliver = box_sub.add_parser("deliver", help="deliver due messages once, then exit")
    deliver.add_argument("--limit", type=int, default=100, help="most rows to claim")
    deliver.set_defaults(handler=_outbox_deliver)
    retry = box_sub.add_parser("retry", help="give a dead or skipped message new attempts")
    retry.add_argument("message_id", type=int)
    retry.set_defaults(handler=_outbox_retry)


@contextmanager
def _database() -> Iterator[Any]:
    """Sessions on BEIAN_DATABASE_URL; a missing schema becomes a usage error."""
    url = load_settings().database_url
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    except (OperationalError, ProgrammingError) as error:
        raise UsageError(
            f"cannot read the notification tables at {url} ({type(error).__name__}); "
            "run `beian db upgrade` first"
        ) from None
    finally:
        engine.dispose()


def _china_time(instant: Any) -> str:
    return instant.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S CST")


def _print_json(items: list[dict[str, Any]]) -> None:
    print(json.dumps(items, ensure_ascii=False, indent=2))


def _sms_outbox(args: argparse.Namespace) -> int:
    with _database() as sessions, sessions() as session:
        texts = service.list_local_sms(session, phone=args.phone)
    if args.json:
        _print_json(
            [
                {
                    "id": sms.id,
                    "phone": sms.phone,
                    "sender": sms.sender,
                    "text": sms.text,
                    "created_at": sms.created_at.isoformat(),
                }
                for sms in texts
            ]
        )
        return 0
    if not texts:
        empty = (
            f"本地短信发件箱中没有发给 {args.phone} 的短信" if args.phone else "本地短信发件箱为空"
        )
        print(empty)
        return 0
    for sms in texts:
        print(f"#{sms.id}  {_china_time(sms.created_at)}  {sms.sender} -> {sms.phone}")
        print(f"    {sms.text}")
    return 0


def _outbox_list(args: argparse.Namespace) -> int:
    if args.limit <= 0:
        raise UsageError("--limit must be greater than 0")
    with _database() as sessions, sessions() as session:
        rows = service.list_outbox(session, status=args.status, limit=args.limit)
    if args.json:
        _print_json(
            [
                {
                    "id": row.id,
                    "dedup_key": row.dedup_key,
                    "channel": row.channel,
                    "template": row.template,
                    "status": row.status,
                    "attempts": row.attempts,
                    "due_at": row.due_at.isoformat(),
                    "filing_id": row.filing_id,
                    "last_error": row.last_error,
                }
                for row in rows
            ]
        )
        return 0
    for row in rows:
        error = f"  ({row.last_error})" if row.last_error else ""
        print(
            f"#{row.id}  {row.status:<9} {row.channel:<8} {row.template:<18} "
            f"attempts={row.attempts}  due {_china_time(row.due_at)}{error}"
        )
    if not rows:
        print("没有符合条件的通知")
    return 0


def _outbox_deliver(args: argparse.Namespace) -> int:
    if args.limit <= 0:
        raise UsageError("--limit must be greater than 0")
    try:
        channels = build_channels()
    except SettingsError as error:
        raise UsageError(str(error)) from None
    try:
        with _database() as sessions:
            stats = service.deliver_due(
                sessions, clock=SystemClock(), channels=channels, limit=args.limit
            )
    finally:
        channels.close()
    print(
        f"claimed {stats.claimed}: delivered {stats.delivered}, retried {stats.retried}, "
        f"dead {stats.dead}, skipped {stats.skipped}"
    )
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    def action(session: Session) -> None:
        service.requeue(session, message_id=args.message_id, now=SystemClock().now())

    _in_transaction(action)
    print(f"outbox message {args.message_id} is pending again")
    return 0


def _in_transaction(action: Callable[[Session], None]) -> None:
    with _database() as sessions:
        try:
            with transaction(sessions) as session:
                action(session)
        except NotificationError as error:
            raise UsageError(str(error)) from None
