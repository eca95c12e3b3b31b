"""`beian check`: one JSON line per file, exit 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beian.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
GOOD = str(EXAMPLES / "education-enterprise.json")
INDIVIDUAL = str(EXAMPLES / "individual.json")
BAD = str(EXAMPLES / "bad-individual.json")


def run(capsys, *args):
    status = main(["check", "--today", "2026-03-02", *args])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return status, lines


def test_valid_files_exit_zero(capsys):
    status, lines = run(capsys, GOOD, INDIVIDUAL)
    assert status == 0
    assert [(line["file"], line["ok"]) for line in lines] == [(GOOD, True), (INDIVIDUAL, True)]
    for line in lines:
        assert list(line) == ["file", "ok", "hints"]
        # Offline, the face check and the uploads named cannot be verified.
        assert [(hint["errcode"], hint["severity"]) for hint in line["hints"]] == [
            (2601, "warning"), (2801, "warning")
        ]
        assert set(line["hints"][0]) == {"errcode", "err_field", "errmsg", "suggest", "severity"}


def test_any_error_exits_one(capsys):
    status, lines = run(capsys, GOOD, BAD)
    assert status == 1
    assert [line["ok"] for line in lines] == [True, False]
    assert any(hint["errcode"] == 2403 for hint in lines[1]["hints"])


def test_unreadable_input_exits_two_and_still_reports(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"icp_subject": {,}', encoding="utf-8")
    missing = tmp_path / "missing.json"
    status, lines = run(capsys, BAD, str(broken), str(missing), GOOD)
    assert status == 2
    assert [line["file"] for line in lines] == [BAD, str(broken), str(missing), GOOD]
    assert [hint["errcode"] for hint in lines[1]["hints"]] == [1008]
    assert "第 1 行" in lines[1]["hints"][0]["errmsg"]
    assert [hint["errcode"] for hint in lines[2]["hints"]] == [1007]
    assert lines[1]["ok"] is lines[2]["ok"] is False


def test_a_non_utf8_file_is_unreadable(capsys, tmp_path):
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"name": "\xe9"}')
    status, lines = run(capsys, str(latin))
    assert status == 2 and lines[0]["hints"][0]["errcode"] == 1007


def test_today_moves_the_validity_check(capsys):
    status, lines = run(capsys, GOOD)
    assert status == 0
    status = main(["check", "--today", "2035-05-15", GOOD])
    line = json.loads(capsys.readouterr().out)
    assert status == 1
    assert {hint["errcode"] for hint in line["hints"]} >= {1505}


def test_config_applies_province_rules(capsys, tmp_path):
    config = tmp_path / "rules.json"
    config.write_text(
        json.dumps({"provinces": {"110000": {"required_materials": ["promise_video"]}}}),
        encoding="utf-8",
    )
    status, lines = run(capsys, "--config", str(config), GOOD)
    assert status == 1
    assert [h["err_field"] for h in lines[0]["hints"] if h["severity"] == "error"] == [
        "icp_materials.promise_video"
    ]


def test_a_bad_config_is_a_usage_error(capsys, tmp_path):
    config = tmp_path / "rules.json"
    config.write_text('{"colour": 1}', encoding="utf-8")
    assert main(["check", "--config", str(config), GOOD]) == 2
    assert "unknown settings" in capsys.readouterr().err


def test_a_bad_date_is_refused_by_argparse(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--today", "2026-13-01", GOOD])
    assert exit_info.value.code == 2
