"""Look-ups by id and code, and the place check the pre-check builds on."""

from __future__ import annotations

import dataclasses

import pytest

from beian.core import dictionaries as d


def test_lookups_return_none_for_unknown_ids() -> None:
    assert d.subject_type(7) is None
    assert d.certificate_type(8) is None
    assert d.service_type(999) is None
    assert d.nrlx_type(7) is None
    assert d.district("999999") is None
    assert d.district("11") is None


def test_lookups_find_the_wechat_ids() -> None:
    assert d.subject_type(4) == d.SubjectType(type=4, name="企业", individual=False)
    assert d.service_type(1) == d.ServiceType(
        type=1, name="生活缴费", parent_type=500, required_nrlx=()
    )
    assert d.service_type(500).name == "生活服务"
    assert d.nrlx_type(3) == d.NrlxType(type=3, name="教育")


def test_entries_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.subject_type(5).name = "x"  # type: ignore[misc]


def test_certificate_types_for_a_government_body() -> None:
    names = {c.name for c in d.certificate_types_for(2)}
    assert names == {"统一社会信用代码证书", "组织机构代码证"}


def test_certificate_types_for_an_individual_are_all_personal() -> None:
    certs = d.certificate_types_for(d.INDIVIDUAL_SUBJECT_TYPE)
    assert d.RESIDENT_ID_CARD in {c.type for c in certs}
    assert all(c.personal for c in certs)


def test_the_spec_example_place_resolves() -> None:
    assert d.district("110000") == d.District("110000", "北京市", None, 1)
    assert d.district("110100").parent == "110000"
    assert d.district("110105") == d.District("110105", "朝阳区", "110100", 3)
    assert d.place_error("110000", "110100", "110105") is None


def test_child_districts() -> None:
    beijing = d.child_districts("110100")
    assert "110105" in {i.code for i in beijing}
    assert all(i.parent == "110100" for i in beijing)
    assert d.child_districts("110105") == ()


@pytest.mark.parametrize(
    ("province", "city", "district", "wrong"),
    [
        ("110000", "110100", "110105", None),
        ("410000", "419000", "419001", None),  # 省直辖县级行政区划 / 济源市
        ("500000", "500200", "500229", None),  # 重庆 县 / 城口县
        ("110100", "110100", "110105", "province"),
        ("990000", "110100", "110105", "province"),
        ("120000", "110100", "110105", "city"),
        ("110000", "110105", "110105", "city"),
        ("110000", "110100", "310115", "district"),
        ("110000", "110100", "110100", "district"),
        ("110000", "110100", "", "district"),
    ],
)
def test_place_error_names_the_wrong_field(
    province: str, city: str, district: str, wrong: str | None
) -> None:
    assert d.place_error(province, city, district) == wrong


@pytest.mark.parametrize(("province", "city"), [
    ("440000", "441900"),  # 东莞
    ("440000", "442000"),  # 中山
    ("460000", "460400"),  # 儋州
    ("620000", "620200"),  # 嘉峪关
])
def test_a_city_without_districts_is_its_own_district(province: str, city: str) -> None:
    assert d.child_districts(city) == ()
    assert d.place_error(province, city, city) is None
    assert d.place_error(province, city, city[:4] + "01") == "district"
