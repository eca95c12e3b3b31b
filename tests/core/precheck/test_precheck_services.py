"""Service content types and pre-approval items (1900-1999)."""

from __future__ import annotations

import pytest

RANGE = range(1900, 2000)
SERVICES = "icp_applets.base_info.service_content_types"
NRLX = "icp_applets.base_info.nrlx_details"
EDUCATION = {"type": 3, "code": "教民1101087000001号", "media": "m"}


def base(doc):
    return doc["icp_applets"]["base_info"]


def test_valid_filings_pass(found, enterprise, individual):
    assert found(enterprise, RANGE) == found(individual, RANGE) == set()


def test_at_most_five_service_types(found, individual):
    base(individual)["service_content_types"] = [1, 2, 3, 4, 5, 7]
    assert found(individual, RANGE) == {(1901, SERVICES)}
    base(individual)["service_content_types"] = [1, 2, 3, 4, 5]
    assert found(individual, RANGE) == set()


def test_service_types_must_exist(found, individual):
    base(individual)["service_content_types"] = [3, 9999]
    assert found(individual, RANGE) == {(1902, f"{SERVICES}.1")}


def test_level_one_types_cannot_be_chosen(found, individual):
    base(individual)["service_content_types"] = [500]
    assert found(individual, RANGE) == {(1903, f"{SERVICES}.0")}


def test_service_types_are_unique(found, individual):
    base(individual)["service_content_types"] = [3, 4, 3]
    assert found(individual, RANGE) == {(1904, f"{SERVICES}.2")}


def test_pre_approval_types_must_exist(found, enterprise):
    base(enterprise)["nrlx_details"].append({"type": 999, "code": "x", "media": "m"})
    assert found(enterprise, RANGE) == {(1906, f"{NRLX}.1.type")}


def test_pre_approvals_are_unique(found, enterprise):
    base(enterprise)["nrlx_details"].append(dict(EDUCATION))
    assert found(enterprise, RANGE) == {(1907, f"{NRLX}.1.type")}


@pytest.mark.parametrize(("field", "errcode"), [("code", 1908), ("media", 1909)])
def test_a_pre_approval_needs_number_and_document(found, enterprise, field, errcode):
    base(enterprise)["nrlx_details"][0][field] = " "
    assert found(enterprise, RANGE) == {(errcode, f"{NRLX}.0.{field}")}


def test_none_of_the_above_stands_alone(found, enterprise):
    base(enterprise)["nrlx_details"].append({"type": 24})
    assert found(enterprise, RANGE) == {(1910, f"{NRLX}.1.type")}


def test_none_of_the_above_needs_no_number(found, individual):
    assert base(individual)["nrlx_details"] == [{"type": 24}]
    assert found(individual, RANGE) == set()


def test_a_service_needing_approval_must_carry_it(check, enterprise):
    base(enterprise)["nrlx_details"] = [{"type": 24}]
    hits = [f for f in check(enterprise) if f.errcode in RANGE]
    assert {(f.errcode, f.err_field) for f in hits} == {(1911, NRLX)}
    assert len(hits) == 2  # 儿童教育 and 培训机构 both need 教育
    assert all("教育" in f.errmsg for f in hits)


def test_another_approval_does_not_stand_in_for_the_required_one(found, enterprise):
    base(enterprise)["nrlx_details"] = [{"type": 1, "code": "x", "media": "m"}]  # news
    assert found(enterprise, RANGE) == {(1911, NRLX)}


def test_a_training_body_may_hold_an_off_campus_training_licence_instead(found, enterprise):
    base(enterprise)["service_content_types"] = [79]
    base(enterprise)["nrlx_details"] = [{"type": 14, "code": "校外培训许可2026001号", "media": "m"}]
    assert found(enterprise, RANGE) == set()
    base(enterprise)["nrlx_details"] = [{"type": 24}]
    assert {code for code, _ in found(enterprise, RANGE)} != set()
