"""Certificate types (1200-1299) and validity dates (1500-1599)."""

from __future__ import annotations

import pytest

from beian.core.precheck import PrecheckConfig, ProvinceRules

TYPES = range(1200, 1300)
DATES = range(1500, 1600)
END = "icp_subject.principal_info.certificate_validity_date_end"
START = "icp_subject.principal_info.certificate_validity_date_start"


def test_valid_filings_pass(found, enterprise, individual):
    assert found(enterprise, TYPES) == found(individual, TYPES) == set()
    assert found(enterprise, DATES) == found(individual, DATES) == set()


def test_an_unknown_subject_type(found, enterprise):
    enterprise["icp_subject"]["base_info"]["type"] = 99
    assert (1201, "icp_subject.base_info.type") in found(enterprise, TYPES)


def test_the_subject_certificate_must_belong_to_the_subject_type(found, enterprise):
    enterprise["icp_subject"]["organize_info"]["certificate_type"] = 19  # a foundation's
    assert found(enterprise, TYPES) == {(1202, "icp_subject.organize_info.certificate_type")}


def test_an_unknown_subject_certificate_type(found, enterprise):
    enterprise["icp_subject"]["organize_info"]["certificate_type"] = 999
    assert found(enterprise, TYPES) == {(1202, "icp_subject.organize_info.certificate_type")}


@pytest.mark.parametrize("type_id", [1, 999])
def test_principals_only_use_personal_certificates(found, enterprise, type_id):
    enterprise["icp_applets"]["principal_info"]["certificate_type"] = type_id
    assert found(enterprise, TYPES) == {(1203, "icp_applets.principal_info.certificate_type")}


def test_a_passport_is_a_personal_certificate(found, individual):
    for part in ("principal_info", "organize_info"):
        individual["icp_subject"][part]["certificate_type"] = 7
    individual["icp_applets"]["principal_info"]["certificate_type"] = 7
    assert found(individual, TYPES) == set()


@pytest.mark.parametrize("value", ["2015-06-01", "20151301", "2015061", "２０１５０６０１"])
def test_start_must_be_a_yyyymmdd_date(found, enterprise, value):
    enterprise["icp_subject"]["principal_info"]["certificate_validity_date_start"] = value
    assert found(enterprise, DATES) == {(1501, START)}


@pytest.mark.parametrize("value", ["永久", "2035-06-01", "20350631"])
def test_end_must_be_a_date_or_long_term(found, enterprise, value):
    enterprise["icp_subject"]["principal_info"]["certificate_validity_date_end"] = value
    assert found(enterprise, DATES) == {(1502, END)}


def test_long_term_is_accepted(found, enterprise):
    enterprise["icp_subject"]["principal_info"]["certificate_validity_date_end"] = "长期"
    assert found(enterprise, DATES) == set()


def test_end_must_be_after_start(found, enterprise):
    principal = enterprise["icp_subject"]["principal_info"]
    principal["certificate_validity_date_start"] = "20250601"
    principal["certificate_validity_date_end"] = "20250601"
    assert found(enterprise, DATES) == {(1503, END)}


def test_start_may_not_be_in_the_future(found, enterprise):
    enterprise["icp_subject"]["principal_info"]["certificate_validity_date_start"] = "20260303"
    assert found(enterprise, DATES) == {(1504, START)}


@pytest.mark.parametrize(
    ("end", "bad"), [("20260402", True), ("20260403", False), ("20250101", True)]
)
def test_more_than_one_month_must_be_left(found, enterprise, end, bad):
    # today is 2026-03-02: one month later is 2026-04-02, which is not "more than" a month
    enterprise["icp_applets"]["principal_info"]["certificate_validity_date_end"] = end
    expected = (
        {(1505, "icp_applets.principal_info.certificate_validity_date_end")} if bad else set()
    )
    assert found(enterprise, DATES) == expected


def test_expired_certificates_say_so(check, enterprise):
    enterprise["icp_applets"]["principal_info"]["certificate_validity_date_end"] = "20250101"
    [finding] = [f for f in check(enterprise) if f.errcode == 1505]
    assert "已过期" in finding.errmsg


def test_a_province_may_ask_for_more_months(found, enterprise):
    enterprise["icp_subject"]["principal_info"]["certificate_validity_date_end"] = "20260501"
    strict = PrecheckConfig(provinces={"110000": ProvinceRules(min_validity_months=3)})
    elsewhere = PrecheckConfig(provinces={"440000": ProvinceRules(min_validity_months=3)})
    assert found(enterprise, DATES) == set()
    assert found(enterprise, DATES, config=elsewhere) == set()
    assert found(enterprise, DATES, config=strict) == {(1505, END)}
