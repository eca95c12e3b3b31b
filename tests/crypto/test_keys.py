"""Loading the key ring from the environment or a key file; development keys; production."""

from __future__ import annotations

import base64
import logging
import os

import pytest

from beian.crypto import keys
from beian.crypto.keys import KeyConfigError, generate_key_line, load_key_ring

B64_32 = base64.b64encode(b"\x01" * 32).decode()
B64_32_OTHER = base64.b64encode(b"\x02" * 32).decode()
HASH = base64.b64encode(b"\x03" * 32).decode()


def test_keys_from_the_environment_newest_first() -> None:
    ring = load_key_ring(
        {"BEIAN_DATA_KEYS": f"new:{B64_32}, old:{B64_32_OTHER}", "BEIAN_HASH_KEY": HASH}
    )
    assert [key.id for key in ring.keys] == ["new", "old"]
    assert ring.current.secret == b"\x01" * 32
    assert ring.get("old").secret == b"\x02" * 32
    assert ring.hash_key == b"\x03" * 32
    assert not ring.development


def test_keys_from_a_file_with_comments_and_a_hash_line(tmp_path) -> None:
    path = tmp_path / "keys"
    path.write_text(
        f"# rotated 2026-03\nk2:{B64_32}\n\nhash:{HASH}\nk1:{B64_32_OTHER}  # retire after rotate\n"
    )
    ring = load_key_ring({"BEIAN_DATA_KEY_FILE": str(path)})
    assert [key.id for key in ring.keys] == ["k2", "k1"]
    assert ring.hash_key == b"\x03" * 32


def test_the_environment_hash_key_overrides_the_file(tmp_path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"k1:{B64_32}\nhash:{HASH}\n")
    override = base64.b64encode(b"\x09" * 40).decode()
    ring = load_key_ring({"BEIAN_DATA_KEY_FILE": str(path), "BEIAN_HASH_KEY": override})
    assert ring.hash_key == b"\x09" * 40


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BEIAN_DATA_KEYS": f"a:{B64_32}"}, "BEIAN_HASH_KEY is not"),
        ({"BEIAN_DATA_KEYS": f"a{B64_32}", "BEIAN_HASH_KEY": HASH}, "no colon"),
        ({"BEIAN_DATA_KEYS": "a:not base64!", "BEIAN_HASH_KEY": HASH}, "not valid base64"),
        (
            {
                "BEIAN_DATA_KEYS": "a:" + base64.b64encode(b"x" * 16).decode(),
                "BEIAN_HASH_KEY": HASH,
            },
            "16 bytes, AES-256 needs 32",
        ),
        ({"BEIAN_DATA_KEYS": f"a:{B64_32},a:{B64_32_OTHER}", "BEIAN_HASH_KEY": HASH}, "unique"),
        ({"BEIAN_DATA_KEYS": f"bad id:{B64_32}", "BEIAN_HASH_KEY": HASH}, "key id must be"),
        ({"BEIAN_DATA_KEYS": f"hash:{B64_32}", "BEIAN_HASH_KEY": HASH}, "reserved"),
        (
            {
                "BEIAN_DATA_KEYS": f"a:{B64_32}",
                "BEIAN_HASH_KEY": base64.b64encode(b"short").decode(),
            },
            "at least 32",
        ),
        (
            {"BEIAN_DATA_KEYS": f"a:{B64_32}", "BEIAN_DATA_KEY_FILE": "/x", "BEIAN_HASH_KEY": HASH},
            "not both",
        ),
        ({"BEIAN_DATA_KEY_FILE": "/nonexistent/keys"}, "cannot be read"),
        ({"BEIAN_ENV": "production"}, "never used in production"),
    ],
)
def test_bad_configuration_is_refused_with_the_setting_named(environ, message) -> None:
    with pytest.raises(KeyConfigError, match=message) as raised:
        load_key_ring(environ)
    # A message never quotes key material.
    assert B64_32 not in str(raised.value) and HASH not in str(raised.value)


