"""Uploads are encrypted at rest; OCR input and output stay out of plain storage."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from beian.config import Settings
from beian.crypto import keys
from beian.crypto.cipher import DecryptionError, is_encrypted, key_id_of
from beian.documents import ocr, tasks
from beian.documents.models import Media
from beian.documents.service import schedule_ocr, store_upload
from beian.documents.storage import EncryptedStorage, LocalStorage, default_storage, new_key
from beian.timers import service as timers
from tests.crypto.rings import KEY_A, KEY_B, ring
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers
from tests.documents.conftest import stored_files

ID_FIELD = "icp_subject.principal_info.certificate_photo_front"
ID_NUMBER = "11010519491231002X"
KEY = new_key("ab" + "0" * 30, "jpg")


@pytest.fixture(autouse=True)
def key_a():
    """Key A in use, so the key ids below are known."""
    with keys.using(ring(KEY_A)):
        yield


def test_files_on_disk_are_ciphertext_and_read_back_whole(tmp_path: Path) -> None:
    storage = EncryptedStorage(LocalStorage(tmp_path))
    photo = faces.encode(papers.id_card_front(), "png")
    storage.put(KEY, photo)
    [path] = stored_files(tmp_path)
    on_disk = path.read_bytes()
    assert is_encrypted(on_disk) and key_id_of(on_disk) == "a" and photo[:64] not in on_disk
    assert storage.get(KEY) == photo and storage.exists(KEY)
    storage.delete(KEY)
    assert not storage.exists(KEY) and stored_files(tmp_path) == []


def test_a_file_stored_before_encryption_still_reads_and_rotation_encrypts_it(
    tmp_path: Path,
) -> None:
    inner = LocalStorage(tmp_path)
    inner.put(KEY, b"\x89PNG\r\n\x1a\n legacy")
    storage = EncryptedStorage(inner)
    assert storage.get(KEY) == b"\x89PNG\r\n\x1a\n legacy"
    with keys.using(ring(KEY_B, KEY_A)):
        assert storage.rotate(KEY) == "encrypted" and key_id_of(inner.get(KEY)) == "b"
        assert storage.rotate(KEY) == "current"
        assert storage.get(KEY) == b"\x89PNG\r\n\x1a\n legacy"


def test_a_damaged_file_is_an_error_not_garbage(tmp_path: Path) -> None:
    storage = EncryptedStorage(LocalStorage(tmp_path))
    storage.put(KEY, b"photo")
    [path] = stored_files(tmp_path)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    with pytest.raises(DecryptionError):
        storage.get(KEY)


def test_the_default_storage_is_encrypted_under_the_storage_dir(tmp_path: Path, monkeypatch):
    storage = default_storage(Settings(storage_dir=tmp_path))
    assert isinstance(storage, EncryptedStorage) and storage.inner.root == tmp_path
    monkeypatch.setenv("BEIAN_STORAGE_DIR", str(tmp_path / "env"))
    tasks.use_storage(None)
    configured = tasks.storage()
    assert isinstance(configured, EncryptedStorage)
    assert configured.inner.root == tmp_path / "env"


def test_uploads_through_the_service_are_encrypted(db, clock, tmp_path: Path) -> None:
    tmp_path = tmp_path / "storage"  # the SQLite database lives in tmp_path itself
    storage = EncryptedStorage(LocalStorage(tmp_path))
    photo = faces.encode(papers.id_card_front(), "png")
    media = store_upload(
        db, storage, owner_key="a", field=ID_FIELD, filename="x.png", data=photo, now=clock.now()
    )
    assert isinstance(media, Media)
    [path] = stored_files(tmp_path)
    assert is_encrypted(path.read_bytes())
    assert storage.get(media.storage_key)[:8] == b"\x89PNG\r\n\x1a\n"


def test_ocr_values_are_kept_encrypted_and_an_id_number_only_masked_in_findings(
    db, clock, tmp_path: Path, monkeypatch
) -> None:
    storage = EncryptedStorage(LocalStorage(tmp_path))
    monkeypatch.setattr(
        ocr, "read_lines", lambda image, threads=1: ["姓名张三", "公民身份号码110105194912310021"]
    )
    media = store_upload(
        db,
        storage,
        owner_key="a",
        field=ID_FIELD,
        filename="x.png",
        data=faces.encode(papers.id_card_front(), "png"),
        now=clock.now(),
    )
    assert isinstance(media, Media)
    schedule_ocr(
        db,
        media=media,
        kind="id_card_front",
        now=clock.now(),
        expected={"name": "张三", "certificate_number": ID_NUMBER},
    )
    db.commit()
    [timer] = timers.pending(db, kind="document_ocr")
    assert ID_NUMBER not in str(timer.payload)
    tasks.use_storage(storage)
    try:
        tasks.run_document_ocr(db, timer, clock)
    finally:
        tasks.use_storage(None)
    db.commit()
    [finding] = media.ocr_findings["findings"]
    assert finding["errcode"] == 6202
    assert ID_NUMBER not in finding["errmsg"] and "110105194912310021" not in finding["errmsg"]
    assert "110***********002X" in finding["errmsg"]
    assert "110***********0021" in finding["errmsg"]
    raw = db.execute(text("SELECT ocr_findings, ocr_expected FROM media")).one()
    for blob in raw:
        assert b"1101051949123100" not in bytes(blob)
    db.expire_all()
    assert db.get(Media, media.id).ocr_expected == {"name": "张三", "certificate_number": ID_NUMBER}


def test_an_ocr_timer_armed_with_the_old_payload_still_runs(db, clock, tmp_path, monkeypatch):
    storage = EncryptedStorage(LocalStorage(tmp_path))
    monkeypatch.setattr(ocr, "read_lines", lambda image, threads=1: ["姓名李四"])
    media = store_upload(
        db,
        storage,
        owner_key="a",
        field=ID_FIELD,
        filename="x.png",
        data=faces.encode(papers.id_card_front(), "png"),
        now=clock.now(),
    )
    assert isinstance(media, Media)
    timer = timers.schedule(
        db,
        kind="document_ocr",
        key=media.id,
        due_at=clock.now(),
        now=clock.now(),
        payload={"kind": "id_card_front", "expected": {"name": "张三"}},
    )
    tasks.use_storage(storage)
    try:
        tasks.run_document_ocr(db, timer, clock)
    finally:
        tasks.use_storage(None)
    [finding] = media.ocr_findings["findings"]
    assert "李四" in finding["errmsg"] and "张三" in finding["errmsg"]
