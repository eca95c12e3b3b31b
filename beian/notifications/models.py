"""Database models of notifications: the outbox, the in-site inbox and the local SMS outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from beian.crypto.types import EncryptedJSON, EncryptedText, hashed
from beian.db import Base
from beian.db.types import UtcDateTime

# Outbox statuses. pending: waiting to be (re)tried; delivered: done; dead: gave up after
# too many failures or a refusal; skipped: the channel is switched off (no webhook URL).
PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
SKIPPED = "skipped"
STATUSES = (PENDING, DELIVERED, DEAD, SKIPPED)


class OutboxMessage(Base):
    """One notification to deliver once on one channel; written in the event's transaction."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "due_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Caller-chosen key that makes enqueueing idempotent; also the webhook idempotency key.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    # A phone for SMS, a user key otherwise: encrypted, and hashed for look-ups, on every
    # channel alike; `recipient` reads and queries as the plain value.
    recipient_encrypted: Mapped[str] = mapped_column(EncryptedText())
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    recipient = hashed("recipient_encrypted", "recipient_hash", "recipient")
    template: Mapped[str] = mapped_column(String(40))
    # Encrypted: an SMS's params and body carry its verification code.
    params: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON(), default=dict)
    # Rendered at enqueue time, so the text is the one of the moment of the event.
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(EncryptedText())
    sender: Mapped[str | None] = mapped_column(String(40), default=None)
    filing_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A claimed row belongs to one worker until `locked_until`; `claim_token` names the claim.
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    claim_token: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    external_id: Mapped[str | None] = mapped_column(String(120), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)


class InboxMessage(Base):
    """An in-site message (站内信) in one user's inbox."""

    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_user_key_id", "user_key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_key: Mapped[str] = mapped_column(String(120))
    # Unique: the database itself refuses a second delivery of the same outbox row.
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id"), unique=True, default=None
    )
    template: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    filing_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class LocalSms(Base):
    """A text 'sent' through the development SMS gateway, for a person to read."""

    __tablename__ = "local_sms"
    __table_args__ = (Index("ix_local_sms_phone_hash_id", "phone_hash", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Encrypted and hashed (for `beian sms outbox --phone`); `phone` reads as plain text.
    phone_encrypted: Mapped[str] = mapped_column(EncryptedText())
    phone_hash: Mapped[str] = mapped_column(String(64))
    phone = hashed("phone_encrypted", "phone_hash", "phone")
    sender: Mapped[str] = mapped_column(String(40))
    # Encrypted: the text carries a verification code.
    text: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
