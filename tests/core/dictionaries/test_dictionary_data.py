"""Integrity of the shipped dictionaries: every reference resolves, the district tree holds."""

from __future__ import annotations

import re
import subprocess
import sys

from beian.core import dictionaries as d


def test_subject_ids_are_the_ones_the_spec_fixes() -> None:
    names = {t.type: t.name for t in d.subject_types()}
    assert names[1] == "国防机构"
    assert names[2] == "政府机关"
    assert names[3] == "事业单位"
    assert names[4] == "企业"
    assert names[5] == "个人"
    assert [t.type for t in d.subject_types() if t.individual] == [d.INDIVIDUAL_SUBJECT_TYPE]


def test_ids_are_unique_in_every_dictionary() -> None:
    for items in (d.subject_types(), d.certificate_types(), d.service_types(), d.nrlx_types()):
        ids = [item.type for item in items]
        assert len(ids) == len(set(ids))


def test_every_certificate_type_belongs_to_an_existing_subject_type() -> None:
    for cert in d.certificate_types():
        assert d.subject_type(cert.subject_type) is not None, cert


def test_every_subject_type_can_present_some_certificate() -> None:
    for subject in d.subject_types():
        assert d.certificate_types_for(subject.type), subject


def test_personal_certificates_are_exactly_those_of_individuals() -> None:
    for cert in d.certificate_types():
        assert cert.personal == (cert.subject_type == d.INDIVIDUAL_SUBJECT_TYPE), cert
    personal = {cert.name for cert in d.certificate_types() if cert.personal}
    assert {"居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证"} <= personal
    assert "外国人永久居留身份证" in personal


def test_resident_id_card_is_the_personal_type_2() -> None:
    card = d.certificate_type(d.RESIDENT_ID_CARD)
    assert card is not None
    assert (card.type, card.name, card.personal) == (2, "居民身份证", True)


def test_uscc_certificates_belong_to_organisations() -> None:
    for type_id in d.USCC_CERTIFICATE_TYPES:
        cert = d.certificate_type(type_id)
        assert cert is not None, type_id
        assert not cert.personal, cert
        assert "组织机构代码" not in cert.name, cert  # those carry 9-character codes
    enterprise = {c.type for c in d.certificate_types_for(4)} & d.USCC_CERTIFICATE_TYPES
    assert enterprise == {1}
    assert d.certificate_type(1).name.startswith("营业执照")


def test_level_2_service_types_hang_under_a_level_1_type() -> None:
    level_1 = {t.type for t in d.service_types() if t.parent_type == 0}
    assert len(level_1) >= 10
    for service in d.service_types():
        if service.parent_type:
            assert service.parent_type in level_1, service
        else:
            assert service.required_nrlx == (), service  # only level 2 is ever filed


def test_every_required_pre_approval_exists_and_is_a_real_approval() -> None:
    for service in d.service_types():
        for nrlx_id in service.required_nrlx:
            assert d.nrlx_type(nrlx_id) is not None, service
            assert nrlx_id != d.NRLX_NONE, service


def test_education_types_require_the_education_approval() -> None:
    (education,) = [t for t in d.service_types() if t.parent_type == 0 and t.name == "教育"]
    children = [t for t in d.service_types() if t.parent_type == education.type]
    assert len(children) >= 3
    for child in children:
        names = {d.nrlx_type(i).name for i in child.required_nrlx}
        assert "教育" in names, child


def test_sensitive_services_require_their_approval() -> None:
    def required(name: str, parent: str) -> set[str]:
        parents = {t.type for t in d.service_types() if t.name == parent and t.parent_type == 0}
        (service,) = [t for t in d.service_types() if t.name == name and t.parent_type in parents]
        return {d.nrlx_type(i).name for i in service.required_nrlx}

    assert required("医院", "医疗服务") == {"医疗保健"}
    assert required("医药", "医疗服务") == {"药品和医疗器械"}
    assert required("医疗器械", "医疗服务") == {"药品和医疗器械"}
    assert required("网络图书", "休闲娱乐") == {"出版"}
    assert required("视频", "休闲娱乐") == {"广播电影电视节目"}
    assert required("游戏", "休闲娱乐") == {"文化"}
    assert required("时政信息", "政务服务") == {"新闻"}
    assert required("生活缴费", "生活服务") == set()


def test_pre_approval_types_cover_the_known_kinds_and_none() -> None:
    names = {t.name for t in d.nrlx_types()}
    expected = {"教育", "新闻", "出版", "药品和医疗器械", "医疗保健", "文化", "宗教"}
    assert expected | {"广播电影电视节目", "以上都不涉及"} <= names
    assert d.nrlx_type(d.NRLX_NONE).name == "以上都不涉及"
    assert d.nrlx_type(d.NRLX_EDUCATION).name == "教育"


def test_district_codes_are_six_digits_and_unique() -> None:
    codes = [item.code for item in d.districts()]
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) == len(set(codes))


def test_district_tree_is_consistent() -> None:
    for item in d.districts():
        if item.level == 1:
            assert item.parent is None and item.code.endswith("0000"), item
            continue
        parent = d.district(item.parent)
        assert parent is not None and parent.level == item.level - 1, item
        if item.level == 2:
            assert item.code[:2] == parent.code[:2] and item.code.endswith("00"), item
        else:
            assert item.level == 3 and item.code[:4] == parent.code[:4], item


def test_district_counts_are_those_of_the_real_list() -> None:
    counts = {level: sum(1 for i in d.districts() if i.level == level) for level in (1, 2, 3)}
    assert 31 <= counts[1] <= 34
    assert counts[2] > 300
    assert counts[3] > 2800


def test_statistical_development_zones_are_not_districts() -> None:
    assert d.district("130171") is None  # 石家庄高新技术产业开发区: NBS only, not GB/T 2260
    assert not [i for i in d.districts() if i.level == 3 and i.code[4] == "7"]


def test_known_divisions_resolve_where_they_belong() -> None:
    expected = {
        "110105": ("朝阳区", "110100"),
        "310115": ("浦东新区", "310100"),
        "440305": ("南山区", "440300"),
        "330106": ("西湖区", "330100"),
        "500229": ("城口县", "500200"),
        "419001": ("济源市", "419000"),
        "469001": ("五指山市", "469000"),
        "659001": ("石河子市", "659000"),
        "441900": ("东莞市", "440000"),
    }
    for code, (name, parent) in expected.items():
        found = d.district(code)
        assert found is not None, code
        assert (found.name, found.parent) == (name, parent)


def test_data_loads_once_and_is_cached() -> None:
    assert d.districts() is d.districts()
    assert d.service_types() is d.service_types()


def test_dictionaries_are_pure_and_load_lazily() -> None:
    script = (
        "import sys\n"
        "import beian.core.dictionaries as d\n"
        "assert d.districts.cache_info().currsize == 0, 'loaded at import'\n"
        "d.districts(); d.certificate_types(); d.service_types()\n"
        "heavy = {'sqlalchemy', 'pydantic', 'fastapi', 'httpx', 'beian.db', 'beian.config'}\n"
        "print(sorted(m for m in sys.modules if m in heavy))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
