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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import Clock, as_utc
from beian.crypto.redact import redact
from beian.db import transaction
from beian.notifications.channels import Channels, DeliveryFailed, Envelope, RetryPolicy
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
from beian.notifications.templates import NotificationError, TemplateError, get_template, render
from beian.testing import faults

log = logging.getLogger(__name__)

# Printable ASCII without spaces: the key travels in an HTTP header.
_DEDUP_KEY = re.compile(r"[\x21-\x7e]{1,200}")
_MOBILE = re.compile(r"(\+?86)?1[3-9]\d{9}")
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
    """Add a notification to the outbox in the caller's transaction; idempotent on dedup_key."""
    rendered = render(template, params, channel=channel)
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
    existing = _by_key(session, dedup_key)
    if existing is not None:
        return existing
    now = as_utc(now)
    message = OutboxMessage(
        dedup_key=dedup_key,
        channel=channel,
        recipient=recipient,
        template=template,
        params=params,
        title=rendered.title,
        body=rendered.body,
        sender=rendered.sender,
        filing_id=filing_id,
        status=PENDING,
        attempts=0,
        due_at=now,
        created_at=now,
    )
    try:
        # A savepoint, so losing a race to a concurrent enqueue leaves the caller's work intact.
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        existing = _by_key(session, dedup_key)
        if existing is None:
            raise
        return existing
    return message


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
    claims = []
    for row in session.scalars(query):
        if row.attempts >= policy.max_attempts:
            # Every attempt so far ended with the worker gone (lease ran out): a poison row.
            _finish(row, DEAD, now, error=row.last_error or "worker stopped during delivery")
            continue
        row.locked_until = now + policy.lease
        row.claim_token = uuid.uuid4().hex
        claims.append(_Claim(_envelope(row), row.claim_token))
    session.flush()
    return claims


def deliver_due(
    sessions: sessionmaker[Session], *, clock: Clock, channels: Channels, limit: int = 100
) -> DeliveryStats:
    """Claim due outbox rows and deliver each; record success, retry or death."""
    with transaction(sessions) as session:
        claims = claim(session, now=clock.now(), limit=limit, policy=channels.policy)
    faults.point("outbox_claimed")
    stats = DeliveryStats(claimed=len(claims))
    for item in claims:
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
    sessions: sessionmaker[Session], clock: Clock, channels: Channels, item: _Claim
) -> str:
    envelope = item.envelope
    channel = channels.get(envelope.channel)
    if not _charge_attempt(sessions, item):
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
    with transaction(sessions) as session:
        row = _reclaim(session, item)
        if row is None:
            return False
        row.attempts += 1
    return True


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
