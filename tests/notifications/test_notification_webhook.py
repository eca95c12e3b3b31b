"""Template messages posted to a real local HTTP server that checks the signature."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.db import transaction
from beian.notifications import service
from beian.notifications.channels import Channels, RetryPolicy, WebhookChannel
from beian.notifications.models import OutboxMessage
from beian.notifications.service import deliver_due, enqueue
from tests.notifications.webhook_receiver import WEBHOOK_SECRET, Receiver


class ProcessDied(BaseException):
    """Stands for the worker process being killed between the POST and the bookkeeping."""


@pytest.fixture
def channels(receiver: Receiver, policy: RetryPolicy) -> Iterator[Channels]:
    channels = Channels(
        template=WebhookChannel(receiver.url, WEBHOOK_SECRET, timeout=5), policy=policy
    )
    yield channels
    channels.close()


def _enqueue(sessions: sessionmaker[Session], clock: FixedClock) -> int:
    with transaction(sessions) as session:
        return enqueue(
            session,
            channel="template",
            recipient="applicant-7",
            template="bureau_approved",
            params={"applet_name": "图书角", "record_number": "京ICP备2026059598号-1X"},
            dedup_key="event:42:template",
            now=clock.now(),
            filing_id="f-42",
        ).id


def _row(sessions: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with sessions() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_a_signed_message_is_delivered(
    sessions: sessionmaker[Session], clock: FixedClock, receiver: Receiver, channels: Channels
) -> None:
    message_id = _enqueue(sessions, clock)
    stats = deliver_due(sessions, clock=clock, channels=channels)
    assert (stats.claimed, stats.delivered) == (1, 1)
    (request,) = receiver.requests
    assert request.signature_ok
    assert request.headers["X-Beian-Timestamp"] == str(int(clock.now().timestamp()))
    assert request.headers["Idempotency-Key"] == "event:42:template"
    assert request.headers["X-Beian-Message-Id"] == str(message_id)
    assert request.payload["recipient"] == "applicant-7"
    assert request.payload["template"] == "bureau_approved"
    assert request.payload["filing_id"] == "f-42"
    assert "京ICP备2026059598号-1X" in request.payload["body"]
    assert request.payload["params"]["applet_name"] == "图书角"
    assert _row(sessions, message_id).status == "delivered"
    assert deliver_due(sessions, clock=clock, channels=channels).claimed == 0
    assert len(receiver.requests) == 1


def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried(
    sessions: sessionmaker[Session], clock: FixedClock, receiver: Receiver, policy: RetryPolicy
) -> None:
    message_id = _enqueue(sessions, clock)
    channels = Channels(template=WebhookChannel(receiver.url, "another-secret"), policy=policy)
    try:
        assert deliver_due(sessions, clock=clock, channels=channels).dead == 1
    finally:
        channels.close()
    assert [r.signature_ok for r in receiver.requests] == [False]
    row = _row(sessions, message_id)
    assert row.status == "dead" and row.last_error == "webhook answered HTTP 401"


def test_a_server_error_is_retried_with_doubling_backoff(
    sessions: sessionmaker[Session], clock: FixedClock, receiver: Receiver, channels: Channels
) -> None:
    receiver.script = [500, 503]
    message_id = _enqueue(sessions, clock)
    start = clock.now()
    assert deliver_due(sessions, clock=clock, channels=channels).retried == 1
    row = _row(sessions, message_id)
    assert row.status == "pending" and row.last_error == "webhook answered HTTP 500"
    assert row.due_at == start + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert deliver_due(sessions, clock=clock, channels=channels).claimed == 0
    clock.advance(seconds=1)
    assert deliver_due(sessions, clock=clock, channels=channels).retried == 1
    assert _row(sessions, message_id).due_at == start + timedelta(seconds=30 + 60)

    clock.advance(seconds=60)
    assert deliver_due(sessions, clock=clock, channels=channels).delivered == 1
    row = _row(sessions, message_id)
    assert (row.status, row.attempts) == ("delivered", 3)
    assert [r.status for r in receiver.requests] == [500, 503, 200]
    assert [r.headers["X-Beian-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {"event:42:template"}


def test_too_many_failures_make_the_message_dead(
    sessions: sessionmaker[Session], clock: FixedClock, receiver: Receiver, channels: Channels
) -> None:
    receiver.script = [500] * 10
    message_id = _enqueue(sessions, clock)
    outcomes = []
    for _ in range(3):
        stats = deliver_due(sessions, clock=clock, channels=channels)
        outcomes.append((stats.retried, stats.dead))
        clock.advance(hours=1)
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    clock.advance(days=7)
    assert deliver_due(sessions, clock=clock, channels=channels).claimed == 0
    assert len(receiver.requests) == 3
    with sessions() as session:
        assert [r.id for r in service.list_outbox(session, status="dead")] == [message_id]


@pytest.mark.parametrize(("status", "outcome"), [(400, "dead"), (429, "retried"), (408, "retried")])
def test_client_errors_are_final_except_timeouts_and_rate_limits(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    receiver: Receiver,
    channels: Channels,
    status: int,
    outcome: str,
) -> None:
    receiver.script = [status]
    _enqueue(sessions, clock)
    stats = deliver_due(sessions, clock=clock, channels=channels)
    assert getattr(stats, outcome) == 1


def test_an_unreachable_receiver_is_retried(
    sessions: sessionmaker[Session], clock: FixedClock, policy: RetryPolicy
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message_id = _enqueue(sessions, clock)
    channels = Channels(
        template=WebhookChannel(f"http://127.0.0.1:{port}/", WEBHOOK_SECRET), policy=policy
    )
    try:
        assert deliver_due(sessions, clock=clock, channels=channels).retried == 1
    finally:
        channels.close()
    assert "webhook request failed: ConnectError" in (_row(sessions, message_id).last_error or "")


def test_a_crash_after_the_post_is_retried_after_the_lease_with_the_same_key(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    receiver: Receiver,
    channels: Channels,
    policy: RetryPolicy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message_id = _enqueue(sessions, clock)

    def die(*_args: object, **_kwargs: object) -> None:
        raise ProcessDied

    with monkeypatch.context() as patch:
        patch.setattr(service, "_mark_delivered", die)
        with pytest.raises(ProcessDied):
            deliver_due(sessions, clock=clock, channels=channels)
    assert len(receiver.requests) == 1
    row = _row(sessions, message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.locked_until == clock.now() + timedelta(seconds=policy.lease_seconds)

    clock.advance(seconds=policy.lease_seconds - 1)  # another worker keeps off while leased
    assert deliver_due(sessions, clock=clock, channels=channels).claimed == 0
    clock.advance(seconds=1)
    assert deliver_due(sessions, clock=clock, channels=channels).delivered == 1
    first, second = receiver.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.payload == second.payload  # the same message, so the receiver can drop it
    assert second.signature_ok and _row(sessions, message_id).status == "delivered"
