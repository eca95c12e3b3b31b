"""Key rotation: rows and files written with key A read after adding B, move to B, and
still read once A is removed."""

from __future__ import annotations

import pytest
from sqlalchemy import LargeBinary, select, type_coerce
from sqlalchemy.orm import Session

from beian.crypto.cipher import DecryptionError, is_encrypted, key_id_of
from beian.crypto.rotate import encrypted_columns, rotate_all
from beian.db.models import metadata
from beian.documents.models import Media
from beian.documents.storage import EncryptedStorage, MemoryStorage, new_key
from beian.filings.models import Filing, SmsChallenge, VerificationCall
from beian.notifications.models import LocalSms, OutboxMessage
from tests.crypto.rings import KEY_A, KEY_B, ring

PHONE_NUMBER = "13700137002"
DOCUMENT = {"icp_applets": {"principal_info": {"mobile": PHONE_NUMBER}}}


def _write_everything(db: Session, clock, storage: EncryptedStorage) -> None:
    now = clock.now()
    for index in range(3):
        db.add(
            Filing(
                id=f"f{index}",
                applicant="u",
                status="draft",
                document=DOCUMENT,
                submitted_document=DOCUMENT if index else None,
                created_at=now,
                updated_at=now,
                stage_started_at=now,
            )
        )
        db.add(LocalSms(phone=PHONE_NUMBER, sender="12381", text=f"码 {index}", created_at=now))
    db.flush()
    db.add(
        SmsChallenge(
            filing_id="f0",
            purpose="verify",
            roles="applet",
            phone=PHONE_NUMBER,
            certificate_number="110105199207080022",
            code_hash="",
            status="waiting",
            sent_at=now,
            last_sent_at=now,
            window_ends_at=now,
            wrong_attempts=0,
            resends=0,
        )
    )
    db.add(
        VerificationCall(
            filing_id="f0",
            reviewer="r",
            at=now,
            principal="applet",
            outcome="reached",
            note="已联系",
        )
    )
    db.add(
        OutboxMessage(
            dedup_key="k",
            channel="sms",
            recipient=PHONE_NUMBER,
            template="sms_code",
            params={"code": "1"},
            title="t",
            body="b",
            status="pending",
            attempts=0,
            due_at=now,
            created_at=now,
        )
    )
    for index, plain in enumerate((False, True, False)):
        media_id = f"{index:032x}"
        key = new_key(media_id, "jpg")
        if plain:  # stored before encryption was switched on
            storage.inner.put(key, b"\xff\xd8\xff plain photo")
        elif index == 0:
            storage.put(key, b"\xff\xd8\xff photo 0")
        # index 2: the row names a file that is gone
        db.add(
            Media(
                id=media_id,
                owner_key="u",
                field="f",
                kind="photo",
                content_type="image/jpeg",
                size=1,
                sha256="0" * 64,
                storage_key=key,
                created_at=now,
                ocr_findings={"read": {"certificate_number": "x"}},
            )
        )
    db.commit()


def _key_ids(db: Session) -> set[str]:
    found = set()
    for table, column in encrypted_columns(metadata):
        raw = type_coerce(column, LargeBinary)
        for blob in db.scalars(select(raw).select_from(table).where(column.is_not(None))):
            found.add(key_id_of(bytes(blob)))
    return found


def _read_everything(db: Session) -> None:
    db.expire_all()
    assert [f.document for f in db.scalars(select(Filing))] == [DOCUMENT] * 3
    assert {s.phone for s in db.scalars(select(LocalSms))} == {PHONE_NUMBER}
    challenge = db.scalars(select(SmsChallenge)).one()
    assert challenge.certificate_number == "110105199207080022"
    assert db.scalars(select(VerificationCall.note)).one() == "已联系"
    assert db.scalars(select(OutboxMessage)).one().params == {"code": "1"}
    assert all(m.ocr_findings for m in db.scalars(select(Media)))


def test_rotation_moves_every_value_and_file_to_the_newest_key(db, sessions, clock, use_ring):
    storage = EncryptedStorage(MemoryStorage())
    use_ring(ring(KEY_A))
    _write_everything(db, clock, storage)
    assert _key_ids(db) == {"a"}

    use_ring(ring(KEY_B, KEY_A))  # B added in front: A's rows still read
    _read_everything(db)
    db.rollback()  # SQLite: every transaction holds the write lock; let rotation have it
    report = rotate_all(sessions, metadata, storage=storage, batch=2)
    assert report.key_id == "b"
    assert report.columns["filings.document"] == 3
    assert report.columns["filings.submitted_document"] == 2
    assert report.columns["local_sms.phone_encrypted"] == 3
    assert report.files == {"rotated": 1, "encrypted": 1, "missing": 1}
    db.expire_all()
    assert _key_ids(db) == {"b"}
    files = storage.inner.files  # type: ignore[attr-defined]
    assert all(is_encrypted(blob) and key_id_of(blob) == "b" for blob in files.values())

    db.rollback()  # SQLite: every transaction holds the write lock; let rotation have it
    again = rotate_all(sessions, metadata, storage=storage, batch=2)
    assert again.rewritten == 0 and again.files["current"] == 2

    use_ring(ring(KEY_B))  # A removed
    _read_everything(db)
    assert storage.get(new_key(f"{1:032x}", "jpg")) == b"\xff\xd8\xff plain photo"
    assert storage.get(new_key(f"{0:032x}", "jpg")) == b"\xff\xd8\xff photo 0"


def test_without_rotation_removing_the_old_key_makes_its_rows_unreadable(db, clock, use_ring):
    use_ring(ring(KEY_A))
    _write_everything(db, clock, EncryptedStorage(MemoryStorage()))
    use_ring(ring(KEY_B))
    db.expire_all()
    with pytest.raises(DecryptionError, match="key 'a'"):
        db.scalars(select(Filing)).all()


def test_rotation_leaves_a_value_changed_meanwhile_alone(db, sessions, clock, use_ring):
    use_ring(ring(KEY_A))
    _write_everything(db, clock, EncryptedStorage(MemoryStorage()))
    use_ring(ring(KEY_B, KEY_A))
    filing = db.get(Filing, "f0")
    filing.document = {"changed": True}  # written with B before rotation reaches it
    db.commit()
    report = rotate_all(sessions, metadata)
    assert report.columns["filings.document"] == 2
    db.expire_all()
    assert db.get(Filing, "f0").document == {"changed": True}
