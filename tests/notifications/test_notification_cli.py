"""`beian sms outbox` and `beian outbox list` on a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beian.cli import main
from beian.clock import FixedClock
from beian.db import make_engine, make_sessionmaker, transaction
from beian.db.models import metadata
from beian.notifications.channels import Channels
from beian.notifications.service import deliver_due, enqueue

ALICE, BOB = "13800138000", "13900139000"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("BEIAN_DATABASE_URL", url)
    return url


def _send_texts(url: str, clock: FixedClock) -> None:
    engine = make_engine(url)
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    texts = [
        (ALICE, "sms_code", {"code": "482913", "applet_name": "图书角", "verify_url": "https://beian.example.cn/verify"}),
        (BOB, "sms_code", {"code": "105566", "applet_name": "图书角", "verify_url": "https://beian.example.cn/verify"}),
        (ALICE, "sms_reminder", {"applet_name": "图书角", "deadline": "2026-03-03 09:00"}),
    ]
    for n, (phone, template, params) in enumerate(texts):
        with transaction(sessions) as session:
            enqueue(
                session,
                channel="sms",
                recipient=phone,
                template=template,
                params=params,
                dedup_key=f"text:{n}",
                now=clock.now(),
            )
        deliver_due(sessions, clock=clock, channels=Channels())
        clock.advance(minutes=5)
    engine.dispose()


def test_sms_outbox_prints_texts_newest_last(
    database: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_texts(database, clock)
    assert main(["sms", "outbox"]) == 0
    lines = capsys.readouterr().out.splitlines()
    headers = [line for line in lines if line.startswith("#")]
    assert headers == [
        f"#1  2026-03-02 09:00:00 CST  12381 -> {ALICE}",
        f"#2  2026-03-02 09:05:00 CST  12381 -> {BOB}",
        f"#3  2026-03-02 09:10:00 CST  beian -> {ALICE}",
    ]
    assert "482913" in lines[1]


def test_sms_outbox_filters_by_phone_as_json(
    database: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_texts(database, clock)
    assert main(["sms", "outbox", "--phone", ALICE, "--json"]) == 0
    texts = json.loads(capsys.readouterr().out)
    assert [(t["phone"], t["sender"]) for t in texts] == [(ALICE, "12381"), (ALICE, "beian")]
    assert "482913" in texts[0]["text"]
    assert texts[0]["created_at"] == "2026-03-02T01:00:00+00:00"


def test_sms_outbox_says_when_it_is_empty(
    database: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_texts(database, clock)
    assert main(["sms", "outbox", "--phone", "13700137000"]) == 0
    assert capsys.readouterr().out.strip() == "本地短信发件箱中没有发给 13700137000 的短信"


def test_a_database_without_the_schema_is_a_usage_error(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sms", "outbox"]) == 2
    assert "run `beian db upgrade` first" in capsys.readouterr().err


def test_outbox_list_shows_status_per_row(
    database: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_texts(database, clock)
    assert main(["outbox", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["dedup_key"], r["status"], r["attempts"]) for r in rows] == [
        ("text:0", "delivered", 1),
        ("text:1", "delivered", 1),
        ("text:2", "delivered", 1),
    ]
    assert main(["outbox", "list", "--status", "dead"]) == 0
    assert capsys.readouterr().out.strip() == "没有符合条件的通知"


def test_outbox_retry_of_a_delivered_row_is_refused(
    database: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_texts(database, clock)
    assert main(["outbox", "retry", "1"]) == 2
    assert "only dead or skipped rows can be retried" in capsys.readouterr().err
