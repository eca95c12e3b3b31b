"""The delivery channels: in-site inbox, signed template-message webhook and SMS.

A channel is either *in-database* (inbox, the local SMS outbox): it writes its rows in the
very transaction that marks the outbox row delivered, so a message lands exactly once; or
*remote* (webhook, a real SMS gateway): it is called outside any transaction, and a crash
between the call and the bookkeeping means the call is repeated after the claim's lease,
carrying the same idempotency key, so the receiver can drop the repeat.

Webhook signature: `X-Beian-Signature: sha256=<hex>` where hex is
HMAC-SHA256(secret, `<X-Beian-Timestamp>` + "." + raw body). The timestamp is Unix seconds
from the injected clock; receivers should refuse stale ones and compare in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import httpx
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from beian.notifications.models import InboxMessage, LocalSms
from beian.notifications.settings import (
    NotificationSettings,
    SettingsError,
    load_notification_settings,
)

SIGNATURE_HEADER = "X-Beian-Signature"
TIMESTAMP_HEADER = "X-Beian-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MESSAGE_ID_HEADER = "X-Beian-Message-Id"
ATTEMPT_HEADER = "X-Beian-Attempt"
_INBOX = cast(Table, InboxMessage.__table__)
# Client errors that may pass if tried again (timeout, too early, rate limit).
_RETRYABLE_4XX = {408, 425, 429}


class DeliveryFailed(Exception):
    """A channel could not deliver; `permanent` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Envelope:
    """What a channel needs of one claimed outbox row (a copy, detached from any session)."""

    id: int
    dedup_key: str
    channel: str
    recipient: str
    template: str
    params: dict[str, Any]
    title: str
    body: str
    sender: str | None
    filing_id: str | None
    attempt: int
    created_at: datetime


class Channel(Protocol):
    # True: deliver() gets the session that also marks the row delivered.
    in_database: bool

    def deliver(self, envelope: Envelope, *, session: Session | None, now: datetime) -> str | None:
        """Deliver one message; return an id from the far side, if any."""
        ...


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, sender: str) -> str:
        """Send one text; return the gateway's message id."""
        ...


class InboxChannel:
    """Writes the in-site message (站内信) into the recipient's inbox."""

    in_database = True

    def deliver(self, envelope: Envelope, *, session: Session | None, now: datetime) -> str:
        """Add the inbox row in the caller's transaction."""
        return self.deliver_many([envelope], session=session, now=now)[0]

    def deliver_many(
        self, envelopes: list[Envelope], *, session: Session | None, now: datetime
    ) -> list[str]:
        """Add the inbox rows in the caller's transaction, in one insert."""
        assert session is not None, "the inbox channel writes in the delivering transaction"
        rows = [
            {"user_key": envelope.recipient, "outbox_id": envelope.id,
             "template": envelope.template, "title": envelope.title, "body": envelope.body,
             "filing_id": envelope.filing_id, "created_at": now, "read_at": None}
            for envelope in envelopes
        ]
        # Plain rows in one executemany (cheaper than an insert returning the ids row by
        # row), then the new ids by outbox row: outbox_id is unique.
        session.execute(_INBOX.insert(), rows)
        outbox_ids = [envelope.id for envelope in envelopes]
        ids = {outbox_id: inbox_id for outbox_id, inbox_id in session.execute(
            select(_INBOX.c.outbox_id, _INBOX.c.id).where(_INBOX.c.outbox_id.in_(outbox_ids))
        )}
        return [f"inbox-{ids[outbox_id]}" for outbox_id in outbox_ids]


class LocalSmsChannel:
    """SMS through the local gateway, inside the delivering transaction."""

    in_database = True

    def __init__(self, default_sender: str) -> None:
        self.default_sender = default_sender

    def deliver(self, envelope: Envelope, *, session: Session | None, now: datetime) -> str:
        """Store the text in the local outbox."""
        return self.deliver_many([envelope], session=session, now=now)[0]

    def deliver_many(
        self, envelopes: list[Envelope], *, session: Session | None, now: datetime
    ) -> list[str]:
        """Store the texts in the local outbox, in one insert."""
        assert session is not None, "the local SMS channel writes in the delivering transaction"
        texts = [
            LocalSms(phone=envelope.recipient, sender=envelope.sender or self.default_sender,
                     text=envelope.body, created_at=now)
            for envelope in envelopes
        ]
        session.add_all(texts)
        session.flush()
        return [f"local-{sms.id}" for sms in texts]


