"""Encrypted columns are transparent to callers; hashed attributes answer equality queries."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from beian.crypto.cipher import PHONE, RECIPIENT, key_id_of, keyed_hash
from beian.filings.models import Filing, SmsChallenge
from beian.notifications.models import LocalSms, OutboxMessage
from tests.crypto.rings import KEY_A, ring

PHONE_NUMBER = "13700137002"
ID_NUMBER = "110105199207080022"


def _raw(db: Session, sql: str, **params) -> list[tuple]:
    return [tuple(row) for row in db.execute(text(sql), params)]


def _filing(clock, document) -> Filing:
    now = clock.now()
    return Filing(
        id="f1",
        applicant="u",
        status="draft",
        document=document,
        created_at=now,
        updated_at=now,
        stage_started_at=now,
    )


def test_a_document_is_stored_encrypted_and_read_back_as_the_same_dict(db, clock, use_ring):
    use_ring(ring(KEY_A))
    document = {
        "icp_subject": {
            "principal_info": {
                "mobile": PHONE_NUMBER,
                "certificate_number": ID_NUMBER,
                "name": "张晓明",
            }
        }
    }
    db.add(_filing(clock, document))
    db.commit()
    [(stored, submitted)] = _raw(db, "SELECT document, submitted_document FROM filings")
    stored = bytes(stored)
    assert key_id_of(stored) == "a" and submitted is None
    for plain in (PHONE_NUMBER, ID_NUMBER, "张晓明"):
        assert plain.encode() not in stored
    db.expire_all()
    assert db.get(Filing, "f1").document == document


def test_changing_the_dict_is_saved_and_an_unchanged_one_is_not_rewritten(db, clock, use_ring):
    use_ring(ring(KEY_A))
    db.add(_filing(clock, {"a": 1}))
    db.commit()
    [(first,)] = _raw(db, "SELECT document FROM filings")
    filing = db.get(Filing, "f1")
    filing.document = {"a": 1}  # equal value: nothing to write
    db.commit()
    assert _raw(db, "SELECT document FROM filings") == [(first,)]
    filing.document = {"a": 2}
    db.commit()
    db.expire_all()
    assert db.get(Filing, "f1").document == {"a": 2}


def test_a_hashed_attribute_reads_plain_and_queries_by_hash(db, clock, use_ring):
    use_ring(ring(KEY_A))
    db.add(
        LocalSms(phone=PHONE_NUMBER, sender="12381", text="验证码 123456", created_at=clock.now())
    )
    db.add(LocalSms(phone="13800138001", sender="12381", text="其他", created_at=clock.now()))
    db.commit()
    [(encrypted, digest, body)] = _raw(
        db, "SELECT phone_encrypted, phone_hash, text FROM local_sms WHERE id = 1"
    )
    assert digest == keyed_hash(PHONE_NUMBER, PHONE)
    assert PHONE_NUMBER.encode() not in bytes(encrypted) and b"123456" not in bytes(body)
    db.expire_all()
    found = db.scalars(select(LocalSms).where(LocalSms.phone == "137 0013 7002")).all()
    assert [sms.phone for sms in found] == [PHONE_NUMBER]
    assert found[0].text == "验证码 123456"
    others = db.scalars(select(LocalSms.id).where(LocalSms.phone != PHONE_NUMBER)).all()
    assert others == [2]
    both = db.scalars(select(LocalSms.id).where(LocalSms.phone.in_([PHONE_NUMBER, "13800138001"])))
    assert sorted(both) == [1, 2]


def test_a_hashed_attribute_refuses_comparisons_a_hash_cannot_answer(db):
    with pytest.raises(NotImplementedError, match="only be compared for equality"):
        select(LocalSms).where(LocalSms.phone.like("137%"))


def test_outbox_recipients_of_every_channel_are_encrypted_and_found(db, clock, use_ring):
    use_ring(ring(KEY_A))
    now = clock.now()
    for index, (channel, recipient) in enumerate([("sms", PHONE_NUMBER), ("inbox", "applicant-1")]):
        db.add(
            OutboxMessage(
                dedup_key=f"k{index}",
                channel=channel,
                recipient=recipient,
                template="sms_code",
                params={"code": "654321"},
                title="t",
                body="验证码 654321",
                status="pending",
                attempts=0,
                due_at=now,
                created_at=now,
            )
        )
    db.commit()
    rows = _raw(db, "SELECT recipient_encrypted, recipient_hash, params, body FROM outbox_messages")
    for encrypted, digest, params, body in rows:
        assert digest in {keyed_hash(PHONE_NUMBER, RECIPIENT), keyed_hash("applicant-1", RECIPIENT)}
        for blob in (encrypted, params, body):
            assert b"654321" not in bytes(blob) and PHONE_NUMBER.encode() not in bytes(blob)
    db.expire_all()
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "applicant-1")).one()
    assert (row.channel, row.params, row.body) == ("inbox", {"code": "654321"}, "验证码 654321")


def test_sms_challenges_are_found_by_phone_and_certificate(db, clock, use_ring):
    use_ring(ring(KEY_A))
    now = clock.now()
    db.add(_filing(clock, {}))
    db.flush()
    db.add(
        SmsChallenge(
            filing_id="f1",
            purpose="verify",
            roles="applet",
            phone=PHONE_NUMBER,
            certificate_number="11010519920708002x".upper(),
            code_hash="",
            status="waiting",
            sent_at=now,
            last_sent_at=now,
            window_ends_at=now,
            wrong_attempts=0,
            resends=0,
        )
    )
    db.commit()
    raw = _raw(db, "SELECT * FROM sms_challenges")
    assert not any(
        PHONE_NUMBER in repr(value) or "11010519920708002" in repr(value) for value in raw[0]
    )
    db.expire_all()
    query = select(SmsChallenge).where(
        SmsChallenge.phone == PHONE_NUMBER, SmsChallenge.certificate_number == "11010519920708002x"
    )
    challenge = db.scalars(query).one()
    assert (challenge.phone, challenge.certificate_number) == (PHONE_NUMBER, "11010519920708002X")
