"""AES-256-GCM encryption of values and files, and keyed hashes for equality look-ups.

An encrypted value is one byte string:

    b"BEI" | version (1 byte, 1) | key id length (1 byte) | key id (ASCII) | nonce (12) |
    ciphertext with the 16-byte GCM tag

The header (everything before the nonce) is authenticated as associated data, so a key id
cannot be swapped without the tag failing. The magic never starts a JPEG, PNG, PDF or MP4
file, which lets storage tell encrypted files from files written before encryption.
"""

from __future__ import annotations

import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from beian.crypto.keys import KeyRing, current_ring

MAGIC = b"BEI"
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER_LIMIT = len(MAGIC) + 2 + 255 + NONCE_BYTES + TAG_BYTES
# Hash purposes, each with its own normalisation; a hash of one purpose never equals
# another's, because the purpose is part of what is hashed.
PHONE = "phone"
CERTIFICATE = "certificate"
RECIPIENT = "recipient"
_PHONE_NOISE = re.compile(r"[\s\-()]")


class DecryptionError(Exception):
    """A value could not be decrypted: unknown key, damaged bytes or not encrypted at all."""


def encrypt(plaintext: bytes, ring: KeyRing | None = None) -> bytes:
    """Encrypt with the newest key of the ring; a fresh random 96-bit nonce every time."""
    key = (ring or current_ring()).current
    header = _header(key.id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + _aead(key.secret).encrypt(nonce, plaintext, header)


def decrypt(blob: bytes, ring: KeyRing | None = None) -> bytes:
    """Decrypt a value written by `encrypt` with any key still in the ring."""
    ring, blob = ring or current_ring(), bytes(blob)
    key_id, start = _parse_header(blob)
    key = ring.get(key_id)
    if key is None:
        raise DecryptionError(
            f"value encrypted with key {key_id!r}, which is not in the key ring: add it back "
            "(BEIAN_DATA_KEYS / BEIAN_DATA_KEY_FILE) and run `beian keys rotate` before removing it"
        )
    nonce, body = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
    try:
        return _aead(key.secret).decrypt(nonce, body, blob[:start])
    except InvalidTag:
        raise DecryptionError(
            f"value encrypted with key {key_id!r} failed authentication: damaged or altered"
        ) from None


def is_encrypted(blob: bytes) -> bool:
    """Whether the bytes start with this module's header (files stored before did not)."""
    return blob[: len(MAGIC)] == MAGIC


def key_id_of(blob: bytes) -> str:
    """The id of the key a value was encrypted with."""
    # Only the header is needed: do not copy a whole file to read it.
    return _parse_header(bytes(blob[:_HEADER_LIMIT]))[0]


def reencrypt(blob: bytes, ring: KeyRing | None = None) -> bytes | None:
    """The value encrypted with the newest key, or None when it already is."""
    ring = ring or current_ring()
    if key_id_of(blob) == ring.current.id:
        return None
    return encrypt(decrypt(blob, ring), ring)


def normalise(value: str, purpose: str) -> str:
    """The form hashed for `purpose`: ID numbers upper-case, phones without spaces or +86."""
    text = value.strip()
    if purpose == CERTIFICATE:
        return text.upper()
    if purpose == PHONE:
        text = _PHONE_NOISE.sub("", text)
        if text.startswith("+86"):
            text = text[3:]
        elif text.startswith("86") and len(text) == 13:
            text = text[2:]
        return text
    return text


def keyed_hash(value: str, purpose: str, ring: KeyRing | None = None) -> str:
    """HMAC-SHA256 (hex) of the normalised value under the ring's hash key."""
    if not isinstance(value, str):
        raise TypeError(f"keyed_hash takes text, got {type(value).__name__}")
    message = f"{purpose}\x00{normalise(value, purpose)}".encode()
    # The one-shot form: the same digest as hmac.new(...).hexdigest(), without the objects.
    return hmac.digest((ring or current_ring()).hash_key, message, "sha256").hex()


@lru_cache(maxsize=16)
def _aead(secret: bytes) -> AESGCM:
    """One cipher object per key: setting up the key schedule each time is wasted work."""
    return AESGCM(secret)


def _header(key_id: str) -> bytes:
    encoded = key_id.encode("ascii")
    return MAGIC + bytes((VERSION, len(encoded))) + encoded


def _parse_header(blob: bytes) -> tuple[str, int]:
    """(key id, offset of the nonce); DecryptionError when the bytes are not ours."""
    if not is_encrypted(blob) or len(blob) < len(MAGIC) + 2:
        raise DecryptionError("value is not encrypted by Beian (no BEI header)")
    version, length = blob[len(MAGIC)], blob[len(MAGIC) + 1]
    if version != VERSION:
        raise DecryptionError(f"unknown encryption format version {version}")
    start = len(MAGIC) + 2 + length
    if len(blob) < start + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("encrypted value is truncated")
    try:
        key_id = blob[len(MAGIC) + 2 : start].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("encrypted value has a damaged key id") from None
    return key_id, start
