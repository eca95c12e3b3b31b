"""Per-province rules: stored, validated, audited, and read by the pre-check."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from beian.audit.models import AuditEntry
from beian.core.precheck import PrecheckConfig, precheck
from beian.db import transaction
from beian.provinces.models import ProvinceRule
from beian.provinces.service import (
    MAX_VALIDITY_MONTHS,
    ProvinceRulesError,
    get_province_rules,
    load_precheck_config,
    set_province_rules,
)

GUANGDONG = "440000"
BEIJING = "110000"


def _set(sessions, clock, province, materials, months, actor="ops"):
    with transaction(sessions) as db:
        return set_province_rules(
            db,
            province=province,
            required_materials=materials,
            min_validity_months=months,
            now=clock.now(),
            actor=actor,
        )


def _config(sessions, **kwargs):
    with sessions() as db:
        return load_precheck_config(db, **kwargs)


def _codes(findings, field):
    return [f.errcode for f in findings if f.err_field == field]


def test_stored_rules_become_the_province_rules_of_the_precheck(sessions, clock):
    _set(sessions, clock, GUANGDONG, ["promise_video", "commitment_letter"], 3)
    config = _config(sessions)
    assert config.required_materials_for(GUANGDONG) == {"promise_video", "commitment_letter"}
    assert config.min_validity_months_for(GUANGDONG) == 3
    # Other provinces keep the national rules.
    assert config.required_materials_for(BEIJING) == frozenset()
    assert config.min_validity_months_for(BEIJING) == 1


def test_materials_alone_keep_the_national_validity(sessions, clock):
    _set(sessions, clock, GUANGDONG, ["promise_video"], None)
    config = _config(sessions, base=PrecheckConfig(min_validity_months=2))
    assert config.min_validity_months_for(GUANGDONG) == 2
    assert config.required_materials_for(GUANGDONG) == {"promise_video"}


def test_the_national_settings_of_the_base_are_kept(sessions, clock):
    _set(sessions, clock, GUANGDONG, [], 6)
    base = PrecheckConfig(min_validity_months=2, individual_applet_limit=3)
    config = _config(sessions, base=base)
    assert config.min_validity_months == 2
    assert config.individual_applet_limit == 3
    assert config.min_validity_months_for(GUANGDONG) == 6


def test_the_precheck_then_requires_the_material(world, document, sessions, clock):
    assert "promise_video" not in document["icp_materials"]
    without = precheck(document, now=clock.now(), config=_config(sessions))
    assert _codes(without, "icp_materials.promise_video") == []

    _set(sessions, clock, BEIJING, ["promise_video"], None)
    findings = precheck(document, now=clock.now(), config=_config(sessions))
    [missing] = [f for f in findings if f.err_field == "icp_materials.promise_video"]
    assert missing.severity == "error"
    assert "北京市要求提供承诺视频" in missing.errmsg


def test_the_precheck_then_asks_for_the_longer_validity(world, document, sessions, clock):
    # Two months and a bit left on 2026-03-02: enough nationally, not for three months.
    document["icp_subject"]["principal_info"]["certificate_validity_date_end"] = "20260510"
    field = "icp_subject.principal_info.certificate_validity_date_end"
    assert _codes(precheck(document, now=clock.now(), config=_config(sessions)), field) == []

    _set(sessions, clock, BEIJING, [], 3)
    findings = precheck(document, now=clock.now(), config=_config(sessions))
    [too_soon] = [f for f in findings if f.err_field == field]
    assert "剩余有效期不足 3 个月" in too_soon.errmsg


def test_saving_nothing_special_returns_the_province_to_the_national_rules(sessions, clock):
    _set(sessions, clock, GUANGDONG, ["promise_video"], 3)
    assert _set(sessions, clock, GUANGDONG, [], None) is None
    with sessions() as db:
        assert get_province_rules(db, GUANGDONG) is None
    assert GUANGDONG not in _config(sessions).provinces


def test_saving_again_replaces_the_rules(sessions, clock):
    _set(sessions, clock, GUANGDONG, ["promise_video", "commitment_letter"], 3)
    _set(sessions, clock, GUANGDONG, ["holding_certificate_photo"], 0)
    with sessions() as db:
        row = get_province_rules(db, GUANGDONG)
        assert row.required_materials == ["holding_certificate_photo"]
        assert row.min_validity_months == 0
        assert row.updated_by == "ops"
    assert _config(sessions).min_validity_months_for(GUANGDONG) == 0


@pytest.mark.parametrize(
    ("province", "materials", "months", "field"),
    [
        ("990000", [], 3, "province"),
        ("440100", [], 3, "province"),  # a city, not a province
        ("", [], 3, "province"),
        (GUANGDONG, ["promise_video", "selfie_with_cat"], None, "required_materials"),
        (GUANGDONG, [], -1, "min_validity_months"),
        (GUANGDONG, [], MAX_VALIDITY_MONTHS + 1, "min_validity_months"),
        (GUANGDONG, [], True, "min_validity_months"),
        (GUANGDONG, [], "3", "min_validity_months"),
    ],
)
def test_bad_rules_are_refused_naming_the_field_and_nothing_is_written(
    sessions, clock, province, materials, months, field
):
    with pytest.raises(ProvinceRulesError) as refused:
        _set(sessions, clock, province, materials, months)
    assert refused.value.err_field == field
    assert refused.value.errmsg and refused.value.suggest
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(ProvinceRule)) == 0
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_an_unknown_material_is_named_in_the_message(sessions, clock):
    with pytest.raises(ProvinceRulesError) as refused:
        _set(sessions, clock, GUANGDONG, ["selfie_with_cat"], None)
    assert "selfie_with_cat" in refused.value.errmsg
    assert "promise_video" in refused.value.suggest


def test_a_single_name_given_as_a_string_is_one_material(sessions, clock):
    _set(sessions, clock, GUANGDONG, "promise_video", None)
    assert _config(sessions).required_materials_for(GUANGDONG) == {"promise_video"}


def test_every_change_is_audited_and_a_repeat_is_not(sessions, clock):
    _set(sessions, clock, GUANGDONG, ["promise_video"], 3, actor="ops")
    _set(sessions, clock, GUANGDONG, ["promise_video"], 3, actor="ops")
    _set(sessions, clock, GUANGDONG, [], None, actor="ops")
    with sessions() as db:
        entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert [(e.actor, e.action, e.target_type, e.target_id) for e in entries] == [
        ("ops", "province.rules_set", "province", GUANGDONG),
        ("ops", "province.rules_set", "province", GUANGDONG),
    ]
    assert entries[0].detail == {
        "before": None,
        "after": {"required_materials": ["promise_video"], "min_validity_months": 3},
    }
    assert entries[1].detail["after"] is None


def test_a_stored_material_the_document_no_longer_has_is_ignored(sessions, clock):
    _set(sessions, clock, GUANGDONG, ["promise_video"], None)
    with transaction(sessions) as db:
        db.execute(
            update(ProvinceRule).values(required_materials=["promise_video", "retired_letter"])
        )
    assert _config(sessions).required_materials_for(GUANGDONG) == {"promise_video"}
