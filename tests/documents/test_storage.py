"""Local storage: server-made keys only, atomic writes, owner-only files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from beian.documents.storage import LocalStorage, MemoryStorage, new_key, new_media_id


def test_round_trip_and_delete(storage: LocalStorage) -> None:
    key = new_key(new_media_id(), "jpg")
    storage.put(key, b"abc")
    assert storage.exists(key) and storage.get(key) == b"abc"
    storage.delete(key)
    assert not storage.exists(key)


def test_files_are_private_and_no_temporary_file_remains(storage: LocalStorage) -> None:
    key = new_key(new_media_id(), "pdf")
    storage.put(key, b"%PDF-")
    path = storage.root / key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "ab/../../x.jpg",
        "/tmp/x.jpg",
        "ab/" + "a" * 32 + ".exe",
        "zz/" + "a" * 31 + ".jpg",
    ],
)
def test_keys_not_made_here_are_refused(tmp_path: Path, key: str) -> None:
    for store in (LocalStorage(tmp_path), MemoryStorage()):
        with pytest.raises(ValueError, match="not a storage key"):
            store.put(key, b"x")


def test_ids_are_unique_and_random() -> None:
    ids = {new_media_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 for i in ids)
