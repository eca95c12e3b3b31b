"""Required fields per subject type (1100-1199)."""

from __future__ import annotations

import pytest

from beian.core.precheck.rules.required import ORGANISATION_FIELDS, REQUIRED_FIELDS

RANGE = range(1100, 1200)


def test_complete_filings_pass(found, enterprise, individual):
    assert found(enterprise, RANGE) == set()
    assert found(individual, RANGE) == set()


def test_an_empty_document_names_every_required_field(found):
    assert found({}, RANGE) == {(1101, path) for path in REQUIRED_FIELDS}


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_text_counts_as_missing(found, enterprise, value):
    enterprise["icp_subject"]["principal_info"]["mobile"] = value
    assert found(enterprise, RANGE) == {(1101, "icp_subject.principal_info.mobile")}


def test_an_empty_list_counts_as_missing(found, enterprise):
    enterprise["icp_applets"]["base_info"]["nrlx_details"] = []
    assert found(enterprise, RANGE) == {(1101, "icp_applets.base_info.nrlx_details")}


def test_only_the_applet_principal_needs_a_face_task(found, enterprise):
    del enterprise["icp_applets"]["principal_info"]["verify_task_id"]
    assert found(enterprise, RANGE) == {(1101, "icp_applets.principal_info.verify_task_id")}
    assert "icp_subject.principal_info.verify_task_id" not in REQUIRED_FIELDS


def test_organisations_need_the_certificate_photo(found, enterprise):
    del enterprise["icp_subject"]["organize_info"]["certificate_photo"]
    assert found(enterprise, RANGE) == {(1102, path) for path in ORGANISATION_FIELDS}


def test_individuals_do_not_need_a_certificate_photo(found, individual):
    assert "certificate_photo" not in individual["icp_subject"]["organize_info"]
    assert found(individual, RANGE) == set()


@pytest.mark.parametrize("path", REQUIRED_FIELDS)
def test_each_required_field_is_missed_on_its_own(found, enterprise, path):
    *parents, name = path.split(".")
    part = enterprise
    for key in parents:
        part = part[key]
    is_text = isinstance(part[name], str)
    for value in (None, " \u3000") if is_text else (None,):
        part[name] = value
        assert found(enterprise, RANGE) == {(1101, path)}


def test_a_zero_number_counts_as_given(found, enterprise):
    enterprise["icp_subject"]["base_info"]["type"] = 0
    assert (1101, "icp_subject.base_info.type") not in found(enterprise, RANGE)
