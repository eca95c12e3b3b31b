"""AES-256-GCM values with the key id in their header; keyed hashes for look-ups."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from beian.crypto.cipher import (
    CERTIFICATE,
    MAGIC,
    PHONE,
    DecryptionError,
    decrypt,
    encrypt,
    is_encrypted,
    key_id_of,
    keyed_hash,
    normalise,
    reencrypt,
)
from tests.crypto.rings import KEY_A, KEY_B, OTHER_HASH_KEY, ring

A, AB, B = ring(KEY_A), ring(KEY_B, KEY_A), ring(KEY_B)
SECRET = b"110105199207080022 / 13700137002"


def test_round_trip_with_the_key_id_in_the_header() -> None:
    blob = encrypt(SECRET, A)
    assert blob.startswith(MAGIC) and is_encrypted(blob) and key_id_of(blob) == "a"
    assert SECRET not in blob
    assert decrypt(blob, A) == SECRET


def test_every_encryption_uses_a_fresh_nonce() -> None:
    assert encrypt(SECRET, A) != encrypt(SECRET, A)


def test_an_older_key_still_decrypts_and_the_newest_encrypts() -> None:
    old = encrypt(SECRET, A)
    assert decrypt(old, AB) == SECRET
    assert key_id_of(encrypt(SECRET, AB)) == "b"


def test_a_removed_key_is_named_in_the_error() -> None:
    with pytest.raises(DecryptionError, match="key 'a', which is not in the key ring"):
        decrypt(encrypt(SECRET, A), B)


@pytest.mark.parametrize("position", [0, 4, 8, 20, -1])
def test_any_changed_byte_is_detected(position: int) -> None:
    blob = bytearray(encrypt(SECRET, A))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt(bytes(blob), A)


def test_a_swapped_key_id_fails_authentication() -> None:
    # Same-length id of another key in the ring: the header is authenticated data.
    blob = encrypt(SECRET, AB)
    forged = blob.replace(b"\x01\x01b", b"\x01\x01a", 1)
    assert key_id_of(forged) == "a"
    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(forged, AB)


@pytest.mark.parametrize(
    "blob", [b"", b"BEI", b"\xff\xd8\xff\xe0 a jpeg", b"BEI\x02\x01a" + b"0" * 40]
)
def test_bytes_that_are_not_ours_are_refused(blob: bytes) -> None:
    with pytest.raises(DecryptionError):
        decrypt(blob, A)


def test_a_truncated_value_is_refused() -> None:
    with pytest.raises(DecryptionError, match="truncated"):
        decrypt(encrypt(b"", A)[:-1], A)


def test_reencrypt_moves_to_the_newest_key_only_when_needed() -> None:
    old = encrypt(SECRET, A)
    fresh = reencrypt(old, AB)
    assert fresh is not None and key_id_of(fresh) == "b" and decrypt(fresh, B) == SECRET
    assert reencrypt(fresh, AB) is None


def test_keyed_hashes_normalise_their_input() -> None:
    assert keyed_hash("11010519491231002x", CERTIFICATE, A) == keyed_hash(
        " 11010519491231002X ", CERTIFICATE, A
    )
    same = {
        keyed_hash(p, PHONE, A)
        for p in (
            "13700137002",
            "137-0013-7002",
            "+8613700137002",
            "137 0013 7002",
            "8613700137002",
        )
    }
    assert len(same) == 1
    assert normalise("+86 137 0013 7002", PHONE) == "13700137002"


def test_keyed_hashes_differ_by_purpose_and_by_key() -> None:
    value = "13700137002"
    assert keyed_hash(value, PHONE, A) != keyed_hash(value, CERTIFICATE, A)
    assert keyed_hash(value, PHONE, A) != keyed_hash(
        value, PHONE, ring(KEY_A, hash_key=OTHER_HASH_KEY)
    )
    # The data keys play no part: rotating them keeps every look-up working.
    assert keyed_hash(value, PHONE, A) == keyed_hash(value, PHONE, B)
    digest = keyed_hash(value, PHONE, A)
    assert len(digest) == 64 and value not in digest


def test_keyed_hashes_keep_their_stored_form() -> None:
    # Stored hashes must keep matching: HMAC-SHA256 in hex of "purpose NUL normalised value".
    expected = hmac.new(A.hash_key, b"phone\x0013700137002", hashlib.sha256).hexdigest()
    assert PHONE == "phone"
    assert keyed_hash("+86 137 0013 7002", PHONE, A) == expected


def test_keyed_hash_takes_text_only() -> None:
    with pytest.raises(TypeError, match="takes text"):
        keyed_hash(13700137002, PHONE, A)  # type: ignore[arg-type]
