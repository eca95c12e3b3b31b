"""Append to and verify the audit chain.

Each entry's hash covers its own content and the previous entry's hash, so editing,
deleting or reordering any row breaks every hash after it. Appends are serialised by
locking the chain head (PostgreSQL: a transaction-level advisory lock; SQLite: every
transaction already holds the write lock), so two writers cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from beian.audit.models import AuditEntry

GENESIS = "0" * 64
# An arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
_LOCK_KEY = 0x6265_6961_6E


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction."""
    return record_many(
        session,
        [Entry(actor=actor, action=action, target_type=target_type, target_id=target_id,
               detail=detail or {})],
        now=now,
    )[0]


@dataclass(frozen=True)
class Entry:
    """What one audit entry says; sequence and hashes are given when it is appended."""

    actor: str
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]


def record_many(session: Session, entries: list[Entry], *, now: datetime) -> list[AuditEntry]:
    """Append `entries` in order, in the caller's transaction: one lock and one read of
    the chain head for the lot, one batched insert."""
    if not entries:
        return []
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, previous = (head.seq, head.hash) if head else (0, GENESIS)
    appended = []
    for item in entries:
        seq += 1
        entry = AuditEntry(
            seq=seq,
            at=now,
            actor=item.actor,
            action=item.action,
            target_type=item.target_type,
            target_id=item.target_id,
            detail=item.detail,
            prev_hash=previous,
            hash="",
        )
        entry.hash = previous = entry_hash(entry)
        appended.append(entry)
    session.add_all(appended)
    session.flush()
    return appended


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the entry's content and its predecessor's hash."""
    content = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(),
            entry.actor,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.detail,
            entry.prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str


def verify(session: Session, *, batch: int = 5000) -> tuple[int, list[Problem]]:
    """Walk the whole chain; returns (entries checked, problems found)."""
    problems: list[Problem] = []
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return checked, problems
        for entry in rows:
            checked += 1
            if entry.seq != expected_seq:
                problems.append(Problem(entry.seq, f"expected entry {expected_seq}: missing rows"))
            if entry.prev_hash != expected_prev:
                problems.append(Problem(entry.seq, "does not follow the entry before it"))
            if entry_hash(entry) != entry.hash:
                problems.append(Problem(entry.seq, "content was changed after it was written"))
            expected_prev, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
        session.expunge_all()


def trail(
    session: Session, *, target_type: str | None = None, target_id: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest entries first, optionally for one target."""
    query = select(AuditEntry)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))
