"""The outbox: enqueue in the event's transaction, deliver later, exactly once.

Life of an outbox row:

1. `enqueue` adds it in the caller's transaction (no commit): if the state change rolls
   back, the notification never existed. The text is rendered there, so a bad template
   or a missing param fails the event, not a worker hours later.
2. `deliver_due` claims due rows in a short transaction: each gets a
   `claim_token` and a lease (`locked_until`). On PostgreSQL the claim skips rows other
   workers hold (`FOR UPDATE SKIP LOCKED`); on SQLite every transaction starts with
   `BEGIN IMMEDIATE`, so claims are serialised. Leased rows are not claimed again until
   the lease runs out, which is how a crashed worker's rows come back.
3. Each claimed row is delivered. In-database channels (inbox, local SMS) write their row
   in the same transaction that marks the outbox row delivered, after re-checking under a
   row lock that the claim is still ours: exactly once, whatever dies when. Remote channels
   (webhook) are called outside any transaction; if the worker dies between the call and
   the bookkeeping, the row is sent again after the lease with the same `Idempotency-Key`
   (the dedup key), so receivers drop the repeat. That is at-least-once on the wire and
   exactly once for a receiver that honours the key.
4. A failure schedules the next attempt with doubling backoff from the injected clock;
   after `max_attempts` (or at once, for a refusal such as HTTP 400) the row is `dead`,
   visible in `beian outbox list --status dead` and revivable with `beian outbox retry`.

Template messages when no webhook URL is configured: rows are marked `skipped` (final)
rather than kept waiting, so switching webhooks on later does not flood users with stale
news; the same events reach users through the in-site inbox.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, bindparam, inspect, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, load_only, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from beian.clock import Clock, as_utc
from beian.crypto.cipher import keyed_hash
from beian.crypto.redact import redact
from beian.db import transaction
from beian.db.multirow import direct_multi_row_insert, multi_row_values
from beian.notifications.channels import (
    Channel,
    Channels,
    DeliveryFailed,
    Envelope,
    RetryPolicy,
)
from beian.notifications.inbox import (  # noqa: F401  (re-exported for callers)
    InboxError,
    list_inbox,
    list_local_sms,
    mark_all_read,
    mark_read,
    unread_count,
)
from beian.notifications.models import (
    DEAD,
    DELIVERED,
    PENDING,
    SKIPPED,
    STATUSES,
    OutboxMessage,
)
from beian.notifications.templates import (
    CHANNELS,
    NotificationError,
    Rendered,
    TemplateError,
    check_channel,
    get_template,
    render,
)
from beian.testing import faults

log = logging.getLogger(__name__)

# Printable ASCII without spaces: the key travels in an HTTP header.
_DEDUP_KEY = re.compile(r"[\x21-\x7e]{1,200}")
_MOBILE = re.compile(r"(\+?86)?1[3-9]\d{9}")
_OUTBOX = cast(Table, OutboxMessage.__table__)
# The keyed-hash purpose of OutboxMessage.recipient (see its `hashed` declaration).
_RECIPIENT = cast(Any, inspect(OutboxMessage).all_orm_descriptors["recipient"])
_RECIPIENT_PURPOSE = _RECIPIENT.info["hashed"][2]
_QUEUED_HERE = "beian.notifications.queued_here"
_FEW = 4
# Every column but the id: what `_row_of` fills in.
_OUTBOX_COLUMNS = tuple(column.name for column in _OUTBOX.columns if column.name != "id")
_SWITCHED_OFF = {"template": "template messages are off: BEIAN_WEBHOOK_URL is not set"}


@dataclass
class DeliveryStats:
    """What one `deliver_due` pass did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    # Claims that another worker took over after our lease ran out.
    stale: int = 0


@dataclass(frozen=True)
class _Claim:
    envelope: Envelope
    token: str


