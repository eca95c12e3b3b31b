"""Fixed key rings for the encryption tests: data keys A and B and one hash key."""

from __future__ import annotations

import hashlib

from beian.crypto.keys import DataKey, KeyRing

HASH_KEY = hashlib.sha256(b"test hash key").digest()
OTHER_HASH_KEY = hashlib.sha256(b"another test hash key").digest()
KEY_A = DataKey("a", hashlib.sha256(b"test key a").digest())
KEY_B = DataKey("b", hashlib.sha256(b"test key b").digest())


def ring(*data_keys: DataKey, hash_key: bytes = HASH_KEY) -> KeyRing:
    """A ring of the given keys, newest first."""
    return KeyRing(tuple(data_keys), hash_key)
