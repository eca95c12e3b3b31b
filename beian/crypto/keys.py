"""The key ring: data keys (newest first, for AES-256-GCM) and the one hash key (HMAC).

Where keys come from, in this order:

- `BEIAN_DATA_KEYS`: comma-separated `id:base64key` entries, newest first, with the hash
  key in `BEIAN_HASH_KEY` (base64);
- `BEIAN_DATA_KEY_FILE`: a file with one `id:base64key` per line, newest first, and one
  line `hash:base64key` for the hash key (`#` starts a comment); `BEIAN_HASH_KEY`, when
  set, takes precedence over the file's hash line;
- neither: outside production a fixed *development* ring (ids `dev`), announced by a
  warning logged once. With `BEIAN_ENV=production` there is no fallback: anything that
  needs a key refuses with `KeyConfigError`, and `require_keys()` lets a process refuse
  at start-up instead.

Data keys are 32 random bytes (`beian keys generate`). The newest encrypts; every key in
the ring decrypts, so adding a key and running `beian keys rotate` re-encrypts old rows
before the old key is removed. The hash key is NOT rotated: the keyed hashes used for
look-ups (one phone per person across filings, SMS challenges) must keep matching. To
change it, set the new value and run `beian keys rehash` in a quiet moment; it recomputes
every hash from the encrypted plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("beian.crypto")

KEY_BYTES = 32
MIN_HASH_KEY_BYTES = 32
HASH_LINE = "hash"
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
# Derived from public constants: anyone can read them, which is the point of the warning.
_DEV_DATA_KEY = hashlib.sha256(b"beian development data key - never use in production").digest()
_DEV_HASH_KEY = hashlib.sha256(b"beian development hash key - never use in production").digest()


class KeyConfigError(Exception):
    """The keys are missing or malformed; the message names the setting to fix."""


@dataclass(frozen=True)
class DataKey:
    """One AES-256 key with the id written into every value it encrypts."""

    id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"DataKey({self.id!r})"


@dataclass(frozen=True)
class KeyRing:
    """Data keys newest first, and the hash key for look-ups."""

    keys: tuple[DataKey, ...]
    hash_key: bytes
    development: bool = False

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyConfigError("the key ring holds no data key")
        ids = [key.id for key in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyConfigError(f"data key ids must be unique, got {', '.join(ids)}")

    @property
    def current(self) -> DataKey:
        """The newest key: every new value is encrypted with it."""
        return self.keys[0]

    def get(self, key_id: str) -> DataKey | None:
        """The key with this id, or None."""
        return next((key for key in self.keys if key.id == key_id), None)

    def __repr__(self) -> str:
        ids = ", ".join(key.id for key in self.keys)
        return f"KeyRing([{ids}], development={self.development})"


def generate_key_line(key_id: str) -> str:
    """A fresh `id:base64key` line for BEIAN_DATA_KEYS or the key file."""
    _check_id(key_id, "key id")
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def development_ring() -> KeyRing:
    """The fixed ring used when no key is configured outside production."""
    return KeyRing((DataKey("dev", _DEV_DATA_KEY),), _DEV_HASH_KEY, development=True)


def load_key_ring(environ: Mapping[str, str] | None = None) -> KeyRing:
    """Build the ring from the environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    listed, path = env.get("BEIAN_DATA_KEYS", "").strip(), env.get("BEIAN_DATA_KEY_FILE", "")
    hash_value = env.get("BEIAN_HASH_KEY", "").strip()
    if listed and path.strip():
        raise KeyConfigError("set BEIAN_DATA_KEYS or BEIAN_DATA_KEY_FILE, not both")
    if listed:
        keys = tuple(_parse_entry(entry, "BEIAN_DATA_KEYS") for entry in listed.split(","))
        if not hash_value:
            raise KeyConfigError(
                "BEIAN_DATA_KEYS is set but BEIAN_HASH_KEY is not: set it to a base64 value "
                "of at least 32 random bytes (beian keys generate prints one)"
            )
        return KeyRing(keys, _hash_key(hash_value, "BEIAN_HASH_KEY"))
    if path.strip():
        return _from_file(Path(path.strip()), hash_value)
    if env.get("BEIAN_ENV", "").strip().lower() == "production":
        raise KeyConfigError(
            "BEIAN_ENV=production but no encryption key is configured: set BEIAN_DATA_KEYS "
            "and BEIAN_HASH_KEY, or BEIAN_DATA_KEY_FILE (see `beian keys generate`); the "
            "development keys are never used in production"
        )
    return development_ring()