@dataclass(frozen=True)
class Notice:
    """One notification to queue: to whom, by which channel, which template with what."""

    channel: str
    recipient: str
    template: str
    params: dict[str, Any]
    dedup_key: str
    filing_id: str | None = None


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    template: str,
    params: dict[str, Any],
    dedup_key: str,
    now: datetime,
    filing_id: str | None = None,
) -> OutboxMessage:
    """Add a notification to the outbox in the caller's transaction; idempotent on dedup_key.

    Returns the row of that key: this one, or the one queued before under the same key."""
    enqueue_many(session, [Notice(channel, recipient, template, params, dedup_key, filing_id)],
                 now=now)
    row = _by_key(session, dedup_key)
    assert row is not None, "the row was just inserted or was already there"
    return row


def enqueue_many(session: Session, notices: list[Notice], *, now: datetime) -> None:
    """Queue every notice, each idempotent on its dedup key, in one statement:
    INSERT ... ON CONFLICT (dedup_key) DO NOTHING, so a key queued before — or by a
    concurrent transaction — is left as it is, with no look-up first and no savepoint.
    Every notice is rendered and checked before any row is written."""
    # A filing's notices share their params and recipient across channels: each text is
    # rendered, and each recipient hashed, once per batch.
    rendered: dict[tuple[str, int], Rendered] = {}
    hashes: dict[str, str] = {}
    rows = [_row_of(notice, as_utc(now), rendered, hashes) for notice in notices]
    if not rows:
        return
    if len(rows) <= _FEW:
        # The few notices of one person's action: one multi-row statement, compiled once.
        direct_multi_row_insert(
            _OUTBOX, _OUTBOX_COLUMNS, len(rows), skip_conflicts_on="dedup_key"
        ).send(session, multi_row_values(_OUTBOX_COLUMNS, rows))
    else:
        # A surge's thousand rows as an executemany (a statement holding every value would
        # be built, and keyed for the compiled cache, value by value).
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(_OUTBOX).on_conflict_do_nothing(index_elements=["dedup_key"]),
                        rows)
    queued = session.info.get(_QUEUED_HERE)
    if queued is not None:
        queued.extend(rows)


@contextmanager
def queued_here(session: Session) -> Iterator[list[dict[str, Any]]]:
    """Collect the outbox rows (their plain values) of every notice queued in the session
    meanwhile."""
    queued: list[dict[str, Any]] = []
    session.info[_QUEUED_HERE] = queued
    try:
        yield queued
    finally:
        session.info.pop(_QUEUED_HERE, None)


