"""`beian keys ...`: generate keys, check the ring, rotate data keys, re-hash look-ups."""

from __future__ import annotations

import argparse
import base64
import os

from sqlalchemy.orm import Session, sessionmaker

from beian.cli import UsageError
from beian.clock import CHINA_TZ, SystemClock
from beian.config import load_settings
from beian.crypto.keys import (
    HASH_LINE,
    MIN_HASH_KEY_BYTES,
    KeyConfigError,
    KeyRing,
    current_ring,
    generate_key_line,
)
from beian.crypto.rehash import rehash_all
from beian.crypto.rotate import rotate_all
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from beian.documents.storage import default_storage


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `beian keys` and its sub-commands."""
    keys = subparsers.add_parser("keys", help="encryption keys of personal data")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    generate = keys_sub.add_parser("generate", help="print a new key line (id:base64key)")
    generate.add_argument("--id", help="key id (default: k<today's date>)")
    generate.add_argument(
        "--hash", action="store_true", help="a hash key line instead (hash:base64key)"
    )
    generate.set_defaults(handler=_generate)
    check = keys_sub.add_parser("check", help="load the key ring and say which keys it holds")
    check.set_defaults(handler=_check)
    for name, help_text in (
        ("rotate", "re-encrypt every encrypted column and stored file with the newest key"),
        ("rehash", "recompute every look-up hash with the configured hash key"),
    ):
        command = keys_sub.add_parser(name, help=help_text)
        command.add_argument("--batch", type=int, default=500, help="rows per transaction")
        command.set_defaults(handler=_rotate if name == "rotate" else _rehash)


def _generate(args: argparse.Namespace) -> int:
    if args.hash:
        secret = base64.b64encode(os.urandom(MIN_HASH_KEY_BYTES)).decode()
        print(f"{HASH_LINE}:{secret}")
        return 0
    key_id = args.id or "k" + SystemClock().now().astimezone(CHINA_TZ).strftime("%Y%m%d")
    try:
        print(generate_key_line(key_id))
    except KeyConfigError as error:
        raise UsageError(str(error)) from None
    return 0


def _ring() -> KeyRing:
    try:
        return current_ring()
    except KeyConfigError as error:
        raise UsageError(str(error)) from None


def _check(_args: argparse.Namespace) -> int:
    ring = _ring()
    ids = ", ".join(key.id for key in ring.keys)
    print(f"data keys (newest first): {ids}; new values are encrypted with {ring.current.id!r}")
    if ring.development:
        print("WARNING: these are the public development keys; never use them for real data")
    return 0


def _sessions(batch: int) -> sessionmaker[Session]:
    if batch <= 0:
        raise UsageError("--batch must be greater than 0")
    _ring()
    return make_sessionmaker(make_engine(load_settings().database_url))


def _rotate(args: argparse.Namespace) -> int:
    sessions = _sessions(args.batch)
    report = rotate_all(sessions, metadata, storage=default_storage(), batch=args.batch)
    for name, count in report.columns.items():
        print(f"{name}: {count} rewritten")
    files = ", ".join(f"{outcome} {count}" for outcome, count in sorted(report.files.items()))
    print(f"files: {files or 'none'}")
    print(f"everything is now encrypted with key {report.key_id!r} ({report.rewritten} rewritten)")
    if report.files["missing"]:
        print("some media rows name files that do not exist (listed as missing)")
    return 0


def _rehash(args: argparse.Namespace) -> int:
    changed = rehash_all(_sessions(args.batch), batch=args.batch)
    for name, count in changed.items():
        print(f"{name}: {count} changed")
    return 0
