"""`beian keys generate | check | rotate | rehash` against a SQLite file."""

from __future__ import annotations

import argparse
import base64

import pytest
from sqlalchemy import LargeBinary, select, type_coerce

from beian.cli import UsageError
from beian.crypto import cli
from beian.crypto.cipher import key_id_of
from beian.crypto.keys import load_key_ring
from beian.db import make_engine, make_sessionmaker, transaction
from beian.db.models import metadata
from beian.notifications.models import LocalSms

HASH = base64.b64encode(b"\x05" * 32).decode()


def run(capsys, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="beian")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    status = args.handler(args)
    return status, capsys.readouterr().out


def test_generate_prints_lines_the_key_ring_accepts(capsys) -> None:
    _, data_line = run(capsys, "keys", "generate", "--id", "k7")
    _, hash_line = run(capsys, "keys", "generate", "--hash")
    assert data_line.startswith("k7:") and hash_line.startswith("hash:")
    environ = {
        "BEIAN_DATA_KEYS": data_line.strip(),
        "BEIAN_HASH_KEY": hash_line.strip().split(":", 1)[1],
    }
    ring = load_key_ring(environ)
    assert ring.current.id == "k7" and len(ring.hash_key) == 32
    _, default = run(capsys, "keys", "generate")
    assert default.startswith("k20") and len(default.split(":")[0]) == 9


def test_generate_refuses_a_bad_id(capsys) -> None:
    with pytest.raises(UsageError, match="key id"):
        run(capsys, "keys", "generate", "--id", "no spaces please")


def test_check_names_the_keys_and_warns_about_development_keys(capsys, monkeypatch) -> None:
    for name in ("BEIAN_DATA_KEYS", "BEIAN_DATA_KEY_FILE", "BEIAN_HASH_KEY", "BEIAN_ENV"):
        monkeypatch.delenv(name, raising=False)
    _, out = run(capsys, "keys", "check")
    assert "dev" in out and "WARNING" in out
    monkeypatch.setenv("BEIAN_DATA_KEYS", cli.generate_key_line("k2"))
    monkeypatch.setenv("BEIAN_HASH_KEY", HASH)
    _, out = run(capsys, "keys", "check")
    assert "'k2'" in out and "WARNING" not in out
    monkeypatch.delenv("BEIAN_HASH_KEY")
    with pytest.raises(UsageError, match="BEIAN_HASH_KEY"):
        run(capsys, "keys", "check")


def test_rotate_and_rehash_from_the_command_line(capsys, monkeypatch, tmp_path, clock) -> None:
    url = f"sqlite:///{tmp_path}/beian.db"
    engine = make_engine(url)
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    monkeypatch.setenv("BEIAN_DATABASE_URL", url)
    monkeypatch.setenv("BEIAN_STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("BEIAN_HASH_KEY", HASH)
    old, new = cli.generate_key_line("old"), cli.generate_key_line("new")
    monkeypatch.setenv("BEIAN_DATA_KEYS", old)
    with transaction(sessions) as session:
        session.add(LocalSms(phone="13800138000", sender="12381", text="x", created_at=clock.now()))

    monkeypatch.setenv("BEIAN_DATA_KEYS", f"{new},{old}")
    status, out = run(capsys, "keys", "rotate", "--batch", "1")
    assert status == 0 and "local_sms.phone_encrypted: 1 rewritten" in out and "'new'" in out
    with sessions() as session:
        blob = session.scalar(select(type_coerce(LocalSms.phone_encrypted, LargeBinary)))
        assert key_id_of(blob) == "new"

    monkeypatch.setenv("BEIAN_HASH_KEY", base64.b64encode(b"\x06" * 32).decode())
    status, out = run(capsys, "keys", "rehash")
    assert status == 0 and "local_sms.phone_hash: 1 changed" in out
    with sessions() as session:
        assert session.scalars(select(LocalSms).where(LocalSms.phone == "13800138000")).one()
    with pytest.raises(UsageError, match="--batch"):
        run(capsys, "keys", "rotate", "--batch", "0")
    engine.dispose()
