"""The pre-check entry point, its settings and its robustness."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import pytest

from beian.core import dictionaries
from beian.core.document import parse_document
from beian.core.precheck import RULES, PrecheckConfig, ProvinceRules, engine, precheck
from beian.core.precheck.context import dictionary_lookup, forget_stale_lookups


def test_a_parsed_document_is_checked_like_its_json(check, enterprise):
    enterprise["icp_applets"]["base_info"]["comment"] = "太短"
    doc, _ = parse_document(enterprise)
    assert check(doc) == check(enterprise)


def test_shape_problems_are_reported_alone(found):
    assert found({"icp_subject": {"base_info": {"type": "4"}}}) == {
        (1003, "icp_subject.base_info.type")
    }


def test_now_must_be_aware(enterprise):
    with pytest.raises(ValueError, match="aware"):
        precheck(enterprise, now=datetime(2026, 3, 2, 9))


def test_the_date_is_the_china_date(enterprise):
    enterprise["icp_subject"]["principal_info"]["certificate_validity_date_start"] = "20260302"
    # 2026-03-01 17:00 UTC is already 2026-03-02 in China
    late_utc = datetime.fromisoformat("2026-03-01T17:00:00+00:00")
    early_utc = datetime.fromisoformat("2026-03-01T15:00:00+00:00")
    assert not [f for f in precheck(enterprise, now=late_utc) if f.errcode == 1504]
    assert [f for f in precheck(enterprise, now=early_utc) if f.errcode == 1504]


def test_a_failing_rule_becomes_an_error_finding(check, enterprise, monkeypatch):
    def broken(doc, ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "RULES", (broken, *RULES))
    findings = check(enterprise)
    assert findings[0].errcode == 9001 and findings[0].is_error
    assert "broken" in findings[0].errmsg
    assert [f.errcode for f in findings[1:]] == [2601, 2801]  # the other rules still ran


def test_every_rule_is_registered_once():
    assert len(set(RULES)) == len(RULES) == 22


def test_config_from_mapping():
    config = PrecheckConfig.from_mapping(
        {
            "min_validity_months": 2,
            "individual_applet_limit": 3,
            "provinces": {
                "110000": {"min_validity_months": 3, "required_materials": ["promise_video"]}
            },
        }
    )
    assert config.min_validity_months_for("110000") == 3
    assert config.min_validity_months_for("440000") == 2
    assert config.min_validity_months_for(None) == 2
    assert config.required_materials_for("110000") == frozenset({"promise_video"})
    assert config.individual_applet_limit == 3
    assert config.organisation_applet_limit == 50


@pytest.mark.parametrize(
    "data",
    [
        {"colour": "red"},
        {"provinces": []},
        {"provinces": {"110000": {"required_materials": ["selfie"]}}},
        {"min_validity_months": -1},
        {"individual_applet_limit": 0},
    ],
)
def test_bad_config_is_refused(data):
    with pytest.raises(ValueError):
        PrecheckConfig.from_mapping(data)


def test_province_overrides_fall_back_to_the_national_months():
    config = PrecheckConfig(min_validity_months=2, provinces={"110000": ProvinceRules()})
    assert config.min_validity_months_for("110000") == 2


def test_dictionary_lookups_are_cached_until_the_dictionaries_reload():
    calls = []

    @dictionary_lookup
    def lookup(code):
        calls.append(code)
        return dictionaries.district(code)

    forget_stale_lookups()
    assert lookup("110000") is lookup("110000")
    assert calls == ["110000"]
    forget_stale_lookups()  # nothing reloaded: the cache stays
    lookup("110000")
    assert calls == ["110000"]
    dictionaries.clear_cache()
    forget_stale_lookups()
    lookup("110000")
    assert calls == ["110000", "110000"]


def test_a_check_after_a_reload_uses_the_reloaded_dictionaries(check, enterprise, monkeypatch):
    enterprise["icp_subject"]["base_info"]["district"] = "120101"  # a district of Tianjin
    assert (1803, "icp_subject.base_info.district") in {(f.errcode, f.err_field)
                                                        for f in check(enterprise)}
    reloaded = [*dictionaries.districts()]
    dictionaries.clear_cache()
    # The district moves to the filing's city (Beijing) in the reloaded data.
    moved = [
        replace(place, parent="110100") if place.code == "120101" else place
        for place in reloaded
    ]
    monkeypatch.setattr(dictionaries, "_read", _reading_districts(dictionaries._read, moved))
    try:
        assert (1803, "icp_subject.base_info.district") not in {
            (f.errcode, f.err_field) for f in check(enterprise)
        }
    finally:
        monkeypatch.undo()
        dictionaries.clear_cache()


def _reading_districts(read: Any, districts: list[Any]) -> Any:
    """dictionaries._read, with `districts` as the districts file."""

    def reading(name: str) -> Any:
        if name == "districts.json":
            return {"districts": [asdict(place) for place in districts]}
        return read(name)

    return reading


def test_unreadable_dictionaries_give_one_error_finding_not_an_exception(
    enterprise, monkeypatch
):
    # A broken data file must not turn every save into a server error: the pre-check
    # says it could not run (the draft is kept, the submission refused).
    def unreadable(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    dictionaries.clear_cache()
    monkeypatch.setattr(dictionaries, "_read", unreadable)
    try:
        findings = precheck(enterprise, now=datetime.fromisoformat("2026-03-02T09:00+08:00"))
    finally:
        monkeypatch.undo()
        dictionaries.clear_cache()
    assert [(f.errcode, f.is_error) for f in findings] == [(9001, True)]
    assert "字典" in findings[0].errmsg
    readable = precheck(enterprise, now=datetime.fromisoformat("2026-03-02T09:00+08:00"))
    assert not [f for f in readable if f.is_error]  # readable again: checked as before
