"""Where uploaded bytes live: a small interface, local files by default, encrypted.

Everything that reads or writes document bytes goes through `Storage`, so an
S3-compatible object store can be added by implementing it once. `EncryptedStorage` wraps
any storage with AES-256-GCM (beian.crypto); `default_storage()` is what the application
uses: encrypted local files under BEIAN_STORAGE_DIR, for every upload alike (ID card and
licence photos, face photos, letters, videos).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from beian.config import Settings, load_settings
from beian.crypto.cipher import decrypt, encrypt, is_encrypted, reencrypt

# Keys are generated here, never taken from a user: "ab/<32 hex>.<ext>".
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|pdf|mp4)$")


class Storage(Protocol):
    """Bytes by key."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key(media_id: str, extension: str) -> str:
    """The storage key of a new upload, fanned out over 256 folders."""
    return f"{media_id[:2]}/{media_id}.{extension}"


def new_media_id() -> str:
    """A server-generated, unguessable id (128 random bits, hex)."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    """Refuse anything that is not a key this module made (no paths from outside)."""
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under one directory, written atomically and readable by the owner only."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Write the bytes; a crash leaves either the whole file or none."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The stored bytes (FileNotFoundError if absent)."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file if present."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the key holds a file."""
        return self._path(key).is_file()


class MemoryStorage:
    """An in-memory stand-in for tests and demos."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        """Keep the bytes."""
        self.files[check_key(key)] = bytes(data)

    def get(self, key: str) -> bytes:
        """The kept bytes (FileNotFoundError if absent)."""
        try:
            return self.files[key]
        except KeyError:
            raise FileNotFoundError(key) from None

    def delete(self, key: str) -> None:
        """Forget the bytes."""
        self.files.pop(key, None)

    def exists(self, key: str) -> bool:
        """Whether the key is kept."""
        return key in self.files


class EncryptedStorage:
    """Any storage with its bytes encrypted: the inner storage only ever sees ciphertext.

    Files written before encryption was switched on are read as they are (they carry no
    Beian header) until `beian keys rotate` encrypts them.
    """

    def __init__(self, inner: Storage) -> None:
        self.inner = inner

    def put(self, key: str, data: bytes) -> None:
        """Encrypt with the newest key and store."""
        self.inner.put(key, encrypt(bytes(data)))

    def get(self, key: str) -> bytes:
        """The decrypted bytes (FileNotFoundError if absent, DecryptionError if damaged)."""
        stored = self.inner.get(key)
        return decrypt(stored) if is_encrypted(stored) else stored

    def delete(self, key: str) -> None:
        """Remove the stored file if present."""
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        """Whether the key holds a file."""
        return self.inner.exists(key)

    def rotate(self, key: str) -> str:
        """Rewrite one file with the newest key: "rotated", "encrypted" (was plain) or "current"."""
        stored = self.inner.get(key)
        if not is_encrypted(stored):
            self.inner.put(key, encrypt(stored))
            return "encrypted"
        fresh = reencrypt(stored)
        if fresh is None:
            return "current"
        self.inner.put(key, fresh)
        return "rotated"


def default_storage(settings: Settings | None = None) -> EncryptedStorage:
    """Encrypted local files under BEIAN_STORAGE_DIR: what the application stores uploads in."""
    return EncryptedStorage(LocalStorage((settings or load_settings()).storage_dir))
