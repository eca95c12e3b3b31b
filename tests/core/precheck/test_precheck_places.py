"""Districts (1800-1809) and the address (1810-1819)."""

from __future__ import annotations

import pytest

RANGE = range(1800, 1900)
BASE = "icp_subject.base_info"


def place(doc, province, city, district):
    doc["icp_subject"]["base_info"].update(province=province, city=city, district=district)


def test_valid_filings_pass(found, enterprise, individual):
    assert found(enterprise, RANGE) == found(individual, RANGE) == set()


@pytest.mark.parametrize(
    ("codes", "errcode", "field"),
    [
        (("999999", "110100", "110108"), 1801, "province"),
        (("110100", "110100", "110108"), 1801, "province"),
        (("110000", "310100", "310104"), 1802, "city"),
        (("110000", "110100", "310104"), 1803, "district"),
        (("110000", "110100", "110100"), 1803, "district"),
    ],
)
def test_codes_must_nest(found, enterprise, codes, errcode, field):
    place(enterprise, *codes)
    enterprise["icp_subject"]["base_info"]["address"] = "某某路1号"
    assert found(enterprise, RANGE) == {(errcode, f"{BASE}.{field}")}


def test_a_city_without_districts_repeats_its_code(found, enterprise):
    place(enterprise, "440000", "441900", "441900")  # 东莞
    enterprise["icp_subject"]["base_info"]["address"] = "南城街道某某路1号"
    assert found(enterprise, RANGE) == set()


@pytest.mark.parametrize("address", ["北京市海淀区知春路99号", "海淀区知春路99号"])
def test_repeating_the_place_prefix_is_an_error(check, enterprise, address):
    enterprise["icp_subject"]["base_info"]["address"] = address
    hits = [(f.errcode, f.err_field, f.severity) for f in check(enterprise) if f.errcode in RANGE]
    assert hits == [(1811, f"{BASE}.address", "error")]


@pytest.mark.parametrize("address", ["北京海淀知春路99号", "海淀知春路99号"])
def test_a_short_place_name_at_the_start_is_a_warning(check, enterprise, address):
    enterprise["icp_subject"]["base_info"]["address"] = address
    hits = [(f.errcode, f.err_field, f.severity) for f in check(enterprise) if f.errcode in RANGE]
    assert hits == [(1812, f"{BASE}.address", "warning")]


def test_a_blank_address_is_left_to_the_required_rule(found, enterprise):
    enterprise["icp_subject"]["base_info"]["address"] = "  "
    assert found(enterprise, RANGE) == set()
    assert (1101, f"{BASE}.address") in found(enterprise)
