"""Append to and verify the audit chain.

Each entry's hash covers its own content and the previous entry's hash, so editing,
deleting or reordering any row breaks every hash after it. Appends are serialised by
locking the chain head (PostgreSQL: a transaction-level advisory lock; SQLite: every
transaction already holds the write lock), so two writers cannot fork the chain.

The lock is held until the writer commits. A long transaction that records early (the
worker firing a batch of timers) would make every other writer wait for the rest of its
work, so it can defer its entries (`appended_last`): they are collected as recorded and
appended together, lock and all, just before it commits.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, select, text
from sqlalchemy.orm import Session

from beian.audit.models import AuditEntry
from beian.db import direct
from beian.db.direct import Direct

GENESIS = "0" * 64
# An arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
_LOCK_KEY = 0x6265_6961_6E
_AUDIT = cast(Table, AuditEntry.__table__)
# session.info key of the entries a deferring transaction has recorded but not appended.
_DEFERRED = "beian.audit.deferred"
_COLUMNS = ("seq", "at", "actor", "action", "target_type", "target_id", "detail", "prev_hash",
            "hash")
_LOCK = Direct(text("SELECT pg_advisory_xact_lock(:key)"))
_HEAD = select(_AUDIT.c.seq, _AUDIT.c.hash).order_by(_AUDIT.c.seq.desc()).limit(1)
# Insert one entry only if the chain's head is still the one it was chained after: the
# head this process last saw, tried before reading the head again (see _append).
_INSERT_AFTER = Direct(_AUDIT.insert().from_select(
    list(_COLUMNS),
    select(*(bindparam(name, type_=_AUDIT.c[name].type) for name in _COLUMNS)).where(
        select(_AUDIT.c.hash).order_by(_AUDIT.c.seq.desc()).limit(1).scalar_subquery()
        == bindparam("expected_head", type_=_AUDIT.c.hash.type)
    ),
).returning(_AUDIT.c.seq))  # (the driver's rowcount is not reliable for INSERT ... SELECT)
# The head each engine last appended, as (seq, hash): only a guess, checked by the guarded
# insert under the lock, so another process's appends or a rolled-back one of ours cost
# the read it saves, never a fork.
_last_head: weakref.WeakKeyDictionary[Engine, tuple[int, str]] = weakref.WeakKeyDictionary()


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
    the chain head for the lot, one batched insert. Inside `appended_last` they are only
    collected here (sequence and hashes are filled in when they are appended)."""
    made = [
        AuditEntry(at=now, actor=item.actor, action=item.action, target_type=item.target_type,
                   target_id=item.target_id, detail=item.detail)
        for item in entries
    ]
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred += made
    else:
        _append(session, made)
    return made


@contextmanager
def appended_last(session: Session) -> Iterator[None]:
    """Append the entries recorded inside the block together when it ends without error,
    so the chain's lock is taken as late as possible before the caller commits."""
    if _DEFERRED in session.info:  # already deferring: the outer block appends
        yield
        return
    pending: list[AuditEntry] = []
    session.info[_DEFERRED] = pending
    try:
        yield
    finally:
        del session.info[_DEFERRED]
    _append(session, pending)


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """`session.begin_nested()` that also forgets the deferred entries recorded inside it
    when it rolls back, as the database forgets its other rows."""
    pending = session.info.get(_DEFERRED)
    mark = len(pending) if pending is not None else 0
    try:
        with session.begin_nested():
            yield
    except BaseException:
        if pending is not None:
            del pending[mark:]
        raise


def _append(session: Session, entries: list[AuditEntry]) -> None:
    """Chain `entries` after the head under the lock and insert them.

    The head is usually the one this process appended last. The first entry is chained
    after that head and inserted only if it still is the head (one statement instead of a
    read and an insert); otherwise the head is read and the entries chained after it.
    Within a batch (beian.db.direct) the lock and that first insert are sent with the
    batch's other statements, and what depends on their answer follows its end.
    """
    if not entries:
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        _LOCK.send(session, {"key": _LOCK_KEY})
    engine = bind.engine
    guess = _last_head.get(engine)
    if guess is None:
        direct.after(session, lambda: _append_after_head(session, entries, engine))
        return
    first = _chain(entries[:1], *guess)[0]
    inserted = _INSERT_AFTER.send(session, {**first, "expected_head": guess[1]})

    def settle() -> None:
        if not inserted.rows():  # the head moved on: read it
            _append_after_head(session, entries, engine)
            return
        rest = _chain(entries[1:], first["seq"], first["hash"])
        if rest:
            # Plain rows, not the ORM's unit of work: nothing reads the new ids back.
            session.execute(_AUDIT.insert(), rest)
        last = rest[-1] if rest else first
        _last_head[engine] = (last["seq"], last["hash"])

    direct.after(session, settle)


def _append_after_head(session: Session, entries: list[AuditEntry], engine: Engine) -> None:
    head = session.execute(_HEAD).first()
    rows = _chain(entries, *((head.seq, head.hash) if head else (0, GENESIS)))
    session.execute(_AUDIT.insert(), rows)
    _last_head[engine] = (rows[-1]["seq"], rows[-1]["hash"])


def _chain(entries: list[AuditEntry], seq: int, previous: str) -> list[dict[str, Any]]:
    """Give `entries` their places after (seq, previous); returns their rows."""
    rows = []
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, previous
        entry.hash = previous = entry_hash(entry)
        rows.append({"seq": seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
                     "target_type": entry.target_type, "target_id": entry.target_id,
                     "detail": entry.detail, "prev_hash": entry.prev_hash, "hash": entry.hash})
    return rows


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