def deliver_in_place(
    session: Session, *, channels: Channels, queued: list[dict[str, Any]], now: datetime
) -> int:
    """Deliver the in-database notices this transaction queued, in this transaction.

    Rows the caller's transaction wrote are seen by no other worker before it commits, so
    there is nothing to lease: the inbox row and the delivered mark commit with the event,
    exactly once, without the claim, lease and reclaim that `deliver_due` needs, and with
    the values just written (nothing decrypted back). Only ids and creation times are
    read: of pending, unclaimed rows under these keys, created when this transaction queued
    them — a key queued before by another transaction is left to the outbox. Used by the
    worker for deadline surges. If it fails, only this step is rolled back: the rows stay
    pending and `deliver_due` delivers them. Returns how many were delivered.
    """
    values = {row["dedup_key"]: row for row in queued if _in_database(channels, row["channel"])}
    if not values:
        return 0
    query = (
        select(_OUTBOX.c.id, _OUTBOX.c.dedup_key, _OUTBOX.c.created_at)
        .where(_OUTBOX.c.dedup_key.in_(values), _OUTBOX.c.status == PENDING,
               _OUTBOX.c.claim_token.is_(None))
        .order_by(_OUTBOX.c.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    delivered = 0
    try:
        with session.begin_nested():
            written = [(outbox_id, values[key])
                       for outbox_id, key, created_at in session.execute(query)
                       if created_at == values[key]["created_at"]]
            for name in sorted({row["channel"] for _, row in written}):
                channel = channels.get(name)
                assert channel is not None
                envelopes = [_written_envelope(outbox_id, row) for outbox_id, row in written
                             if row["channel"] == name]
                external_ids = _deliver_many(channel, envelopes, session, now)
                faults.point("delivery_written")  # a kill here must leave nothing written
                _mark_all_delivered(session, envelopes, external_ids, now)
                delivered += len(envelopes)
    except Exception as error:  # left to deliver_due, which retries and counts attempts
        log.info("in-place delivery of %s notices failed (%s); left to the outbox",
                 len(values), type(error).__name__)
        return 0
    return delivered


def _written_envelope(outbox_id: int, row: dict[str, Any]) -> Envelope:
    """The envelope of an outbox row from the plain values it was written with."""
    return Envelope(
        id=outbox_id,
        dedup_key=row["dedup_key"],
        channel=row["channel"],
        recipient=row["recipient_encrypted"],  # the plain value: the column type encrypts
        template=row["template"],
        params=dict(row["params"]),
        title=row["title"],
        body=row["body"],
        sender=row["sender"],
        filing_id=row["filing_id"],
        attempt=1,
        created_at=row["created_at"],
    )


def _row_of(
    notice: Notice,
    now: datetime,
    rendered_before: dict[tuple[str, int], Rendered],
    hashes: dict[str, str],
) -> dict[str, Any]:
    """The outbox row of a notice (every column), rendered now so a bad template fails
    the event. Encrypted columns hold the plain value here: their type encrypts it."""
    channel, recipient, template = notice.channel, notice.recipient, notice.template
    # The same params object (alive for the whole batch) renders the same text on every
    # channel; `check_channel` still refuses a channel the template may not use.
    key = (template, id(notice.params))
    rendered = rendered_before.get(key)
    if rendered is None:
        rendered = rendered_before[key] = render(template, notice.params, channel=channel)
    else:
        check_channel(template, channel)
    dedup_key, filing_id = notice.dedup_key, notice.filing_id
    if not isinstance(dedup_key, str) or not _DEDUP_KEY.fullmatch(dedup_key):
        raise NotificationError(
            f"dedup_key must be 1-200 printable ASCII characters without spaces, got {dedup_key!r}"
        )
    if not isinstance(recipient, str) or not recipient.strip() or len(recipient) > 120:
        raise NotificationError(f"recipient of {template!r} must be a non-empty string (≤120)")
    if channel == "sms" and not _MOBILE.fullmatch(recipient):
        # The value itself is not quoted: error messages end up in logs (SPEC §10).
        raise NotificationError(
            f"recipient of an SMS ({template!r}) must be a mainland mobile number"
        )
    if filing_id is not None and len(filing_id) > 64:
        raise NotificationError("filing_id must be at most 64 characters")
    return {
        "dedup_key": dedup_key,
        "channel": channel,
        "recipient_encrypted": recipient,
        "recipient_hash": hashes.get(recipient) or hashes.setdefault(
            recipient, keyed_hash(recipient, _RECIPIENT_PURPOSE)),
        "template": template,
        "params": notice.params,
        "title": rendered.title,
        "body": rendered.body,
        "sender": rendered.sender,
        "filing_id": filing_id,
        "status": PENDING,
        "attempts": 0,
        "due_at": now,
        "locked_until": None,
        "claim_token": None,
        "created_at": now,
        "finished_at": None,
        "external_id": None,
        "last_error": None,
    }


def notify(
    session: Session,
    *,
    template: str,
    user_key: str,
    params: dict[str, Any],
    dedup_key: str,
    now: datetime,
    phone: str | None = None,
    filing_id: str | None = None,
    channels: tuple[str, ...] | None = None,
) -> list[OutboxMessage]:
    """Enqueue `template` on every channel the process names for it (`dedup_key:<channel>`)."""
    names = channels or get_template(template).default_channels
    if "sms" in names and phone is None:
        raise TemplateError(f"template {template!r} goes by SMS: pass phone=")
    for name in names:  # validate every channel before adding any row
        render(template, params, channel=name)
    return [
        enqueue(
            session,
            channel=name,
            recipient=phone if name == "sms" and phone is not None else user_key,
            template=template,
            params=params,
            dedup_key=f"{dedup_key}:{name}",
            now=now,
            filing_id=filing_id,
        )
        for name in names
    ]


def claim(session: Session, *, now: datetime, limit: int, policy: RetryPolicy) -> list[_Claim]:
    """Lease up to `limit` due rows to this worker (the caller commits)."""
    now = as_utc(now)
    leased = []
    for row in session.scalars(_due(now, limit, session)):
        if row.attempts >= policy.max_attempts:
            # Every attempt so far ended with the worker gone (lease ran out): a poison row.
            _finish(row, DEAD, now, error=row.last_error or "worker stopped during delivery")
        else:
            leased.append(row)
    # One token for the whole lease: it tells this claim from a later one of the same rows.
    token = uuid.uuid4().hex
    _set(session, leased, locked_until=now + policy.lease, claim_token=token)
    session.flush()
    return [_Claim(_envelope(row), token) for row in leased]


def skip_switched_off(
    session: Session, *, now: datetime, limit: int, switched_off: frozenset[str]
) -> int:
    """Finish due rows of switched-off channels as skipped, unread: nothing would be sent,
    so there is nothing to lease or decrypt. Returns how many."""
    now = as_utc(now)
    skipped = 0
    for channel in sorted(switched_off):
        # One statement: the due rows are picked (and locked) by a subquery.
        due = _due(now, limit - skipped, session).where(OutboxMessage.channel == channel)
        result = session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(due.with_only_columns(OutboxMessage.id).scalar_subquery()))
            .values(status=SKIPPED, finished_at=now, locked_until=None, claim_token=None,
                    last_error=_SWITCHED_OFF.get(channel, "off"))
        )
        skipped += cast(CursorResult[Any], result).rowcount
        if skipped >= limit:
            break
    return skipped


