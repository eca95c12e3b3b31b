"""Encryption of personal data at rest (SPEC §10): ID numbers, phones, face and document files.

- `keys`: the key ring (data keys newest first, one hash key) from BEIAN_DATA_KEYS /
  BEIAN_HASH_KEY or BEIAN_DATA_KEY_FILE; fixed development keys outside production.
- `cipher`: `encrypt`/`decrypt` (AES-256-GCM, key id in a small header), `keyed_hash`.
- `types`: `EncryptedText`, `EncryptedJSON` columns and `hashed()` look-up attributes.
- `redact`: masks ID-number and mobile patterns in text and log records.
- `rotate`: re-encrypt every column and stored file with the newest key; re-hash.
- `cli`: `beian keys generate | check | rotate | rehash`.
"""

from beian.crypto.cipher import DecryptionError, decrypt, encrypt, keyed_hash
from beian.crypto.keys import KeyConfigError, current_ring, require_keys

__all__ = [
    "DecryptionError",
    "KeyConfigError",
    "current_ring",
    "decrypt",
    "encrypt",
    "keyed_hash",
    "require_keys",
]
