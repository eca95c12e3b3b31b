"""Conditional documents (2300-2399) and per-province materials (2700-2799)."""

from __future__ import annotations

import pytest

from beian.core.precheck import PrecheckConfig, ProvinceRules

DOCS = range(2300, 2400)
MATERIALS = range(2700, 2800)
LEGAL = "icp_subject.legal_person_info"


def test_valid_filings_pass(found, enterprise, individual):
    for codes in (DOCS, MATERIALS):
        assert found(enterprise, codes) == found(individual, codes) == set()


def test_a_principal_who_is_not_the_legal_person_needs_a_letter(found, enterprise):
    # legal_person_info names the subject principal, so the applet principal is someone else
    del enterprise["icp_applets"]["principal_info"]["authorization_letter"]
    assert found(enterprise, DOCS) == {(2303, "icp_applets.principal_info.authorization_letter")}


def test_a_letter_means_the_legal_person_must_be_named(found, enterprise):
    del enterprise["icp_subject"]["legal_person_info"]
    assert found(enterprise, DOCS) == {
        (2302, f"{LEGAL}.name"),
        (2302, f"{LEGAL}.certificate_number"),
    }


def test_legal_person_naming_another_person_needs_the_letter(found, enterprise):
    enterprise["icp_subject"]["legal_person_info"]["certificate_number"] = "110105199207080022"
    enterprise["icp_subject"]["legal_person_info"]["name"] = "李雨桐"
    assert found(enterprise, DOCS) == {
        (2303, "icp_subject.principal_info.authorization_letter"),
    }


def test_a_principal_who_is_the_legal_person_needs_nothing_more(found, enterprise):
    subject_principal = enterprise["icp_subject"]["principal_info"]
    enterprise["icp_applets"]["principal_info"] = dict(subject_principal, verify_task_id="t")
    del enterprise["icp_subject"]["legal_person_info"]
    assert found(enterprise, DOCS) == set()


def test_a_non_native_individual_needs_a_residence_permit(found, individual):
    individual["icp_subject"]["base_info"].update(
        province="110000", city="110100", district="110108"
    )
    individual["icp_subject"]["base_info"]["address"] = "知春路1号"
    assert found(individual, DOCS) == {(2304, "icp_subject.personal_info.residence_permit")}
    individual["icp_subject"]["personal_info"] = {"residence_permit": "media-permit"}
    assert found(individual, DOCS) == set()


def test_an_individual_subject_certificate_is_the_principal_id(found, individual):
    individual["icp_subject"]["organize_info"]["certificate_number"] = "110105199001011232"
    assert found(individual, DOCS) == {(2305, "icp_subject.organize_info.certificate_number")}


def test_an_individual_subject_certificate_type_is_the_principal_type(found, individual):
    individual["icp_subject"]["organize_info"]["certificate_type"] = 7
    assert found(individual, DOCS) == {(2305, "icp_subject.organize_info.certificate_type")}


def test_a_province_may_require_materials(found, enterprise, individual):
    config = PrecheckConfig(
        provinces={
            "110000": ProvinceRules(required_materials={"promise_video", "commitment_letter"})
        }
    )
    assert found(enterprise, MATERIALS, config=config) == {(2701, "icp_materials.promise_video")}
    assert found(individual, MATERIALS, config=config) == set()  # filed in 440000
    enterprise["icp_materials"]["promise_video"] = ["media-video"]
    assert found(enterprise, MATERIALS, config=config) == set()


def test_unknown_materials_cannot_be_configured():
    with pytest.raises(ValueError, match="icp_materials"):
        ProvinceRules(required_materials=frozenset({"selfie"}))