def _due(now: datetime, limit: int, session: Session) -> Select[OutboxMessage]:
    """Due rows no live lease holds, oldest first, locked (others skip them on PostgreSQL)."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def _set(session: Session, rows: list[OutboxMessage], **values: Any) -> None:
    """One UPDATE for many rows, reflected in the loaded objects without another read."""
    if rows:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            for name, value in values.items():
                set_committed_value(row, name, value)


def deliver_due(
    sessions: sessionmaker[Session], *, clock: Clock, channels: Channels, limit: int = 100
) -> DeliveryStats:
    """Claim due outbox rows and deliver each; record success, retry or death.

    Rows for in-database channels (inbox, local SMS) are delivered together in one
    transaction; if that fails, each is retried on its own like the remote ones.
    """
    off = frozenset(name for name in CHANNELS if channels.get(name) is None)
    with transaction(sessions) as session:
        skipped = skip_switched_off(session, now=clock.now(), limit=limit, switched_off=off)
        room = limit - skipped
        claims = claim(session, now=clock.now(), limit=room, policy=channels.policy) if room else []
    faults.point("outbox_claimed")
    stats = DeliveryStats(claimed=len(claims) + skipped, skipped=skipped)
    together: list[_Claim] = []
    alone: list[_Claim] = []
    for item in claims:  # partitioned in one pass: comparing claims would cost n² here
        (together if _in_database(channels, item.envelope.channel) else alone).append(item)
    if len(together) > 1:
        alone += _deliver_together(sessions, clock, channels, together, stats)
    else:
        alone += together
    for item in alone:
        outcome = _deliver_one(sessions, clock, channels, item)
        setattr(stats, outcome, getattr(stats, outcome) + 1)
    return stats


def list_outbox(
    session: Session, *, status: str | None = None, limit: int = 50
) -> list[OutboxMessage]:
    """The latest `limit` outbox rows (of one status), oldest first."""
    if status is not None and status not in STATUSES:
        known = ", ".join(STATUSES)
        raise NotificationError(f"unknown outbox status {status!r}; use one of {known}")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(reversed(session.scalars(query).all()))


def requeue(session: Session, *, message_id: int, now: datetime) -> OutboxMessage:
    """Give a dead or skipped row a fresh set of attempts, due now."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotificationError(f"outbox message {message_id} does not exist")
    if row.status not in (DEAD, SKIPPED):
        raise NotificationError(
            f"outbox message {message_id} is {row.status}; only dead or skipped rows can be retried"
        )
    row.status = PENDING
    row.attempts = 0
    row.due_at = as_utc(now)
    row.finished_at = None
    return row


