"""`beian dict NAME [--json]`: the shape of every dictionary as printed."""

from __future__ import annotations

import json

import pytest

from beian.cli import main


def _json_of(name: str, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["dict", name, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list) and rows
    return rows


def test_subject_types_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json_of("subject-types", capsys)
    assert {"type": 5, "name": "个人", "individual": True} in rows
    assert all(isinstance(row["type"], int) and row["name"] for row in rows)


def test_certificate_types_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json_of("certificate-types", capsys)
    by_type = {row["type"]: row for row in rows}
    assert by_type[2] == {
        "type": 2,
        "name": "居民身份证",
        "subject_type": 5,
        "personal": True,
        "uscc": False,
    }
    assert by_type[1]["subject_type"] == 4 and by_type[1]["uscc"] is True
    assert all({"type", "name", "subject_type"} <= row.keys() for row in rows)


def test_service_types_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json_of("service-types", capsys)
    by_type = {row["type"]: row for row in rows}
    assert by_type[506] == {"type": 506, "name": "教育", "parent_type": 0, "required_nrlx": []}
    assert by_type[79]["parent_type"] == 506
    assert by_type[79]["required_nrlx"] == [3, 14]  # education approval or off-campus licence
    assert all(isinstance(row["required_nrlx"], list) for row in rows)


def test_nrlx_types_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json_of("nrlx-types", capsys)
    assert {"type": 24, "name": "以上都不涉及"} in rows
    assert {"type": 3, "name": "教育"} in rows


def test_districts_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json_of("districts", capsys)
    chaoyang = {"type": 110105, "code": "110105", "name": "朝阳区", "parent": "110100", "level": 3}
    assert chaoyang in rows
    assert {"type": 110000, "code": "110000", "name": "北京市", "parent": None, "level": 1} in rows
    assert len(rows) > 3000


def test_readable_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "nrlx-types"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["type", "name"]
    assert "24    以上都不涉及" in lines


def test_unknown_name_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["dict", "colours"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "colours" in err
    for name in ("subject-types", "certificate-types", "service-types", "nrlx-types", "districts"):
        assert name in err
