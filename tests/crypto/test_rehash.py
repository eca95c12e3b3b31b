"""Changing the hash key: look-ups miss until `rehash` recomputes every hash, then match."""

from __future__ import annotations

from sqlalchemy import select

from beian.crypto import keys
from beian.crypto.rehash import hashed_attributes, rehash_all
from beian.filings.documents import subject_key
from beian.filings.models import Filing
from beian.filings.registry import DatabaseRegistry
from beian.numbering.models import IssuedNumberRecord, NumberedSubject
from tests.crypto.rings import KEY_A, OTHER_HASH_KEY, ring
from tests.journey import filed, principal


def _holders(world, mobile: str, number: str) -> tuple[set[str], str]:
    def ask(session):
        registry = DatabaseRegistry(session, now=world.clock.now())
        return registry.phone_holders(mobile, exclude_filing=None), registry.holder_key(number)

    return world.read(ask)


def test_every_hashed_attribute_is_found() -> None:
    found = {(model.__tablename__, hash_column) for model, _, hash_column, _ in hashed_attributes()}
    assert found == {
        ("sms_challenges", "phone_hash"),
        ("sms_challenges", "certificate_hash"),
        ("outbox_messages", "recipient_hash"),
        ("local_sms", "phone_hash"),
    }


def test_rehash_restores_every_look_up_under_a_new_hash_key(world, document, sessions):
    mobile, number = principal(document)
    with keys.using(ring(KEY_A)):
        filing_id = filed(world, document)
        before = world.filing(filing_id).subject_key
        assert world.texts_to(mobile)
        holders, key = _holders(world, mobile, number)
        assert holders == {key}

    with keys.using(ring(KEY_A, hash_key=OTHER_HASH_KEY)):
        # The new key alone: every stored hash is stale, so look-ups miss.
        assert world.texts_to(mobile) == []
        assert _holders(world, mobile, number)[0] == set()

        changed = rehash_all(sessions, batch=2)
        assert changed["local_sms.phone_hash"] >= 2
        assert changed["outbox_messages.recipient_hash"] > 0
        assert changed["sms_challenges.phone_hash"] == changed["sms_challenges.certificate_hash"]
        assert changed["filing_people"] == 1 and changed["filings.subject_key"] == 1

        assert world.texts_to(mobile)
        holders, key = _holders(world, mobile, number)
        assert holders == {key}
        filing = world.filing(filing_id)
        assert filing.subject_key == subject_key(filing.document) != before
        with sessions() as session:
            subjects = session.scalars(select(NumberedSubject.subject_key)).all()
            issued = set(session.scalars(select(IssuedNumberRecord.subject_key)))
            assert subjects == [filing.subject_key] and issued == {filing.subject_key}
            assert session.get(Filing, filing_id).version == filing.version

        assert set(rehash_all(sessions).values()) == {0}  # a re-run changes nothing