def _deliver_one(
    sessions: sessionmaker[Session],
    clock: Clock,
    channels: Channels,
    item: _Claim,
    *,
    charged: bool = False,
) -> str:
    envelope = item.envelope
    channel = channels.get(envelope.channel)
    if not charged and not _charge_attempt(sessions, item):
        return "stale"
    if channel is None:
        with transaction(sessions) as session:
            row = _reclaim(session, item)
            if row is None:
                return "stale"
            _finish(row, SKIPPED, clock.now(), error=_SWITCHED_OFF.get(envelope.channel, "off"))
        return "skipped"
    if channel.in_database:
        try:
            with transaction(sessions) as session:
                row = _reclaim(session, item)
                if row is None:
                    return "stale"
                now = clock.now()
                external_id = channel.deliver(envelope, session=session, now=now)
                faults.point("delivery_written")
                _mark_delivered(session, row, now, external_id)
        except Exception as error:  # rolled back: nothing of this attempt was written
            return _record_failure(sessions, clock, channels.policy, item, error)
        return "delivered"
    try:
        external_id = channel.deliver(envelope, session=None, now=clock.now())
    except Exception as error:
        return _record_failure(sessions, clock, channels.policy, item, error)
    faults.point("delivery_sent")
    with transaction(sessions) as session:
        row = _reclaim(session, item)
        if row is None:
            return "stale"
        _mark_delivered(session, row, clock.now(), external_id)
    return "delivered"


def _charge_attempt(sessions: sessionmaker[Session], item: _Claim) -> bool:
    """Count an attempt just before it starts, in its own commit: a worker that dies
    delivering one row of its batch charges that row only, not the rows leased beside it."""
    return bool(_charge_attempts(sessions, [item]))


def _charge_attempts(sessions: sessionmaker[Session], items: list[_Claim]) -> list[_Claim]:
    """Charge one attempt to every row whose claim still holds, in one commit; those rows."""
    by_token: dict[str, list[int]] = {}
    for item in items:
        by_token.setdefault(item.token, []).append(item.envelope.id)
    held: set[int] = set()
    with transaction(sessions) as session:
        for token, ids in by_token.items():  # one UPDATE per claim (usually one in all)
            charged = session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id.in_(ids), _OUTBOX.c.status == PENDING,
                       _OUTBOX.c.claim_token == token)
                .values(attempts=_OUTBOX.c.attempts + 1)
                .returning(_OUTBOX.c.id)
            )
            held.update(charged.scalars())
    return [item for item in items if item.envelope.id in held]


def _in_database(channels: Channels, name: str) -> bool:
    channel = channels.get(name)
    return channel is not None and channel.in_database


def _deliver_together(
    sessions: sessionmaker[Session],
    clock: Clock,
    channels: Channels,
    items: list[_Claim],
    stats: DeliveryStats,
) -> list[_Claim]:
    """Deliver in-database rows in one transaction (the attempt charged first, in one
    commit for the lot); returns the rows to try one by one because the batch failed."""
    charged = _charge_attempts(sessions, items)
    stats.stale += len(items) - len(charged)
    try:
        with transaction(sessions) as session:
            held = {row.id: row for row in _reclaim_all(session, charged)}
            now = clock.now()
            for name in {item.envelope.channel for item in charged}:
                channel = channels.get(name)
                assert channel is not None
                envelopes = [i.envelope for i in charged
                             if i.envelope.channel == name and i.envelope.id in held]
                external_ids = _deliver_many(channel, envelopes, session, now)
                faults.point("delivery_written")
                _mark_all_delivered(session, envelopes, external_ids, now)
    except Exception as error:  # nothing of the batch was written
        log.info("outbox batch of %s failed (%s); delivering one by one",
                 len(charged), type(error).__name__)
        for item in charged:
            outcome = _deliver_one(sessions, clock, channels, item, charged=True)
            setattr(stats, outcome, getattr(stats, outcome) + 1)
        return []
    stats.delivered += len(held)
    stats.stale += len(charged) - len(held)
    return []


