"""`beian serve`: options, and the app it hands to uvicorn."""

from __future__ import annotations

import argparse
import importlib

import pytest
import uvicorn
from fastapi import FastAPI

from beian.web import cli as web_cli


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="beian")
    web_cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture
def served(monkeypatch):
    calls: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_serve_runs_uvicorn_on_the_configured_database(served, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path}/served.db"
    monkeypatch.setenv("BEIAN_DATABASE_URL", url)
    args = _parse("serve", "--host", "0.0.0.0", "--port", "9001")
    assert args.handler(args) == 0
    [(app, options)] = served
    assert isinstance(app, FastAPI)
    assert app.state.settings.database_url == url
    assert str(app.state.sessions.kw["bind"].url) == url
    assert options == {"host": "0.0.0.0", "port": 9001}


def test_several_workers_build_the_app_in_each_process(served):
    args = _parse("serve", "--workers", "3")
    args.handler(args)
    [(app, options)] = served
    # uvicorn can only start processes from an import string, never from an object.
    assert app == web_cli.APP_FACTORY
    assert options == {"factory": True, "host": "127.0.0.1", "port": 8000, "workers": 3}
    module, name = web_cli.APP_FACTORY.split(":")
    assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize("workers", ["0", "65", "two", "-1"])
def test_serve_refuses_a_bad_number_of_workers(workers, capsys):
    with pytest.raises(SystemExit) as caught:
        _parse("serve", "--workers", workers)
    assert caught.value.code == 2
    assert "processes" in capsys.readouterr().err


def test_serve_defaults_to_localhost_8000(served):
    args = _parse("serve")
    args.handler(args)
    assert served[0][1] == {"host": "127.0.0.1", "port": 8000}


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_serve_refuses_a_bad_port(port, capsys):
    with pytest.raises(SystemExit) as caught:
        _parse("serve", "--port", port)
    assert caught.value.code == 2
    assert "port" in capsys.readouterr().err
