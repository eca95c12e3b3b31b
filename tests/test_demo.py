"""`beian demo` takes one education filing through every stage (both databases)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from beian.clock import CHINA_TZ, FixedClock
from beian.core.numbering import parse_number
from beian.demo import APPLICANT, demo_document, run_demo
from beian.documents.models import Media
from beian.documents.storage import EncryptedStorage, LocalStorage

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_reaches_a_filing_number_with_a_full_timeline(sessions):
    lines: list[str] = []
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ))
    number = run_demo(sessions, clock, lines.append)
    parsed = parse_number(number)
    assert parsed is not None and parsed.abbreviation == "京" and parsed.kind == "applet"
    text = "\n".join(lines)
    for step in ("提交备案", "平台初审驳回", "重新提交", "平台初审通过", "短信核验通过",
                 "管局审核通过", "还可再试 4 次", "本步截止"):
        assert step in text, step
    assert text.rstrip().endswith(number)


def test_the_shipped_demo_filing_is_the_example_in_the_repository():
    example = json.loads((ROOT / "examples" / "education-enterprise.json").read_text("utf-8"))
    assert demo_document() == example


def test_the_demo_stores_a_file_for_every_upload_it_records(sessions, tmp_path):
    # On a configured database the filing is opened in the pages afterwards, which show
    # its files: each upload row must have its bytes, or the page's images answer 404.
    storage = EncryptedStorage(LocalStorage(tmp_path / "uploads"))
    run_demo(sessions, FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ)), lambda _: None,
             storage=storage)
    with sessions() as session:
        keys = session.scalars(select(Media.storage_key).where(Media.owner_key == APPLICANT))
        keys = list(keys)
    assert len(keys) >= 5  # licence, its retake, the principal's ID card sides, ...
    assert all(storage.exists(key) and storage.get(key) for key in keys)