def test_a_key_file_without_data_keys_or_hash_key_is_refused(tmp_path) -> None:
    only_hash, only_data = tmp_path / "h", tmp_path / "d"
    only_hash.write_text(f"hash:{HASH}\n")
    only_data.write_text(f"k1:{B64_32}\n")
    with pytest.raises(KeyConfigError, match="no data key"):
        load_key_ring({"BEIAN_DATA_KEY_FILE": str(only_hash)})
    with pytest.raises(KeyConfigError, match="no `hash:base64key` line"):
        load_key_ring({"BEIAN_DATA_KEY_FILE": str(only_data)})


def test_without_keys_development_uses_the_fixed_ring() -> None:
    ring = load_key_ring({})
    assert ring.development and ring.current.id == "dev"
    assert load_key_ring({"BEIAN_ENV": "development"}).keys == ring.keys


def test_production_refuses_at_start_up(monkeypatch) -> None:
    for name in ("BEIAN_DATA_KEYS", "BEIAN_DATA_KEY_FILE", "BEIAN_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BEIAN_ENV", "production")
    with pytest.raises(KeyConfigError, match="BEIAN_ENV=production"):
        keys.require_keys()


def test_the_development_warning_is_logged_once(monkeypatch, caplog) -> None:
    for name in ("BEIAN_DATA_KEYS", "BEIAN_DATA_KEY_FILE", "BEIAN_HASH_KEY", "BEIAN_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(keys, "_warned", False)
    monkeypatch.setattr(keys, "_cache", None)
    caplog.set_level(logging.WARNING, logger="beian.crypto")
    for _ in range(3):
        assert keys.current_ring().development
    warnings = [r for r in caplog.records if "DEVELOPMENT KEYS" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_the_ring_follows_a_changed_environment(monkeypatch) -> None:
    monkeypatch.setenv("BEIAN_DATA_KEYS", f"one:{B64_32}")
    monkeypatch.setenv("BEIAN_HASH_KEY", HASH)
    assert keys.current_ring().current.id == "one"
    monkeypatch.setenv("BEIAN_DATA_KEYS", f"two:{B64_32_OTHER},one:{B64_32}")
    assert keys.current_ring().current.id == "two"


def test_the_cached_ring_follows_every_setting_set_or_removed(monkeypatch) -> None:
    for name in ("BEIAN_DATA_KEYS", "BEIAN_DATA_KEY_FILE", "BEIAN_HASH_KEY", "BEIAN_ENV"):
        monkeypatch.delenv(name, raising=False)
    assert keys.current_ring().development
    monkeypatch.setenv("BEIAN_DATA_KEYS", f"one:{B64_32}")
    monkeypatch.setenv("BEIAN_HASH_KEY", HASH)
    assert keys.current_ring().current.id == "one"
    monkeypatch.delenv("BEIAN_DATA_KEYS")
    assert keys.current_ring().development  # removed: the development ring again
    monkeypatch.setenv("BEIAN_ENV", "production")
    with pytest.raises(KeyConfigError):
        keys.current_ring()  # production without keys refuses, cache or not


def test_generated_lines_load_and_differ() -> None:
    first, second = generate_key_line("k1"), generate_key_line("k2")
    ring = load_key_ring({"BEIAN_DATA_KEYS": f"{second},{first}", "BEIAN_HASH_KEY": HASH})
    assert [key.id for key in ring.keys] == ["k2", "k1"]
    assert ring.keys[0].secret != ring.keys[1].secret and len(ring.keys[0].secret) == 32


def test_secrets_never_show_in_a_repr() -> None:
    ring = load_key_ring({"BEIAN_DATA_KEYS": f"a:{B64_32}", "BEIAN_HASH_KEY": HASH})
    text = repr(ring) + repr(ring.current)
    assert "\\x01" not in text and B64_32 not in text and "'a'" in text


def test_an_empty_ring_is_refused() -> None:
    with pytest.raises(KeyConfigError, match="no data key"):
        keys.KeyRing((), os.urandom(32))
