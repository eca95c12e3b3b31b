"""The outbox on SQLite and PostgreSQL: enqueue in the caller's transaction, deliver once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.db import transaction
from beian.notifications import service
from beian.notifications.channels import Channels, InboxChannel, LocalSmsChannel, RetryPolicy
from beian.notifications.models import InboxMessage, LocalSms, OutboxMessage
from beian.notifications.service import claim, deliver_due, enqueue
from beian.notifications.templates import NotificationError, TemplateError


class ProcessDied(BaseException):
    """Stands for the worker process being killed: nothing after it runs."""


def _enqueue_inbox(
    session: Session, clock: FixedClock, key: str, user: str = "u1"
) -> OutboxMessage:
    return enqueue(
        session,
        channel="inbox",
        recipient=user,
        template="filing_withdrawn",
        params={"applet_name": "图书角"},
        dedup_key=key,
        now=clock.now(),
        filing_id="f-1",
    )


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _row(sessions: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with sessions() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_enqueue_is_idempotent_on_the_dedup_key(db: Session, clock: FixedClock) -> None:
    first = _enqueue_inbox(db, clock, "event:1:inbox")
    second = _enqueue_inbox(db, clock, "event:1:inbox")
    db.commit()
    assert second.id == first.id
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_enqueue_after_commit_still_returns_the_existing_row(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        first_id = _enqueue_inbox(session, clock, "k").id
    with transaction(sessions) as session:
        assert _enqueue_inbox(session, clock, "k").id == first_id
    assert _count(sessions, OutboxMessage) == 1


def test_rollback_of_the_callers_transaction_leaves_no_row(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        _enqueue_inbox(session, clock, "event:2:inbox")
        raise RuntimeError("the state change failed")
    assert _count(sessions, OutboxMessage) == 0


def test_enqueue_stores_rendered_text_due_now(db: Session, clock: FixedClock) -> None:
    message = _enqueue_inbox(db, clock, "k")
    db.commit()
    assert "图书角" in message.body and message.title == "备案申请已撤回"
    assert message.status == "pending" and message.attempts == 0
    assert message.due_at == clock.now()


def test_a_batch_is_stored_encrypted_found_by_recipient_and_keys_stay_unique(
    db: Session, clock: FixedClock
) -> None:
    notices = [
        service.Notice("inbox", "applicant-9", "filing_withdrawn", {"applet_name": "图书角"},
                       f"batch:{n}", "f-9")
        for n in (1, 2, 1)  # the repeated key is queued once
    ]
    service.enqueue_many(db, notices, now=clock.now())
    service.enqueue_many(db, notices[:1], now=clock.now())  # and again later: still once
    db.commit()
    raw = db.execute(text("SELECT recipient_encrypted, body FROM outbox_messages")).all()
    assert len(raw) == 2
    assert all(b"applicant-9" not in bytes(r) and "图书角".encode() not in bytes(b) for r, b in raw)
    found = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "applicant-9"))
    assert sorted(row.dedup_key for row in found) == ["batch:1", "batch:2"]


def test_template_errors_surface_at_enqueue(db: Session, clock: FixedClock) -> None:
    with pytest.raises(TemplateError, match="needs params applet_name"):
        enqueue(
            db,
            channel="inbox",
            recipient="u1",
            template="filing_withdrawn",
            params={},
            dedup_key="k",
            now=clock.now(),
        )
    with pytest.raises(TemplateError, match="unknown notification template"):
        enqueue(
            db,
            channel="inbox",
            recipient="u1",
            template="nope",
            params={},
            dedup_key="k",
            now=clock.now(),
        )
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("channel", "recipient", "key", "message"),
    [
        ("inbox", "u1", "has space", "dedup_key must be"),
        ("inbox", "u1", "事件:1", "dedup_key must be"),
        ("inbox", "", "k", "recipient"),
        ("sms", "12345", "k", "mainland mobile number"),
    ],
)
def test_bad_keys_and_recipients_are_refused(
    db: Session, clock: FixedClock, channel: str, recipient: str, key: str, message: str
) -> None:
    with pytest.raises(NotificationError, match=message):
        enqueue(
            db,
            channel=channel,
            recipient=recipient,
            template="sms_verified",
            params={"applet_name": "a"},
            dedup_key=key,
            now=clock.now(),
        )


def test_inbox_is_delivered_exactly_once_when_delivery_runs_twice(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        message_id = _enqueue_inbox(session, clock, "k").id
    first = deliver_due(sessions, clock=clock, channels=Channels())
    clock.advance(hours=1)
    second = deliver_due(sessions, clock=clock, channels=Channels())
    assert (first.claimed, first.delivered, second.claimed) == (1, 1, 0)
    with sessions() as session:
        inbox = session.scalars(select(InboxMessage)).all()
    assert [(m.user_key, m.outbox_id, m.filing_id) for m in inbox] == [("u1", message_id, "f-1")]
    row = _row(sessions, message_id)
    assert row.status == "delivered" and row.finished_at == clock.now() - timedelta(hours=1)


def test_two_deliverers_at_once_deliver_each_message_once(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        for n in range(20):
            _enqueue_inbox(session, clock, f"k{n}", user=f"u{n % 3}")
    start = threading.Barrier(2)
    results = []

    def work() -> None:
        start.wait()
        while (stats := deliver_due(sessions, clock=clock, channels=Channels(), limit=3)).claimed:
            results.append(stats.delivered)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 20
    with sessions() as session:
        outbox_ids = session.scalars(select(InboxMessage.outbox_id)).all()
    assert len(outbox_ids) == len(set(outbox_ids)) == 20


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_concurrent_claims_skip_rows_another_worker_holds(
    sessions: sessionmaker[Session], clock: FixedClock, policy: RetryPolicy
) -> None:
    with transaction(sessions) as session:
        ids = {_enqueue_inbox(session, clock, f"k{n}").id for n in range(4)}
    first, second = sessions(), sessions()
    try:
        held = claim(first, now=clock.now(), limit=2, policy=policy)  # not committed: rows locked
        # Without SKIP LOCKED the second claim would wait for the first: fail fast instead.
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        taken = claim(second, now=clock.now(), limit=10, policy=policy)
        held_ids = {c.envelope.id for c in held}
        taken_ids = {c.envelope.id for c in taken}
        assert len(held_ids) == 2 and held_ids.isdisjoint(taken_ids)
        assert held_ids | taken_ids == ids
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    policy: RetryPolicy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with transaction(sessions) as session:
        message_id = _enqueue_inbox(session, clock, "k").id
    channels = Channels(policy=policy)
    with monkeypatch.context() as patch:
        patch.setattr(service, "_mark_delivered", _die)
        with pytest.raises(ProcessDied):
            deliver_due(sessions, clock=clock, channels=channels)
    assert _count(sessions, InboxMessage) == 0  # the inbox row died with the transaction
    # The lease keeps other workers off until it runs out.
    clock.advance(seconds=policy.lease_seconds - 1)
    assert deliver_due(sessions, clock=clock, channels=channels).claimed == 0
    clock.advance(seconds=1)
    assert deliver_due(sessions, clock=clock, channels=channels).delivered == 1
    assert _count(sessions, InboxMessage) == 1
    assert _row(sessions, message_id).attempts == 2


def test_a_row_that_keeps_killing_workers_ends_dead(
    sessions: sessionmaker[Session], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = RetryPolicy(max_attempts=2, lease_seconds=60)
    with transaction(sessions) as session:
        message_id = _enqueue_inbox(session, clock, "k").id
    with monkeypatch.context() as patch:
        patch.setattr(service, "_mark_delivered", _die)
        for _ in range(2):
            with pytest.raises(ProcessDied):
                deliver_due(sessions, clock=clock, channels=Channels(policy=policy))
            clock.advance(seconds=60)
    stats = deliver_due(sessions, clock=clock, channels=Channels(policy=policy))
    assert stats.claimed == 0
    row = _row(sessions, message_id)
    assert row.status == "dead" and row.attempts == 2 and row.last_error


def test_a_failing_in_database_delivery_writes_nothing_and_is_retried(
    sessions: sessionmaker[Session], clock: FixedClock, policy: RetryPolicy
) -> None:
    class BrokenInbox(InboxChannel):
        def deliver(self, envelope, *, session, now):  # type: ignore[no-untyped-def]
            super().deliver(envelope, session=session, now=now)
            raise RuntimeError("disk full")

    with transaction(sessions) as session:
        message_id = _enqueue_inbox(session, clock, "k").id
    stats = deliver_due(
        sessions, clock=clock, channels=Channels(inbox=BrokenInbox(), policy=policy)
    )
    assert stats.retried == 1
    assert _count(sessions, InboxMessage) == 0
    row = _row(sessions, message_id)
    assert row.status == "pending" and "disk full" in (row.last_error or "")
    assert row.due_at == clock.now() + timedelta(seconds=30)


def test_a_worker_whose_lease_ran_out_does_not_deliver_again(
    sessions: sessionmaker[Session], clock: FixedClock, policy: RetryPolicy
) -> None:
    with transaction(sessions) as session:
        _enqueue_inbox(session, clock, "k")
    channels = Channels(policy=policy)
    with transaction(sessions) as session:
        (slow,) = claim(session, now=clock.now(), limit=10, policy=policy)
    clock.advance(seconds=policy.lease_seconds)
    assert deliver_due(sessions, clock=clock, channels=channels).delivered == 1
    # The slow worker finally gets round to its old claim.
    assert service._deliver_one(sessions, clock, channels, slow) == "stale"
    assert _count(sessions, InboxMessage) == 1


def test_a_late_failure_does_not_disturb_the_worker_that_took_over(
    sessions: sessionmaker[Session], clock: FixedClock, policy: RetryPolicy
) -> None:
    class BrokenInbox(InboxChannel):
        def deliver(self, envelope, *, session, now):  # type: ignore[no-untyped-def]
            raise RuntimeError("slow worker's disk failed")

    with transaction(sessions) as session:
        message_id = _enqueue_inbox(session, clock, "k").id
    with transaction(sessions) as session:
        (slow,) = claim(session, now=clock.now(), limit=10, policy=policy)
    clock.advance(seconds=policy.lease_seconds)
    with transaction(sessions) as session:
        (current,) = claim(session, now=clock.now(), limit=10, policy=policy)
    broken = Channels(inbox=BrokenInbox(), policy=policy)
    assert service._deliver_one(sessions, clock, broken, slow) == "stale"
    row = _row(sessions, message_id)
    assert row.claim_token == current.token and row.last_error is None
    assert service._deliver_one(sessions, clock, Channels(policy=policy), current) == "delivered"
    assert _count(sessions, InboxMessage) == 1


def test_template_messages_are_skipped_when_no_webhook_is_configured(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        rows = service.notify(
            session,
            template="platform_approved",
            user_key="u1",
            params={"applet_name": "图书角"},
            dedup_key="event:7",
            now=clock.now(),
        )
    assert [r.channel for r in rows] == ["inbox", "template"]
    stats = deliver_due(sessions, clock=clock, channels=Channels(template=None))
    assert (stats.delivered, stats.skipped) == (1, 1)
    by_channel = {r.channel: _row(sessions, r.id) for r in rows}
    assert by_channel["template"].status == "skipped"
    assert "BEIAN_WEBHOOK_URL is not set" in (by_channel["template"].last_error or "")
    assert by_channel["inbox"].status == "delivered"
    clock.advance(days=1)
    assert deliver_due(sessions, clock=clock, channels=Channels(template=None)).claimed == 0


def test_notify_sends_on_the_channels_the_process_names(db: Session, clock: FixedClock) -> None:
    rows = service.notify(
        db,
        template="bureau_approved",
        user_key="u1",
        phone="13800138000",
        params={"applet_name": "图书角", "record_number": "京ICP备2026059598号-1X"},
        dedup_key="event:9",
        now=clock.now(),
        filing_id="f-1",
    )
    assert sorted((r.channel, r.recipient, r.dedup_key) for r in rows) == [
        ("inbox", "u1", "event:9:inbox"),
        ("sms", "13800138000", "event:9:sms"),
        ("template", "u1", "event:9:template"),
    ]


def test_notify_without_a_phone_for_an_sms_event_adds_nothing(
    db: Session, clock: FixedClock
) -> None:
    with pytest.raises(TemplateError, match="goes by SMS: pass phone="):
        service.notify(
            db,
            template="bureau_rejected",
            user_key="u1",
            params={"applet_name": "a", "reason": "r"},
            dedup_key="event:3",
            now=clock.now(),
        )
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_local_sms_uses_12381_for_codes_and_the_platform_sender_otherwise(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        for key, template, params in (
            ("c", "sms_code", {"code": "482913", "applet_name": "图书角", "verify_url": "https://beian.example.cn/verify"}),
            ("r", "sms_reminder", {"applet_name": "图书角", "deadline": "3月3日 09:00"}),
        ):
            enqueue(
                session,
                channel="sms",
                recipient="13800138000",
                template=template,
                params=params,
                dedup_key=key,
                now=clock.now(),
            )
    channels = Channels(sms=LocalSmsChannel("10690000"))
    assert deliver_due(sessions, clock=clock, channels=channels).delivered == 2
    assert deliver_due(sessions, clock=clock, channels=channels).claimed == 0
    with sessions() as session:
        texts = session.scalars(select(LocalSms).order_by(LocalSms.id)).all()
    assert [(t.phone, t.sender) for t in texts] == [
        ("13800138000", "12381"),
        ("13800138000", "10690000"),
    ]
    assert "482913" in texts[0].text


def test_operators_see_dead_rows_and_can_retry_them(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        message_id = _enqueue_inbox(session, clock, "k").id
        _enqueue_inbox(session, clock, "k2")
    with transaction(sessions) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        row.status, row.attempts = "dead", 8
    with sessions() as session:
        assert [r.id for r in service.list_outbox(session, status="dead")] == [message_id]
    with transaction(sessions) as session:
        service.requeue(session, message_id=message_id, now=clock.now())
    assert deliver_due(sessions, clock=clock, channels=Channels()).delivered == 2
    with transaction(sessions) as session, pytest.raises(NotificationError, match="only dead"):
        service.requeue(session, message_id=message_id, now=clock.now())


def _die(*_args: object, **_kwargs: object) -> None:
    raise ProcessDied


def test_skipping_switched_off_rows_takes_no_more_than_the_limit(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        for index in range(5):
            service.notify(session, template="platform_approved", user_key="u1",
                           params={"applet_name": "图书角"}, dedup_key=f"event:{index}",
                           now=clock.now(), channels=("template",))
    with transaction(sessions) as session:
        off = frozenset({"template", "sms"})
        assert service.skip_switched_off(session, now=clock.now(), limit=3,
                                         switched_off=off) == 3
    with sessions() as session:
        statuses = list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))
    assert statuses == ["skipped"] * 3 + ["pending"] * 2  # oldest first


def test_a_batch_of_inbox_rows_gets_each_its_own_inbox_id(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with transaction(sessions) as session:
        ids = [_enqueue_inbox(session, clock, f"k{index}", user=f"u{index}").id
               for index in range(4)]
    stats = deliver_due(sessions, clock=clock, channels=Channels())
    assert (stats.delivered, stats.stale) == (4, 0)
    with sessions() as session:
        inbox = {m.outbox_id: m for m in session.scalars(select(InboxMessage))}
        rows = [session.get(OutboxMessage, message_id) for message_id in ids]
        assert [(r.attempts, r.external_id) for r in rows if r] == [
            (1, f"inbox-{inbox[message_id].id}") for message_id in ids
        ]
        assert [inbox[message_id].user_key for message_id in ids] == ["u0", "u1", "u2", "u3"]