def _from_file(path: Path, hash_override: str) -> KeyRing:
    where = f"BEIAN_DATA_KEY_FILE ({path})"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise KeyConfigError(f"{where} cannot be read: {error.strerror}") from None
    keys: list[DataKey] = []
    hash_key = _hash_key(hash_override, "BEIAN_HASH_KEY") if hash_override else None
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(HASH_LINE + ":"):
            if hash_key is None:
                hash_key = _hash_key(line.split(":", 1)[1], f"{where} line {number}")
            continue
        keys.append(_parse_entry(line, f"{where} line {number}"))
    if not keys:
        raise KeyConfigError(f"{where} holds no data key line `id:base64key`")
    if hash_key is None:
        raise KeyConfigError(f"{where} holds no `hash:base64key` line and BEIAN_HASH_KEY is unset")
    return KeyRing(tuple(keys), hash_key)


def _parse_entry(entry: str, where: str) -> DataKey:
    key_id, sep, encoded = entry.strip().partition(":")
    if not sep:
        raise KeyConfigError(f"{where}: expected `id:base64key`, found no colon")
    key_id = key_id.strip()
    _check_id(key_id, f"{where}: key id")
    if key_id == HASH_LINE:
        raise KeyConfigError(f"{where}: `hash` is reserved for the hash key")
    secret = _decode(encoded, where)
    if len(secret) != KEY_BYTES:
        raise KeyConfigError(
            f"{where}: key {key_id!r} is {len(secret)} bytes, AES-256 needs {KEY_BYTES}"
        )
    return DataKey(key_id, secret)


def _hash_key(encoded: str, where: str) -> bytes:
    secret = _decode(encoded, where)
    if len(secret) < MIN_HASH_KEY_BYTES:
        raise KeyConfigError(
            f"{where}: the hash key is {len(secret)} bytes, use at least {MIN_HASH_KEY_BYTES}"
        )
    return secret


def _decode(encoded: str, where: str) -> bytes:
    try:
        return base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{where}: the key is not valid base64") from None


def _check_id(key_id: str, what: str) -> None:
    if not _KEY_ID.fullmatch(key_id):
        raise KeyConfigError(f"{what} must be 1-32 letters, digits, '.', '_' or '-'")


# --- the ring in use ---------------------------------------------------------------------

_lock = threading.Lock()
_cache: tuple[tuple[object, ...], KeyRing] | None = None
_override: KeyRing | None = None
_warned = False
_SETTINGS = ("BEIAN_DATA_KEYS", "BEIAN_DATA_KEY_FILE", "BEIAN_HASH_KEY", "BEIAN_ENV")
# The settings as os.environ stores them (CPython keeps the raw values in `_data`, keyed by
# the encoded names): reading them there skips encoding four names and decoding four
# values on every encryption. os.environ.get is the fallback where that is not so, or when
# os.environ was replaced by another mapping.
_ENVIRON = os.environ
_RAW_ENVIRON: dict[object, object] | None = getattr(os.environ, "_data", None)
_RAW_SETTINGS: tuple[object, ...] = tuple(
    getattr(os.environ, "encodekey", lambda name: name)(name) for name in _SETTINGS
)


def _fingerprint() -> tuple[object, ...]:
    """The raw values of the key settings: equal tuples mean an unchanged ring."""
    raw = _RAW_ENVIRON
    if raw is not None and os.environ is _ENVIRON:
        return tuple(map(raw.get, _RAW_SETTINGS))
    return tuple(os.environ.get(name, "") for name in _SETTINGS)


def current_ring() -> KeyRing:
    """The ring in use: an override set by `using`, else the environment's (cached)."""
    global _cache, _warned
    if _override is not None:
        return _override
    # Re-read when a setting changes, so a test or a re-configured process sees it.
    fingerprint = _fingerprint()
    cached = _cache
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    with _lock:
        ring = load_key_ring()
        _cache = (fingerprint, ring)
        if ring.development and not _warned:
            _warned = True
            log.warning(
                "ENCRYPTION USES THE PUBLIC DEVELOPMENT KEYS: personal data is NOT protected. "
                "Set BEIAN_DATA_KEYS and BEIAN_HASH_KEY (or BEIAN_DATA_KEY_FILE) before real use."
            )
    return ring


def require_keys() -> KeyRing:
    """Load the ring now, so a misconfigured process refuses to start (KeyConfigError)."""
    return current_ring()


@contextmanager
def using(ring: KeyRing) -> Iterator[KeyRing]:
    """Use `ring` instead of the environment's inside the block (tests, tools)."""
    global _override
    previous, _override = _override, ring
    try:
        yield ring
    finally:
        _override = previous