def _deliver_many(
    channel: Channel, envelopes: list[Envelope], session: Session, now: datetime
) -> list[str | None]:
    """Through the channel's batch method when it has one (one insert for the lot)."""
    deliver_many = getattr(channel, "deliver_many", None)
    if deliver_many is not None:
        return list(deliver_many(envelopes, session=session, now=now))
    return [channel.deliver(envelope, session=session, now=now) for envelope in envelopes]


# Marks one outbox row delivered; run as one executemany for a batch.
_DELIVERED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("_id"))
    .values(status=DELIVERED, finished_at=bindparam("_now"), locked_until=None,
            claim_token=None, external_id=bindparam("_external_id"))
)


def _mark_all_delivered(
    session: Session, envelopes: list[Envelope], external_ids: list[str | None], now: datetime
) -> None:
    """`_mark_delivered` for rows locked by `_reclaim_all`, in one statement."""
    if envelopes:
        finished = as_utc(now)
        session.execute(_DELIVERED, [
            {"_id": envelope.id, "_now": finished, "_external_id": external_id}
            for envelope, external_id in zip(envelopes, external_ids, strict=True)
        ])


def _mark_delivered(
    session: Session, row: OutboxMessage, now: datetime, external_id: str | None
) -> None:
    row.external_id = external_id
    _finish(row, DELIVERED, now)


def _record_failure(
    sessions: sessionmaker[Session],
    clock: Clock,
    policy: RetryPolicy,
    item: _Claim,
    error: Exception,
) -> str:
    reason = str(error) if isinstance(error, DeliveryFailed) else f"{type(error).__name__}: {error}"
    # A gateway's or driver's message may quote the number it was given.
    reason = redact(reason)
    log.warning(
        "outbox %s (%s) attempt %s failed: %s",
        item.envelope.id,
        item.envelope.channel,
        item.envelope.attempt,
        reason,
    )
    with transaction(sessions) as session:
        row = _reclaim(session, item)
        if row is None:
            return "stale"
        now = as_utc(clock.now())
        permanent = isinstance(error, DeliveryFailed) and error.permanent
        if permanent or row.attempts >= policy.max_attempts:
            _finish(row, DEAD, now, error=reason)
            return "dead"
        row.last_error = reason[:500]
        row.locked_until = None
        row.claim_token = None
        row.due_at = now + policy.delay(row.attempts)
        return "retried"


def _reclaim(session: Session, item: _Claim) -> OutboxMessage | None:
    """Lock the row and return it if our claim still holds (not taken over, not finished)."""
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == item.envelope.id).with_for_update()
    ).first()
    if row is None or row.status != PENDING or row.claim_token != item.token:
        return None
    return row


def _reclaim_all(session: Session, items: list[_Claim]) -> list[OutboxMessage]:
    """`_reclaim` for many claims: the locked rows whose claims still hold."""
    if not items:
        return []
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.id.in_([item.envelope.id for item in items]),
            OutboxMessage.status == PENDING,
        )
        # What the bookkeeping needs: no encrypted column is read and decrypted.
        .options(load_only(OutboxMessage.id, OutboxMessage.status, OutboxMessage.claim_token,
                           OutboxMessage.attempts))
        .with_for_update()
    )
    tokens = {item.envelope.id: item.token for item in items}
    return [row for row in session.scalars(query) if row.claim_token == tokens[row.id]]


def _finish(row: OutboxMessage, status: str, now: datetime, *, error: str | None = None) -> None:
    row.status = status
    row.finished_at = as_utc(now)
    row.locked_until = None
    row.claim_token = None
    if error is not None:
        row.last_error = error[:500]


def _by_key(session: Session, dedup_key: str) -> OutboxMessage | None:
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
    ).first()


def _envelope(row: OutboxMessage) -> Envelope:
    created_at = row.created_at
    assert created_at is not None
    return Envelope(
        id=row.id,
        dedup_key=row.dedup_key,
        channel=row.channel,
        recipient=row.recipient,
        template=row.template,
        params=dict(row.params or {}),
        title=row.title,
        body=row.body,
        sender=row.sender,
        filing_id=row.filing_id,
        attempt=row.attempts + 1,  # the attempt about to be made (charged when it starts)
        created_at=created_at,
    )
