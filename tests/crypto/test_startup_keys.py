"""In production the server and the worker refuse to start without configured data keys."""

from __future__ import annotations

import base64
import os

import pytest

from beian.cli import main
from beian.crypto import KeyConfigError
from beian.web.app import create_app


def test_the_server_refuses_to_start_in_production_without_keys(monkeypatch, sessions):
    for name in ("BEIAN_DATA_KEYS", "BEIAN_HASH_KEY", "BEIAN_DATA_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BEIAN_ENV", "production")
    with pytest.raises(KeyConfigError):
        create_app(sessions=sessions)
    with pytest.raises(KeyConfigError):
        main(["worker"])


def test_the_server_starts_in_production_with_keys(monkeypatch, sessions):
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("BEIAN_ENV", "production")
    monkeypatch.setenv("BEIAN_DATA_KEYS", f"k1:{key}")
    monkeypatch.setenv("BEIAN_HASH_KEY", base64.b64encode(os.urandom(32)).decode())
    assert create_app(sessions=sessions) is not None