class GatewaySmsChannel:
    """SMS through a real gateway (anything with `send(phone, text, sender) -> str`)."""

    in_database = False

    def __init__(self, gateway: SmsGateway, default_sender: str) -> None:
        self.gateway = gateway
        self.default_sender = default_sender

    def deliver(self, envelope: Envelope, *, session: Session | None, now: datetime) -> str:
        """Hand the text to the gateway."""
        sender = envelope.sender or self.default_sender
        return self.gateway.send(envelope.recipient, envelope.body, sender)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a webhook body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def webhook_body(envelope: Envelope) -> bytes:
    """The JSON document posted for a template message."""
    payload = {
        "message_id": envelope.id,
        "idempotency_key": envelope.dedup_key,
        "template": envelope.template,
        "recipient": envelope.recipient,
        "filing_id": envelope.filing_id,
        "title": envelope.title,
        "body": envelope.body,
        "params": envelope.params,
        "created_at": envelope.created_at.isoformat(),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookChannel:
    """Template messages (模板消息) as signed JSON POSTs to the configured URL."""

    in_database = False

    def __init__(
        self, url: str, secret: str, *, timeout: float = 10, client: httpx.Client | None = None
    ) -> None:
        self.url = url
        self.secret = secret
        self._client = client or httpx.Client(timeout=timeout)

    def deliver(self, envelope: Envelope, *, session: Session | None, now: datetime) -> None:
        """POST the message; a 2xx answer is delivery, anything else raises DeliveryFailed."""
        body = webhook_body(envelope)
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            IDEMPOTENCY_HEADER: envelope.dedup_key,
            MESSAGE_ID_HEADER: str(envelope.id),
            ATTEMPT_HEADER: str(envelope.attempt),
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            reason = f"webhook request failed: {type(error).__name__}: {error}"
            raise DeliveryFailed(reason) from None
        if 200 <= response.status_code < 300:
            return None
        permanent = 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_4XX
        raise DeliveryFailed(f"webhook answered HTTP {response.status_code}", permanent=permanent)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently delivery is retried."""

    max_attempts: int = 8
    backoff_seconds: int = 30
    backoff_max_seconds: int = 3600
    lease_seconds: int = 300

    def delay(self, attempt: int) -> timedelta:
        """Wait after failed attempt number `attempt` (1, 2, ...): doubling, capped."""
        seconds = self.backoff_seconds * 2 ** max(attempt - 1, 0)
        return timedelta(seconds=min(seconds, self.backoff_max_seconds))

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


@dataclass
class Channels:
    """The channel implementations a deliverer uses; `template=None` switches webhooks off."""

    inbox: Channel = field(default_factory=InboxChannel)
    template: Channel | None = None
    sms: Channel = field(default_factory=lambda: LocalSmsChannel("beian"))
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def get(self, name: str) -> Channel | None:
        """The channel called `name`, or None when it is switched off."""
        return {"inbox": self.inbox, "template": self.template, "sms": self.sms}.get(name)

    def close(self) -> None:
        """Release network resources held by the channels."""
        for channel in (self.inbox, self.template, self.sms):
            close = getattr(channel, "close", None)
            if close is not None:
                close()


def build_channels(settings: NotificationSettings | None = None) -> Channels:
    """Channels and retry policy as the settings describe them."""
    settings = settings or load_notification_settings()
    if settings.sms_gateway != "local":
        raise SettingsError(
            f"BEIAN_SMS_GATEWAY={settings.sms_gateway!r} is not built in; only 'local' is. "
            "Plug a real gateway in with Channels(sms=GatewaySmsChannel(gateway, sender))."
        )
    template: Channel | None = None
    if settings.webhook_url:
        if not settings.webhook_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"BEIAN_WEBHOOK_URL must start with http:// or https://, "
                f"got {settings.webhook_url!r}"
            )
        template = WebhookChannel(
            settings.webhook_url, settings.webhook_secret, timeout=settings.webhook_timeout
        )
    return Channels(
        inbox=InboxChannel(),
        template=template,
        sms=LocalSmsChannel(settings.sms_sender),
        policy=RetryPolicy(
            max_attempts=settings.max_attempts,
            backoff_seconds=settings.backoff_seconds,
            backoff_max_seconds=settings.backoff_max_seconds,
            lease_seconds=settings.lease_seconds,
        ),
    )
